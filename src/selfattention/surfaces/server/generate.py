"""Generation on the page: ``POST /api/generate``, greedy decoding with the KV cache, one head
traced for the token read at each step. No maths and no prose here.

The work is :func:`~selfattention.sources.models.generation.generate_traces`, the same as the
``selfattention generate`` command's; the answer is
:func:`~selfattention.surfaces.view_documents.generation_document`: the prompt's tokens, the
tokens generated, and per step the read token's query row over the keys so far (the cached
ones and its own), checked against the model's own weights and against the full
recomputation without a cache, with the explanation's words in the language asked for.

Refusals come before any model work, cheapest first: the request's shape and types, the
sentence's length, the model's name, ``max_new_tokens`` (at most :data:`~.limits.MAX_NEW_TOKENS`),
the language, the layer and head against the model's counts and whether it is a decoder
(:func:`~selfattention.sources.models.generation.check_generation`, from the registry or the
folder's config), and then the prompt's tokens by the model's own tokenizer: prompt and new
tokens together at most :data:`~.limits.MAX_TOKENS`. Only then does the model run.

>>> parse_generate_request({"text": "The capital of France is", "model": "smollm2"})
('The capital of France is', 'smollm2', 0, 0, 8, 'en')
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ...core.errors import InputError, LimitError
from ...explain import available_languages
from ..view_documents import generation_document
from .limits import MAX_NEW_TOKENS, MAX_TOKENS, check_text
from .payload import parse_body
from .schemas import ERROR_RESPONSES
from .sources import _MODEL_LOCK as MODEL_LOCK  # real models run one at a time (see views.py)
from .sources import BoundedCache, checked_object, decoder_names, model_names
from .view_schemas import GenerateDocument

__all__ = ["DEFAULT_NEW_TOKENS", "add_generate", "parse_generate_request"]

ReadBody = Callable[[Request], Awaitable[bytes]]
GenerateSource = tuple[str, str, int, int, int, str]  # text, model, layer, head, max_new_tokens, lang
DEFAULT_NEW_TOKENS = 8
_KEYS = ("text", "model", "layer", "head", "max_new_tokens", "lang")
#: the steps of recent generations (a step holds one row and the keys so far: 16 steps of a
#: 64-wide head over 64 keys are about 1 MiB); the words are made per request, per language
_GENERATIONS = BoundedCache(max_entries=8, max_bytes=16 * 1024 * 1024)


def add_generate(app: FastAPI, read_body: ReadBody) -> None:
    """Register ``POST /api/generate``."""

    @app.post(
        "/api/generate",
        tags=["views"],
        responses={200: {"model": GenerateDocument}, **ERROR_RESPONSES},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerateRequest"}}},
            }
        },
    )
    async def generate(request: Request) -> Response:
        """Generate greedily with the KV cache; per new token, its query row over the cached keys
        and its own, checked against the full recomputation, and its words."""
        source = parse_generate_request(parse_body(await read_body(request)))
        return JSONResponse(await run_in_threadpool(_generate, *source))


def parse_generate_request(raw: Any) -> GenerateSource:
    """``{"text", "model", "layer", "head", "max_new_tokens", "lang"}`` -> a checked request.
    The model defaults to the first registered decoder; only registered names are taken."""
    raw = checked_object(raw, "the request", _KEYS, '{"text": ..., "model": "smollm2", "max_new_tokens": 8}')
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"text is {text!r}: expected a prompt to continue", code="request_prompt_missing", text=text)
    check_text(text)
    names = model_names()
    default = next((name for name in decoder_names() if name in names), next(iter(names), ""))
    model = raw.get("model", default)
    if not isinstance(model, str) or model not in names:
        listing = ", ".join(sorted(names)) or "none (install the models extra)"
        raise InputError(
            f"model is {model!r}: expected one of the registered models: {listing}",
            code="request_model_not_registered" if names else "request_no_models",
            field="model",
            model=model,
            listing=listing,
        )
    numbers = []
    for what in ("layer", "head"):
        value = raw.get(what, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(
                f"{what} is {value!r}: expected a whole number from 0",
                code="request_field_not_index",
                field=what,
                value=value,
            )
        numbers.append(value)
    count = raw.get("max_new_tokens", DEFAULT_NEW_TOKENS)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InputError(
            f"max_new_tokens is {count!r}: expected a whole number from 1 to {MAX_NEW_TOKENS}",
            code="request_max_new_tokens_invalid",
            value=count,
            most=MAX_NEW_TOKENS,
        )
    if count > MAX_NEW_TOKENS:
        raise LimitError(
            f"max_new_tokens is {count}: the web explorer generates at most {MAX_NEW_TOKENS} tokens"
            " (max_new_tokens); use the command line (selfattention generate) for more",
            code="web_max_new_tokens_over_limit",
            count=count,
            most=MAX_NEW_TOKENS,
        )
    lang = raw.get("lang", "en")
    if not isinstance(lang, str) or lang not in available_languages():
        choices = ", ".join(sorted(available_languages()))
        raise InputError(
            f"lang is {lang!r}: expected one of {choices}",
            code="request_field_not_a_choice",
            field="lang",
            value=lang,
            choices=choices,
        )
    return text, model, numbers[0], numbers[1], count, lang


def _generate(text: str, model: str, layer: int, head: int, count: int, lang: str) -> dict[str, Any]:
    from ...sources.models.generation import check_generation, generate_traces

    check_generation(model, count, layer, head, limit=MAX_NEW_TOKENS)  # before any weights are read
    key = (text, model, layer, head, count)
    steps = _GENERATIONS.get(key)
    if steps is None:
        with MODEL_LOCK:
            _check_prompt(text, model, count)
            steps = generate_traces(text, model, count, layer, head)
        _GENERATIONS.put(key, steps)
    return generation_document(text, steps, lang)


def _check_prompt(text: str, model: str, count: int) -> None:
    """Refuse a prompt whose tokens and the new ones pass MAX_TOKENS, from the tokenizer alone."""
    from ...sources.models import load_model

    tokens = len(load_model(model).tokenizer(text)["input_ids"])
    if tokens + count > MAX_TOKENS:
        raise LimitError(
            f"the prompt has {tokens} tokens for model {model!r} and {count} more are asked: the web"
            f" explorer takes at most {MAX_TOKENS} in all (max_tokens); shorten the prompt or ask for fewer",
            code="web_prompt_over_limit",
            tokens=tokens,
            model=model,
            count=count,
            most=MAX_TOKENS,
        )
