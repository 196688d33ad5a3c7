"""The words beside an exercise (a worksheet) and beside a checked answer (the diagnosis).

What to say about a check is decided here once, as typed statements
(:class:`~.statements.CheckPassed`, :class:`~.statements.CheckFinding`), and each language
phrases them (``check_passed``, ``check_finding``) with the learner's own numbers.

>>> from selfattention.sources.exercises import generate_exercise
>>> from selfattention.explain.checker import check_answers
>>> ex = generate_exercise(seed=3, tokens=2, dim=2)
>>> dots = [[float(x) for x in s.dot_products] for s in ex.trace().steps]
>>> words = explain_check(check_answers(ex, {"dot_products": dots, "scaled_scores": dots}), "en")
>>> words.explanation.split(": at")[0]
'The first wrong step is the scaled scores of "Hello" (q0)'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..sources.exercises import Worksheet
from . import get_language
from .checker import CheckResult
from .statements import CheckFinding, CheckPassed, Statement

__all__ = ["CheckExplanation", "ExerciseExplanation", "explain_check", "explain_exercise", "plan_check"]


@dataclass(frozen=True)
class ExerciseExplanation:
    """The worksheet's words in one language: its labels (``exercise_*``) filled in."""

    lang: str
    title: str
    intro: tuple[str, ...]
    steps: dict[str, str]  # per step name, what to work out
    labels: dict[str, str]
    precision: int


@dataclass(frozen=True)
class CheckExplanation:
    lang: str
    statements: tuple[Statement, ...]
    explanation: str
    step_names: dict[str, str]
    labels: dict[str, str]
    precision: int


def explain_exercise(sheet: Worksheet, lang: str = "en", precision: int = 4) -> ExerciseExplanation:
    language = get_language(lang)
    labels = dict(language.labels)
    ex = sheet.exercise
    root = ex.d_head if abs(ex.scale * ex.d_head**0.5 - 1.0) < 1e-12 else None
    intro = [labels["exercise_intro"]]
    intro.append(language.exercise_scale(ex.d_head, ex.scale, root, precision))
    if ex.causal:
        intro.append(labels["exercise_causal"])
    if ex.mask is not None:
        intro.append(labels["exercise_mask"])
    asked = ", ".join(f'q{i} "{ex.tokens[i]}"' for i in ex.queries)
    intro.append(labels["exercise_asked"].format(queries=asked))
    steps = {name: labels[f"exercise_step_{name}"] for name in ("dot_products", "scaled_scores", "weights", "output")}
    return ExerciseExplanation(
        lang=language.code,
        title=labels["exercise_title"].format(seed=ex.seed),
        intro=tuple(intro),
        steps=steps,
        labels=labels,
        precision=precision,
    )


def plan_check(result: CheckResult) -> tuple[Statement, ...]:
    """What to say about a check: all right, or the first wrong step and why."""
    d = result.diagnosis
    if d is None:
        return (CheckPassed(tuple(s.name for s in result.steps)),)
    ex = result.exercise
    first = [s.name for s in result.steps].index(d.step)
    return (
        CheckFinding(
            step=d.step,
            code=d.code,
            query=d.query,
            query_token=ex.tokens[d.query],
            entry=d.entry,
            entry_token=None if d.step == "output" else ex.tokens[d.entry],
            given=d.given,
            expected=d.expected,
            given_row=d.given_row,
            expected_row=d.expected_row,
            inputs=tuple(None if d.step == "weights" and j in d.blocked else x for j, x in enumerate(d.inputs)),
            scale=ex.scale,
            d_head=ex.d_head,
            other_query=d.other_query,
            other_token=None if d.other_query is None else ex.tokens[d.other_query],
            term=d.term,
            term_kind=d.term_kind,
            term_factors=d.term_factors,
            blocked_tokens=tuple(ex.tokens[b] for b in d.blocked),
            given_sum=float(sum(x for x in d.given_row if x is not None)),
            sqrt_d=math.sqrt(ex.d_head),
            sum_factors=_factors(result, d.step, d.query, d.entry),
            also_wrong=tuple(s.name for s in result.steps[first + 1 :] if not s.correct),
        ),
    )


def _factors(result: CheckResult, step: str, query: int, entry: int) -> tuple[tuple[float, float], ...]:
    ex = result.exercise
    if step == "dot_products":
        return tuple((float(a), float(b)) for a, b in zip(ex.query[query], ex.key[entry], strict=True))
    if step == "output":
        weights = result.diagnosis.inputs if result.diagnosis is not None else ()
        return tuple((float(w), float(v)) for w, v in zip(weights, ex.value[:, entry], strict=True))
    return ()


def explain_check(result: CheckResult, lang: str = "en", precision: int = 4) -> CheckExplanation:
    language = get_language(lang)
    statements = plan_check(result)
    labels = dict(language.labels)
    return CheckExplanation(
        lang=language.code,
        statements=statements,
        explanation=" ".join(language.say(s, precision) for s in statements),
        step_names={name: labels[f"check_{name}"] for name in ("dot_products", "scaled_scores", "weights", "output")},
        labels=labels,
        precision=precision,
    )


def check_document(result: CheckResult, explanation: CheckExplanation) -> dict[str, Any]:
    """The JSON form: correct, first_wrong, mistake, steps, explanation."""
    return {
        "correct": result.correct,
        "first_wrong": result.first_wrong,
        "mistake": result.mistake,
        "steps": [
            {
                "name": s.name,
                "correct": s.correct,
                "expected": [list(row) for row in s.expected],
                "given": [list(row) for row in s.given],
                "tolerance": [list(row) for row in s.tolerance],
                "wrong": [{"query": result.exercise.queries[r], "entry": j} for r, j in s.wrong],
                "judged_from_your_numbers": s.from_own,
            }
            for s in result.steps
        ],
        "explanation": explanation.explanation,
    }
