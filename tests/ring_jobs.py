"""Jobs that run on local ranks for the ring attention tests (importable by name in the ranks).

:func:`all_cases` runs every :data:`CASES` entry in one set of 4 processes: the cases of
fewer ranks run in subgroups (``torch.distributed.new_group``), which tests ``group=`` too,
and the processes start once.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    world_size: int
    length: int
    causal: bool = False
    layout: str = "contiguous"
    dtype: str = "float64"
    padding: str | None = None  # None, "some" (with NaN in padded values) or "rows" (fully masked rows)
    heads: int = 2
    dim: int = 3

    @property
    def name(self) -> str:
        pad = f"-pad_{self.padding}" if self.padding else ""
        causal = "-causal" if self.causal else ""
        return f"w{self.world_size}-n{self.length}{causal}-{self.layout}-{self.dtype}{pad}"


CASES = tuple(
    [
        Case(1, 5),
        Case(1, 5, causal=True, padding="rows"),
        Case(2, 7),
        Case(2, 7, causal=True, layout="zigzag"),
        Case(2, 8, causal=True, dtype="float32"),
        Case(3, 10, causal=True),
        Case(3, 11, causal=True, layout="zigzag", padding="some"),
        Case(3, 11, padding="some", dtype="float32"),
        Case(4, 9),
        Case(4, 13, causal=True, layout="zigzag"),
        Case(4, 10, causal=True, padding="rows"),
        Case(4, 6, causal=True, layout="zigzag", dtype="float32", padding="some"),
        Case(4, 3, causal=True),  # fewer positions than ranks: rank 3 holds none
    ]
)


def inputs(case: Case, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """q, k, v (batch 2, heads, length, dim) in float64 and the key padding mask (2, length),
    True = may attend."""
    rng = np.random.default_rng(100 + index)
    q, k, v = (rng.standard_normal((2, case.heads, case.length, case.dim)) * 2 for _ in range(3))
    mask = None
    if case.padding == "some":
        mask = rng.random((2, case.length)) > 0.3
        mask[:, -1] = True
        v = np.where(mask[:, None, :, None], v, np.nan)  # padded values must not leak (0 * NaN)
        k = np.where(mask[:, None, :, None], k, 1e6)
    elif case.padding == "rows":
        mask = np.ones((2, case.length), bool)
        mask[0, 0] = False  # causal: query 0 of batch 0 sees only key 0: a fully masked row
        mask[1, :] = False  # batch 1: every row fully masked
    return q, k, v, mask


def all_cases(rank: int, world_size: int) -> dict[str, np.ndarray]:
    """Every case this rank takes part in: its output rows, by case name."""
    import torch
    import torch.distributed as dist

    from selfattention.distributed import ring_attention, shard

    groups = {w: (None if w == world_size else dist.new_group(list(range(w)))) for w in range(1, world_size + 1)}
    results = {}
    for index, case in enumerate(CASES):
        if rank >= case.world_size:
            continue
        q, k, v, mask = inputs(case, index)

        def mine(x: np.ndarray, case: Case = case) -> torch.Tensor:
            return torch.from_numpy(shard(x, rank, case.world_size, layout=case.layout)).to(getattr(torch, case.dtype))

        local_mask = (
            None if mask is None else torch.from_numpy(shard(mask, rank, case.world_size, layout=case.layout, axis=-1))
        )
        out = ring_attention(
            mine(q),
            mine(k),
            mine(v),
            is_causal=case.causal,
            key_padding_mask=local_mask,
            group=groups[case.world_size],
            layout=case.layout,
            block_q=4,  # several query tiles per block
        )
        results[case.name] = out.numpy()
        again = ring_attention(
            mine(q), mine(k), mine(v), is_causal=case.causal, key_padding_mask=local_mask,
            group=groups[case.world_size], layout=case.layout, block_q=4,
        )  # fmt: skip
        results[case.name + "-again"] = again.numpy()
    return results


def fail_on(rank: int, world_size: int, bad_rank: int, how: str) -> None:
    """Run a ring where ``bad_rank`` raises, exits or never joins in."""
    import torch

    from selfattention.distributed import ring_attention

    if rank == bad_rank:
        if how == "raise":
            raise RuntimeError("boom on purpose")
        if how == "exit":
            os._exit(3)
        if how == "hang":
            time.sleep(600)
    x = torch.ones(1, 4, 2, dtype=torch.float64)
    for _ in range(3):
        ring_attention(x, x, x)


def echo(rank: int, world_size: int, value: Any) -> tuple[int, int, Any]:
    return rank, world_size, value
