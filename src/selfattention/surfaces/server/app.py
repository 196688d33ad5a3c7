"""The web explorer: one page and a JSON API over the library. No maths and no prose here.

Every answer is a library document: ``POST /api/trace`` returns exactly what
``selfattention explain --format json`` writes, ``POST /api/explain`` adds the explanation
(``Explanation.to_dict()``) in the language asked for, and the page draws both. Bad input
gets a 4xx with ``{"error": "...", "code": "..."}`` naming the problem (413 when it is over
a limit), in the language ``Accept-Language`` prefers (:mod:`.errors`); never a 500.

>>> from fastapi.testclient import TestClient
>>> client = TestClient(create_app())
>>> body = client.post("/api/trace", json={"query": [[1, 0]], "key": [[1, 0], [0, 1]],
...                                        "value": [[1], [3]], "scale": 1}).json()
>>> [round(w, 4) for w in body["steps"][0]["weights"]]
[0.7311, 0.2689]
>>> client.post("/api/trace", json={"query": [[1]]}).json()
{'error': 'request body lacks "key": query, key and value are required', 'code': 'input_missing_key'}
>>> client.post("/api/trace", json={"query": [[1]]}, headers={"Accept-Language": "ko"}).json()["error"]
'request body에 키가 없습니다: "key". query, key, value는 꼭 있어야 합니다'
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool

from ... import __version__
from ...core.errors import LimitError
from ...explain import available_languages, explain
from ...sources.examples import EXAMPLES, get_example
from . import features
from .downloads import add_downloads
from .errors import Refusal, add_error_handlers, error_response
from .exercises import add_exercises
from .generate import add_generate
from .hosts import LOCAL_HOSTS, host_name
from .limits import MAX_BODY_BYTES, MAX_DIM, MAX_NEW_TOKENS, MAX_TEXT_CHARS, MAX_TOKENS
from .payload import ExplainOptions, build_trace, explain_options, parse_body, read_input
from .schemas import (
    ERROR_RESPONSES,
    REQUEST_MODELS,
    ExampleDocument,
    ExplainResponse,
    InfoDocument,
    LanguageDocument,
    ModelsDocument,
    SourceDocument,
    TextDocument,
    TextOptions,
    TraceDocument,
)
from .sources import (
    D_MODELS,
    MODEL_EXAMPLE,
    NUM_HEADS,
    TEXT_EXAMPLE,
    decoder_names,
    example_source,
    model_names,
    model_source,
    parse_model_source,
    parse_text_source,
    text_source,
)
from .view_schemas import VIEW_REQUEST_MODELS
from .views import add_views

__all__ = ["LOCAL_HOSTS", "create_app"]


_STATIC = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "api.js": "text/javascript; charset=utf-8",
    "format.js": "text/javascript; charset=utf-8",
    "heatmap.js": "text/javascript; charset=utf-8",
    "steps.js": "text/javascript; charset=utf-8",
    "exercise.js": "text/javascript; charset=utf-8",
    "exercise.css": "text/css; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    # the views of issue #15: every head, a layer's heads, the head view, the toy pipeline
    "views.js": "text/javascript; charset=utf-8",
    "views.css": "text/css; charset=utf-8",
    "explorer.js": "text/javascript; charset=utf-8",
    "generate.js": "text/javascript; charset=utf-8",
    "pipeline.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
# the page loads nothing from elsewhere: scripts, styles, data and images come from here
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self';"
        " connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(allowed_hosts: list[str] | None = None) -> FastAPI:
    """The explorer's ASGI app. ``allowed_hosts`` restricts the Host header (the ``serve``
    command passes :func:`.hosts.allowed_hosts` of its address, whatever it is)."""
    app = FastAPI(
        title="selfattention explorer",
        version=__version__,
        description="Trace and explain self-attention step by step: the same documents as"
        " `selfattention explain`, for the page and for any client. A refusal is"
        ' `{"error": "...", "code": "..."}`, said in the language `Accept-Language` prefers.',
        # FastAPI's /docs and /redoc pages load their scripts from a CDN: nothing here does
        docs_url=None,
        redoc_url=None,
    )
    add_error_handlers(app)
    _add_headers(app, allowed_hosts)
    _add_page(app)
    _add_api(app)
    add_downloads(app, _read_body, _body("ExplainRequest"))
    add_views(app, _read_body)
    if features.has_models():
        add_generate(app, _read_body)  # /api/generate: decoders, token by token with the KV cache
    add_exercises(app, _read_body)  # the exercise tab: /api/exercise, /api/check
    _document_request_bodies(app)
    return app


# -- the page ------------------------------------------------------------------------------


def _static(name: str) -> bytes:
    return resources.files(__package__).joinpath("static").joinpath(name).read_bytes()


def _add_page(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def index() -> Response:
        return Response(_static("index.html"), media_type=_STATIC["index.html"])

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(_static("favicon.svg"), media_type=_STATIC["favicon.svg"])

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in _STATIC or name == "index.html":
            files = ", ".join(sorted(set(_STATIC) - {"index.html"}))
            raise Refusal(
                404,
                f"no static file {name!r}: the page's files are {files}",
                code="no_static_file",
                name=name,
                files=files,
            )
        return Response(_static(name), media_type=_STATIC[name], headers={"Cache-Control": "no-cache"})


# -- the API -------------------------------------------------------------------------------


def _add_api(app: FastAPI) -> None:
    @app.get("/api/info", response_model=InfoDocument, tags=["about"])
    def info() -> dict[str, Any]:
        """Version, limits, languages and which optional parts (renderers, models) exist."""
        return {
            "version": __version__,
            "languages": sorted(available_languages()),
            "examples": sorted(EXAMPLES),
            "limits": {
                "max_tokens": MAX_TOKENS,
                "max_dim": MAX_DIM,
                "max_text_chars": MAX_TEXT_CHARS,
                "max_body_bytes": MAX_BODY_BYTES,
                "max_new_tokens": MAX_NEW_TOKENS,
            },
            "features": features.available(),
        }

    @app.get("/api/languages", response_model=list[LanguageDocument], tags=["about"])
    def languages() -> list[dict[str, Any]]:
        """The explanation languages, with the labels the page shows in each."""
        return [features.language_document(code) for code in sorted(available_languages())]

    @app.get(
        "/api/example",
        response_model=ExampleDocument,
        response_model_exclude_unset=True,
        tags=["input"],
        responses=ERROR_RESPONSES,
    )
    def example(name: str = Query("seed", max_length=100, description="which example")) -> dict[str, Any]:
        """A built-in example as an input document (the seed's "Acting Machines" by default)."""
        ex = get_example(name)
        document, _ = example_source(name)
        return {"name": ex.name, "title": ex.title, "description": ex.description, "input": document}

    if features.has_text():

        @app.get("/api/text", response_model=TextOptions, tags=["input"])
        def text_options() -> dict[str, Any]:
            """The toy layer's sizes and a sentence to start from."""
            return {"example": TEXT_EXAMPLE, "d_model": list(D_MODELS), "num_heads": list(NUM_HEADS)}

        @app.post(
            "/api/text",
            response_model=TextDocument,
            response_model_exclude_unset=True,
            tags=["input"],
            responses=ERROR_RESPONSES,
            openapi_extra=_body("TextRequest"),
        )
        async def text(request: Request) -> dict[str, Any]:
            """A sentence through the toy layer: tokens, hash embeddings + positional encoding,
            seeded random W_Q, W_K, W_V; one head's Q, K, V as an input document."""
            source, lang = parse_text_source(parse_body(await _read_body(request)))
            document, provenance, words = await run_in_threadpool(text_source, source, lang)
            read_input(document, "the layer's vectors")
            return {"input": document, "provenance": provenance.to_dict(), "words": words}

    if features.has_models():

        @app.get("/api/models", response_model=ModelsDocument, tags=["input"])
        def models() -> dict[str, Any]:
            """The real models this server can run, and a sentence to start from."""
            return {"models": model_names(), "decoders": decoder_names(), "example": MODEL_EXAMPLE}

        @app.post(
            "/api/model",
            response_model=SourceDocument,
            response_model_exclude_unset=True,
            tags=["input"],
            responses=ERROR_RESPONSES,
            openapi_extra=_body("ModelRequest"),
        )
        async def model(request: Request) -> dict[str, Any]:
            """One head of a real model on a sentence, as an input document (Q, K, V rebuilt
            from the model and checked against its own attention) with its context."""
            source = parse_model_source(parse_body(await _read_body(request)))
            document, provenance = await run_in_threadpool(model_source, source)
            read_input(document, "the model's vectors")  # the web limits (e.g. at most 64 tokens)
            return {"input": document, "provenance": provenance.to_dict()}

    @app.post(
        "/api/trace",
        tags=["attention"],
        responses={200: {"model": TraceDocument}, **ERROR_RESPONSES},
        openapi_extra=_body("TraceInput"),
    )
    async def trace_endpoint(request: Request) -> Response:
        """Trace an ``explain --input`` document: the same JSON as ``explain --format json``."""
        data = read_input(parse_body(await _read_body(request)))
        result = await run_in_threadpool(lambda: build_trace(ExplainOptions(data)))
        return _json(result.to_dict())

    @app.post(
        "/api/explain",
        tags=["attention"],
        responses={200: {"model": ExplainResponse}, **ERROR_RESPONSES},
        openapi_extra=_body("ExplainRequest"),
    )
    async def explain_endpoint(request: Request) -> Response:
        """Trace and explain: ``{"trace": ..., "explanation": ...}`` in the language asked for."""
        options = explain_options(parse_body(await _read_body(request)))
        return _json(await run_in_threadpool(_explain_document, options))


def _explain_document(options: ExplainOptions) -> dict[str, Any]:
    result = build_trace(options)
    words = explain(result, options.lang, options.precision)
    return {"trace": result.to_dict(), "explanation": words.to_dict()}


def _json(document: Any) -> Response:
    # allow_nan=False: the library's documents write non-finite numbers as strings
    return JSONResponse(document)


async def _read_body(request: Request) -> bytes:
    """The body, refused unless it is declared ``application/json`` (415: a page elsewhere can
    send text/plain or a form without asking, but not JSON) and past MAX_BODY_BYTES without
    reading it all (413)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        declared_type = media_type or "without a type"
        raise Refusal(
            415,
            f"the request body is declared {declared_type}: send it as Content-Type: application/json",
            code="body_not_json",
            media_type=declared_type,
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise LimitError(
            f"the request body has {declared} bytes: at most {MAX_BODY_BYTES} (max_body_bytes)",
            code="body_too_large",
            size=declared,
            limit=MAX_BODY_BYTES,
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise LimitError(
                f"the request body is over {MAX_BODY_BYTES} bytes (max_body_bytes)",
                code="body_over_limit",
                limit=MAX_BODY_BYTES,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _body(model: str) -> dict[str, Any]:
    """OpenAPI for a JSON body that the library checks itself (see :mod:`.schemas`)."""
    schema = {"$ref": f"#/components/schemas/{model}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _document_request_bodies(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            _, definitions = models_json_schema(
                [(model, "validation") for model in (*REQUEST_MODELS, *VIEW_REQUEST_MODELS)],
                ref_template="#/components/schemas/{model}",
            )
            schema.setdefault("components", {}).setdefault("schemas", {}).update(definitions["$defs"])
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# -- errors and headers --------------------------------------------------------------------


def _add_headers(app: FastAPI, allowed_hosts: list[str] | None) -> None:
    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        host = host_name(request.headers.get("host", ""))
        if allowed_hosts and host not in allowed_hosts:
            names = ", ".join(allowed_hosts)
            refusal = Refusal(
                400,
                f"the Host header names {host!r}: this server answers only to {names}"
                " (serve --allow-host NAME adds a name)",
                code="host_not_allowed",
                host=host,
                names=names,
            )
            response: Response = error_response(request, refusal)
        else:
            response = await call_next(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.3f}"
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
