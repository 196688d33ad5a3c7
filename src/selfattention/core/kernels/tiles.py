r"""The blocked kernel's work on one (batch, head): query blocks against key tiles.

:class:`Head` holds the buffers that one thread reuses across query blocks and heads, and
computes one query block at a time by the two paths that
:mod:`selfattention.core.kernels.blocked` describes:

- **online**: the running-maximum online softmax. It keeps the rule of
  :mod:`selfattention.core.softmax` for fully masked rows with the same
  :func:`~selfattention.core.softmax.row_shift` (shift by 0, never ``-inf - (-inf)``) and
  :func:`~selfattention.core.softmax.safe_divisor` (output 0, never ``0 / 0``), applied to
  running values instead of whole rows;
- **bounded**: one shift per row chosen before the pass from a Cauchy-Schwarz bound; a row
  whose sum comes out too small (a fully masked row among them) is redone online.

Masks follow :func:`selfattention.core.masks.apply_mask` (in place, per tile) and the causal
triangle :func:`selfattention.core.masks.causal_mask` (per tile).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..masks import apply_mask, causal_mask
from ..softmax import row_shift, safe_divisor
from .exponential import ExpTile, numpy_exp_tile
from .tile_masks import allowed_keys, block_causal, poisoned_outputs, runs

__all__ = ["Head", "Limits", "limits_for"]


#: e-folds kept free below the largest float by every sum of the online path
_VALUE_MARGIN = 8.0


@dataclass(frozen=True)
class Limits:
    """Bounds of the bounded path for one dtype: every exponential stays in [e^-T, e^T]."""

    shift_cap: float  # T: the largest exponent allowed
    sum_floor: float  # a row sum below this is redone by the online path
    log_max: float  # log of the largest finite number of the dtype
    value_limit: float  # S max|v| above this needs headroom on the online path: e^(log_max - margin)
    room_base: float  # log_max - 8: what is left for e^T S max|v| on the bounded path


@functools.cache
def limits_for(dtype: np.dtype[Any]) -> Limits:
    log_max = math.log(float(np.finfo(dtype).max))
    # float32: e^40 = 2.4e17 leaves e^48 of headroom for sums and value products; the floor
    # keeps the largest term a normal number with 17 e-folds of precision below it
    cap = 40.0 if dtype == np.float32 else 300.0
    return Limits(
        shift_cap=cap,
        sum_floor=math.exp(-cap),
        log_max=log_max,
        value_limit=math.exp(log_max - _VALUE_MARGIN),
        room_base=log_max - 8.0,
    )


class Head:
    """Buffers reused across query blocks and heads, and the loop over one (L, S) head."""

    def __init__(
        self,
        dtype: np.dtype[Any],
        block_q: int,
        block_k: int,
        E: int,
        Ev: int,
        S: int,
        strip: int,
        exp_tile: ExpTile = numpy_exp_tile,
    ) -> None:
        self.dtype, self.block_q, self.block_k = dtype, block_q, block_k
        self.exp_tile = exp_tile
        self.strip = strip  # rows per strip of a causal diagonal tile (bounded path)
        self.limits = limits_for(dtype)
        self.scores = np.empty((block_q, block_k), dtype)  # the one score tile
        self.query = np.empty((block_q, E), dtype)  # q * scale
        self.key = np.empty((S, E), dtype)  # k, contiguous: the score matmul reads key.T
        self.value = np.empty((S, Ev), dtype)  # v, non-finite entries zeroed (or not contiguous)
        self.values = self.value  # what the value matmuls read: this buffer, or v itself
        self.ones = np.ones(block_k, dtype)  # row sums as a matrix-vector product
        self.acc = np.empty((block_q, Ev), dtype)  # running o
        self.total = np.empty(block_q, dtype)  # running l
        self.part = np.empty((block_q, Ev), dtype)  # one key block's o
        self.part_total = np.empty(block_q, dtype)  # one key block's l
        self.max = np.empty(block_q, dtype)  # running max (online path)
        self.poisoned: NDArray[np.bool_] | None = None  # (n, Ev) of the last bounded block

    def prepare(
        self,
        k: NDArray[Any],  # (S, E)
        v: NDArray[Any],  # (S, Ev)
        mask: NDArray[Any] | None,  # (L, S) view, bool or float, or None
        causal: bool,
        method: str,
        need_weights: bool,
        scale: float,
    ) -> None:
        """Load one (batch, head)'s keys (times sqrt(scale)), values and mask into the buffers."""
        S = k.shape[0]
        self.v, self.mask, self.causal = v, mask, causal
        self.finite_v = np.isfinite(v)
        self.all_finite = bool(self.finite_v.all())
        self.root = math.copysign(math.sqrt(abs(scale)), scale)  # queries times root, keys times |root|
        np.multiply(k, abs(self.root), out=self.key)  # as PyTorch: q.k cannot overflow before the scale
        if self.all_finite:
            finite_values = v
            top = float(max(v.max(initial=0.0), -v.min(initial=0.0)))  # max |v|, no (S, Ev) temporary
        else:
            finite_values = np.where(self.finite_v, v, 0)
            top = float(np.abs(finite_values).max(initial=0.0))
        if self.all_finite and v.flags.c_contiguous:
            self.values = v  # nothing to zero: the matmuls read v itself
        else:
            np.copyto(self.value, finite_values)  # see _online
            self.values = self.value
        # a row of the online path sums up to S terms e^(s - m) |v| <= |v|: beyond the largest
        # float when |v| is near it (1e308 in float64, S x 1e37 in float32), so such rows are
        # shifted further down (see _headroom); None when no row of this head needs it
        self.value_room = None
        value_max = None
        if top * S > self.limits.value_limit:
            value_max = self.value_room = np.abs(finite_values).max(axis=1, initial=0.0).astype(np.float64)  # (S,)
        # a bool mask only removes keys, so the bound still holds; a float mask shifts scores
        self.bounded = method != "online" and not need_weights and (mask is None or mask.dtype == np.bool_)
        if self.bounded:
            # per key: |k_j| and, when a row's cap can depend on it (values within e^(T + 9)
            # of the largest float over S), the largest finite |v_j| (S, 1 or 2); per query,
            # their maxima over the keys it may see, so that each row's path depends only on
            # those keys. Ordinary values leave every row the cap T: one column.
            key = self.key
            norms = np.sqrt(np.einsum("se,se->s", key, key, dtype=np.float64))  # (S,)
            least_room = self.limits.room_base - math.log(S) - math.log(max(top, 1.0))
            if least_room < self.limits.shift_cap + 1.0:  # (+1: above any rounding of the rows' own logs)
                if value_max is None:
                    value_max = np.abs(finite_values).max(axis=1, initial=0.0).astype(np.float64)
                per_key = np.stack([norms, value_max], axis=1)
            else:
                per_key = norms[:, None]
            if mask is None:
                per_key = np.maximum.accumulate(per_key, axis=0) if causal else per_key.max(0, keepdims=True)
            self.per_key = per_key

    def block(
        self,
        q: NDArray[Any],  # (L, E)
        scale: float,
        out: NDArray[Any],  # (L, Ev), rows i0..i0 + block_q written
        weights: NDArray[Any] | None,  # (L, S), written when asked
        i0: int,
    ) -> None:
        """One query block of the prepared head."""
        L, S = q.shape[0], self.v.shape[0]
        mask, causal, key_t = self.mask, self.causal, self.key.T  # key_t: (E, S)
        i1 = min(i0 + self.block_q, L)
        n = i1 - i0
        query = self.query[:n]
        np.multiply(q[i0:i1], self.root, out=query)  # queries times sqrt(scale), keys too (prepare)
        key_end = min(S, i1) if causal else S  # causal: no key after the block's last row
        redo = np.ones(n, dtype=bool)
        if self.bounded:
            query_norm = np.sqrt(np.einsum("le,le->l", query, query, dtype=np.float64))
            per_key = self.per_key
            if mask is not None:
                seen = self._seen(per_key, mask, causal, i0, i1, key_end)  # (n, c)
            elif not causal:
                seen = per_key  # (1, c): every row sees every key
            elif i1 <= S:
                seen = per_key[i0:i1]  # (n, c): up to row i's own key
            else:
                seen = per_key[np.minimum(np.arange(i0, i1), S - 1)]  # (n, c): up to the last key seen
            key_max = seen[:, 0]
            row_cap: Any = self.limits.shift_cap  # the cap T of every row, unless values are huge
            if per_key.shape[1] == 2:
                # e^T * S * max|v| must stay finite (with e^8 to spare); rows with no room go online
                room = self.limits.room_base - math.log(S) - np.log(np.maximum(seen[:, 1], 1.0))
                row_cap = np.minimum(self.limits.shift_cap, room)  # (n,)
            shift = np.maximum(query_norm * key_max - row_cap, 0.0)  # (n,)
            acc, total = self._bounded(
                query, shift.astype(self.dtype), key_t, self.finite_v, self.all_finite, mask, causal, i0, i1, key_end
            )
            redo = ~(total >= self.limits.sum_floor)  # NaN sums are redone too
            if per_key.shape[1] == 2:
                redo |= row_cap < 1.0
            np.divide(acc, total[:, None], out=out[i0:i1])
            if self.poisoned is not None:
                out[i0:i1][self.poisoned[:n]] = np.nan
            if not redo.any():
                return
        self.online_rows(query, redo, i0, i1, out, weights)

    def online_rows(
        self,
        query: NDArray[Any],  # (n, E): the block's queries times sqrt(scale)
        redo: NDArray[np.bool_],  # (n,): the rows to compute
        i0: int,
        i1: int,
        out: NDArray[Any],  # (L, Ev)
        weights: NDArray[Any] | None,  # (L, S), written when asked
    ) -> None:
        """The rows of block i0..i1 flagged in ``redo``, by the online path."""
        key_end = min(self.v.shape[0], i1) if self.causal else self.v.shape[0]
        for r0, r1 in runs(np.flatnonzero(redo)):
            self._online(
                query[r0:r1], self.key.T, self.v, self.finite_v, self.all_finite,
                self.mask, self.causal, i0 + r0, i0 + r1, key_end, out, weights,
            )  # fmt: skip

    def _seen(
        self,
        per_key: NDArray[np.float64],  # (S, c)
        mask: NDArray[Any],  # (L, S) view, bool or float
        causal: bool,
        i0: int,
        i1: int,
        key_end: int,
    ) -> NDArray[np.float64]:
        """(n, c): the maxima of per_key (>= 0) over the keys each row i0..i1 may attend to."""
        if not causal and mask.strides[0] == 0:  # the same keys for every query (padding mask)
            allowed = per_key[mask[0] if mask.dtype == np.bool_ else ~np.isneginf(mask[0])]
            return np.broadcast_to(allowed.max(0, initial=0.0), (i1 - i0, per_key.shape[1]))
        best = np.zeros((i1 - i0, per_key.shape[1]))
        for j0 in range(0, key_end, self.block_k):
            j1 = min(j0 + self.block_k, key_end)
            tile = mask[i0:i1, j0:j1]
            if tile.dtype != np.bool_:
                tile = ~np.isneginf(tile)  # a float mask blocks with -inf
            if causal and j1 - 1 > i0:
                tile = tile & causal_mask(i1 - i0, j1 - j0, query_start=i0, key_start=j0)
            for c in range(per_key.shape[1]):
                np.maximum(best[:, c], np.where(tile, per_key[j0:j1, c], 0.0).max(1), out=best[:, c])
        return best

    def _bounded(
        self,
        query: NDArray[Any],  # (n, E): q * scale
        shift: NDArray[Any],  # (n,): each row's shift c
        key_t: NDArray[Any],  # (E, S)
        finite_v: NDArray[np.bool_],
        all_finite: bool,
        mask: NDArray[np.bool_] | None,  # (L, S) view or None
        causal: bool,
        i0: int,
        i1: int,
        key_end: int,
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        """o (n, Ev) and l (n,) for rows i0..i1, every score shifted by its row's shift."""
        n = i1 - i0
        acc, part, total, part_total = self.acc[:n], self.part[:n], self.total[:n], self.part_total[:n]
        acc.fill(0)
        total.fill(0)
        shifted = bool(shift.any())  # usually no row needs a shift: subtracting 0 changes nothing
        self.poisoned = None if all_finite else np.zeros((n, finite_v.shape[1]), dtype=bool)
        for j0 in range(0, key_end, self.block_k):
            j1 = min(j0 + self.block_k, key_end)
            if causal and j1 - 1 > i0:
                # the diagonal tile, in strips of rows: a strip sees no key after its last row
                step = min(n, self.strip)
                chunks = [(r0, min(r0 + step, n), min(j1, i0 + r0 + step)) for r0 in range(0, n, step)]
            else:
                chunks = [(0, n, j1)]
            for r0, r1, c1 in chunks:
                if c1 <= j0:
                    continue
                rows = self.scores[r0:r1]  # whole rows of the buffer: C-contiguous
                scores = rows[:, : c1 - j0]
                np.matmul(query[r0:r1], key_t[:, j0:c1], out=scores)  # (m, E) x (E, bk) -> (m, bk): s
                if mask is not None:
                    np.copyto(scores, -np.inf, where=~mask[i0 + r0 : i0 + r1, j0:c1])
                if causal and c1 - 1 > i0 + r0:
                    block_causal(scores, i0 + r0, j0)
                # exp(s - c); -inf - c = -inf for a blocked key, so masking first changes nothing
                self.exp_tile(rows, c1 - j0, shift[r0:r1] if shifted else None)
                np.matmul(scores, self.values[j0:c1], out=part[r0:r1])  # (m, bk) x (bk, Ev) -> (m, Ev)
                np.matmul(scores, self.ones[: c1 - j0], out=part_total[r0:r1])  # (m, bk) x (bk,) -> (m,)
                acc[r0:r1] += part[r0:r1]
                total[r0:r1] += part_total[r0:r1]
                if self.poisoned is not None:
                    allowed = allowed_keys(mask, causal, i0 + r0, i0 + r1, j0, c1)
                    self.poisoned[r0:r1] |= poisoned_outputs(allowed, finite_v[j0:c1])
        return acc, total

    def _online(
        self,
        query: NDArray[Any],  # (n, E), pre-scaled queries
        key_t: NDArray[Any],  # (E, S)
        v: NDArray[Any],  # (S, Ev), only for its non-finite entries
        finite_v: NDArray[np.bool_],
        all_finite: bool,
        mask: NDArray[Any] | None,
        causal: bool,
        i0: int,
        i1: int,
        key_end: int,
        out: NDArray[Any],
        weights: NDArray[Any] | None,
    ) -> None:
        """The running-max online softmax for rows i0..i1; writes out[i0:i1] (and weights)."""
        n, Ev = i1 - i0, v.shape[1]
        acc, part, row_max = self.acc[:n], self.part[:n], self.max[:n]
        total, part_total = self.total[:n], self.part_total[:n]
        acc.fill(0)
        total.fill(0)
        row_max.fill(-np.inf)
        poisoned = None if all_finite else np.zeros((n, Ev), dtype=bool)
        room = self._headroom(mask, causal, i0, i1, key_end)  # (n, 1) or None: values near the largest float
        for j0 in range(0, key_end, self.block_k):
            j1 = min(j0 + self.block_k, key_end)
            scores = self._masked_scores(query, key_t, mask, causal, i0, i1, j0, j1)
            block_max = scores.max(axis=1)  # (n,)
            new_max = np.maximum(row_max, block_max)  # NaN (an unmasked NaN input) propagates
            shift = row_shift(new_max)  # all blocked so far: shift by 0
            rescale = np.exp(row_max - shift)  # (n,); exp(-inf - 0) = 0, never -inf - (-inf)
            # blocked keys: exp(-inf) = 0 exactly
            self._exp_shifted(scores, shift, room)  # room: every e^(s - m - h) |v| summed over the keys stays finite
            np.matmul(scores, self.values[j0:j1], out=part)  # (n, bk) x (bk, Ev) -> (n, Ev)
            np.matmul(scores, self.ones[: j1 - j0], out=part_total)  # (n, bk) x (bk,) -> (n,)
            acc *= rescale[:, None]
            acc += part
            total *= rescale
            total += part_total
            row_max[:] = new_max
            if poisoned is not None:
                poisoned |= poisoned_outputs(allowed_keys(mask, causal, i0, i1, j0, j1), finite_v[j0:j1])
        safe_total = safe_divisor(total)  # fully masked rows: output 0, not 0/0
        np.divide(acc, safe_total[:, None], out=out[i0:i1])
        if poisoned is not None:
            out[i0:i1][poisoned] = np.nan
        if weights is not None:
            shift = row_shift(row_max)
            for j0 in range(0, key_end, self.block_k):
                j1 = min(j0 + self.block_k, key_end)
                scores = self._masked_scores(query, key_t, mask, causal, i0, i1, j0, j1)
                self._exp_shifted(scores, shift, room)
                np.divide(scores, safe_total[:, None], out=weights[i0:i1, j0:j1])

    def _exp_shifted(self, scores: NDArray[Any], shift: NDArray[Any], room: NDArray[Any] | None) -> None:
        """scores (n, m), a view of the buffer's first n rows: exp(s - shift - room), in place."""
        if room is not None:
            scores -= shift[:, None]
            scores -= room
            self.exp_tile(self.scores[: scores.shape[0]], scores.shape[1], None)
        else:
            self.exp_tile(self.scores[: scores.shape[0]], scores.shape[1], shift)

    def _headroom(self, mask: NDArray[Any] | None, causal: bool, i0: int, i1: int, key_end: int) -> NDArray[Any] | None:
        """(n, 1): how far below 0 rows i0..i1 of the online path shift their exponents,
        h = max(0, log(S_i max|v| e^margin / largest float)), from the values of the keys each
        row may see (S_i of them), so that sum_j e^(s_j - m - h) |v_j| stays finite; None
        (no shift) for the ordinary head whose values are far below the largest float."""
        if self.value_room is None:
            return None
        n = i1 - i0
        rows = np.arange(i0, i1)
        if mask is None:
            values = self.value_room[None, :key_end]
            seen = np.maximum.accumulate(values, axis=1)[0, np.minimum(rows, key_end - 1)] if causal else values.max()
            seen = np.broadcast_to(seen, (n,))
        else:
            seen = self._seen(self.value_room[:, None], mask, causal, i0, i1, key_end)[:, 0]
        count = np.minimum(rows + 1, key_end) if causal else np.full(n, key_end)
        with np.errstate(divide="ignore"):
            need = np.log(seen) + np.log(count) + (_VALUE_MARGIN - self.limits.log_max)
        room: NDArray[Any] = np.maximum(need, 0.0).astype(self.dtype)[:, None]
        return room

    def _masked_scores(
        self,
        query: NDArray[Any],
        key_t: NDArray[Any],
        mask: NDArray[Any] | None,
        causal: bool,
        i0: int,
        i1: int,
        j0: int,
        j1: int,
    ) -> NDArray[Any]:
        """The scaled, masked score tile (n, j1 - j0): -inf where a key is blocked."""
        scores = self.scores[: i1 - i0, : j1 - j0]
        np.matmul(query, key_t[:, j0:j1], out=scores)  # (n, E) x (E, bk) -> (n, bk)
        if mask is not None:
            apply_mask(scores, mask[i0:i1, j0:j1], in_place=True)  # a view, stride 0 where the mask broadcasts
        if causal and j1 - 1 > i0:
            block_causal(scores, i0, j0)
        return scores
