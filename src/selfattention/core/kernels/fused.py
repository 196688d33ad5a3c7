"""The fused kernel: the blocked kernel with its bounded path compiled (numba, optional).

The blocked kernel (:mod:`selfattention.core.kernels.blocked`) runs each score tile through a
few NumPy calls: two matmuls, the mask, ``exp``, the row sums and the running sums. At N = 256
those calls' own overhead, not their arithmetic, was a third of its time, and NumPy's float32
``exp`` cost as much as a matmul. This kernel keeps the blocked kernel's tiles, threads and
paths, with two changes:

- the bounded path (no mask or a bool mask, causal or not: nearly every call) runs in compiled
  code (:mod:`.compiled_tiles`), every query block of a call, the threads taking blocks without
  the GIL: BLAS for the two matmuls (NumPy's own BLAS, called directly: :mod:`.blas`), and
  one loop for the mask, the exponential and the row sums;
- the online path (float masks, rows the bounded path leaves, ``need_weights``) and heads whose
  values come near the largest float use the blocked kernel's code with the compiled
  exponential of :mod:`.compiled` (at most about 1 ulp from the exact exponential: closer
  than NumPy's float32 ``exp``).

Every guarantee of the blocked kernel holds, and the result never depends on the number of
threads. Without a BLAS it can call (a NumPy whose BLAS it does not recognise), or with a mask
whose batch dimensions cannot be read as one without a copy, the bounded path runs as the
blocked kernel's, with the compiled exponential.

numba is the optional extra ``selfattention[fast]``; ``import selfattention`` never imports it.
The first call in a process imports numba (about 0.5 s) and loads the compiled loops from
numba's cache, or compiles them (8-10 s, once per machine and version).
``implementation="auto"`` uses this kernel, when numba is installed, for calls of more than
:data:`selfattention.core.kernels.AUTO_FUSED_MIN_SCORES` scores.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import blocked
from .blas import Gemm, numpy_gemm
from .exponential import ExpTile, compiled_available, compiled_exp_tile, compiled_loops
from .inputs import AttentionInputs
from .threads import worker_count
from .tiles import Head, limits_for

__all__ = ["PARALLEL_MIN_SCORES", "STRIP", "attention", "available", "usable"]

#: Calls with fewer scores (batch x L x S) than this run in one thread. The helpers spin
#: between calls (:mod:`.spin_pool`), so two threads pay from far smaller calls than the
#: blocked kernel's (:data:`.blocked.PARALLEL_MIN_SCORES`); on the 2-core AMD EPYC of issue
#: #16, d = 64, one thread / two: 2^13 scores 110 / 125 us, 2^15 219 / 192 us (H = 8, N = 64),
#: 2^17 559 / 343 us (H = 2, N = 256).
PARALLEL_MIN_SCORES = 1 << 14

#: Rows per product in the compiled bounded path's tiles whose rows end at keys far enough
#: apart that strips skip a fifth of the tile (a causal diagonal tile): each strip's product
#: stops at the last key one of its rows may see; other tiles are one product. The blocked
#: kernel's NumPy code keeps :data:`.blocked.CAUSAL_STRIP` (each strip costs it a few Python
#: calls). Measured on the 2-core AMD EPYC of issue #16, H = 8, causal, 64 / 128 / 256 rows:
#: N = 256 0.88 / 0.97 / 1.17 ms, N = 1024 9.1 / 9.4 / 10.2 ms, N = 4096 126 / 125 / 130 ms.
STRIP = 64


def available() -> bool:
    """True when numba is installed (checked without importing it)."""
    return compiled_available()


def usable() -> bool:
    """True when numba is installed and loads (imported, and the loops loaded or compiled, on
    the first call in a process; the answer is kept, so a call's kernel never changes)."""
    return compiled_available() and compiled_loops() is not None


def attention(
    inputs: AttentionInputs,
    need_weights: bool = False,
    *,
    block_q: int | None = None,
    block_k: int | None = None,
    method: str = "auto",
    threads: int | None = None,
) -> tuple[NDArray[Any], NDArray[Any] | None]:
    """Output (..., L, Ev) and, when asked, weights (..., L, S): the blocked kernel's
    arguments and result (:func:`selfattention.core.kernels.blocked.attention`), with the
    bounded path compiled and the compiled exponential."""
    exp_tile = compiled_exp_tile(inputs.query.dtype)  # compiled (or loaded) here, before any thread starts
    loaded = _compiled_tiles()
    mask = blocked.bool_if_possible(inputs.mask)
    bounded = not need_weights and method != "online" and (mask is None or mask.dtype == np.bool_)
    if loaded is not None and bounded and inputs.key_len > 0 and inputs.query.dtype in (np.float32, np.float64):
        masks = None if mask is None else _mask_by_head(mask, inputs)
        if mask is None or masks is not None:  # a mask whose batch dimensions merge without a copy: nearly all
            return _compiled(inputs, masks, block_q, block_k, method, threads, exp_tile, *loaded), None
    return blocked.attention(
        inputs, need_weights, block_q=block_q, block_k=block_k, method=method, threads=threads, exp_tile=exp_tile
    )


@functools.cache
def _compiled_tiles() -> tuple[Any, Any, Gemm] | None:
    """The compiled tile loop (:mod:`.compiled_tiles`), its threads (:mod:`.spin_pool`) and
    NumPy's BLAS, loaded once; None when either is missing (then the bounded path runs as the
    blocked kernel's)."""
    if compiled_loops() is None:
        return None
    gemm = numpy_gemm()
    if gemm is None:
        return None
    try:
        from . import compiled_tiles, spin_pool  # numba compiles or loads them here
    except Exception as error:  # an optional compiler failing means: do without it
        warnings.warn(
            f"the fused kernel's compiled tile loop could not be loaded ({type(error).__name__}: {error}); its"
            " bounded path runs as the blocked kernel's",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return compiled_tiles, spin_pool, gemm


def _compiled(
    inputs: AttentionInputs,
    masks: tuple[NDArray[np.bool_], NDArray[np.int64], int, int] | None,
    block_q: int | None,
    block_k: int | None,
    method: str,
    threads: int | None,
    exp_tile: ExpTile,
    tiles: Any,
    spin_pool: Any,
    gemm: Gemm,
) -> NDArray[Any]:
    """Every query block in compiled code, the threads (:mod:`.spin_pool`) taking numbered
    blocks without the GIL (:func:`.compiled_tiles.bounded_blocks`); then the heads and rows
    the bounded path leaves, by the blocked kernel's code. ``masks``: (the bool masks as
    (n, L, S), each head's index into them), or None."""
    block_q, block_k = blocked.tile_sizes(inputs, block_q, block_k, method)
    batch, L, S, Ev = inputs.batch_shape, inputs.query_len, inputs.key_len, inputs.value_dim
    dtype, causal, scale = inputs.query.dtype, inputs.is_causal, inputs.scale
    heads = math.prod(batch)
    output = np.empty((heads, L, Ev), dtype)
    if output.size == 0:
        return output.reshape(*batch, L, Ev)
    (q, q_of), (k, k_of), (v, v_of) = (_by_head(x, batch) for x in (inputs.query, inputs.key, inputs.value))
    mask, mask_of, per_mask, per_row = masks if masks is not None else (_NO_MASK, _no_mask_of(heads), 0, 0)
    blocks = -(-L // block_q)  # query blocks per head
    left = np.zeros((heads, L), dtype=bool)  # rows for the online path
    huge = np.zeros(heads, dtype=bool)  # heads for the blocked kernel's code
    leftover = np.zeros(1, dtype=np.int64)  # 1 when a row or head is left to the blocked kernel's code
    limits, real = limits_for(dtype), dtype.type
    root = math.copysign(math.sqrt(abs(scale)), scale)
    workers = worker_count(threads, heads * blocks, heads * L * S, PARALLEL_MIN_SCORES)
    call = (blocks, spin_pool.counters(workers), spin_pool.signal())
    head = (
        q, q_of, k, k_of, v, v_of, mask, mask_of, per_mask, per_row, masks is not None, causal, real(root),
        real(abs(root)), block_k, STRIP, limits.shift_cap, limits.sum_floor, limits.value_limit, limits.room_base,
        gemm.address(dtype), gemm.int_bits, output, left, huge, leftover, block_q,
    )  # fmt: skip

    def work(caller: bool, seen: int, budget: int) -> int:  # in each thread
        return tiles.bounded_blocks(*call, caller, seen, budget, *head)  # type: ignore[no-any-return]

    spin_pool.run(work, workers)
    if leftover[0]:  # rare: the blocked kernel's code
        _rest(inputs, output, q, q_of, k, k_of, v, v_of, masks, left, huge, root, block_q, block_k, method, exp_tile)
    return output.reshape(*batch, L, Ev)


def _rest(
    inputs: AttentionInputs,
    output: NDArray[Any],
    q: NDArray[Any],
    q_of: NDArray[np.int64],
    k: NDArray[Any],
    k_of: NDArray[np.int64],
    v: NDArray[Any],
    v_of: NDArray[np.int64],
    masks: tuple[NDArray[np.bool_], NDArray[np.int64], int, int] | None,
    left: NDArray[np.bool_],
    huge: NDArray[np.bool_],
    root: float,
    block_q: int,
    block_k: int,
    method: str,
    exp_tile: ExpTile,
) -> None:
    """The heads (``huge``) and rows (``left``) the compiled bounded path left, by the blocked
    kernel's code, into ``output`` (heads, L, Ev); ``root`` is sqrt(scale), signed."""
    dtype, causal, scale, L, S = inputs.query.dtype, inputs.is_causal, inputs.scale, inputs.query_len, inputs.key_len
    E, Ev = inputs.query.shape[-1], inputs.value_dim
    with np.errstate(invalid="ignore", over="ignore", under="ignore", divide="ignore"):  # as blocked.attention
        for h in np.flatnonzero(huge | left.any(axis=1)):
            head = Head(dtype, block_q, block_k, E, Ev, S, blocked.CAUSAL_STRIP, exp_tile)
            head_mask = None if masks is None else _head_mask(masks[0], masks[1][h] * masks[2], masks[3], L, S)
            head.prepare(k[k_of[h]], v[v_of[h]], head_mask, causal, method, False, scale)
            for i0 in range(0, L, block_q):
                i1 = min(i0 + block_q, L)
                if huge[h]:
                    head.block(q[q_of[h]], scale, output[h], None, i0)
                elif left[h, i0:i1].any():
                    query = np.multiply(q[q_of[h], i0:i1], dtype.type(root))
                    head.online_rows(query, left[h, i0:i1], i0, i1, output[h], None)


def _by_head(x: NDArray[Any], batch: tuple[int, ...]) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """x (..., R, C), its leading dimensions broadcastable to ``batch``, as (n, R, C), C-contiguous
    and read-only, and for each (batch, head) in ``batch``'s order the index of its (R, C)
    matrix: shared matrices (broadcast, or grouped key/value heads) are not copied."""
    lead = x.shape[:-2]
    if lead == batch and x.flags.c_contiguous:  # the usual case: one matrix per head, in order
        flat = x.reshape(-1, x.shape[-2], x.shape[-1])  # a new view: its flag is its own
        flat.flags.writeable = False
        return flat, _in_order(flat.shape[0])
    keep = tuple(slice(0, 1) if stride == 0 else slice(None) for stride in x.strides[:-2])
    x = x[keep]  # a dimension broadcast by a stride of 0 holds one matrix
    index = np.arange(math.prod(x.shape[:-2]), dtype=np.int64).reshape(x.shape[:-2])
    index = np.broadcast_to(index, lead) if index.shape != lead else index
    flat = _read_only(np.ascontiguousarray(x).reshape(-1, *x.shape[-2:]))
    return flat, _read_only(np.array(np.broadcast_to(index, batch).reshape(-1)))  # a copy: contiguous


def _mask_by_head(
    mask: NDArray[Any], inputs: AttentionInputs
) -> tuple[NDArray[np.bool_], NDArray[np.int64], int, int] | None:
    """A bool mask as the compiled loops read it, never copied: (flat, index, per_mask,
    per_row), head h's key j of query i at flat[index[h] per_mask + i per_row + j] (a padding
    mask stays one row: per_row 0). None when its keys are not contiguous, or when its batch
    dimensions cannot be merged into one without a copy (then the blocked kernel's code runs)."""
    batch, L, S = inputs.batch_shape, inputs.query_len, inputs.key_len
    full = np.broadcast_to(mask, (*batch, L, S))
    keep = tuple(slice(0, 1) if stride == 0 else slice(None) for stride in full.strides[:-2])
    shared = full[keep]  # a dimension broadcast by a stride of 0 holds one mask
    dims = [(n, stride) for n, stride in zip(shared.shape[:-2], shared.strides[:-2], strict=True) if n != 1]
    if any(outer != inner * n for (_, outer), (n, inner) in itertools.pairwise(dims)):
        return None  # the batch dimensions do not follow each other in memory
    per_mask, per_row = dims[-1][1] if dims else 0, shared.strides[-2] if L > 1 else 0
    if (S > 1 and shared.strides[-1] != 1) or per_mask < 0 or per_row < 0:
        return None  # keys not one after the other, or read backwards
    count = math.prod(shared.shape[:-2])
    span = (count - 1) * per_mask + (L - 1) * per_row + S  # from the first entry to the last
    flat = np.lib.stride_tricks.as_strided(shared, (span,), (1,), writeable=False)
    index = np.arange(count, dtype=np.int64).reshape(shared.shape[:-2])
    return flat, _read_only(np.array(np.broadcast_to(index, batch).reshape(-1))), per_mask, per_row


def _head_mask(flat: NDArray[np.bool_], start: int, per_row: int, L: int, S: int) -> NDArray[np.bool_]:
    """One head's (L, S) mask in the flat form of :func:`_mask_by_head`, as a view."""
    return np.lib.stride_tricks.as_strided(flat[start:], (L, S), (per_row, 1), writeable=False)


@functools.lru_cache(maxsize=16)
def _no_mask_of(heads: int) -> NDArray[np.int64]:
    """Zeros: the mask offsets of a call without a mask (read by nobody; kept)."""
    return _read_only(np.zeros(heads, dtype=np.int64))


@functools.lru_cache(maxsize=16)
def _in_order(heads: int) -> NDArray[np.int64]:
    """0, 1, ..., heads - 1, read-only: each head its own matrix (kept: the usual index)."""
    return _read_only(np.arange(heads, dtype=np.int64))


def _read_only(array: NDArray[Any]) -> NDArray[Any]:
    """A read-only view: what the compiled loops' signatures take for their inputs."""
    view: NDArray[Any] = array.view()
    view.flags.writeable = False
    return view


_NO_MASK = _read_only(np.zeros(1, dtype=bool))
