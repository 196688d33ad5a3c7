"""The explorer's views beyond one head: every head at a glance, a layer's heads side by side,
and the toy layer's whole pipeline. No maths and no prose here.

- ``POST /api/heads`` ``{"text", "model", "query", "key"}`` (``key`` optional): every layer x
  head of a real model in one forward pass (:func:`~selfattention.sources.models.rank_heads`):
  ``{"layers", "heads", "tokens", "weights", ...}`` with one row per layer and one number per
  head, the weight from the query to the key (without a key: to each head's heaviest key,
  named in ``top_keys``), and ``sink`` flags,
- ``POST /api/model/layer`` ``{"text", "model", "layer"}``: every head's whole pattern in one
  layer, each rebuilt and checked against the model's own attention,
- ``POST /api/text/layer``: the toy layer (the body of ``POST /api/text``) as its whole
  :class:`~selfattention.record.layer_trace.LayerTrace` document: tokens, embeddings,
  positions, X, W_Q, W_K, W_V, every head, the concatenation, W_O and the output.

Limits come before any work: the sentence's length, then its token count by the model's own
tokenizer (at most :data:`~.limits.MAX_TOKENS`), and only then the forward pass.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ...core.errors import InputError, LimitError
from ..view_documents import heads_document, layer_document
from . import features
from .limits import MAX_TEXT_CHARS, MAX_TOKENS, check_text
from .payload import parse_body
from .schemas import ERROR_RESPONSES
from .sources import _MODEL_LOCK as MODEL_LOCK  # one lock for every model call (see below)
from .sources import checked_object, model_names, parse_text_source
from .view_schemas import HeadsDocument, LayerTraceResponse, ModelLayerDocument

__all__ = ["add_views", "parse_heads_request", "parse_layer_request"]

ReadBody = Callable[[Request], Awaitable[bytes]]
# Real models load and run one at a time, under the same lock as /api/model: torch's thread
# setting is process-wide, and two threads loading a model at once race inside transformers'
# lazy imports ("module 'transformers' has no attribute 'AutoConfig'").


def _body(model: str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{model}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def add_views(app: FastAPI, read_body: ReadBody) -> None:
    """Register the views' endpoints that this installation can serve."""
    if features.has_models():

        @app.post(
            "/api/heads",
            tags=["views"],
            responses={200: {"model": HeadsDocument}, **ERROR_RESPONSES},
            openapi_extra=_body("HeadsRequest"),
        )
        async def heads(request: Request) -> Response:
            """Every layer x head of a real model at once: the weight from the query to the key
            (or to each head's heaviest key), and the heads that park weight on a sink token."""
            text, model, query, key = parse_heads_request(parse_body(await read_body(request)))
            return JSONResponse(await run_in_threadpool(_heads, text, model, query, key))

        @app.post(
            "/api/model/layer",
            tags=["views"],
            responses={200: {"model": ModelLayerDocument}, **ERROR_RESPONSES},
            openapi_extra=_body("ModelLayerRequest"),
        )
        async def model_layer(request: Request) -> Response:
            """Every head of one layer of a real model: its whole pattern, (heads, seq, seq)."""
            text, model, layer = parse_layer_request(parse_body(await read_body(request)))
            return JSONResponse(await run_in_threadpool(_layer, text, model, layer))

    if features.has_text():

        @app.post(
            "/api/text/layer",
            tags=["views"],
            responses={200: {"model": LayerTraceResponse}, **ERROR_RESPONSES},
            openapi_extra=_body("TextRequest"),
        )
        async def text_layer(request: Request) -> Response:
            """The toy layer's whole pipeline on a sentence, as its LayerTrace document."""
            source, lang = parse_text_source(parse_body(await read_body(request)))
            return JSONResponse(await run_in_threadpool(_text_layer, source, lang))


# -- reading the requests ------------------------------------------------------------------------


def _sentence(raw: dict[str, Any]) -> str:
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(
            f"text is {text!r}: expected a sentence", code="request_sentence_missing", field="text", text=text
        )
    check_text(text)
    return text


def _model(raw: dict[str, Any]) -> str:
    names = model_names()
    name = raw.get("model", next(iter(names), ""))
    if not isinstance(name, str) or name not in names:
        listing = ", ".join(sorted(names)) or "none (install the models extra)"
        raise InputError(
            f"model is {name!r}: expected one of the registered models: {listing}",
            code="request_model_not_registered" if names else "request_no_models",
            field="model",
            model=name,
            listing=listing,
        )
    return name


def _token(raw: dict[str, Any], what: str, required: bool) -> int | str | None:
    value = raw.get(what)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (isinstance(value, str) and not value.strip()):
        raise InputError(
            f'{what} is {value!r}: expected a token of the text (a word such as "it") or its 0-based position',
            code="request_token_invalid",
            field=what,
            value=value,
        )
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        raise LimitError(
            f"{what} has {len(value)} characters: at most {MAX_TEXT_CHARS} (max_text_chars)",
            code="web_request_token_too_long",
            field=what,
            length=len(value),
            limit=MAX_TEXT_CHARS,
        )
    return value


def parse_heads_request(raw: Any) -> tuple[str, str, int | str, int | str | None]:
    """``{"text", "model", "query", "key"}`` -> checked (text, model, query, key).

    >>> parse_heads_request({"text": "it was", "query": "it"})[2:]
    ('it', None)
    """
    raw = checked_object(raw, "the request", ("text", "model", "query", "key"), '{"text": ..., "query": "it"}')
    text = _sentence(raw)
    model = _model(raw)
    query = _token(raw, "query", required=True)
    if query is None:  # pragma: no cover - a required token is never None
        raise InputError("query is missing: expected a token of the text", code="request_query_missing")
    return text, model, query, _token(raw, "key", required=False)


def parse_layer_request(raw: Any) -> tuple[str, str, int]:
    """``{"text", "model", "layer"}`` -> checked (text, model, layer)."""
    raw = checked_object(raw, "the request", ("text", "model", "layer"), '{"text": ..., "layer": 0}')
    text = _sentence(raw)
    model = _model(raw)
    layer = raw.get("layer", 0)
    if isinstance(layer, bool) or not isinstance(layer, int) or layer < 0:
        raise InputError(
            f"layer is {layer!r}: expected a whole number from 0",
            code="request_field_not_index",
            field="layer",
            value=layer,
        )
    return text, model, layer


# -- the work ------------------------------------------------------------------------------------


def _check_tokens(text: str, model: str) -> None:
    """Refuse a text of more than MAX_TOKENS tokens by the model's tokenizer, before running it."""
    from ...sources.models import load_model

    count = len(load_model(model).tokenizer(text)["input_ids"])
    if count > MAX_TOKENS:
        raise LimitError(
            f"the text has {count} tokens for model {model!r}: the web explorer takes at most {MAX_TOKENS}"
            " (max_tokens); use the command line for longer texts",
            code="web_model_tokens_over_limit_cli",
            count=count,
            model=model,
            limit=MAX_TOKENS,
        )


@lru_cache(maxsize=32)
def _heads(text: str, model: str, query: int | str, key: int | str | None) -> dict[str, Any]:
    from ...sources.models import rank_heads

    with MODEL_LOCK:
        _check_tokens(text, model)
        return heads_document(rank_heads(text, query, key, model, top=1))


@lru_cache(maxsize=32)
def _layer(text: str, model: str, layer: int) -> dict[str, Any]:
    with MODEL_LOCK:
        _check_tokens(text, model)
        return layer_document(text, model, layer)


def _text_layer(source: tuple[str, int, int, int, int], lang: str) -> dict[str, Any]:
    from ...explain.layer import explain_layer
    from ...sources.embedding import tokenize
    from ...sources.pipeline import text_layer_trace

    text, d_model, num_heads, seed, _ = source
    count = len(tokenize(text))
    if count > MAX_TOKENS:
        raise LimitError(
            f"the text has {count} tokens: the web explorer takes at most {MAX_TOKENS} (max_tokens)",
            code="web_text_too_many_tokens",
            count=count,
            limit=MAX_TOKENS,
        )
    layer = text_layer_trace(text, d_model=d_model, num_heads=num_heads, seed=seed)
    words = explain_layer(layer, lang)
    return {"layer": layer.to_dict(), "words": {"title": words.title, "intro": list(words.intro)}}
