"""The heatmap as a block of a document: embedded (HTML), linked (Markdown) or explained away.

A document gets its picture right after the inputs table, under the language's "heatmap"
heading. ``overview`` is an optional complete trace of the same input: its whole matrix is
drawn and the queries of ``trace`` are outlined (a learner who asked about one token still
sees every row).

>>> from selfattention import explain, trace, seed_example
>>> t = trace(**seed_example().trace_kwargs())
>>> block = heatmap_picture(t, explain(t))
>>> block is not None and (block.svg[:5], block.note)
(b'<?xml', None)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import MissingExtraError
from ..explain import Explanation
from ..record.trace import AttentionTrace
from .document import Block, Heading, Picture, Table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["heatmap_figure", "heatmap_picture", "insert_picture", "linked_picture"]


def heatmap_picture(
    trace: AttentionTrace, explanation: Explanation, overview: AttentionTrace | None = None
) -> Picture | None:
    """The trace's heatmap as an SVG to embed; without matplotlib, a note saying so; None
    when there is no weight row to draw (no query traced)."""
    alt = _alt(trace, explanation)
    if not trace.steps:
        return None
    try:
        from .plot import figure_bytes, trace_heatmap

        shown, highlight = _shown(trace, overview)
        figure = trace_heatmap(shown, highlight=highlight, lang=explanation.lang)
        return Picture(alt=alt, svg=figure_bytes(figure, "svg"))
    except MissingExtraError:
        return Picture(alt=alt, note=explanation.labels["plot_unavailable"])


def heatmap_figure(trace: AttentionTrace, explanation: Explanation, overview: AttentionTrace | None = None) -> Figure:
    """The trace's heatmap in the explanation's language; with ``overview`` (a complete
    trace of the same input) the whole matrix, ``trace``'s queries outlined."""
    from .plot import trace_heatmap

    shown, highlight = _shown(trace, overview)
    return trace_heatmap(shown, highlight=highlight, lang=explanation.lang)


def linked_picture(trace: AttentionTrace, explanation: Explanation, link: str) -> Picture:
    """A picture written elsewhere (``--plot FILE``), linked by a relative path."""
    return Picture(alt=_alt(trace, explanation), link=link)


def insert_picture(blocks: list[Block], picture: Picture, heading: str) -> list[Block]:
    """``blocks`` with the picture under ``heading``, after the first table (the inputs)."""
    at = next((i + 1 for i, block in enumerate(blocks) if isinstance(block, Table)), len(blocks))
    return [*blocks[:at], Heading(2, heading), picture, *blocks[at:]]


def _shown(trace: AttentionTrace, overview: AttentionTrace | None) -> tuple[AttentionTrace, list[int]]:
    if overview is None or overview.tokens != trace.tokens or overview.key_tokens != trace.key_tokens:
        return trace, []
    if trace.is_complete:
        return trace, []
    return overview, list(trace.query_indices)


def _alt(trace: AttentionTrace, explanation: Explanation) -> str:
    return f"{explanation.labels['heatmap']}: {explanation.title}"
