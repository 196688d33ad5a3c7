"""The words beside a :class:`~selfattention.record.layer_trace.LayerTrace`, in one language.

A layer's explanation is the chosen head's own :class:`~selfattention.explain.Explanation`
(for the queries expanded step by step) plus the words of the stages around it: tokens,
embeddings, positional encoding, projections, every head in one line, concatenation, W_O.

>>> from selfattention.sources.pipeline import text_layer_trace
>>> e = explain_layer(text_layer_trace("the cat sat", d_model=4, seed=0), queries=["cat"])
>>> e.queries, e.head_summaries[0][0].startswith('head 0: "cat" looks most at')
((1,), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..core.errors import InputError
from ..record.layer_trace import LayerTrace
from . import Explanation, get_language, phrase_trace
from .base import Language
from .plan import LayerPlan, plan_layer
from .statements import Shown

__all__ = ["LayerExplanation", "explain_layer", "phrase_layer"]


@dataclass(frozen=True)
class LayerExplanation:
    """Every word shown beside a layer trace; renderers lay it out."""

    lang: str
    title: str
    intro: tuple[str, ...]
    sections: dict[str, str]
    labels: dict[str, str]
    head: int  # the head expanded step by step
    queries: tuple[int, ...]  # the query positions expanded step by step
    head_explanation: Explanation  # the chosen head's words, for those queries
    head_summaries: tuple[tuple[str, ...], ...]  # per expanded query, one line per head
    caveat: str
    precision: int

    def shown(self, shown: int, total: int, what: Literal["tokens", "numbers"]) -> str:
        """A note that a long input is cut for display (the first ``shown`` of ``total``)."""
        return get_language(self.lang).say(Shown(shown, total, what), self.precision)


def explain_layer(
    trace: LayerTrace,
    lang: str = "en",
    precision: int = 4,
    *,
    head: int = 0,
    queries: Sequence[int | str] | None = None,
) -> LayerExplanation:
    """Words for a layer trace. ``head`` (0-based) and ``queries`` (positions or tokens,
    default: the last traced query) are expanded step by step; the rest is summarised."""
    language = get_language(lang)
    trace.head(head)  # an unknown head is refused before anything else
    return phrase_layer(plan_layer(trace, int(head), _pick(trace, queries)), language, precision)


def phrase_layer(plan: LayerPlan, language: Language, precision: int) -> LayerExplanation:
    """A layer's plan in one language's words."""
    return LayerExplanation(
        lang=language.code,
        title=language.say(plan.title, precision),
        intro=tuple(language.say(s, precision) for s in plan.intro),
        sections=language.layer_sections(plan.sections),
        labels=dict(language.labels),
        head=plan.head,
        queries=plan.queries,
        head_explanation=phrase_trace(plan.head_plan, language, precision),
        head_summaries=tuple(tuple(language.say(s, precision) for s in row) for row in plan.head_summaries),
        caveat=language.say(plan.caveat, precision),
        precision=precision,
    )


def _pick(trace: LayerTrace, queries: Sequence[int | str] | None) -> list[int]:
    traced = trace.query_indices
    if not traced:
        raise InputError(
            "the layer trace has no traced queries: trace at least one", code="layer_trace_without_queries"
        )
    if queries is None:
        return [traced[-1]]
    if isinstance(queries, (str, int)):
        queries = [queries]
    tokens = trace.tokens
    listing = " ".join(f"{i}:{tokens[i]}" for i in traced)
    picked: list[int] = []
    for raw in queries:
        if isinstance(raw, str):
            matches = [i for i in traced if tokens[i] == raw]
            if not matches:
                raise InputError(
                    f"query {raw!r} is not among the traced tokens: {listing}",
                    code="layer_query_not_traced",
                    query=raw,
                    listing=listing,
                )
            index = matches[0]
        else:
            index = int(raw) + len(tokens) if int(raw) < 0 else int(raw)
            if index not in traced:
                raise InputError(
                    f"query position {raw} is not traced: traced positions and tokens are {listing}",
                    code="layer_query_position_not_traced",
                    position=raw,
                    listing=listing,
                )
        if index not in picked:
            picked.append(index)
    return picked
