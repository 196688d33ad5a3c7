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
  never computed: pytorch #127055, flash-attention #334), and gets output 0, never NaN:
  the rule of :mod:`selfattention.core.softmax`, through its
  :func:`~selfattention.core.softmax.row_shift` and :func:`~selfattention.core.softmax.safe_divisor`
  applied to the running values. A value row with weight 0 contributes nothing even when it
  holds NaN or inf.
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
  may see, so under ``is_causal`` changing later tokens (at the same length) never changes
  earlier outputs, not even in the last bit; appending tokens changes them by rounding only,
  because BLAS sums a row in an order that depends on the tile's sizes. ``is_causal`` and the
  equivalent bool mask agree bitwise when both rows take the same shift (always, unless a
  score bound exceeds e^40 in float32 or e^300 in float64).

The scores are ``(q sqrt(scale)) . (k sqrt(scale))``, as PyTorch computes them, so ``q . k``
cannot overflow where the scaled score does not. Values near the largest float (1e308 in
float64, S x 1e37 in float32) would overflow the running sums ``o``: such rows go online and
shift their exponents down by a per-row headroom ``h`` (from the values of the keys they may
see), so every ``e^(s - m - h) |v|`` summed over the keys stays finite; ordinary inputs have
``h = 0`` and pay nothing. A value that is NaN or inf, of a key the row may attend to, makes
that output entry NaN whatever its weight (as in PyTorch), a masked key's value nothing.

Masks follow :func:`selfattention.core.masks.apply_mask` and the causal triangle
:func:`selfattention.core.masks.causal_mask`, tile by tile. This module chooses the tiles and
shares the query blocks among threads (:mod:`.threads`); :mod:`.tiles` computes them.

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

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import SelfAttentionError
from .exponential import ExpTile, numpy_exp_tile
from .inputs import AttentionInputs
from .threads import Item, Shared, blas_one_thread, in_threads, worker_count
from .tiles import Head

__all__ = [
    "BLOCK_K",
    "BLOCK_K_CAUSAL",
    "BLOCK_Q",
    "BLOCK_Q_CAUSAL",
    "CAUSAL_STRIP",
    "PARALLEL_MIN_SCORES",
    "attention",
    "bool_if_possible",
    "query_starts",
    "tile_sizes",
]

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


def attention(
    inputs: AttentionInputs,
    need_weights: bool = False,
    *,
    block_q: int | None = None,
    block_k: int | None = None,
    method: str = "auto",
    threads: int | None = None,
    exp_tile: ExpTile = numpy_exp_tile,
) -> tuple[NDArray[Any], NDArray[Any] | None]:
    """Output (..., L, Ev) and, when asked, weights (..., L, S), in the compute dtype.

    ``block_q`` / ``block_k`` set the tile (defaults: :data:`BLOCK_Q` x :data:`BLOCK_K`, or
    :data:`BLOCK_Q_CAUSAL` x :data:`BLOCK_K_CAUSAL` with ``is_causal``). ``method`` is ``"auto"`` (bounded where it
    applies, online elsewhere), ``"online"`` or ``"bounded"`` (bounded where it applies):
    the choice changes rounding only, never the result. ``threads``: how many threads share
    the query blocks (default: one per CPU for calls of at least :data:`PARALLEL_MIN_SCORES`
    scores, when threadpoolctl is installed; the result does not depend on it). ``exp_tile``:
    the exponential of a score tile (:mod:`.exponential`; the fused kernel passes a compiled one).
    """
    block_q, block_k = tile_sizes(inputs, block_q, block_k, method)
    q, k, v = inputs.query, inputs.key, inputs.value
    batch, L, S, Ev = inputs.batch_shape, inputs.query_len, inputs.key_len, inputs.value_dim
    dtype = q.dtype

    # every row is written below (a fully masked row with 0), so no zero-fill pass up front
    output = (np.empty if S > 0 else np.zeros)((*batch, L, Ev), dtype)  # (..., L, Ev)
    weights = np.zeros((*batch, L, S), dtype) if need_weights else None  # (..., L, S)
    if output.size == 0 or S == 0:
        return output, weights  # nothing to attend to: every row is fully masked -> 0

    # broadcast views (stride 0 where an input is shared): one loop body for every (batch, head)
    q_all = np.broadcast_to(q, (*batch, L, q.shape[-1]))
    k_all = np.broadcast_to(k, (*batch, S, k.shape[-1]))
    v_all = np.broadcast_to(v, (*batch, S, Ev))
    mask = bool_if_possible(inputs.mask)
    mask_all = None if mask is None else np.broadcast_to(mask, (*batch, L, S))
    # work items: (batch index, first query row), one per query block
    items = [(index, i0) for index in np.ndindex(*batch) for i0 in query_starts(L, block_q, inputs.is_causal)]
    workers = worker_count(threads, len(items), math.prod(batch) * L * S, PARALLEL_MIN_SCORES)

    def work(share: Iterator[Item]) -> None:
        head = Head(dtype, block_q, block_k, q.shape[-1], Ev, S, CAUSAL_STRIP, exp_tile)
        current: tuple[int, ...] | None = None
        with np.errstate(invalid="ignore", over="ignore", under="ignore", divide="ignore"):  # per thread
            for index, i0 in share:
                if index != current:
                    mask_head = None if mask_all is None else mask_all[index]
                    head.prepare(
                        k_all[index], v_all[index], mask_head, inputs.is_causal, method, need_weights, inputs.scale
                    )
                    current = index
                head.block(q_all[index], inputs.scale, output[index], None if weights is None else weights[index], i0)

    if workers == 1:
        with blas_one_thread():  # tiles are small: BLAS's own threads only get in the way
            work(iter(items))
    else:
        # each thread takes the next block when it is done with one: a core that another
        # process slows down leaves no long tail; the result does not depend on who took what
        in_threads(work, Shared(items), workers)
    return output, weights


def bool_if_possible(mask: NDArray[Any] | None) -> NDArray[Any] | None:
    """A float mask of only 0 and -inf as the bool mask it is (adding 0 changes nothing), so that
    it takes the bounded path; any other mask as it is."""
    if mask is not None and mask.dtype != np.bool_ and bool(np.all((mask == 0) | np.isneginf(mask))):
        as_bool: NDArray[np.bool_] = mask == 0
        return as_bool
    return mask


def tile_sizes(inputs: AttentionInputs, block_q: int | None, block_k: int | None, method: str) -> tuple[int, int]:
    """The query block and key tile of a call (defaults, checked, at most L and S); refuses an
    unknown ``method``."""
    if method not in ("auto", "online", "bounded"):
        raise SelfAttentionError(
            f"method is {method!r}: expected 'auto', 'online' or 'bounded'",
            code="unknown_blocked_method",
            method=method,
        )
    if block_q is None:
        block_q = BLOCK_Q_CAUSAL if inputs.is_causal else BLOCK_Q
    if block_k is None:
        block_k = BLOCK_K_CAUSAL if inputs.is_causal else BLOCK_K
    if block_q < 1 or block_k < 1:
        raise SelfAttentionError(
            f"block sizes must be >= 1; got block_q={block_q}, block_k={block_k}",
            code="block_size_not_positive",
            block_q=block_q,
            block_k=block_k,
        )
    return min(block_q, max(inputs.query_len, 1)), min(block_k, max(inputs.key_len, 1))


def query_starts(L: int, block_q: int, causal: bool) -> Iterator[int]:
    """The first row of each query block, in the order threads take them: causal blocks grow
    in cost along the sequence, so the longest come first."""
    starts = range(0, L, block_q)
    return iter(reversed(starts) if causal else starts)
