"""Which rank holds which positions of the sequence, and which key blocks each rank must compute.

A sequence of N positions is split among W ranks in one of two layouts:

- ``"contiguous"``: rank r holds one run of positions, the runs in rank order, their sizes
  differing by at most one (the first ``N % W`` ranks hold one more).
- ``"zigzag"``: the sequence is cut into 2W chunks and rank r holds chunks r and 2W - 1 - r.
  Under ``is_causal`` a late query sees more keys than an early one; pairing an early chunk
  with a late one gives every rank the same work (contiguous: rank W - 1 computes W blocks,
  rank 0 one).

Ring attention moves key/value blocks, not queries: at step s (0 .. W - 1) rank r holds the
keys and values of rank (r - s) mod W. Under ``is_causal`` (top-left, as PyTorch: query i
sees key j when j <= i), a pair of query and key runs is ``"full"`` (every key visible),
``"diagonal"`` (the triangle cuts it) or skipped (no key visible): :func:`block_pairs`.

>>> layout = make_layout(7, 2, "zigzag")
>>> layout.segments
(((0, 2), (6, 7)), ((2, 4), (4, 6)))
>>> layout.positions(1).tolist()
[2, 3, 4, 5]
>>> [(p.kind, p.scores) for p in block_pairs(layout, 0, 1, is_causal=True)]  # query 6 sees keys 2-5
[('full', 2), ('full', 2)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError

__all__ = ["LAYOUTS", "BlockPair", "Layout", "block_pairs", "layout_from_sizes", "make_layout", "split_sizes"]

#: the layouts :func:`make_layout` knows
LAYOUTS = ("contiguous", "zigzag")

Run = tuple[int, int]  # global positions [start, stop)


def split_sizes(length: int, parts: int) -> tuple[int, ...]:
    """``length`` split into ``parts`` sizes that differ by at most one, the larger first.

    >>> split_sizes(10, 4)
    (3, 3, 2, 2)
    """
    if parts < 1:
        raise InputError(
            f"cannot split a sequence into {parts} parts: expected at least 1", code="ring_split_parts", parts=parts
        )
    base, extra = divmod(length, parts)
    return tuple(base + (1 if i < extra else 0) for i in range(parts))


@dataclass(frozen=True)
class Layout:
    """Per rank, the runs of global positions it holds, in the order its rows store them."""

    name: str
    length: int
    segments: tuple[tuple[Run, ...], ...]  # (world_size,) of runs

    @property
    def world_size(self) -> int:
        return len(self.segments)

    def local_length(self, rank: int) -> int:
        return sum(stop - start for start, stop in self.segments[rank])

    def positions(self, rank: int) -> NDArray[np.intp]:
        """The global positions of rank ``rank``'s rows, in order."""
        runs = [np.arange(start, stop) for start, stop in self.segments[rank]]
        return np.concatenate(runs) if runs else np.zeros(0, np.intp)

    def local_runs(self, rank: int) -> list[tuple[int, Run]]:
        """(first local row, global run) for each of the rank's runs."""
        out, row = [], 0
        for start, stop in self.segments[rank]:
            out.append((row, (start, stop)))
            row += stop - start
        return out

    def shard(self, x: Any, rank: int, axis: int = -2) -> Any:
        """Rank ``rank``'s rows of ``x`` (a NumPy array or a torch tensor) along ``axis``.

        >>> make_layout(5, 2).shard(np.arange(5), 1, axis=0).tolist()
        [3, 4]
        """
        pieces = [_take(x, start, stop, axis) for start, stop in self.segments[rank]]
        if len(pieces) == 1:
            return pieces[0]
        if type(x).__module__.startswith("torch"):
            return _torch_cat(pieces, axis)
        return np.concatenate(pieces, axis=axis)

    def unshard(self, pieces: Sequence[NDArray[Any]], axis: int = -2) -> NDArray[Any]:
        """The whole sequence from every rank's rows (NumPy), the inverse of :meth:`shard`.

        >>> layout = make_layout(5, 2, "zigzag")
        >>> layout.unshard([layout.shard(np.arange(5), r, axis=0) for r in range(2)], axis=0).tolist()
        [0, 1, 2, 3, 4]
        """
        if len(pieces) != self.world_size:
            raise InputError(
                f"got {len(pieces)} pieces for a layout of {self.world_size} ranks",
                code="ring_unshard_pieces",
                pieces=len(pieces),
                ranks=self.world_size,
            )
        first = np.asarray(pieces[0])
        shape = list(first.shape)
        shape[axis] = self.length
        whole = np.empty(shape, first.dtype)
        for rank, piece in enumerate(pieces):
            index: list[Any] = [slice(None)] * whole.ndim
            index[axis] = self.positions(rank)  # rows land at their global positions
            whole[tuple(index)] = piece
        return whole


def _take(x: Any, start: int, stop: int, axis: int) -> Any:
    index = [slice(None)] * x.ndim
    index[axis] = slice(start, stop)
    return x[tuple(index)]


def _torch_cat(pieces: list[Any], axis: int) -> Any:
    import torch

    return torch.cat(pieces, dim=axis)


def make_layout(length: int, world_size: int, name: str = "contiguous") -> Layout:
    """The ``name`` layout (one of :data:`LAYOUTS`) of ``length`` positions on ``world_size`` ranks."""
    if length < 0:
        raise InputError(
            f"length is {length}: expected 0 or more positions", code="ring_length_negative", length=length
        )
    if name == "contiguous":
        return layout_from_sizes(split_sizes(length, world_size))
    if name == "zigzag":
        sizes = split_sizes(length, 2 * world_size)
        starts = np.concatenate(([0], np.cumsum(sizes))).tolist()
        chunk = [(int(starts[i]), int(starts[i + 1])) for i in range(2 * world_size)]
        segments = tuple((chunk[r], chunk[2 * world_size - 1 - r]) for r in range(world_size))
        return Layout("zigzag", length, segments)
    choices = ", ".join(repr(n) for n in LAYOUTS)
    raise InputError(
        f"layout is {name!r}: expected one of {choices}", code="ring_unknown_layout", layout=name, choices=choices
    )


def layout_from_sizes(sizes: Sequence[int]) -> Layout:
    """The contiguous layout whose ranks hold ``sizes`` positions each, in rank order."""
    starts = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64))).tolist()
    segments = tuple(((int(starts[r]), int(starts[r + 1])),) for r in range(len(sizes)))
    return Layout("contiguous", int(starts[-1]), segments)


@dataclass(frozen=True)
class BlockPair:
    """One run of the rank's queries against one run of the held keys (local row ranges)."""

    query_rows: Run  # rows of the rank's own queries
    key_rows: Run  # rows of the held key block
    query_start: int  # global position of the first query row
    key_start: int  # global position of the first key row
    kind: Literal["full", "diagonal"]

    @property
    def scores(self) -> int:
        """How many scores this pair computes (a diagonal pair computes its whole tile)."""
        return (self.query_rows[1] - self.query_rows[0]) * (self.key_rows[1] - self.key_rows[0])


def block_pairs(layout: Layout, rank: int, source: int, is_causal: bool) -> list[BlockPair]:
    """The (query run, key run) pairs rank ``rank`` computes against the block of rank
    ``source``; empty when causality masks the whole block."""
    pairs = []
    for q_row, (q0, q1) in layout.local_runs(rank):
        for k_row, (k0, k1) in layout.local_runs(source):
            if q1 == q0 or k1 == k0:
                continue
            kind: Literal["full", "diagonal"] = "full"
            if is_causal:
                if k0 > q1 - 1:
                    continue  # every key comes after every query
                if k1 - 1 > q0:
                    kind = "diagonal"
            rows = (q_row, q_row + q1 - q0)
            keys = (k_row, k_row + k1 - k0)
            pairs.append(BlockPair(rows, keys, q0, k0, kind))
    return pairs
