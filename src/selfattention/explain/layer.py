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
from dataclasses import dataclass, replace

from ..core.errors import InputError
from ..record.layer_trace import LayerTrace
from . import Explanation, explain, get_language
from .facts import query_facts

__all__ = ["LayerExplanation", "explain_layer"]


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

    def shown(self, shown: int, total: int, what: str) -> str:
        return get_language(self.lang).layer_shown(shown, total, what)


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
    chosen = trace.head(head)
    picked = _pick(trace, queries)
    sub_trace = replace(chosen, steps=tuple(chosen.step(i) for i in picked))
    summaries = tuple(
        tuple(
            language.layer_head_summary(trace, h, query_facts(head_trace, head_trace.step(i)), precision)
            for h, head_trace in enumerate(trace.heads)
        )
        for i in picked
    )
    return LayerExplanation(
        lang=language.code,
        title=language.layer_title(trace),
        intro=tuple(language.layer_intro(trace, precision)),
        sections=language.layer_sections(trace, int(head), precision),
        labels=dict(language.labels),
        head=int(head),
        queries=tuple(picked),
        head_explanation=explain(sub_trace, lang, precision),
        head_summaries=summaries,
        caveat=language.layer_caveat(trace),
        precision=precision,
    )


def _pick(trace: LayerTrace, queries: Sequence[int | str] | None) -> list[int]:
    traced = trace.query_indices
    if not traced:
        raise InputError("the layer trace has no traced queries: trace at least one")
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
                raise InputError(f"query {raw!r} is not among the traced tokens: {listing}")
            index = matches[0]
        else:
            index = int(raw) + len(tokens) if int(raw) < 0 else int(raw)
            if index not in traced:
                raise InputError(f"query position {raw} is not traced: traced positions and tokens are {listing}")
        if index not in picked:
            picked.append(index)
    return picked
