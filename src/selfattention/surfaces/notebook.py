"""The notebook display: a trace in Jupyter or VS Code shows itself as the HTML report.

Records import no renderer, so the display is registered from here, above them, when
:mod:`selfattention` is imported.
"""

from __future__ import annotations

from ..explain import default_language, explain
from ..record.trace import AttentionTrace, set_html_display
from ..render.html import html_report

__all__ = ["register", "trace_html"]


def trace_html(trace: AttentionTrace) -> str:
    """The ``--format html`` report's ``<style>`` and ``<main>``, in the locale's language."""
    return html_report(trace, explain(trace, default_language()), fragment=True)


def register() -> None:
    set_html_display(trace_html)
