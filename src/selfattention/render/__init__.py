"""Renderers: a trace plus its explanation, written in one format. No maths here.

>>> from selfattention import explain, trace
>>> from selfattention.sources.examples import seed_example
>>> t = trace(**seed_example().trace_kwargs())
>>> [line for line in render(t, explain(t), "text").splitlines() if "output  " in line]
['   output             = [1.0002, 2.9998, 4]', '   output             = [1.463, 2.537, 4]']
"""

from __future__ import annotations

from ..core.errors import InputError
from ..explain import Explanation
from ..record.trace import AttentionTrace
from .csv_export import to_csv
from .document import build_document
from .markdown import to_markdown
from .pictures import insert_picture, linked_picture
from .text import to_text

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "markdown", "json", "html", "csv")


def render(
    trace: AttentionTrace,
    explanation: Explanation,
    format: str = "text",
    *,
    picture: str | None = None,
    overview: AttentionTrace | None = None,
) -> str:
    """Write ``trace`` in ``format`` (one of :data:`FORMATS`); json is the trace itself,
    csv its weights, html one offline page with the heatmap inside. ``picture`` is a
    relative link to a heatmap file that Markdown shows; ``overview`` is a complete trace of
    the same input whose heatmap html draws, outlining ``trace``'s queries."""
    if format == "html":
        from .html import html_report  # matplotlib, if installed, is loaded only here

        return html_report(trace, explanation, overview)
    if format == "csv":
        return to_csv(trace, explanation)
    if format == "markdown" and picture is not None:
        blocks = insert_picture(
            build_document(trace, explanation),
            linked_picture(trace, explanation, picture),
            explanation.labels["heatmap"],
        )
        return to_markdown(blocks)
    if format == "json":
        return trace.to_json(indent=1) + "\n"
    if format == "text":
        return to_text(build_document(trace, explanation))
    if format == "markdown":
        return to_markdown(build_document(trace, explanation))
    raise InputError(f"unknown format {format!r}: choose one of {', '.join(FORMATS)}")
