r"""The fused kernel's compiled tile loops: the bounded path of every query block of a call (numba).

The bounded path of :mod:`selfattention.core.kernels.blocked`, compiled: per query block, the
per-row shifts from the Cauchy-Schwarz bound, then per key tile a BLAS matmul for the scores,
the mask and the causal triangle, one loop that takes each exponential and sums each row, and a
BLAS matmul that adds the tile's weighted values into the running output (beta = 1: no
temporary, no separate add). Python is not involved between tiles, so a short call costs what
its arithmetic costs: per-call and per-tile overhead was a third of the blocked kernel's time
at N = 256 (issue #16).

Every rule of the bounded path holds, and some are kept by construction:

- the shift of row i is :math:`c_i = \max(0, |q_i|\,\max_j |k_j| - T)` over the keys j that
  row i may see (mask and causal triangle), so each row's numbers depend only on its own query
  and those keys;
- each row's exponentials stop at its last visible key of the tile (the rest of its row is
  0); a tile goes in strips of ``strip`` rows, each stopping at the last key that one of its
  rows may see, when that skips a fifth of the tile (a causal diagonal tile), and is one
  product otherwise (below the diagonal, a padding mask, a random mask). The choice depends
  on the rows' last visible keys only, so a causal triangle and the equivalent bool mask
  compute the same products: they agree bitwise. Under ``is_causal`` the products depend
  only on the rows' positions and L, so the values of later tokens never change an earlier
  output (a sequence cut shorter may: BLAS rounds a row by the shape of its product);
- a row whose sum is below the floor (a fully masked row, NaN, or scores far below the bound)
  or infinite (a score that rounding put more than 4 above the bound, where
  :func:`.compiled.bounded_exp32` gives inf) is flagged in ``redo``, for the online path of
  :mod:`.tiles`;
- values are read with non-finite entries set to 0, and an output entry whose row may see a
  key with a non-finite value in that column is NaN, as in PyTorch.

The exponentials are :mod:`.compiled`'s own, in the form for the bounded path's range (each
element's result depends on that element only); only the row sums may be reassociated, so that
they vectorise. A row's sum therefore depends on how many of the tile's keys it sees, which
depends only on its position and the mask.

:func:`bounded_blocks` runs every block of a call: the threads take blocks from one list
through atomic counters (:mod:`.spin_pool`), so no thread needs the GIL between blocks (with
Python between blocks, the threads' hand-offs of the GIL cost up to 0.7 ms of a 1.6 ms call at
N = 256 on the 2-core machine of issue #16); :func:`bounded_block` is one block.

Measured on that machine (one thread, float32, d = 64): a head of N = 256 takes 240 us in
:func:`bounded_block` and 11 us in :func:`prepare_head` (PyTorch's whole kernel: 236 us a
head), against 198 us for the same two matmuls in NumPy and 35 us for the exponentials and
sums (0.54 ns a score).

Only :mod:`selfattention.core.kernels.fused` imports this module, on first use.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, types
from numba.core.extending import overload

from . import compiled
from .blas import NO_TRANS, TRANS
from .compiled import bits, float_from_bits
from .compiled_calls import gemm32, gemm64
from .spin_pool import join, leave, next_item, wait_for_call

__all__ = ["bounded_block", "bounded_blocks", "prepare_head"]


def _exp(x: Any) -> Any:  # pragma: no cover - a stub that numba resolves below
    raise NotImplementedError


@overload(_exp, jit_options={"fastmath": {"contract"}})
def _exp_for(x: Any) -> Any:
    """:mod:`.compiled`'s exponential for the element type, compiled with its own flags (only
    ``contract``), so that the caller's ``reassoc`` never reaches it."""
    if x == types.float32:

        def exp32(x: Any) -> Any:
            return compiled.bounded_exp32(x)

        return exp32
    if x == types.float64:

        def exp64(x: Any) -> Any:
            return compiled.bounded_exp64(x)

        return exp64
    return None


@njit(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def _exp_rows(  # pragma: no cover - compiled
    scores: Any, r0: Any, r1: Any, j0: Any, ends: Any, width: Any, shift: Any, total: Any
) -> None:
    """For rows r0..r1 of a tile whose first key is j0: scores[r, :e] = exp(scores[r, :e] -
    shift[r]) with e = ends[r] - j0 (the row's visible keys), total[r] += their sum, and
    scores[r, e:width] = 0 (keys after the row's last visible one)."""
    for r in range(r0, r1):
        c = shift[r]
        e = max(ends[r] - j0, 0)
        s = total.dtype.type(0.0)
        for j in range(e):
            x = _exp(scores[r, j] - c)
            scores[r, j] = x
            s += x
        total[r] += s
        for j in range(e, width):
            scores[r, j] = 0.0


@njit(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def _exp_rows_masked(  # pragma: no cover - compiled
    scores: Any,
    r0: Any,
    r1: Any,
    j0: Any,
    ends: Any,
    width: Any,
    shift: Any,
    total: Any,
    mask: Any,
    first: Any,
    row: Any,
) -> None:
    """:func:`_exp_rows` for a masked tile: row r's mask starts at mask[first + r row] (flat,
    its keys contiguous, as :func:`bounded_block` reads it); a key it may not see weighs 0,
    exactly what the exponential of its score set to -inf gives."""
    for r in range(r0, r1):
        c = shift[r]
        e = max(ends[r] - j0, 0)
        allowed = mask[first + r * row + j0 :]  # indexed from 0: no test for negative indices
        s = total.dtype.type(0.0)
        for j in range(e):
            x = _exp(scores[r, j] - c)  # for every key, then 0 for the blocked: one vectorised loop
            x = x if allowed[j] else total.dtype.type(0.0)
            scores[r, j] = x
            s += x
        total[r] += s
        for j in range(e, width):
            scores[r, j] = 0.0


@njit(nogil=True, cache=True)
def _largest_seen(mask: Any, base: Any, norms: Any, end: Any) -> float:  # pragma: no cover - compiled
    """max(norms[j] for j < end where mask[base + j]), 0 when none, NaN when one of them is NaN:
    on the bits of the norms (non-negative: their magnitudes order as integers, and a NaN's
    lie above inf), one vectorised integer loop."""
    top = np.int64(0)
    allowed = mask[base:]  # indexed from 0: no test for negative indices
    for j in range(end):
        magnitude = bits(norms[j]) & np.int64(0x7FFFFFFFFFFFFFFF)
        top = max(top, magnitude if allowed[j] else np.int64(0))
    return float_from_bits(np.float64(0.0), top)  # type: ignore[no-any-return]


def _signatures(function: str) -> list[Any]:
    """One signature per dtype: inputs read-only, buffers writable, all C-contiguous (loops over
    arrays of any layout are not vectorised: prepare_head took 31 us a head of 256 x 64 with
    them, 11 us without); a mask is one flat array, read at each row's offset."""
    result = []
    for real in (types.float32, types.float64):
        in2 = types.Array(real, 2, "C", readonly=True)
        buf1, buf2 = types.Array(real, 1, "C"), types.Array(real, 2, "C")
        f64, boolean = types.Array(types.float64, 1, "C"), types.Array(types.boolean, 1, "C")
        if function == "prepare":  # (k, v, root, key, value, norms, prefix, bad) -> top
            result.append(types.float64(in2, in2, real, buf2, buf2, f64, f64, boolean))
        elif function == "blocks":
            i64, index = types.int64, types.Array(types.int64, 1, "C")
            of, in3 = types.Array(types.int64, 1, "C", readonly=True), types.Array(real, 3, "C", readonly=True)
            result.append(
                i64(i64, index, index, types.boolean, i64, i64, in3, of, in3, of, in3, of,
                    types.Array(types.boolean, 1, "C", readonly=True), of, i64, i64, types.boolean, types.boolean,
                    real, real, i64, i64, types.float64, types.float64, types.float64, types.float64, i64, i64,
                    types.Array(real, 3, "C"), types.Array(types.boolean, 2, "C"), boolean, index, i64)
            )  # fmt: skip
        else:
            mask = types.Array(types.boolean, 1, "C", readonly=True)
            out = types.Array(real, 2, "C")
            i64 = types.int64
            result.append(
                i64(in2, in2, real, buf2, buf2, f64, f64, boolean, types.boolean, mask, i64, i64, types.boolean,
                    types.boolean,
                    i64, i64, i64, i64, types.float64, types.float64, i64, i64, buf2, buf2, buf2, buf1, buf1, f64,
                    types.Array(i64, 1, "C"), out, boolean)
            )  # fmt: skip
    return result


@njit(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def _scale_rows(x: Any, first: Any, count: Any, root: Any, scaled: Any, squares: Any) -> None:  # pragma: no cover
    """scaled[r] = x[first + r] root and squares[r] = |scaled[r]|^2 (float64), r < count; the
    squares only bound the scores, so their sums may be reassociated (vectorised)."""
    for r in range(count):
        total = 0.0
        for e in range(x.shape[1]):
            y = x[first + r, e] * root
            scaled[r, e] = y
            total += np.float64(y) * np.float64(y)
        squares[r] = total


def _magnitude_and_infinity(x: Any) -> Any:  # pragma: no cover - a stub that numba resolves below
    raise NotImplementedError


@overload(_magnitude_and_infinity)
def _magnitude_and_infinity_for(x: Any) -> Any:
    """For x's type: the mask that clears the sign bit, and the bits of infinity (the smallest
    non-finite magnitude)."""
    if x == types.float32:

        def bits32(x: Any) -> Any:
            return np.int32(0x7FFFFFFF), np.int32(0x7F800000)

        return bits32
    if x == types.float64:

        def bits64(x: Any) -> Any:
            return np.int64(0x7FFFFFFFFFFFFFFF), np.int64(0x7FF0000000000000)

        return bits64
    return None


@njit(nogil=True, cache=True)
def _finite_values(v: Any, value: Any, bad: Any) -> float:  # pragma: no cover - compiled
    """value = v with non-finite entries 0, bad[j] when row j has one; returns max |v| over the
    finite entries. On the bits: an IEEE float is finite when its exponent bits are not all
    ones, and the bits of |x| (sign cleared) order finite magnitudes as integers, so each row is
    one vectorised loop of integer operations, exact, under no fastmath flag."""
    zero = value.dtype.type(0.0)
    magnitude, infinity = _magnitude_and_infinity(zero)
    nothing = bits(zero)  # 0 as an integer
    top = nothing
    for j in range(v.shape[0]):
        worst = nothing
        for c in range(v.shape[1]):
            x = v[j, c]
            size = bits(x) & magnitude
            finite = size < infinity
            value[j, c] = x if finite else zero
            top = max(top, size if finite else nothing)
            worst |= nothing if finite else size
        bad[j] = worst != nothing
    return np.float64(float_from_bits(zero, top))  # type: ignore[no-any-return]


@njit(_signatures("prepare"), nogil=True, cache=True, fastmath={"contract"})
def prepare_head(  # pragma: no cover - compiled
    k: Any, v: Any, root: Any, key: Any, value: Any, norms: Any, prefix: Any, bad: Any
) -> float:
    """Load one head: key = k |root| (as PyTorch, q.k cannot overflow before the scale), its
    row norms (float64) and their running maximum (NaN carried on), value = v with non-finite
    entries 0, bad[j] when v[j] has one. Returns max |v| over the finite entries."""
    S = k.shape[0]
    _scale_rows(k, 0, S, root, key, norms)
    running = 0.0
    for j in range(S):
        norm = math.sqrt(norms[j])
        norms[j] = norm
        if j == 0 or norm > running or math.isnan(norm):  # once NaN, nothing is larger: it stays
            running = norm
        prefix[j] = running
    return _finite_values(v, value, bad)


@njit("boolean(float64, int64, float64, float64, float64)", nogil=True, cache=True)
def _fits(top: float, S: int, value_limit: float, room_base: float, cap: float) -> bool:  # pragma: no cover
    """True when a head whose largest finite |v| is ``top``, over S keys, can take this path:
    one cap T for every row and no value headroom. The rule of
    :meth:`selfattention.core.kernels.tiles.Head.prepare` with the same
    :class:`~selfattention.core.kernels.tiles.Limits`: S max|v| at most ``value_limit``, and
    ``room_base`` - log S - log max(max|v|, 1) at least T + 1."""
    return not (top * S > value_limit or room_base - math.log(S) - math.log(max(top, 1.0)) < cap + 1.0)


@njit(nogil=True, cache=True)
def _strips_pay(ends: Any, n: Any, j0: Any, strip: Any) -> bool:  # pragma: no cover - compiled
    """True when strips of ``strip`` rows, each stopping at the last key one of its rows sees
    (``ends``, from key j0), skip at least a fifth of one product for all n rows (a causal
    diagonal tile: nearly half); otherwise one product is faster (a padding mask, whose rows
    all stop at one key; a random mask, whose strips nearly all reach the tile's end). Random
    mask, 90% kept, B = 2, H = 4, N = 1024: 17.4 ms in strips of 64 rows, 16.6 ms as one
    product."""
    widest = j0
    work = 0
    for r0 in range(0, n, strip):
        c1 = j0
        for r in range(r0, min(r0 + strip, n)):
            c1 = max(c1, ends[r])
        work += (min(r0 + strip, n) - r0) * (c1 - j0)
        widest = max(widest, c1)
    return work * 5 <= n * (widest - j0) * 4  # type: ignore[no-any-return]


@njit(nogil=True, inline="always")
def _allowed(mask: Any, start: Any, row: Any, has_mask: Any, causal: Any, i: Any, j: Any) -> bool:  # pragma: no cover
    return (not causal or j <= i) and (not has_mask or mask[start + i * row + j])


@njit(_signatures("block"), nogil=True, cache=True, fastmath={"contract"})
def bounded_block(  # pragma: no cover - compiled
    q: Any,  # (L, E): the head's queries
    v: Any,  # (S, Ev): the head's values, for which entries are not finite
    root: Any,  # sqrt(scale), signed: queries are multiplied by it, keys by its magnitude
    key: Any,  # (S, E) prepared by prepare_head
    value: Any,  # (S, Ev) prepared by prepare_head
    norms: Any,  # (S,)
    prefix: Any,  # (S,)
    bad: Any,  # (S,)
    any_bad: Any,
    mask: Any,  # bool, True = may attend; key j of query i at mask[start + i row + j]; ignored unless has_mask
    start: Any,
    row: Any,
    has_mask: Any,
    causal: Any,
    i0: Any,
    i1: Any,
    block_k: Any,
    strip: Any,
    cap: Any,  # T: the largest exponent the shifts allow
    floor: Any,  # a row sum below it goes to the online path
    gemm: Any,  # address of the CBLAS gemm for this dtype
    int_bits: Any,  # 32 or 64: its integers
    query: Any,  # (block_q, E) buffer
    scores: Any,  # (block_q, block_k) buffer
    acc: Any,  # (block_q, Ev) buffer
    total: Any,  # (block_q,) buffer
    shift: Any,  # (block_q,) buffer
    squares: Any,  # (block_q,) float64 buffer
    ends: Any,  # (block_q,) int64 buffer: each row's end in the current tile
    out: Any,  # (L, Ev): rows i0..i1 written, except those flagged in redo
    redo: Any,  # (block_q,): rows left to the online path
) -> int:
    """Rows i0..i1 of one prepared head by the bounded path; returns how many rows it left to
    the online path (flagged in ``redo``)."""
    S, E = key.shape
    Ev = value.shape[1]
    n = i1 - i0
    real = total.dtype.type
    key_end = min(S, i1) if causal else S
    _scale_rows(q, i0, n, root, query, squares)
    for r in range(n):
        i = i0 + r
        if has_mask:  # the largest norm among the keys this row may see; NaN carried on
            seen = _largest_seen(mask, start + i * row, norms, min(key_end, i + 1) if causal else key_end)
        elif causal:
            seen = prefix[min(i, S - 1)]
        else:
            seen = prefix[S - 1]
        bound = math.sqrt(squares[r]) * seen - cap
        shift[r] = bound if (bound > 0.0 or math.isnan(bound)) else 0.0
        total[r] = 0.0
        for c in range(Ev):
            acc[r, c] = 0.0
    one = real(1.0)
    for j0 in range(0, key_end, block_k):
        j1 = min(j0 + block_k, key_end)
        for r in range(n):
            i = i0 + r
            end = min(j1, i + 1) if causal else j1  # after the row's last visible key of the tile
            if has_mask:
                while end > j0 and not mask[start + i * row + end - 1]:
                    end -= 1
            ends[r] = end
        step = strip if _strips_pay(ends, n, j0, strip) else n
        for r0 in range(0, n, step):
            r1 = min(r0 + step, n)
            c1 = j0  # the strip's tile stops at the last key that one of its rows may see
            for r in range(r0, r1):
                c1 = max(c1, ends[r])
            if c1 <= j0:
                continue
            width = c1 - j0
            a = query.ctypes.data + r0 * query.strides[0]
            b = key.ctypes.data + j0 * key.strides[0]
            c = scores.ctypes.data + r0 * scores.strides[0]
            if int_bits == 64:
                gemm64(gemm, TRANS, r1 - r0, width, E, one, a, E, b, E, real(0.0), c, block_k)
            else:
                gemm32(gemm, TRANS, r1 - r0, width, E, one, a, E, b, E, real(0.0), c, block_k)
            if has_mask:  # blocked keys before the row's last visible one weigh 0
                _exp_rows_masked(scores, r0, r1, j0, ends, width, shift, total, mask, start + i0 * row, row)
            else:
                _exp_rows(scores, r0, r1, j0, ends, width, shift, total)
            b = value.ctypes.data + j0 * value.strides[0]
            a_acc = acc.ctypes.data + r0 * acc.strides[0]
            if int_bits == 64:
                gemm64(gemm, NO_TRANS, r1 - r0, Ev, width, one, c, block_k, b, Ev, one, a_acc, Ev)
            else:
                gemm32(gemm, NO_TRANS, r1 - r0, Ev, width, one, c, block_k, b, Ev, one, a_acc, Ev)
    left = 0
    for r in range(n):
        i = i0 + r
        t = total[r]
        redo[r] = not floor <= t < math.inf  # NaN too; inf: a score above its bound (bounded_exp32)
        if redo[r]:
            left += 1
            continue
        for c in range(Ev):
            out[i, c] = acc[r, c] / t
        if any_bad:  # a key this row may see has a non-finite value: those outputs are NaN
            for j in range(key_end):
                if bad[j] and _allowed(mask, start, row, has_mask, causal, i, j):
                    for c in range(Ev):
                        if not math.isfinite(v[j, c]):
                            out[i, c] = np.nan
    return left


@njit(_signatures("blocks"), nogil=True, cache=True)
def bounded_blocks(  # pragma: no cover - compiled
    blocks: Any,  # query blocks per head; item t is head t // blocks's block t % blocks (last first if causal)
    counts: Any,  # the call's counters (spin_pool.counters), shared by the threads
    signal: Any,  # spin_pool's generation number: the caller bumps it to wake the helpers
    caller: Any,  # True in the calling thread (which then waits for the helpers that joined)
    seen: Any,  # a helper: the signal it woke up on (spin_pool.wait_for_call)
    budget: Any,  # a helper: how long to spin for the next call after this one (0 for the caller)
    q: Any,  # (Hq', L, E): queries; head h reads q[q_of[h]]
    q_of: Any,
    k: Any,  # (Hk', S, E)
    k_of: Any,
    v: Any,  # (Hv', S, Ev)
    v_of: Any,
    mask: Any,  # bool, flat: head h's key j of query i at mask[mask_of[h] per_mask + i per_row + j]
    mask_of: Any,
    per_mask: Any,
    per_row: Any,
    has_mask: Any,
    causal: Any,
    root: Any,  # sqrt(scale), signed
    key_root: Any,  # |root|
    block_k: Any,
    strip: Any,
    cap: Any,
    floor: Any,
    value_limit: Any,  # a head whose max |v| times S exceeds this goes to the blocked kernel's code
    room_base: Any,  # Limits.room_base: log of the largest float, minus 8
    gemm: Any,
    int_bits: Any,
    out: Any,  # (H, L, Ev)
    left: Any,  # (H, L): rows the bounded path left, for the online path
    huge: Any,  # (H,): heads whose values are too close to the largest float for this path
    leftover: Any,  # (1,): set to 1 when a row is left or a head flagged (then Python looks at left and huge)
    block_q: Any,  # rows per query block
) -> int:
    """Take query blocks (items) until none is left, and compute each by
    :func:`bounded_block`: several threads may run this at once on the same items, each with
    its own buffers (allocated here: as arguments, each cost the call's Python a few us), and
    never need the GIL (:mod:`.spin_pool`: the calling thread returns when every thread that
    joined has left). Heads this path cannot take are flagged in
    ``huge``, rows it leaves in ``left`` (and then ``leftover[0]`` is 1). Returns
    :func:`.spin_pool.wait_for_call`'s answer: a helper spins here for the next call, without
    the GIL."""
    S, E, L, Ev = k.shape[1], k.shape[2], q.shape[1], v.shape[2]
    current = -1
    skip = False
    any_bad = False
    if not join(counts, signal, caller):
        return wait_for_call(signal, seen, budget)
    real = out.dtype
    key, value, norms, prefix = np.empty((S, E), real), np.empty((S, Ev), real), np.empty(S), np.empty(S)
    bad, query, scores = np.empty(S, np.bool_), np.empty((block_q, E), real), np.empty((block_q, block_k), real)
    acc, total, shift = np.empty((block_q, Ev), real), np.empty(block_q, real), np.empty(block_q, real)
    squares, ends, redo = np.empty(block_q), np.empty(block_q, np.int64), np.empty(block_q, np.bool_)
    while True:
        item = next_item(counts)
        if item >= out.shape[0] * blocks:
            break
        head, b = item // blocks, item % blocks
        i0 = (blocks - 1 - b if causal else b) * block_q  # causal: the longest blocks first
        if head != current:
            current = head
            top = prepare_head(k[k_of[head]], v[v_of[head]], key_root, key, value, norms, prefix, bad)
            skip = not _fits(top, S, value_limit, room_base, cap)
            if skip:
                huge[head] = True
                leftover[0] = 1
            any_bad = False
            for j in range(S):
                any_bad = any_bad or bad[j]
        if skip:
            continue
        i1 = min(i0 + block_q, L)
        rows = bounded_block(
            q[q_of[head]], v[v_of[head]], root, key, value, norms, prefix, bad, any_bad, mask, mask_of[head] * per_mask,
            per_row, has_mask, causal,
            i0, i1, block_k, strip, cap, floor, gemm, int_bits, query, scores, acc, total, shift, squares, ends,
            out[head], redo,
        )  # fmt: skip
        if rows:
            leftover[0] = 1
            for r in range(i1 - i0):
                left[head, i0 + r] = redo[r]
    leave(counts, caller)
    return wait_for_call(signal, seen, budget)
