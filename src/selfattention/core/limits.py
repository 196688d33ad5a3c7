"""Budgets: how large a request each path accepts, checked from shapes before allocating.

Every path that holds something quadratic refuses, with a
:class:`~selfattention.core.errors.LimitError`, a request that would not fit, and says what can:

- the reference kernel (and :func:`~selfattention.attention_weights`) builds the whole
  (..., L, S) score matrix: at most :data:`MAX_SCORE_BYTES` bytes of it;
- :func:`~selfattention.record.trace` stores every intermediate of every traced query, about
  ``S * (E + Ev + 6)`` numbers each: at most :data:`MAX_TRACE_NUMBERS` numbers in all.

The budgets are module attributes; a caller with more memory may raise them.

>>> format_bytes(96), format_bytes(1536), format_bytes(3 * 2**30)
('96 B', '1.5 KiB', '3 GiB')
"""

from __future__ import annotations

import math
from typing import Any

from .errors import LimitError

__all__ = [
    "MAX_SCORE_BYTES",
    "MAX_TRACE_NUMBERS",
    "check_score_budget",
    "check_trace_budget",
    "format_bytes",
]

#: the largest score matrix (all batch entries and heads together) the reference kernel builds
MAX_SCORE_BYTES = 1 << 30  # 1 GiB; its temporaries take a few times this
#: the most numbers a trace stores (products, scores, weights, weighted values of its queries)
MAX_TRACE_NUMBERS = 1 << 26  # 67M numbers, 512 MiB in float64


def format_bytes(size: int | float) -> str:
    """A size for people, in binary units with three significant digits."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def check_score_budget(
    shape: tuple[int, ...], dtype: Any, what: str = "the reference kernel", hint: str | None = None
) -> None:
    """Refuse a score matrix of ``shape`` (..., L, S) larger than :data:`MAX_SCORE_BYTES`.

    >>> import numpy as np, textwrap
    >>> try:
    ...     check_score_budget((2, 8, 100_000, 100_000), np.dtype(np.float32))
    ... except LimitError as error:
    ...     print(textwrap.fill(str(error), 88))
    the reference kernel would build a (2, 8, 100000, 100000) score matrix of float32 (596
    GiB), above its budget of 1 GiB (selfattention.core.limits.MAX_SCORE_BYTES): use
    implementation="blocked", which holds one block of scores at a time, or trace a few
    queries (trace(queries=...), --queries on the command line)
    """
    size = math.prod(shape) * int(getattr(dtype, "itemsize", 8))
    if size > MAX_SCORE_BYTES:
        raise LimitError(
            f"{what} would build a {tuple(shape)} score matrix of {dtype}"
            f" ({format_bytes(size)}), above its budget of {format_bytes(MAX_SCORE_BYTES)}"
            f" (selfattention.core.limits.MAX_SCORE_BYTES): {hint or _SCORE_HINT}"
        )


_SCORE_HINT = (
    'use implementation="blocked", which holds one block of scores at a time, or trace a few'
    " queries (trace(queries=...), --queries on the command line)"
)


def check_trace_budget(queries: int, key_len: int, d_head: int, d_value: int) -> None:
    """Refuse a trace of ``queries`` queries that would store more than
    :data:`MAX_TRACE_NUMBERS` numbers.

    >>> import textwrap
    >>> try:
    ...     check_trace_budget(100_000, 100_000, 64, 64)
    ... except LimitError as error:
    ...     print(textwrap.fill(str(error), 88))
    tracing 100000 queries of 100000 keys (d = 64) would store 1,340,012,800,000 numbers
    (9.75 TiB in float64), above the trace budget of 67,108,864
    (selfattention.core.limits.MAX_TRACE_NUMBERS): trace a few queries with
    trace(queries=[...]) (--queries on the command line), or compute the outputs alone with
    scaled_dot_product_attention(..., implementation="blocked")
    """
    per_query = key_len * (d_head + d_value + 6) + d_head + d_value
    numbers = queries * per_query
    if numbers > MAX_TRACE_NUMBERS:
        raise LimitError(
            f"tracing {queries} queries of {key_len} keys (d = {d_head}) would store {numbers:,}"
            f" numbers ({format_bytes(8 * numbers)} in float64), above the trace budget of"
            f" {MAX_TRACE_NUMBERS:,} (selfattention.core.limits.MAX_TRACE_NUMBERS): trace a few"
            " queries with trace(queries=[...]) (--queries on the command line), or compute"
            ' the outputs alone with scaled_dot_product_attention(..., implementation="blocked")'
        )
