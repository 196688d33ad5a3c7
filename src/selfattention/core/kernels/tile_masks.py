"""Per-tile helpers of the blocked kernel (:mod:`selfattention.core.kernels.tiles`): the
causal triangle of a tile, which keys a tile's rows may attend to, which outputs a non-finite
value poisons, and runs of consecutive rows.

>>> runs(np.array([0, 1, 2, 5, 7, 8]))
[(0, 3), (5, 6), (7, 9)]
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..masks import causal_mask

__all__ = ["allowed_keys", "block_causal", "poisoned_outputs", "runs"]


def block_causal(scores: NDArray[Any], i0: int, j0: int) -> None:
    """Set -inf where key j0 + c comes after query i0 + r (top-left causal), in place.

    Only the columns after key i0 can be blocked for some row: at most block_q of them."""
    n, m = scores.shape
    c0 = max(0, i0 + 1 - j0)  # keys j0 .. i0 are visible to every row of the block
    if c0 >= m:
        return
    np.copyto(scores[:, c0:], -np.inf, where=_later(j0 + c0 - i0, n, m - c0))


@functools.lru_cache(maxsize=32)
def _later(offset: int, n: int, m: int) -> NDArray[np.bool_]:
    """(n, m), read-only: True where key column c comes after query row r, the first column
    being ``offset`` keys after the first row. The same few patterns recur on every diagonal
    tile, so they are built once."""
    later = ~causal_mask(n, m, key_start=offset)  # (n, m)
    later.flags.writeable = False
    return later


def allowed_keys(mask: NDArray[Any] | None, causal: bool, i0: int, i1: int, j0: int, j1: int) -> NDArray[np.bool_]:
    """(n, m): True where query i0 + r may attend to key j0 + c (mask and causal triangle)."""
    allowed = np.ones((i1 - i0, j1 - j0), dtype=bool)
    if mask is not None:
        tile = mask[i0:i1, j0:j1]
        allowed &= tile if tile.dtype == np.bool_ else ~np.isneginf(tile)
    if causal:
        allowed &= causal_mask(i1 - i0, j1 - j0, query_start=i0, key_start=j0)
    return allowed


def poisoned_outputs(allowed: NDArray[np.bool_], finite_v: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """(n, Ev): True where a query may attend to a key whose value is not finite: its output
    is NaN, as in the reference kernel and PyTorch, even when the key's weight underflowed to
    0; a masked key's value contributes nothing, even NaN."""
    hit = allowed.astype(np.float32) @ (~finite_v).astype(np.float32)  # (n, bk) x (bk, Ev)
    result: NDArray[np.bool_] = hit > 0
    return result


def runs(rows: NDArray[np.intp]) -> list[tuple[int, int]]:
    """Consecutive runs [start, stop) of sorted row indices."""
    if rows.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    starts = np.concatenate(([0], breaks))
    stops = np.concatenate((breaks, [rows.size]))
    return [(int(rows[a]), int(rows[b - 1]) + 1) for a, b in zip(starts, stops, strict=True)]
