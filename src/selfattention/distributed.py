"""Attention past one machine: ring attention over ``torch.distributed``.

- :func:`ring_attention` (and :func:`ring_attention_stats`): call it on every rank with the
  rank's rows of the sequence; it returns the rank's rows of the exact attention.
- :func:`shard` / :func:`unshard`: cut a whole sequence into a rank's rows (``"contiguous"``
  or ``"zigzag"``) and put the rows back together.
- :func:`run_local`: run a function on several local processes joined into one process group
  (loopback only); :func:`run_ring`: ring attention on seeded inputs, checked against one process.

``import selfattention.distributed`` imports no torch; it is imported on first use.

>>> shard(np.arange(10), rank=1, world_size=3, axis=0).tolist()
[4, 5, 6]
>>> shard(np.arange(10), rank=1, world_size=3, layout="zigzag", axis=0).tolist()
[2, 3, 8]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .core.ring import (
    LAYOUTS,
    Layout,
    MergeExample,
    RankStats,
    StepStats,
    make_layout,
    ring_attention,
    ring_attention_stats,
)
from .record.ring import RingReport
from .surfaces.ranks import RankFailed, run_local
from .surfaces.ring_run import run_ring

__all__ = [
    "LAYOUTS",
    "Layout",
    "MergeExample",
    "RankFailed",
    "RankStats",
    "RingReport",
    "StepStats",
    "make_layout",
    "ring_attention",
    "ring_attention_stats",
    "run_local",
    "run_ring",
    "shard",
    "unshard",
]


def shard(x: Any, rank: int, world_size: int, *, layout: str = "contiguous", axis: int = -2) -> Any:
    """Rank ``rank``'s rows of the whole sequence ``x`` (NumPy or torch) along ``axis``
    (default: the positions axis of (..., positions, features))."""
    return make_layout(x.shape[axis], world_size, layout).shard(x, rank, axis)


def unshard(pieces: Sequence[NDArray[Any]], *, layout: str = "contiguous", axis: int = -2) -> NDArray[Any]:
    """The whole sequence from every rank's rows (NumPy arrays, in rank order).

    >>> unshard([np.array([0, 3]), np.array([1, 2])], layout="zigzag", axis=0).tolist()
    [0, 1, 2, 3]
    """
    length = sum(np.shape(p)[axis] for p in pieces)
    return make_layout(length, len(pieces), layout).unshard(pieces, axis)
