r"""The blocked kernel: softmax(Q K^T * scale + M) V without ever holding the (L, S) matrix.

Queries are taken ``block_q`` rows at a time and keys ``block_k`` columns at a time. For one
query row, with scores :math:`s_j` seen block by block, the *online softmax* keeps a shift
:math:`m`, a running sum :math:`\ell` and a running output :math:`o`:

.. math::

    m' = \max(m, \max_j s_j), \quad
    \ell' = e^{m - m'} \ell + \sum_j e^{s_j - m'}, \quad
    o' = e^{m - m'} o + \sum_j e^{s_j - m'} v_j, \qquad
    \mathrm{output} = o / \ell .

Extra memory is O((L + S) * E) plus one (block_q, block_k) score tile; with ``is_causal``
the key blocks above the diagonal are never computed (top-left alignment, as PyTorch, also
when L != S), and the bounded path computes a diagonal tile in strips of rows, each ending
at its last row's key.

Two ways through a query block, one result (to rounding):

- **online** (the general path: float masks, rows the bounded path cannot take, and
  ``need_weights``):
  the running maximum above. A key that is blocked gets exactly weight 0; a row whose keys
  are all blocked keeps :math:`m = -\infty`, is shifted by 0 instead (``-inf - (-inf)`` is
  never computed: pytorch #127055, flash-attention #334), and gets output 0, never NaN.
  A value row with weight 0 contributes nothing even when it holds NaN or inf.
- **bounded** (the fast path; no mask or a bool mask, causal or not): Cauchy-Schwarz bounds every score of
  query i by :math:`b_i = |q_i|\,\mathrm{scale}\,\max_j |k_j|` (over the keys it may see), so
  one shift per row, :math:`c_i = \max(0, b_i - T)`, chosen *before* the pass keeps every
  :math:`e^{s_j - c_i} \le e^T`. No max pass, no rescaling. The shift is subtracted only
  in tiles where some row needs one (with ordinary inputs none does), and the row sums come
  from a matrix-vector product with ones, so each score is touched by two E-wide matmuls
  (an extra column of ones or shifts, 65 wide, measured 2-12% slower in BLAS), one in-place
  ``exp`` and one matrix-vector product. A row whose sum comes out below :math:`e^{-T}` (a
  loose bound and very negative scores, a fully masked row, or NaN) is redone by the online
  path. Each row's path and shift depend only on its own query and on the keys and values it
  may see, so under ``is_causal`` later tokens never change earlier outputs, not even in the
  last bit; ``is_causal`` and the equivalent bool mask agree bitwise when both rows take the
  same shift (always, unless a score bound exceeds e^40 in float32 or e^300 in float64).

``need_weights=True`` runs the online path and then computes each weight row block by block
from the final shift and sum, ``exp(s - m) / l``: the same numbers the output was built
from, in an (..., L, S) array that the caller asked for.

>>> import numpy as np
>>> from selfattention.core.kernels.inputs import prepare_inputs
>>> x = np.arange(12.0).reshape(4, 3) / 10
>>> out, _ = attention(prepare_inputs(x, x, x, is_causal=True), block_q=2, block_k=3)
>>> out.round(4)
array([[0.    , 0.1   , 0.2   ],
       [0.1655, 0.2655, 0.3655],
       [0.3712, 0.4712, 0.5712],
       [0.6313, 0.7313, 0.8313]])
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import SelfAttentionError
from .inputs import AttentionInputs

__all__ = ["BLOCK_K", "BLOCK_K_CAUSAL", "BLOCK_Q", "BLOCK_Q_CAUSAL", "CAUSAL_STRIP", "PARALLEL_MIN_SCORES", "attention"]

#: Default tile sizes, from benchmarks/run.py and tile sweeps on a 2-core Xeon (Sapphire
#: Rapids, 2 MiB L2 per core): a 512 x 512 float32 tile is 1 MiB, large enough for BLAS to
#: run near its peak and small enough to stay in L2 with its key and value rows (one thread,
#: N = 4096, H = 8: 6% faster than 512 x 1024, 2-4% faster than 256 x 512 or 1024 x 512).
#: Causal attention uses the same tiles, and the bounded path cuts each diagonal tile into
#: strips of :data:`CAUSAL_STRIP` rows that stop at their last row's key, so off-diagonal
#: tiles keep 512 rows and the diagonal wastes no more than with 256-row tiles (N = 4096,
#: H = 8, interleaved: 0.88-0.97 of the time of 256 x 512 tiles without strips).
BLOCK_Q = 512
BLOCK_K = 512
BLOCK_Q_CAUSAL = 512
BLOCK_K_CAUSAL = 512
#: Rows per strip of a causal diagonal tile (bounded path): each strip stops at its last
#: row's key, so less of the tile above the diagonal is computed.
CAUSAL_STRIP = 256
#: Calls with fewer scores (batch x L x S) than this run in one thread: below it, starting
#: threads costs more than it saves.
PARALLEL_MIN_SCORES = 1 << 18


@dataclass(frozen=True)
class _Limits:
    """Bounds of the bounded path for one dtype: every exponential stays in [e^-T, e^T]."""

    shift_cap: float  # T: the largest exponent allowed
    sum_floor: float  # a row sum below this is redone by the online path
    log_max: float  # log of the largest finite number of the dtype


def _limits(dtype: np.dtype[Any]) -> _Limits:
    log_max = math.log(float(np.finfo(dtype).max))
    # float32: e^40 = 2.4e17 leaves e^48 of headroom for sums and value products; the floor
    # keeps the largest term a normal number with 17 e-folds of precision below it
    cap = 40.0 if dtype == np.float32 else 300.0
    return _Limits(shift_cap=cap, sum_floor=math.exp(-cap), log_max=log_max)


def attention(
    inputs: AttentionInputs,
    need_weights: bool = False,
    *,
    block_q: int | None = None,
    block_k: int | None = None,
    method: str = "auto",
    threads: int | None = None,
) -> tuple[NDArray[Any], NDArray[Any] | None]:
    """Output (..., L, Ev) and, when asked, weights (..., L, S), in the compute dtype.

    ``block_q`` / ``block_k`` set the tile (defaults: :data:`BLOCK_Q` x :data:`BLOCK_K`, or
    :data:`BLOCK_Q_CAUSAL` x :data:`BLOCK_K_CAUSAL` with ``is_causal``). ``method`` is ``"auto"`` (bounded where it
    applies, online elsewhere), ``"online"`` or ``"bounded"`` (bounded where it applies):
    the choice changes rounding only, never the result. ``threads``: how many threads share
    the query blocks (default: one per CPU for calls of at least :data:`PARALLEL_MIN_SCORES`
    scores, when threadpoolctl is installed; the result does not depend on it).
    """
    if method not in ("auto", "online", "bounded"):
        raise SelfAttentionError(f"method is {method!r}: expected 'auto', 'online' or 'bounded'")
    q, k, v = inputs.query, inputs.key, inputs.value
    batch, L, S, Ev = inputs.batch_shape, inputs.query_len, inputs.key_len, inputs.value_dim
    dtype = q.dtype
    if block_q is None:
        block_q = BLOCK_Q_CAUSAL if inputs.is_causal else BLOCK_Q
    if block_k is None:
        block_k = BLOCK_K_CAUSAL if inputs.is_causal else BLOCK_K
    if block_q < 1 or block_k < 1:
        raise SelfAttentionError(f"block sizes must be >= 1; got block_q={block_q}, block_k={block_k}")
    block_q, block_k = min(block_q, max(L, 1)), min(block_k, max(S, 1))

    output = np.zeros((*batch, L, Ev), dtype)  # (..., L, Ev)
    weights = np.zeros((*batch, L, S), dtype) if need_weights else None  # (..., L, S)
    if output.size == 0 or S == 0:
        return output, weights  # nothing to attend to: every row is fully masked -> 0

    # broadcast views (stride 0 where an input is shared): one loop body for every (batch, head)
    q_all = np.broadcast_to(q, (*batch, L, q.shape[-1]))
    k_all = np.broadcast_to(k, (*batch, S, k.shape[-1]))
    v_all = np.broadcast_to(v, (*batch, S, Ev))
    mask = inputs.mask
    if mask is not None and mask.dtype != np.bool_ and bool(np.all((mask == 0) | np.isneginf(mask))):
        mask = mask == 0  # a float mask of only 0 / -inf is a bool mask: adding 0 changes nothing
    mask_all = None if mask is None else np.broadcast_to(mask, (*batch, L, S))
    # work items: (batch index, first query row), one per query block; causal blocks grow in
    # cost along the sequence, so each head's longest blocks come first
    starts = range(0, L, block_q)
    items = [(index, i0) for index in np.ndindex(*batch) for i0 in (reversed(starts) if inputs.is_causal else starts)]
    workers = _worker_count(threads, len(items), math.prod(batch) * L * S)

    def work(share: Iterator[tuple[tuple[int, ...], int]]) -> None:
        head = _Head(dtype, block_q, block_k, q.shape[-1], Ev, S)
        current: tuple[int, ...] | None = None
        with np.errstate(invalid="ignore", over="ignore", under="ignore", divide="ignore"):  # per thread
            for index, i0 in share:
                if index != current:
                    mask_head = None if mask_all is None else mask_all[index]
                    head.prepare(k_all[index], v_all[index], mask_head, inputs.is_causal, method, need_weights)
                    current = index
                head.block(q_all[index], inputs.scale, output[index], None if weights is None else weights[index], i0)

    if workers == 1:
        work(iter(items))
    else:
        # each thread takes the next block when it is done with one: a core that another
        # process slows down leaves no long tail; the result does not depend on who took what
        _in_threads(work, _Shared(items), workers)
    return output, weights


class _Shared:
    """An iterator over work items that several threads may draw from."""

    def __init__(self, items: list[tuple[tuple[int, ...], int]]) -> None:
        self._items = iter(items)
        self._lock = threading.Lock()

    def __iter__(self) -> _Shared:
        return self

    def __next__(self) -> tuple[tuple[int, ...], int]:
        with self._lock:
            return next(self._items)


def _worker_count(threads: int | None, items: int, scores: int) -> int:
    """How many threads: 1 for small calls, else ``threads`` or one per CPU, never more
    than there are work items; 1 when threadpoolctl is missing (see :func:`_in_threads`)."""
    if threads is not None and threads < 1:
        raise SelfAttentionError(f"threads is {threads}: expected a positive number of threads, or None")
    if threads == 1 or items < 2 or scores < PARALLEL_MIN_SCORES:
        return 1
    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if threads > 1 and importlib.util.find_spec("threadpoolctl") is None:
        return 1
    return max(1, min(threads, items))


def _in_threads(work: Any, share: Any, workers: int) -> None:
    """Run work(share) in ``workers`` threads at once, with BLAS held to one thread.

    NumPy releases the GIL in matmul and exp, so the threads run in parallel; BLAS must be
    single-threaded meanwhile, or each thread's BLAS spawns its own threads and they fight
    over the cores (measured: 10-20x slower on a loaded 2-core machine). threadpoolctl (the
    optional extra ``selfattention[fast]``) sets that limit; without it the kernel runs in
    one thread and lets BLAS use its own threads.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(work, share) for _ in range(workers)]:
            future.result()


class _Head:
    """Buffers reused across query blocks and heads, and the loop over one (L, S) head."""

    def __init__(self, dtype: np.dtype[Any], block_q: int, block_k: int, E: int, Ev: int, S: int) -> None:
        self.dtype, self.block_q, self.block_k = dtype, block_q, block_k
        self.limits = _limits(dtype)
        self.scores = np.empty((block_q, block_k), dtype)  # the one score tile
        self.query = np.empty((block_q, E), dtype)  # q * scale
        self.key = np.empty((S, E), dtype)  # k, contiguous: the score matmul reads key.T
        self.value = np.empty((S, Ev), dtype)  # v, non-finite entries zeroed
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
    ) -> None:
        """Load one (batch, head)'s keys, values and mask into the buffers."""
        S = k.shape[0]
        self.v, self.mask, self.causal = v, mask, causal
        self.finite_v = np.isfinite(v)
        self.all_finite = bool(self.finite_v.all())
        np.copyto(self.key, k)
        np.copyto(self.value, v if self.all_finite else np.where(self.finite_v, v, 0))  # see _online
        # a bool mask only removes keys, so the bound still holds; a float mask shifts scores
        self.bounded = method != "online" and not need_weights and (mask is None or mask.dtype == np.bool_)
        if self.bounded:
            # per key: |k_j| and the largest finite |v_j| (S, 2); per query, their maxima over
            # the keys it may see, so that each row's path depends only on those keys
            per_key = np.stack(
                [
                    np.sqrt(np.einsum("se,se->s", k, k, dtype=np.float64)),
                    np.abs(v if self.all_finite else np.where(self.finite_v, v, 0)).max(axis=1, initial=0.0),
                ],
                axis=1,
            ).astype(np.float64)  # (S, 2)
            if mask is None:
                per_key = np.maximum.accumulate(per_key, axis=0) if causal else np.broadcast_to(per_key.max(0), (S, 2))
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
        np.multiply(q[i0:i1], scale, out=query)  # queries pre-scaled
        key_end = min(S, i1) if causal else S  # causal: no key after the block's last row
        redo = np.ones(n, dtype=bool)
        if self.bounded:
            query_norm = np.sqrt(np.einsum("le,le->l", query, query, dtype=np.float64))
            if mask is None:
                seen = self.per_key[np.minimum(np.arange(i0, i1), S - 1)]  # (n, 2): up to the last key seen
            else:
                seen = self._seen(self.per_key, mask, causal, i0, i1, key_end)
            key_max, value_max = seen[:, 0], seen[:, 1]
            # e^T * S * max|v| must stay finite (with e^8 to spare); rows with no room go online
            room = self.limits.log_max - 8.0 - math.log(S) - np.log(np.maximum(value_max, 1.0))
            row_cap = np.minimum(self.limits.shift_cap, room)  # (n,)
            shift = np.maximum(query_norm * key_max - row_cap, 0.0)  # (n,)
            acc, total = self._bounded(
                query, shift.astype(self.dtype), key_t, self.finite_v, self.all_finite, mask, causal, i0, i1, key_end
            )
            redo = ~(total >= self.limits.sum_floor) | (row_cap < 1.0)  # NaN sums are redone too
            np.divide(acc, total[:, None], out=out[i0:i1])
            if self.poisoned is not None:
                out[i0:i1][self.poisoned[:n]] = np.nan
            if not redo.any():
                return
        for r0, r1 in _runs(np.flatnonzero(redo)):
            self._online(
                query[r0:r1], key_t, self.v, self.finite_v, self.all_finite,
                mask, causal, i0 + r0, i0 + r1, key_end, out, weights,
            )  # fmt: skip

    def _seen(
        self,
        per_key: NDArray[np.float64],  # (S, 2)
        mask: NDArray[np.bool_],  # (L, S) view
        causal: bool,
        i0: int,
        i1: int,
        key_end: int,
    ) -> NDArray[np.float64]:
        """(n, 2): the maxima of per_key over the keys each row i0..i1 may attend to."""
        if not causal and mask.strides[0] == 0:  # the same keys for every query (padding mask)
            allowed = per_key[mask[0]]
            return np.broadcast_to(allowed.max(0, initial=0.0), (i1 - i0, 2))
        best = np.zeros((i1 - i0, 2))
        for j0 in range(0, key_end, self.block_k):
            j1 = min(j0 + self.block_k, key_end)
            tile = mask[i0:i1, j0:j1]
            if causal and j1 - 1 > i0:
                tile = tile & (np.arange(j0, j1)[None, :] <= np.arange(i0, i1)[:, None])
            for c in range(2):
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
                step = min(n, CAUSAL_STRIP)
                chunks = [(r0, min(r0 + step, n), min(j1, i0 + r0 + step)) for r0 in range(0, n, step)]
            else:
                chunks = [(0, n, j1)]
            for r0, r1, c1 in chunks:
                if c1 <= j0:
                    continue
                scores = self.scores[r0:r1, : c1 - j0]
                np.matmul(query[r0:r1], key_t[:, j0:c1], out=scores)  # (m, E) x (E, bk) -> (m, bk): s
                if shifted:
                    scores -= shift[r0:r1, None]  # s - c
                if mask is not None:
                    np.copyto(scores, -np.inf, where=~mask[i0 + r0 : i0 + r1, j0:c1])
                if causal and c1 - 1 > i0 + r0:
                    _block_causal(scores, i0 + r0, j0)
                np.exp(scores, out=scores)
                np.matmul(scores, self.value[j0:c1], out=part[r0:r1])  # (m, bk) x (bk, Ev) -> (m, Ev)
                np.matmul(scores, self.ones[: c1 - j0], out=part_total[r0:r1])  # (m, bk) x (bk,) -> (m,)
                acc[r0:r1] += part[r0:r1]
                total[r0:r1] += part_total[r0:r1]
                if self.poisoned is not None:
                    self.poisoned[r0:r1] |= _poisoned(scores, finite_v[j0:c1])
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
        for j0 in range(0, key_end, self.block_k):
            j1 = min(j0 + self.block_k, key_end)
            scores = self._masked_scores(query, key_t, mask, causal, i0, i1, j0, j1)
            block_max = scores.max(axis=1)  # (n,)
            new_max = np.maximum(row_max, block_max)  # NaN (an unmasked NaN input) propagates
            shift = np.where(np.isneginf(new_max), 0, new_max)  # all blocked so far: shift by 0
            rescale = np.exp(row_max - shift)  # (n,); exp(-inf - 0) = 0, never -inf - (-inf)
            scores -= shift[:, None]
            np.exp(scores, out=scores)  # blocked keys: exp(-inf) = 0 exactly
            np.matmul(scores, self.value[j0:j1], out=part)  # (n, bk) x (bk, Ev) -> (n, Ev)
            np.matmul(scores, self.ones[: j1 - j0], out=part_total)  # (n, bk) x (bk,) -> (n,)
            acc *= rescale[:, None]
            acc += part
            total *= rescale
            total += part_total
            row_max[:] = new_max
            if poisoned is not None:
                poisoned |= _poisoned(scores, finite_v[j0:j1])
        safe_total = np.where(total == 0, 1, total)  # fully masked rows: output 0, not 0/0
        np.divide(acc, safe_total[:, None], out=out[i0:i1])
        if poisoned is not None:
            out[i0:i1][poisoned] = np.nan
        if weights is not None:
            shift = np.where(np.isneginf(row_max), 0, row_max)
            for j0 in range(0, key_end, self.block_k):
                j1 = min(j0 + self.block_k, key_end)
                scores = self._masked_scores(query, key_t, mask, causal, i0, i1, j0, j1)
                scores -= shift[:, None]
                np.exp(scores, out=scores)
                np.divide(scores, safe_total[:, None], out=weights[i0:i1, j0:j1])

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
            tile = mask[i0:i1, j0:j1]  # a view, stride 0 where the mask broadcasts
            if tile.dtype == np.bool_:
                np.copyto(scores, -np.inf, where=~tile)
            else:
                scores += tile
                # blocked keys become -inf even where q.k is NaN (NaN + -inf stays NaN)
                np.copyto(scores, -np.inf, where=np.isneginf(tile))
        if causal and j1 - 1 > i0:
            _block_causal(scores, i0, j0)
        return scores


def _block_causal(scores: NDArray[Any], i0: int, j0: int) -> None:
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
    later = np.arange(offset, offset + m)[None, :] > np.arange(n)[:, None]  # (n, m)
    later.flags.writeable = False
    return later


def _poisoned(weights: NDArray[Any], finite_v: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """(n, Ev): True where a non-finite value gets a non-zero weight (its output is NaN, as
    in the reference kernel); a value with weight 0 contributes nothing, even NaN."""
    hit = (weights != 0).astype(np.float32) @ (~finite_v).astype(np.float32)  # (n, bk) x (bk, Ev)
    result: NDArray[np.bool_] = hit > 0
    return result


def _runs(rows: NDArray[np.intp]) -> list[tuple[int, int]]:
    """Consecutive runs [start, stop) of sorted row indices."""
    if rows.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    starts = np.concatenate(([0], breaks))
    stops = np.concatenate((breaks, [rows.size]))
    return [(int(rows[a]), int(rows[b - 1]) + 1) for a, b in zip(starts, stops, strict=True)]
