"""Budgets: how large a request each path accepts, checked from shapes before allocating.

Every path that holds something quadratic refuses, with a
:class:`~selfattention.core.errors.LimitError`, a request that would not fit, and says what can:

- the reference kernel (and :func:`~selfattention.attention_weights`) builds the whole
  (..., L, S) score matrix: at most :data:`MAX_SCORE_BYTES` bytes of it;
- :func:`~selfattention.record.trace` stores every intermediate of every traced query, about
  ``S * (E + Ev + 6)`` numbers each: at most :data:`MAX_TRACE_NUMBERS` numbers in all;
- a layer trace (every head's trace, the weights and the projections together) holds at most
  :data:`MAX_TRACE_NUMBERS` numbers too, and its heads' whole score matrices at most
  :data:`MAX_SCORE_BYTES` (:func:`check_layer_budget`);
- a written output (JSON, CSV, a document) is at most :data:`MAX_OUTPUT_BYTES`, estimated from
  the shapes before anything is computed (:func:`check_output_budget`).

The budgets are module attributes; a caller with more memory may raise them.

>>> format_bytes(96), format_bytes(1536), format_bytes(3 * 2**30)
('96 B', '1.5 KiB', '3 GiB')
"""

from __future__ import annotations

import math
from typing import Any

from .errors import LimitError

__all__ = [
    "MAX_OUTPUT_BYTES",
    "MAX_SCORE_BYTES",
    "MAX_TRACE_NUMBERS",
    "check_layer_budget",
    "check_output_budget",
    "check_score_budget",
    "check_trace_budget",
    "format_bytes",
    "trace_numbers",
]

#: the largest score matrix (all batch entries and heads together) the reference kernel builds
MAX_SCORE_BYTES = 1 << 30  # 1 GiB; its temporaries take a few times this
#: the most numbers a trace stores (products, scores, weights, weighted values of its queries)
MAX_TRACE_NUMBERS = 1 << 26  # 67M numbers, 512 MiB in float64
#: the largest output written (JSON, CSV, a document): building one takes several times this
MAX_OUTPUT_BYTES = 128 * 1024 * 1024


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
            f" (selfattention.core.limits.MAX_SCORE_BYTES): {hint or _SCORE_HINT}",
            # the two callers' words: the reference kernel's, and attention_weights' with its own hint
            code="weights_over_score_budget" if what == "attention_weights" else "scores_over_budget",
            shape=tuple(shape),
            dtype=str(dtype),
            size=format_bytes(size),
            budget=format_bytes(MAX_SCORE_BYTES),
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
    numbers = queries * trace_numbers(key_len, d_head, d_value)
    if numbers > MAX_TRACE_NUMBERS:
        raise LimitError(
            f"tracing {queries} queries of {key_len} keys (d = {d_head}) would store {numbers:,}"
            f" numbers ({format_bytes(8 * numbers)} in float64), above the trace budget of"
            f" {MAX_TRACE_NUMBERS:,} (selfattention.core.limits.MAX_TRACE_NUMBERS): trace a few"
            " queries with trace(queries=[...]) (--queries on the command line), or compute"
            ' the outputs alone with scaled_dot_product_attention(..., implementation="blocked")',
            code="trace_over_budget",
            queries=queries,
            keys=key_len,
            d=d_head,
            numbers=f"{numbers:,}",
            size=format_bytes(8 * numbers),
            budget=f"{MAX_TRACE_NUMBERS:,}",
        )


def trace_numbers(key_len: int, d_head: int, d_value: int) -> int:
    """The numbers one traced query stores: its products (S x E), weighted values (S x Ev),
    six rows of S (dot products, scores, mask, masked scores, exponentials, weights), its
    query and output."""
    return key_len * (d_head + d_value + 6) + d_head + d_value


def check_layer_budget(num_heads: int, queries: int, query_len: int, key_len: int, d_model: int) -> None:
    """Refuse a multi-head layer trace that would not fit, from its shapes: the heads' whole
    (heads, L, S) score matrices (the layer computes them all, whichever queries are traced)
    within :data:`MAX_SCORE_BYTES`, and everything the trace stores within
    :data:`MAX_TRACE_NUMBERS`.

    >>> import textwrap
    >>> try:
    ...     check_layer_budget(2, 40, 2048, 2048, 1024)
    ... except LimitError as error:
    ...     print(textwrap.fill(str(error), 88))
    tracing 40 queries in each of 2 heads of 2048 keys (d_model = 1024) would store
    198,201,344 numbers (1.48 GiB in float64), above the trace budget of 67,108,864
    (selfattention.core.limits.MAX_TRACE_NUMBERS): at most 8 queries fit; trace fewer
    (queries=[...], --queries on the command line)
    """
    scores = 8 * num_heads * query_len * key_len
    if scores > MAX_SCORE_BYTES:
        fit = math.isqrt(MAX_SCORE_BYTES // (8 * num_heads))
        raise LimitError(
            f"the layer computes the whole score matrix of each of its {num_heads} heads: {num_heads} x"
            f" {query_len} x {key_len} in float64 is {format_bytes(scores)}, above its budget of"
            f" {format_bytes(MAX_SCORE_BYTES)} (selfattention.core.limits.MAX_SCORE_BYTES), whichever queries"
            f" are traced: shorten the text to at most {fit} tokens, or use fewer heads",
            code="layer_scores_over_budget",
            heads=num_heads,
            query_len=query_len,
            key_len=key_len,
            size=format_bytes(scores),
            budget=format_bytes(MAX_SCORE_BYTES),
            fit=fit,
        )
    d_head = d_model // max(num_heads, 1)
    # x, embeddings, positional, Q, concat, output (L x d_model); K, V, context (S x d_model);
    # each head's copy of its q, k, v; four weight matrices and their biases
    fixed = 4 * d_model * d_model + 4 * d_model + d_model * (7 * query_len + 5 * key_len)
    per_query = num_heads * trace_numbers(key_len, d_head, d_head)
    numbers = fixed + queries * per_query
    if numbers > MAX_TRACE_NUMBERS:
        fit = max(0, (MAX_TRACE_NUMBERS - fixed) // per_query)
        advice = (
            f"at most {fit} queries fit; trace fewer (queries=[...], --queries on the command line)"
            if fit
            else "not even one query fits: shorten the text, or use a narrower d_model"
        )
        raise LimitError(
            f"tracing {queries} queries in each of {num_heads} heads of {key_len} keys (d_model = {d_model})"
            f" would store {numbers:,} numbers ({format_bytes(8 * numbers)} in float64), above the trace"
            f" budget of {MAX_TRACE_NUMBERS:,} (selfattention.core.limits.MAX_TRACE_NUMBERS): {advice}",
            code="layer_trace_over_budget" if fit else "layer_trace_none_fits",
            queries=queries,
            heads=num_heads,
            keys=key_len,
            d_model=d_model,
            numbers=f"{numbers:,}",
            size=format_bytes(8 * numbers),
            budget=f"{MAX_TRACE_NUMBERS:,}",
            fit=fit,
        )


def check_output_budget(
    what: str, queries: int, per_query_bytes: int, fixed_bytes: int = 0, *, fewer: str, otherwise: str
) -> None:
    """Refuse an output of ``queries`` queries, estimated at ``fixed_bytes + queries *
    per_query_bytes``, larger than :data:`MAX_OUTPUT_BYTES`; the message says how many
    queries fit and how to ask for them (``fewer``), or what to do when none does (``otherwise``).

    >>> import textwrap
    >>> try:
    ...     check_output_budget("the json output", 1500, 240_000, fewer="pick them with --queries",
    ...                         otherwise="shorten the input")
    ... except LimitError as error:
    ...     print(textwrap.fill(str(error), 88))
    the json output of 1500 queries would be about 343 MiB, above the output budget of 128
    MiB (selfattention.core.limits.MAX_OUTPUT_BYTES): at most 559 queries fit; pick them
    with --queries
    """
    size = fixed_bytes + queries * per_query_bytes
    if size > MAX_OUTPUT_BYTES:
        fit = max(0, (MAX_OUTPUT_BYTES - fixed_bytes) // max(per_query_bytes, 1))
        advice = f"at most {fit} queries fit; {fewer}" if fit else f"not even one query fits: {otherwise}"
        raise LimitError(
            f"{what} of {queries} queries would be about {format_bytes(size)}, above the output budget of"
            f" {format_bytes(MAX_OUTPUT_BYTES)} (selfattention.core.limits.MAX_OUTPUT_BYTES): {advice}",
            code="output_over_budget" if fit else "output_none_fits",
            what=what,
            queries=queries,
            size=format_bytes(size),
            budget=format_bytes(MAX_OUTPUT_BYTES),
            fit=fit,
            fewer=fewer,
            otherwise=otherwise,
        )
