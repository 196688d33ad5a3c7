"""An :class:`~selfattention.record.trace.AttentionTrace` in each of its formats: text and
Markdown (every step of every traced query), JSON (the trace itself), CSV (its weights) and
HTML (one offline page with the heatmap inside).

>>> from selfattention import explain, trace, seed_example
>>> t = trace(**seed_example().trace_kwargs())
>>> [line for line in trace_text(t, explain(t)).splitlines() if "output  " in line]
['   output             = [1.0002, 2.9998, 4]', '   output             = [1.463, 2.537, 4]']
"""

from __future__ import annotations

from typing import Any

from ..explain import Explanation
from ..record.trace import AttentionTrace
from .csv_export import to_csv
from .document import build_document
from .markdown import to_markdown
from .pictures import insert_picture, linked_picture
from .text import to_text

__all__ = ["record_json", "trace_csv", "trace_html", "trace_markdown", "trace_text"]


def trace_text(trace: AttentionTrace, explanation: Explanation, **_: Any) -> str:
    return to_text(build_document(trace, explanation))


def trace_markdown(trace: AttentionTrace, explanation: Explanation, *, picture: str | None = None, **_: Any) -> str:
    """``picture`` is a relative link to a heatmap file, shown after the inputs."""
    blocks = build_document(trace, explanation)
    if picture is not None:
        heading = explanation.labels["heatmap"]
        blocks = insert_picture(blocks, linked_picture(trace, explanation, picture), heading)
    return to_markdown(blocks)


def trace_html(
    trace: AttentionTrace, explanation: Explanation, *, overview: AttentionTrace | None = None, **_: Any
) -> str:
    """``overview`` is a complete trace of the same input: the page draws its whole matrix
    and outlines ``trace``'s queries."""
    from .html import html_report  # matplotlib, if installed, is loaded only here

    return html_report(trace, explanation, overview)


def trace_csv(trace: AttentionTrace, explanation: Explanation, **_: Any) -> str:
    return to_csv(trace, explanation)


def record_json(record: Any, explanation: object, **_: Any) -> str:
    """The record itself (an AttentionTrace or a LayerTrace), which reads back with ``from_json``."""
    text: str = record.to_json(indent=1)
    return text + "\n"
