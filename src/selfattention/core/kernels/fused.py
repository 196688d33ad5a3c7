"""The fused kernel: the blocked kernel with its bounded path compiled (numba, optional).

The blocked kernel (:mod:`selfattention.core.kernels.blocked`) runs each score tile through a
few NumPy calls: two matmuls, the mask, ``exp``, the row sums and the running sums. At N = 256
those calls' own overhead, not their arithmetic, was a third of its time, and NumPy's float32
``exp`` cost as much as a matmul. This kernel keeps the blocked kernel's tiles, threads and
paths, with two changes:

- the bounded path (no mask or a bool mask, causal or not: nearly every call) runs a whole query
  block in one compiled call (:mod:`.compiled_tiles`): BLAS for the two matmuls (NumPy's own
  BLAS, called directly: :mod:`.blas`), and one loop for the mask, the exponential and the
  row sums;
- the online path (float masks, rows the bounded path leaves, ``need_weights``) and heads whose
  values come near the largest float use the blocked kernel's code with the compiled
  exponential of :mod:`.compiled` (at most about 1 ulp from the exact exponential: closer
  than NumPy's float32 ``exp``).

Every guarantee of the blocked kernel holds, and the result never depends on the number of
threads. Without a BLAS it can call (a NumPy whose BLAS it does not recognise), the bounded path
runs as the blocked kernel's, with the compiled exponential.

numba is the optional extra ``selfattention[fast]``; ``import selfattention`` never imports it.
The first call in a process imports numba (about 0.5 s) and loads the compiled loops from
numba's cache, or compiles them (about 8 s, once per machine and version).
``implementation="auto"`` uses this kernel where it would use the blocked one, when numba is
installed.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import blocked
from .blas import Gemm, numpy_gemm
from .exponential import ExpTile, compiled_available, compiled_exp_tile, compiled_loops
from .inputs import AttentionInputs
from .threads import Shared, blas_one_thread, in_threads, worker_count
from .tiles import _VALUE_MARGIN, Head, Limits, limits_for

__all__ = ["attention", "available", "usable"]


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
    simple = inputs.mask is None and not need_weights and method != "online" and inputs.key_len > 0
    if loaded is not None and simple and inputs.query.dtype in (np.float32, np.float64):
        return _unmasked(inputs, block_q, block_k, method, threads, exp_tile, *loaded), None
    head_type = CompiledHead if loaded is not None else Head
    return blocked.attention(
        inputs,
        need_weights,
        block_q=block_q,
        block_k=block_k,
        method=method,
        threads=threads,
        exp_tile=exp_tile,
        head_type=head_type,
    )


@functools.cache
def _compiled_tiles() -> tuple[Any, Gemm] | None:
    """The compiled tile loop (:mod:`.compiled_tiles`) and NumPy's BLAS, loaded once; None when
    either is missing (then the bounded path runs as the blocked kernel's)."""
    if compiled_loops() is None:
        return None
    gemm = numpy_gemm()
    if gemm is None:
        return None
    try:
        from . import compiled_tiles  # numba compiles or loads it here
    except Exception as error:  # an optional compiler failing means: do without it
        warnings.warn(
            f"the fused kernel's compiled tile loop could not be loaded ({type(error).__name__}: {error}); its"
            " bounded path runs as the blocked kernel's",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return compiled_tiles, gemm


def _unmasked(
    inputs: AttentionInputs,
    block_q: int | None,
    block_k: int | None,
    method: str,
    threads: int | None,
    exp_tile: ExpTile,
    tiles: Any,
    gemm: Gemm,
) -> NDArray[Any]:
    """No mask (causal or not), no weights: every query block in compiled code, the threads
    taking blocks from one list without the GIL (:func:`.compiled_tiles.bounded_blocks`); then
    the heads and rows the bounded path leaves, by the blocked kernel's code. The same blocks,
    by the same compiled :func:`.compiled_tiles.bounded_block`, as :class:`CompiledHead`, so
    ``is_causal`` and the equivalent bool mask agree bitwise."""
    block_q, block_k = blocked.tile_sizes(inputs, block_q, block_k, method)
    batch, L, S, E, Ev = inputs.batch_shape, inputs.query_len, inputs.key_len, inputs.query.shape[-1], inputs.value_dim
    dtype, causal, scale = inputs.query.dtype, inputs.is_causal, inputs.scale
    heads = math.prod(batch)
    output = np.empty((heads, L, Ev), dtype)
    if output.size == 0:
        return output.reshape(*batch, L, Ev)
    (q, q_of), (k, k_of), (v, v_of) = (_by_head(x, batch) for x in (inputs.query, inputs.key, inputs.value))
    items = np.array([(h, i0) for h in range(heads) for i0 in blocked.query_starts(L, block_q, causal)], dtype=np.int64)
    counter = np.zeros(1, dtype=np.int64)
    left = np.zeros((heads, L), dtype=bool)  # rows for the online path
    huge = np.zeros(heads, dtype=bool)  # heads for the blocked kernel's code
    limits, real = limits_for(dtype), dtype.type
    root = math.copysign(math.sqrt(abs(scale)), scale)

    def work(_: Any) -> None:
        tiles.bounded_blocks(
            items, counter, q, q_of, k, k_of, v, v_of, causal, real(root), real(abs(root)), block_k,
            blocked.CAUSAL_STRIP, limits.shift_cap, limits.sum_floor, *_value_bounds(limits)[:2],
            gemm.address(dtype), gemm.int_bits, output, left, huge,
            np.empty((S, E), dtype), np.empty((S, Ev), dtype), np.empty(S), np.empty(S), np.empty(S, dtype=bool),
            np.empty((block_q, E), dtype), np.empty((block_q, block_k), dtype), np.empty((block_q, Ev), dtype),
            np.empty(block_q, dtype), np.empty(block_q, dtype), np.empty(block_q), np.empty(block_q, dtype=np.int64),
            np.empty(block_q, dtype=bool),
        )  # fmt: skip

    workers = worker_count(threads, len(items), heads * L * S, blocked.PARALLEL_MIN_SCORES)
    if workers == 1:
        with blas_one_thread():
            work(None)
    else:
        in_threads(work, Shared([]), workers)
    with np.errstate(invalid="ignore", over="ignore", under="ignore", divide="ignore"):  # as blocked.attention
        for h in np.flatnonzero(huge | left.any(axis=1)):  # rare: the blocked kernel's code, as in CompiledHead
            head = Head(dtype, block_q, block_k, E, Ev, S, blocked.CAUSAL_STRIP, exp_tile)
            head.prepare(k[k_of[h]], v[v_of[h]], None, causal, method, False, scale)
            for i0 in range(0, L, block_q):
                i1 = min(i0 + block_q, L)
                if huge[h]:
                    head.block(q[q_of[h]], scale, output[h], None, i0)
                elif left[h, i0:i1].any():
                    query = np.multiply(q[q_of[h], i0:i1], real(root))
                    head.online_rows(query, left[h, i0:i1], i0, i1, output[h], None)
    return output.reshape(*batch, L, Ev)


def _value_bounds(limits: Limits) -> tuple[float, float, float]:
    """(value_limit, room_base, cap) for :func:`.compiled_tiles.fits`, from the dtype's limits."""
    return math.exp(limits.log_max - _VALUE_MARGIN), limits.log_max - 8.0, limits.shift_cap


def _by_head(x: NDArray[Any], batch: tuple[int, ...]) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """x (..., R, C), its leading dimensions broadcastable to ``batch``, as (n, R, C), C-contiguous
    and read-only, and for each (batch, head) in ``batch``'s order the index of its (R, C)
    matrix: shared matrices (broadcast, or grouped key/value heads) are not copied."""
    lead = x.shape[:-2]
    if lead == batch and x.flags.c_contiguous:  # the usual case: one matrix per head, in order
        return _read_only(x.reshape(-1, *x.shape[-2:])), np.arange(math.prod(batch), dtype=np.int64)
    keep = tuple(slice(0, 1) if stride == 0 else slice(None) for stride in x.strides[:-2])
    x = x[keep]  # a dimension broadcast by a stride of 0 holds one matrix
    index = np.arange(math.prod(x.shape[:-2]), dtype=np.int64).reshape(x.shape[:-2])
    index = np.broadcast_to(index, lead) if index.shape != lead else index
    flat = _read_only(np.ascontiguousarray(x).reshape(-1, *x.shape[-2:]))
    return flat, np.array(np.broadcast_to(index, batch).reshape(-1))  # a copy: writable, contiguous


def _read_only(array: NDArray[Any]) -> NDArray[Any]:
    """A read-only view: what the compiled loops' signatures take for their inputs."""
    view: NDArray[Any] = array.view()
    view.flags.writeable = False
    return view


_NO_MASK = _read_only(np.zeros((1, 1), dtype=bool))


class CompiledHead(Head):
    """A :class:`.tiles.Head` whose bounded path is one compiled call per query block
    (:func:`.compiled_tiles.bounded_block`); the online path, and heads whose values come near
    the largest float, stay the blocked kernel's."""

    def __init__(
        self,
        dtype: np.dtype[Any],
        block_q: int,
        block_k: int,
        E: int,
        Ev: int,
        S: int,
        strip: int,
        exp_tile: ExpTile,
    ) -> None:
        super().__init__(dtype, block_q, block_k, E, Ev, S, strip, exp_tile)
        loaded = _compiled_tiles()
        assert loaded is not None  # fused.attention passes this type only when it is
        self.compiled, gemm = loaded
        self.gemm, self.int_bits = gemm.address(dtype), gemm.int_bits
        self.norms = np.empty(S)  # |k_j|, float64
        self.prefix = np.empty(S)  # their running maximum
        self.bad = np.empty(S, dtype=bool)  # v_j has a non-finite entry
        self.shift = np.empty(block_q, dtype)
        self.squares = np.empty(block_q)  # |q_i|^2, float64
        self.ends = np.empty(block_q, dtype=np.int64)  # each row's end in the current tile
        self.redo = np.empty(block_q, dtype=bool)
        self.in_python = self.python_prepared = True
        self.loaded: tuple[Any, ...] = ()

    def prepare(
        self,
        k: NDArray[Any],
        v: NDArray[Any],
        mask: NDArray[Any] | None,
        causal: bool,
        method: str,
        need_weights: bool,
        scale: float,
    ) -> None:
        """Load one (batch, head) for the compiled bounded path, or for the blocked kernel's
        code when that path does not apply (online method, weights, float mask, huge values)."""
        float_mask = mask is not None and mask.dtype != np.bool_
        self.in_python = method == "online" or need_weights or float_mask or self.dtype not in (np.float32, np.float64)
        self.loaded = (k, v, mask, causal, method, need_weights, scale)
        self.python_prepared = False
        if not self.in_python:
            S = k.shape[0]
            self.root = math.copysign(math.sqrt(abs(scale)), scale)
            self.v, self.mask, self.causal = _read_only(v), mask, causal
            real = self.dtype.type
            top = self.compiled.prepare_head(
                _read_only(k), self.v, real(abs(self.root)), self.key, self.value, self.norms, self.prefix, self.bad
            )
            # values near the largest float need per-row caps and headroom: the blocked kernel's code
            self.in_python = not self.compiled.fits(top, S, *_value_bounds(self.limits))
            self.any_bad = bool(self.bad.any())
        if self.in_python:
            self._prepare_python()

    def _prepare_python(self) -> None:
        if not self.python_prepared:
            super().prepare(*self.loaded)
            self.python_prepared = True

    def block(
        self,
        q: NDArray[Any],
        scale: float,
        out: NDArray[Any],
        weights: NDArray[Any] | None,
        i0: int,
    ) -> None:
        """One query block: compiled, then the rows it leaves by the online path."""
        if self.in_python:
            super().block(q, scale, out, weights, i0)
            return
        i1 = min(i0 + self.block_q, q.shape[0])
        limits, real = self.limits, self.dtype.type
        mask = _NO_MASK if self.mask is None else _read_only(self.mask)
        left = self.compiled.bounded_block(
            _read_only(q), self.v, real(self.root), self.key, self.value, self.norms, self.prefix, self.bad,
            self.any_bad, mask, self.mask is not None, self.causal, i0, i1, self.block_k, self.strip,
            limits.shift_cap, limits.sum_floor, self.gemm, self.int_bits,
            self.query, self.scores, self.acc, self.total, self.shift, self.squares, self.ends, out, self.redo,
        )  # fmt: skip
        if left:
            self._prepare_python()  # loads the same keys and values into the same buffers
            self.online_rows(self.query[: i1 - i0], self.redo[: i1 - i0], i0, i1, out, weights)
