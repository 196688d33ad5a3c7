"""How much one web request may ask for, and the check that refuses more.

The explorer is for reading: a trace records every intermediate of every query, so it
grows as tokens x keys x features. These limits keep one answer small enough to show
(a few megabytes of JSON at most) and one request quick. A request over a limit gets a
413 whose message names the limit, what was asked and what is allowed.

>>> from selfattention.sources.vectors import input_from_dict
>>> check_input(input_from_dict({"query": [[1.0]], "key": [[1.0]], "value": [[1.0]]}))
>>> check_text("Acting Machines")
"""

from __future__ import annotations

import numpy as np

from ...core.errors import LimitError
from ...sources.vectors import VectorInput

__all__ = [
    "MAX_ABS_VALUE",
    "MAX_BODY_BYTES",
    "MAX_DIM",
    "MAX_NEW_TOKENS",
    "MAX_TEXT_CHARS",
    "MAX_TOKENS",
    "check_input",
    "check_text",
]

#: query positions (L) and key positions (S)
MAX_TOKENS = 64
#: features of a query/key (E) and of a value (Ev)
MAX_DIM = 64
#: characters of a sentence sent to a text pipeline
MAX_TEXT_CHARS = 1000
#: tokens one generation request may ask for (prompt and new tokens together stay within MAX_TOKENS)
MAX_NEW_TOKENS = 16
#: bytes of one request body
MAX_BODY_BYTES = 1024 * 1024
#: size of any one number: larger ones would overflow float64 in q * k and show only inf/NaN
MAX_ABS_VALUE = 1e100


def check_input(data: VectorInput) -> None:
    """Refuse vectors larger than the limits above with a :class:`LimitError`."""
    (queries, features), keys, values = data.query.shape, data.key.shape[0], data.value.shape[1]
    if queries > MAX_TOKENS:
        message = _too_large(queries, "query positions (L)", MAX_TOKENS, "max_tokens")
        raise LimitError(message, code="web_input_too_many_queries", size=queries, limit=MAX_TOKENS)
    if keys > MAX_TOKENS:
        message = _too_large(keys, "key positions (S)", MAX_TOKENS, "max_tokens")
        raise LimitError(message, code="web_input_too_many_keys", size=keys, limit=MAX_TOKENS)
    if features > MAX_DIM:
        message = _too_large(features, "query/key features (E)", MAX_DIM, "max_dim")
        raise LimitError(message, code="web_input_too_many_features", size=features, limit=MAX_DIM)
    if values > MAX_DIM:
        message = _too_large(values, "value features (Ev)", MAX_DIM, "max_dim")
        raise LimitError(message, code="web_input_too_many_value_features", size=values, limit=MAX_DIM)
    for name in ("query", "key", "value"):
        matrix = getattr(data, name)
        too_big = np.argwhere(np.abs(matrix) > MAX_ABS_VALUE)
        if too_big.size:
            r, c = (int(i) for i in too_big[0])  # positions and features count from 0
            raise LimitError(
                f"{name} row {r}, column {c} is {matrix[r, c]:g}: the web explorer takes numbers"
                f" up to {MAX_ABS_VALUE:g} in size (max_abs_value), so that q * k cannot overflow",
                code="web_number_over_limit",
                name=name,
                row=r,
                column=c,
                value=float(matrix[r, c]),
                limit=MAX_ABS_VALUE,
            )
    if data.scale is not None and abs(data.scale) > MAX_ABS_VALUE:
        raise LimitError(
            f"scale is {data.scale:g}: the web explorer takes up to {MAX_ABS_VALUE:g} (max_abs_value)",
            code="web_scale_over_limit",
            scale=data.scale,
            limit=MAX_ABS_VALUE,
        )
    if data.mask is not None and data.mask.dtype != np.bool_:
        finite = data.mask[np.isfinite(data.mask)]
        largest = float(np.abs(finite).max()) if finite.size else 0.0
        if largest > MAX_ABS_VALUE:
            raise LimitError(
                f"mask holds {largest:g}: a float mask takes offsets up to {MAX_ABS_VALUE:g}"
                ' in size (max_abs_value), and "-inf" to block a key',
                code="web_mask_over_limit",
                value=largest,
                limit=MAX_ABS_VALUE,
            )
    for name, tokens in (("tokens", data.tokens), ("key_tokens", data.key_tokens)):
        if tokens is not None and len(tokens) > MAX_TOKENS:
            raise LimitError(
                f"{name} has {len(tokens)} entries: the web explorer takes at most {MAX_TOKENS} (max_tokens)",
                code="web_tokens_over_limit",
                name=name,
                count=len(tokens),
                limit=MAX_TOKENS,
            )
        for token in tokens or ():
            if len(token) > MAX_TEXT_CHARS:
                raise LimitError(
                    f"a token in {name} has {len(token)} characters: at most {MAX_TEXT_CHARS} (max_text_chars)",
                    code="web_token_too_long",
                    name=name,
                    length=len(token),
                    limit=MAX_TEXT_CHARS,
                )


def check_text(text: str) -> None:
    """Refuse a sentence longer than :data:`MAX_TEXT_CHARS`."""
    if len(text) > MAX_TEXT_CHARS:
        raise LimitError(
            f"text has {len(text)} characters: the web explorer takes at most {MAX_TEXT_CHARS} (max_text_chars)",
            code="web_text_too_long",
            length=len(text),
            limit=MAX_TEXT_CHARS,
        )


def _too_large(size: int, what: str, limit: int, name: str) -> str:
    return (
        f"the input has {size} {what}: the web explorer takes at most {limit}"
        f" ({name}); use the Python API or the command line for larger inputs"
    )
