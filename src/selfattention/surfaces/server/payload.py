"""Reading a web request into the library's inputs: one JSON object, checked field by field.

A request body is read whole (at most :data:`~.limits.MAX_BODY_BYTES`), decoded as UTF-8
and parsed as JSON without NaN or Infinity; a lone surrogate (``"\\ud800"``) in any string is
refused, naming where (:func:`selfattention.sources.vectors.valid_text`). Its ``input`` part is exactly an
``explain --input`` document and goes through :func:`selfattention.sources.vectors.input_from_dict`,
so the web and the command line accept and refuse the same things with the same words.
Every refusal is a :class:`~selfattention.core.errors.SelfAttentionError`.

>>> options = explain_options({"input": {"query": [[1]], "key": [[1]], "value": [[2]]}})
>>> options.lang, options.precision, options.temperature
('en', 4, 1.0)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from ...core.errors import InputError, LimitError
from ...core.kernels import default_scale
from ...record.trace import AttentionTrace, trace
from ...sources.vectors import VectorInput, input_from_dict, valid_text
from .limits import MAX_BODY_BYTES, check_input
from .sources import (
    ModelSource,
    checked_object,
    example_source,
    model_source,
    parse_model_source,
    same_vectors,
)

__all__ = [
    "MAX_PRECISION",
    "MAX_TEMPERATURE",
    "MIN_TEMPERATURE",
    "ExplainOptions",
    "build_trace",
    "explain_options",
    "parse_body",
    "read_input",
]

MIN_TEMPERATURE = 0.01
MAX_TEMPERATURE = 100.0
MAX_PRECISION = 15
_MAX_INT_DIGITS = 300
_EXPLAIN_KEYS = ("input", "example", "model", "lang", "precision", "temperature")


@dataclass(frozen=True)
class ExplainOptions:
    """What ``POST /api/explain`` (and the downloads) asks for besides the vectors."""

    data: VectorInput
    example: str | None = None
    lang: str = "en"
    precision: int = 4
    temperature: float = 1.0
    model: ModelSource | None = None


def parse_body(raw: bytes) -> Any:
    """Bytes of a request body -> the parsed JSON value, or a clear refusal."""
    if len(raw) > MAX_BODY_BYTES:
        raise LimitError(
            f"the request body has {len(raw)} bytes: at most {MAX_BODY_BYTES} (max_body_bytes)",
            code="body_too_large",
            size=len(raw),
            limit=MAX_BODY_BYTES,
        )
    if not raw.strip():
        raise InputError("the request body is empty: expected a JSON object", code="request_body_empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"the request body is not UTF-8 text (byte {error.start}): expected a JSON object",
            code="request_body_not_utf8",
            byte=error.start,
        ) from None
    try:
        return _valid_strings(json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int))
    except json.JSONDecodeError as error:
        raise InputError(
            f"the request body is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            code="request_body_bad_json",
            reason=error.msg,
            line=error.lineno,
            column=error.colno,
        ) from None
    except RecursionError:
        raise InputError(
            "the request body is nested too deeply: expected a JSON object", code="request_body_too_deep"
        ) from None


def read_input(data: Any, source: str = "request body") -> VectorInput:
    """An ``explain --input`` document -> checked vectors within the web limits."""
    vectors = input_from_dict(data, source)
    check_input(vectors)
    return vectors


def explain_options(data: Any) -> ExplainOptions:
    """``{"input": {...}, "example", "lang", "precision", "temperature"}`` -> options."""
    data = checked_object(data, "the request body", _EXPLAIN_KEYS, '{"input": {"tokens": ..., "query": ...}}')
    if "input" not in data:
        raise InputError(
            'the request lacks "input": an object with tokens, query, key, value', code="request_lacks_input"
        )
    example = data.get("example")
    if example is not None and not isinstance(example, str):
        raise InputError(
            f'example is {example!r}: expected the name of an example, such as "seed"',
            code="request_example_not_name",
            example=example,
        )
    lang = data.get("lang", "en")
    if not isinstance(lang, str):
        raise InputError(
            f'lang is {lang!r}: expected a language code such as "en"', code="request_lang_not_code", lang=lang
        )
    precision = data.get("precision", 4)
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= MAX_PRECISION:
        raise InputError(
            f"precision is {precision!r}: expected an integer from 0 to {MAX_PRECISION}",
            code="request_precision_out_of_range",
            precision=precision,
            most=MAX_PRECISION,
        )
    temperature = data.get("temperature", 1.0)
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE
    ):
        raise InputError(
            f"temperature is {temperature!r}: expected a number from {MIN_TEMPERATURE} to"
            f" {MAX_TEMPERATURE:g} (1 = the plain scale; above 1 flattens the softmax, below 1"
            " sharpens it)",
            code="request_temperature_out_of_range",
            temperature=temperature,
            least=MIN_TEMPERATURE,
            most=MAX_TEMPERATURE,
        )
    model = None
    if data.get("model") is not None:
        if example is not None:
            raise InputError(
                "the request names both an example and a model: the vectors come from one source",
                code="request_example_and_model",
            )
        model = parse_model_source(data["model"])
    vectors = read_input(data["input"], "input")
    return ExplainOptions(vectors, example, lang, precision, float(temperature), model)


def build_trace(options: ExplainOptions) -> AttentionTrace:
    """Trace the request's vectors. A temperature T divides the scale (1/sqrt(d) unless the
    input gives one): scores / T flatten the softmax for T > 1 and sharpen it for T < 1.
    The source's provenance (an example, a model's layer, head and check) is kept only
    while the input is still exactly the source's own (:func:`.sources.same_vectors`).
    """
    data = options.data
    if options.temperature != 1.0:
        base = default_scale(data.query.shape[1]) if data.scale is None else data.scale
        data = replace(data, scale=base / options.temperature)
    provenance = None
    source = None
    if options.example is not None:
        source = example_source(options.example)
    elif options.model is not None:
        source = model_source(options.model)
    if source is not None and same_vectors(data, source[0]):
        provenance = source[1]
    return trace(**data.trace_kwargs(), provenance=provenance)


def _valid_strings(document: Any) -> Any:
    """Refuse a lone surrogate (``"\\ud800"``: valid JSON, not valid Unicode) in any key or
    string of the document, naming where it is; it could not be written back as UTF-8."""
    pending: list[tuple[str, Any]] = [("", document)]
    while pending:  # iterative: the document may nest as deep as the parser allows
        where, value = pending.pop()
        if isinstance(value, str):
            valid_text(value, f"the request body at {where or 'the top'}", from_bytes=False)
        elif isinstance(value, list):
            pending.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                valid_text(key, f"a key of the request body at {where or 'the top'}", from_bytes=False)
                pending.append((f"{where}.{key}" if where else key, item))
    return document


def _refuse_constant(name: str) -> Any:
    raise InputError(
        f"the request body holds {name}: expected finite numbers (JSON has no NaN or Infinity)",
        code="request_body_not_finite",
        constant=name,
    )


def _parse_int(text: str) -> int:
    # an integer too large for a float would overflow later; refuse it here, by its length
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise InputError(
            f"the request body holds an integer of {len(text.lstrip('-'))} digits: expected"
            " numbers that fit a 64-bit float",
            code="request_body_integer_too_long",
            digits=len(text.lstrip("-")),
        )
    return int(text)
