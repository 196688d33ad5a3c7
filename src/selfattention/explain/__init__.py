"""Explanations: a trace turned into words, from its facts, in one of several languages.

Two steps: :func:`.plan.plan_trace` decides what to say (typed statements, the same for
every language), then :func:`phrase_trace` has one language word each statement.

>>> from selfattention import trace
>>> from selfattention.sources.examples import seed_example
>>> e = explain(trace(**seed_example().trace_kwargs()), lang="en")
>>> e.queries[0].meaning[0]
'Weights: "Acting" gives 0.9999 to itself and 0.0001 to "Machines".'
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from ..core.errors import InputError
from ..record.trace import AttentionTrace
from . import languages
from .base import LABELS, Language
from .facts import QueryFacts
from .plan import STEP_KEYS, TracePlan, plan_trace
from .statements import DotProductTerms

__all__ = [
    "Explanation",
    "QueryExplanation",
    "available_languages",
    "default_language",
    "explain",
    "get_language",
    "phrase_trace",
]


@dataclass(frozen=True)
class QueryExplanation:
    """The words for one traced query, and what its steps show (``keys``, their ``terms``)."""

    index: int
    heading: str
    steps: dict[str, str]
    meaning: tuple[str, ...]
    facts: QueryFacts
    keys: tuple[int, ...]  # the keys the steps list (all, or the heaviest of a long row)
    terms: tuple[DotProductTerms, ...]  # per listed key, the dot product's terms to write out


@dataclass(frozen=True)
class Explanation:
    """Every word shown beside a trace, in one language; renderers lay it out."""

    lang: str
    title: str
    intro: tuple[str, ...]
    labels: dict[str, str]
    queries: tuple[QueryExplanation, ...]
    caveat: str
    precision: int

    def for_query(self, index: int) -> QueryExplanation:
        return next(q for q in self.queries if q.index == index)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def available_languages() -> dict[str, Language]:
    found: dict[str, Language] = {}
    for module in pkgutil.iter_modules(languages.__path__):
        language = importlib.import_module(f"{languages.__name__}.{module.name}").LANGUAGE
        missing = [label for label in LABELS if label not in language.labels]
        if missing:  # a programming error in a language module, caught by its tests
            raise RuntimeError(f"language {language.code!r} lacks labels {missing}")
        found[language.code] = language
    return found


def get_language(lang: str) -> Language:
    languages_ = available_languages()
    if lang not in languages_:
        choices = ", ".join(sorted(languages_))
        raise InputError(
            f"unknown language {lang!r}: choose one of {choices}", code="unknown_language", lang=lang, choices=choices
        )
    return languages_[lang]


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale asks for: "ko" when the first of LC_ALL, LC_MESSAGES and
    LANG that is set starts with "ko" (e.g. ko_KR.UTF-8), else "en".

    >>> default_language({"LANG": "ko_KR.UTF-8"}), default_language({"LANG": "C.UTF-8"})
    ('ko', 'en')
    >>> default_language({"LC_ALL": "en_US.UTF-8", "LANG": "ko_KR.UTF-8"})  # LC_ALL wins
    'en'
    """
    env = os.environ if environ is None else environ
    locale = next((env[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(name)), "")
    code = locale.split(".")[0].split("_")[0].lower()
    return code if code in available_languages() else "en"


def explain(trace: AttentionTrace, lang: str = "en", precision: int = 4) -> Explanation:
    """Build the words for a trace: title, steps and meaning per traced query, caveat. What
    is said is planned once (:func:`.plan.plan_trace`); the language only phrases it."""
    return phrase_trace(plan_trace(trace), get_language(lang), precision)


def phrase_trace(plan: TracePlan, language: Language, precision: int) -> Explanation:
    """A trace's plan in one language's words.

    >>> from selfattention import trace, seed_example
    >>> plan = plan_trace(trace(**seed_example().trace_kwargs()))
    >>> phrase_trace(plan, get_language("ko"), 4).queries[1].heading
    '"Machines" 단어를 쿼리(Query)로 하는 셀프 어텐션 (q1)'
    """
    queries = tuple(
        QueryExplanation(
            index=query.index,
            heading=language.say(query.heading, precision),
            steps={key: language.say(s, precision) for key, s in zip(STEP_KEYS, query.steps, strict=True)},
            meaning=tuple(language.say(s, precision) for s in query.meaning),
            facts=query.facts,
            keys=query.keys,
            terms=query.terms,
        )
        for query in plan.queries
    )
    return Explanation(
        lang=language.code,
        title=language.say(plan.title, precision),
        intro=tuple(language.say(s, precision) for s in plan.intro),
        labels=dict(language.labels),
        queries=queries,
        caveat=language.say(plan.caveat, precision),
        precision=precision,
    )
