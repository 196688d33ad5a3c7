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
    sizes = (
        ("query positions (L)", data.query.shape[0], MAX_TOKENS, "max_tokens"),
        ("key positions (S)", data.key.shape[0], MAX_TOKENS, "max_tokens"),
        ("query/key features (E)", data.query.shape[1], MAX_DIM, "max_dim"),
        ("value features (Ev)", data.value.shape[1], MAX_DIM, "max_dim"),
    )
    for what, size, limit, name in sizes:
        if size > limit:
            raise LimitError(
                f"the input has {size} {what}: the web explorer takes at most {limit}"
                f" ({name}); use the Python API or the command line for larger inputs"
            )
    for name in ("query", "key", "value"):
        matrix = getattr(data, name)
        too_big = np.argwhere(np.abs(matrix) > MAX_ABS_VALUE)
        if too_big.size:
            r, c = (int(i) for i in too_big[0])  # positions and features count from 0
            raise LimitError(
                f"{name} row {r}, column {c} is {matrix[r, c]:g}: the web explorer takes numbers"
                f" up to {MAX_ABS_VALUE:g} in size (max_abs_value), so that q * k cannot overflow"
            )
    if data.scale is not None and abs(data.scale) > MAX_ABS_VALUE:
        raise LimitError(f"scale is {data.scale:g}: the web explorer takes up to {MAX_ABS_VALUE:g} (max_abs_value)")
    if data.mask is not None and data.mask.dtype != np.bool_:
        finite = data.mask[np.isfinite(data.mask)]
        if finite.size and np.abs(finite).max() > MAX_ABS_VALUE:
            raise LimitError(
                f"mask holds {np.abs(finite).max():g}: a float mask takes offsets up to {MAX_ABS_VALUE:g}"
                ' in size (max_abs_value), and "-inf" to block a key'
            )
    for name, tokens in (("tokens", data.tokens), ("key_tokens", data.key_tokens)):
        if tokens is not None and len(tokens) > MAX_TOKENS:
            raise LimitError(
                f"{name} has {len(tokens)} entries: the web explorer takes at most {MAX_TOKENS} (max_tokens)"
            )
        for token in tokens or ():
            if len(token) > MAX_TEXT_CHARS:
                raise LimitError(
                    f"a token in {name} has {len(token)} characters: at most {MAX_TEXT_CHARS} (max_text_chars)"
                )


def check_text(text: str) -> None:
    """Refuse a sentence longer than :data:`MAX_TEXT_CHARS`."""
    if len(text) > MAX_TEXT_CHARS:
        raise LimitError(
            f"text has {len(text)} characters: the web explorer takes at most {MAX_TEXT_CHARS} (max_text_chars)"
        )
