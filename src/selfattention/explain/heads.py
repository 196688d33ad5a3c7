"""The words beside a :class:`~selfattention.sources.models.heads.HeadsReport` (every layer x
head of a real model), in one language: its title, the check of the rebuilt weights, the
note on sink heads, and the labels of the table.

>>> import numpy as np
>>> from selfattention.sources.models.heads import HeadsReport
>>> report = HeadsReport(model="minilm", text="it was", tokens=("[CLS]", "it", "was", "[SEP]"),
...     query_index=1, key_index=None, sink_positions=(0, 3), weights=np.full((1, 1, 4), 0.25),
...     rows=(), max_abs_difference=1e-7, tolerance=1e-4)
>>> explain_heads(report).title
'Where "it" looks in every head of minilm: "it was"'
"""

from __future__ import annotations

from dataclasses import dataclass

from ..sources.models.heads import SINK_SHARE, HeadsReport
from . import get_language
from .numbers import fmt

__all__ = ["HeadsExplanation", "explain_heads"]


@dataclass(frozen=True)
class HeadsExplanation:
    """Every word shown beside a heads report; renderers lay it out."""

    lang: str
    title: str
    check: str  # how closely the rebuilt weights match the model's own
    sink_note: str  # what the * beside a head means
    labels: dict[str, str]
    ranking: str | None  # with --top: which heads are listed, ranked by what
    precision: int


def explain_heads(report: HeadsReport, lang: str = "en", precision: int = 4) -> HeadsExplanation:
    """Words for a heads report; ``precision`` is the decimals its table shows."""
    language = get_language(lang)
    labels = dict(language.labels)
    token = report.names  # a repeated token with its position, "the@5"
    key = None if report.key_index is None else token[report.key_index]
    names = {"query": token[report.query_index], "key": key, "model": report.model, "text": report.text}
    title = labels["heads_key_title" if report.key_index is not None else "heads_title"].format(**names)
    sinks = sorted({report.tokens[i] for i in report.sink_positions})
    ranking = None
    if report.top is not None:
        counts = {"shown": len(report.rows), "count": report.head_count}
        ranking = labels["heads_top_key" if report.key_index is not None else "heads_top"].format(**names, **counts)
    return HeadsExplanation(
        lang=language.code,
        title=title,
        check=labels["heads_check"].format(count=report.head_count, difference=fmt(report.max_abs_difference, 2)),
        sink_note=labels["heads_sink_note"].format(share=fmt(SINK_SHARE, 2), tokens=", ".join(sinks)),
        labels=labels,
        ranking=ranking,
        precision=precision,
    )
