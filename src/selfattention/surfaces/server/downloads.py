"""Downloads: the heatmap as a PNG and the whole explanation as one offline HTML page.

Both take the same body as ``POST /api/explain`` and are drawn by the library's renderers
(:mod:`selfattention.render.plot`, ``render(..., "html")``); this module only answers with
their bytes. The PNG endpoint exists when matplotlib (the ``plot`` extra) is installed.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ...explain import explain
from ...render import render
from . import features
from .payload import ExplainOptions, build_trace, explain_options, parse_body
from .schemas import ERROR_RESPONSES

__all__ = ["add_downloads"]

# matplotlib's style settings are process-wide: draw one figure at a time
_PLOT_LOCK = threading.Lock()


def add_downloads(app: FastAPI, read_body: Any, body_doc: dict[str, Any]) -> None:
    """Register the download endpoints that this installation can serve."""
    if features.has_png():

        @app.post(
            "/api/heatmap.png",
            tags=["downloads"],
            responses={200: {"content": {"image/png": {}}, "description": "The heatmap"}, **ERROR_RESPONSES},
            openapi_extra=body_doc,
        )
        async def heatmap_png(request: Request) -> Response:
            """The heatmap of the weights (every query), in the language asked for, as PNG."""
            options = explain_options(parse_body(await read_body(request)))
            png = await run_in_threadpool(_heatmap_png, options)
            return Response(png, media_type="image/png", headers=_attachment("attention.png"))

    if features.has_report():

        @app.post(
            "/api/report.html",
            tags=["downloads"],
            responses={200: {"content": {"text/html": {}}, "description": "The report"}, **ERROR_RESPONSES},
            openapi_extra=body_doc,
        )
        async def report_html(request: Request) -> Response:
            """Every step of every query with its meaning, as one offline HTML page."""
            options = explain_options(parse_body(await read_body(request)))
            page = await run_in_threadpool(_report_html, options)
            return Response(page, media_type="text/html; charset=utf-8", headers=_attachment("attention.html"))


def _heatmap_png(options: ExplainOptions) -> bytes:
    from ...render.plot import figure_bytes, trace_heatmap

    result = build_trace(options)
    words = explain(result, options.lang, options.precision)
    with _PLOT_LOCK:
        figure = trace_heatmap(result, lang=options.lang, title=words.title, precision=options.precision)
        return figure_bytes(figure, "png")


def _report_html(options: ExplainOptions) -> str:
    result = build_trace(options)
    with _PLOT_LOCK:  # the report draws its heatmap with matplotlib when it is installed
        return render(result, explain(result, options.lang, options.precision), "html")


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
