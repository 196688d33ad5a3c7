"""The ``heads`` report (every layer x head of a real model) as text, Markdown or JSON.

No maths here: the ranking, shares and flags come computed in
:class:`selfattention.sources.models.heads.HeadsReport`; the words come from a language's labels.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..core.errors import InputError
from ..explain.numbers import fmt
from ..sources.models.heads import SINK_SHARE, HeadsReport
from .document import Block, Heading, Paragraph, Table
from .markdown import to_markdown
from .text import to_text

if TYPE_CHECKING:  # matplotlib is imported lazily, by render.plot
    from matplotlib.figure import Figure

__all__ = ["HEADS_FORMATS", "heads_document", "heads_figure", "render_heads"]

HEADS_FORMATS = ("text", "markdown", "json")


def _title(report: HeadsReport, labels: dict[str, str]) -> str:
    names = {"query": report.query_token, "key": report.key_token, "model": report.model, "text": report.text}
    return labels["heads_key_title" if report.key_index is not None else "heads_title"].format(**names)


def heads_figure(report: HeadsReport, labels: dict[str, str], lang: str = "en") -> Figure:
    """The (layers x heads) grid as a heatmap: the weight from the query to the key, or
    without a key the largest weight of each head's query row."""
    from .plot import heatmap

    layers, heads = report.grid.shape
    if report.key_index is not None:
        value = f"{report.query_token} → {report.key_token}"
    else:
        value = f"{labels['max']} ({labels['weights']})"
    return heatmap(
        report.grid,
        [str(layer) for layer in range(layers)],
        [str(head) for head in range(heads)],
        title=_title(report, labels),
        row_title=labels["layer"],
        col_title=labels["head"],
        value_label=value,
        vmin=0.0,
        vmax=1.0,
        precision=2,
        lang=lang,
    )


def heads_document(report: HeadsReport, labels: dict[str, str], precision: int = 4) -> list[Block]:
    p = precision
    blocks: list[Block] = [Heading(1, _title(report, labels))]
    blocks.append(
        Paragraph(labels["heads_check"].format(count=report.head_count, difference=fmt(report.max_abs_difference, 2)))
    )

    def keys(row_keys: tuple[tuple[int, float], ...]) -> str:
        return ", ".join(f"{report.tokens[j]} {fmt(w, p)}" for j, w in row_keys)

    def flag(is_sink: bool, share: float) -> str:
        return f"* {fmt(share, 2)}" if is_sink else ""

    header: tuple[str, ...]
    if report.key_index is not None:
        header = (
            labels["rank"],
            labels["layer"],
            labels["head"],
            f"{report.query_token} → {report.key_token}",
            labels["top_keys"],
            labels["sink"],
        )
        rows: tuple[tuple[str, ...], ...] = tuple(
            (
                str(n),
                str(r.layer),
                str(r.head),
                fmt(r.weight or 0.0, p),
                keys(r.top_keys),
                flag(r.is_sink, r.sink_share),
            )
            for n, r in enumerate(report.rows, start=1)
        )
    else:
        header = (labels["layer"], labels["head"], labels["top_keys"], labels["sink"])
        rows = tuple((str(r.layer), str(r.head), keys(r.top_keys), flag(r.is_sink, r.sink_share)) for r in report.rows)
    blocks.append(Table(labels["tokens"] + ": " + " ".join(report.tokens), header, rows))
    sinks = sorted({report.tokens[i] for i in report.sink_positions})
    blocks.append(Paragraph(labels["heads_sink_note"].format(share=fmt(SINK_SHARE, 2), tokens=", ".join(sinks))))
    return blocks


def render_heads(report: HeadsReport, labels: dict[str, str], format: str = "text", precision: int = 4) -> str:
    """Write a heads report in ``format`` (one of :data:`HEADS_FORMATS`)."""
    if format == "json":
        return json.dumps(report.to_dict(), indent=1, ensure_ascii=False) + "\n"
    if format == "text":
        return to_text(heads_document(report, labels, precision))
    if format == "markdown":
        return to_markdown(heads_document(report, labels, precision))
    raise InputError(f"unknown format {format!r}: choose one of {', '.join(HEADS_FORMATS)}")
