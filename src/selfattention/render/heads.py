"""The ``heads`` report (every layer x head of a real model) as text, Markdown or JSON, and
its (layers x heads) grid as a figure.

No maths here: the ranking, shares and flags come computed in
:class:`selfattention.sources.models.heads.HeadsReport`; the words come from its
:class:`~selfattention.explain.heads.HeadsExplanation`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..explain.heads import HeadsExplanation
from ..explain.numbers import fmt
from ..sources.models.heads import HeadsReport
from .document import Block, Heading, Paragraph, Table
from .markdown import to_markdown
from .text import to_text

if TYPE_CHECKING:  # matplotlib is imported lazily, by render.plot
    from matplotlib.figure import Figure

__all__ = ["heads_document", "heads_figure", "heads_json", "heads_markdown", "heads_text"]


def heads_figure(report: HeadsReport, explanation: HeadsExplanation) -> Figure:
    """The (layers x heads) grid as a heatmap: the weight from the query to the key, or
    without a key the largest weight of each head's query row."""
    from .plot import heatmap

    labels, names = explanation.labels, report.names
    layers, heads = report.grid.shape
    if report.key_index is not None:
        value = f"{names[report.query_index]} → {names[report.key_index]}"
    else:
        value = f"{labels['max']} ({labels['weights']})"
    return heatmap(
        report.grid,
        [str(layer) for layer in range(layers)],
        [str(head) for head in range(heads)],
        title=explanation.title,
        row_title=labels["layer"],
        col_title=labels["head"],
        value_label=value,
        vmin=0.0,
        vmax=1.0,
        precision=2,
        lang=explanation.lang,
    )


def heads_document(report: HeadsReport, explanation: HeadsExplanation) -> list[Block]:
    p, labels, names = explanation.precision, explanation.labels, report.names  # names: "the@5" when repeated
    blocks: list[Block] = [Heading(1, explanation.title), Paragraph(explanation.check)]
    if explanation.ranking:
        blocks.append(Paragraph(explanation.ranking))

    def keys(row_keys: tuple[tuple[int, float], ...]) -> str:
        return ", ".join(f"{names[j]} {fmt(w, p)}" for j, w in row_keys)

    def flag(is_sink: bool, share: float) -> str:
        return f"* {fmt(share, 2)}" if is_sink else ""

    header: tuple[str, ...]
    if report.key_index is not None:
        header = (
            labels["rank"],
            labels["layer"],
            labels["head"],
            f"{names[report.query_index]} → {names[report.key_index]}",
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
    elif report.top is not None:  # ranked by the weight of each head's heaviest key, named first
        header = (
            labels["rank"],
            labels["layer"],
            labels["head"],
            f"{names[report.query_index]} → {labels['heaviest_key']}",
            labels["top_keys"],
            labels["sink"],
        )
        rows = tuple(
            (
                str(n),
                str(r.layer),
                str(r.head),
                keys(r.top_keys[:1]),
                keys(r.top_keys),
                flag(r.is_sink, r.sink_share),
            )
            for n, r in enumerate(report.rows, start=1)
        )
    else:
        header = (labels["layer"], labels["head"], labels["top_keys"], labels["sink"])
        rows = tuple((str(r.layer), str(r.head), keys(r.top_keys), flag(r.is_sink, r.sink_share)) for r in report.rows)
    blocks.append(Table(labels["tokens"] + ": " + " ".join(report.tokens), header, rows))
    blocks.append(Paragraph(explanation.sink_note))
    return blocks


# -- the formats (see render.formats) --------------------------------------------------------


def heads_text(report: HeadsReport, explanation: HeadsExplanation, **_: object) -> str:
    return to_text(heads_document(report, explanation))


def heads_markdown(report: HeadsReport, explanation: HeadsExplanation, **_: object) -> str:
    return to_markdown(heads_document(report, explanation))


def heads_json(report: HeadsReport, explanation: HeadsExplanation, **_: object) -> str:
    """The report's data (the explanation adds nothing to it)."""
    return json.dumps(report.to_dict(), indent=1, ensure_ascii=False) + "\n"
