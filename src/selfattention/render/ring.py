"""A ring attention run (:class:`~selfattention.record.ring.RingReport`) as text, Markdown or
JSON, and its (ranks x steps) figure: which block each rank holds at each step, coloured by
the share of that block's scores it computes (0 = skipped by causality).

No maths here: the numbers come in the report, the words in its
:class:`~selfattention.explain.ring.RingExplanation`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..explain.numbers import fmt
from ..explain.ring import RingExplanation
from ..record.ring import RingReport
from .document import Block, Heading, Paragraph, Picture, Table
from .markdown import to_markdown
from .text import to_text

if TYPE_CHECKING:  # matplotlib is imported lazily, by render.plot
    from matplotlib.figure import Figure

__all__ = ["ring_document", "ring_figure", "ring_json", "ring_markdown", "ring_shares", "ring_text"]


def ring_shares(report: RingReport) -> np.ndarray:
    """(ranks, steps): the share of the held block's scores each rank computes at each step."""
    shares = np.zeros((report.world_size, report.world_size))
    for stats in report.per_rank:
        for s in stats.steps:
            whole = report.layout.local_length(stats.rank) * report.layout.local_length(s.source)
            shares[stats.rank, s.step] = s.scores / whole if whole else 0.0
    return shares


def ring_figure(report: RingReport, explanation: RingExplanation) -> Figure:
    """The (ranks x steps) grid; a skipped block is grey."""
    from .plot import heatmap

    labels = explanation.labels
    shares = ring_shares(report)
    skipped = np.array([[s.work == "skipped" for s in stats.steps] for stats in report.per_rank])
    return heatmap(
        shares,
        [f"{labels['rank']} {r}" for r in range(report.world_size)],
        [str(step + 1) for step in range(report.world_size)],
        title=labels["figure_title"],
        subtitle=explanation.title,
        blocked=skipped,
        row_title=labels["rank"],
        col_title=labels["step"],
        value_label=labels["work"],
        vmin=0.0,
        vmax=1.0,
        precision=2,
        lang=explanation.lang,
    )


def ring_document(report: RingReport, explanation: RingExplanation, picture: str | None = None) -> list[Block]:
    labels, p = explanation.labels, explanation.precision
    blocks: list[Block] = [Heading(1, explanation.title), Paragraph(explanation.layout)]
    if picture:
        blocks.append(Picture(alt=labels["figure_title"], link=picture))
    blocks.append(Heading(2, labels["steps"]))
    blocks.extend(Paragraph(line) for line in explanation.steps)
    if explanation.merge is not None:
        blocks += [Heading(2, labels["merge"]), Paragraph(explanation.merge)]
    header = tuple(
        labels[key]
        for key in (
            "rank",
            "positions",
            "compute_seconds",
            "wait_seconds",
            "bytes_sent",
            "bytes_received",
            "block_bytes",
        )
    )
    rows = tuple(
        (
            str(stats.rank),
            ", ".join(f"{a}-{b - 1}" if b - a > 1 else str(a) for a, b in report.runs(stats.rank) if b > a),
            fmt(stats.compute_seconds, p),
            fmt(stats.wait_seconds, p),
            str(stats.bytes_sent),
            str(stats.bytes_received),
            str(stats.block_bytes),
        )
        for stats in report.per_rank
    )
    blocks += [Table(labels["per_rank"], header, rows), Paragraph(explanation.check)]
    return blocks


# -- the formats (see render.formats) --------------------------------------------------------


def ring_text(report: RingReport, explanation: RingExplanation, *, picture: str | None = None, **_: object) -> str:
    return to_text(ring_document(report, explanation, picture))


def ring_markdown(report: RingReport, explanation: RingExplanation, *, picture: str | None = None, **_: object) -> str:
    return to_markdown(ring_document(report, explanation, picture))


def ring_json(report: RingReport, explanation: RingExplanation, **_: object) -> str:
    """The report's data (the explanation adds nothing to it)."""
    return report.to_json(indent=1) + "\n"
