"""Ring attention on seeded random inputs, on local ranks, checked against one process.

:func:`run_ring` is what ``selfattention ring`` runs: ``world_size`` local processes
(:func:`selfattention.surfaces.ranks.run_local`) each draw the same seeded query, key and
value (1, heads, length, dim), keep their rows (the layout's), run
:func:`selfattention.core.ring.ring_attention_stats`, and hand back their rows and
statistics; this process puts the rows together and compares them with
:func:`selfattention.scaled_dot_product_attention` on the whole inputs.

>>> report = run_ring(world_size=1, length=3, heads=1, dim=2)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core.errors import InputError
from ..core.kernels import scaled_dot_product_attention
from ..core.ring import LAYOUTS, make_layout, ring_attention_stats
from ..record.ring import RingReport
from .ranks import run_local

__all__ = ["DTYPES", "MAX_LENGTH", "MAX_WORLD_SIZE", "random_inputs", "run_ring"]

DTYPES = ("float32", "float64")
#: local ranks share this machine's CPUs: more than this many processes only measures contention
MAX_WORLD_SIZE = 16
#: the single-process reference holds the (length, length) scores of a head
MAX_LENGTH = 16384


def random_inputs(length: int, heads: int, dim: int, dtype: str, seed: int) -> tuple[NDArray[Any], ...]:
    """Seeded query, key and value, each (1, heads, length, dim), standard normal."""
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal((1, heads, length, dim)).astype(dtype) for _ in range(3))


def run_ring(
    world_size: int,
    length: int,
    heads: int = 1,
    dim: int = 4,
    *,
    causal: bool = False,
    dtype: str = "float64",
    layout: str = "contiguous",
    seed: int = 0,
    timeout: float = 60.0,
) -> RingReport:
    """Run ring attention on ``world_size`` local ranks; the :class:`RingReport` of the run."""
    _check(world_size, length, heads, dim, dtype, layout)
    results = run_local(_rank_job, world_size, (length, heads, dim, causal, dtype, layout, seed), timeout=timeout)
    plan = make_layout(length, world_size, layout)
    output = plan.unshard([rows for rows, _ in results])  # (1, heads, length, dim)
    q, k, v = random_inputs(length, heads, dim, dtype, seed)
    reference = scaled_dot_product_attention(q, k, v, is_causal=causal)
    difference = float(np.abs(output - reference).max()) if output.size else 0.0
    stats = tuple(s for _, s in results)
    last = stats[-1]
    return RingReport(
        world_size=world_size,
        length=length,
        heads=heads,
        dim=dim,
        causal=causal,
        dtype=dtype,
        layout=plan,
        seed=seed,
        max_abs_difference=difference,
        per_rank=stats,
        merge=last.merge,
    )


def _rank_job(
    rank: int, world_size: int, length: int, heads: int, dim: int, causal: bool, dtype: str, layout: str, seed: int
) -> tuple[NDArray[Any], Any]:
    """One rank: its rows of the seeded inputs through the ring; its output rows and stats."""
    import torch

    plan = make_layout(length, world_size, layout)
    q, k, v = (torch.from_numpy(plan.shard(x, rank)) for x in random_inputs(length, heads, dim, dtype, seed))
    output, stats = ring_attention_stats(q, k, v, is_causal=causal, layout=layout)
    return output.numpy(), stats


def _check(world_size: int, length: int, heads: int, dim: int, dtype: str, layout: str) -> None:
    if not 1 <= world_size <= MAX_WORLD_SIZE:
        raise InputError(
            f"world size is {world_size}: expected 1 to {MAX_WORLD_SIZE} local ranks",
            code="ring_world_size_out_of_range",
            world_size=world_size,
            most=MAX_WORLD_SIZE,
        )
    if not 1 <= length <= MAX_LENGTH:
        raise InputError(
            f"length is {length}: expected 1 to {MAX_LENGTH} positions",
            code="ring_length_out_of_range",
            length=length,
            most=MAX_LENGTH,
        )
    if heads < 1 or dim < 1:
        raise InputError(
            f"heads is {heads} and dim is {dim}: expected at least 1 of each",
            code="ring_heads_or_dim_below_one",
            heads=heads,
            dim=dim,
        )
    if dtype not in DTYPES:
        choices = ", ".join(DTYPES)
        raise InputError(
            f"dtype is {dtype!r}: expected one of {choices}", code="ring_dtype_unknown", dtype=dtype, choices=choices
        )
    if layout not in LAYOUTS:
        choices = ", ".join(LAYOUTS)
        raise InputError(
            f"layout is {layout!r}: expected one of {choices}",
            code="ring_layout_unknown",
            layout=layout,
            choices=choices,
        )
