"""Renderers: a record plus its explanation, written in one format. No maths here.

One entry for every kind of record (an AttentionTrace, a LayerTrace, a heads report):
:func:`render` writes text, :func:`draw` a figure, :func:`formats` says which formats a
record supports (the registry is :mod:`selfattention.render.formats`).

>>> from selfattention import explain, trace
>>> from selfattention.sources.examples import seed_example
>>> t = trace(**seed_example().trace_kwargs())
>>> [line for line in render(t, explain(t), "text").splitlines() if "output  " in line]
['   output             = [1.0002, 2.9998, 4]', '   output             = [1.463, 2.537, 4]']
"""

from __future__ import annotations

import warnings

from ..explain.layer import LayerExplanation
from ..record.layer_trace import LayerTrace
from .formats import draw, formats, render

__all__ = ["draw", "formats", "render", "render_layer"]


def render_layer(
    trace: LayerTrace, explanation: LayerExplanation, format: str = "text", *, picture: str | None = None
) -> str:
    """Deprecated: use :func:`render`, which takes a LayerTrace too (removed in a later release)."""
    warnings.warn(
        "render_layer is deprecated: render(layer_trace, explanation, format) does the same",
        DeprecationWarning,
        stacklevel=2,
    )
    return render(trace, explanation, format, picture=picture)
