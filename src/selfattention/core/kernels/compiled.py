r"""The exponential of the fused kernel, compiled with numba: ``exp(s - c)`` over a score tile.

NumPy's ``exp`` was the largest cost of the blocked kernel after its two matmuls (float32:
1.6-4 ns a score on the 2-core AMD EPYC of issue #16, float64: 9 ns); this loop computes the
same function in 0.7-1.1 ns (float32) with AVX2, in one pass that also subtracts each row's
shift. The tile loops of the bounded path (:mod:`.compiled_tiles`) use a shorter form for their
range, :func:`bounded_exp32` (the same bits up to e^44, then inf): 0.54 ns a score with the
row sums (a 256 x 256 or 512 x 512 tile). Only :mod:`selfattention.core.kernels.fused`
imports this module (numba is the optional extra ``selfattention[fast]``), on first use.

The method (Cephes, with the range reduction of Cody and Waite):

.. math::

    e^x = 2^n e^r, \qquad n = \mathrm{round}(x / \ln 2), \qquad
    r = (x - n\,c_1) - n\,c_2, \quad c_1 + c_2 = \ln 2,

where :math:`c_1` has so few bits that :math:`n c_1` is exact, so :math:`|r| \le \ln 2 / 2`
is exact to the last bit. :math:`e^r` is a polynomial: Cephes ``expf``'s degree 7 in float32,
the Taylor series to degree 13 in float64 (truncation error below 1e-17). :math:`2^n` is
written from its bits, in two factors :math:`2^{\lfloor n/2 \rfloor} 2^{n - \lfloor n/2 \rfloor}`,
so that a subnormal result is rounded once, as NumPy's is.

Measured against a float64 ``exp`` over 2 million float32 inputs in [-100, 100]: at most
1.4 ulp (NumPy's float32 ``exp``: 3.3 ulp); float64: at most 1 ulp of a float64 over
[-700, 700]. Special values are NumPy's: ``exp(-inf) = 0`` exactly (a blocked key gets weight
0), ``exp(inf) = inf``, ``exp(NaN) = NaN``, overflow gives inf and underflow 0. No fastmath
flag but ``contract`` (fused multiply-add), which assumes nothing about NaN or inf and
reorders nothing: the result of each element depends on that element only, so neither the
tile's shape nor the thread that computes it changes a bit.

The compiled code is cached beside this file (numba's ``cache=True``): the first call on a
machine compiles (about 3 s), later processes load it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core.extending import intrinsic

__all__ = ["bits", "bounded_exp32", "bounded_exp64", "exp_tile32", "exp_tile64", "float_from_bits"]

# each intrinsic is a typer (its first argument, typingctx, is numba's) wrapped by numba's
# ``intrinsic``; the wrapped functions are typed Any, as compiled code calls them with the rest


def _bits_typer(typingctx: Any, x: Any) -> Any:
    """``bits(x)``: the bits of a float32 or float64 as an int32 or int64 (a bitcast,
    vectorised like any other operation)."""
    width = 32 if x == types.float32 else 64

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.IntType(width))

    return (types.int32 if width == 32 else types.int64)(x), codegen


bits: Any = intrinsic(_bits_typer)


def _float_from_bits_typer(typingctx: Any, like: Any, whole: Any) -> Any:
    """``float_from_bits(like, b)``: the float of ``like``'s type (float32 or float64) whose
    bits are the low bits of the integer ``b`` (numba widens int32 arithmetic to int64)."""
    width = 32 if like == types.float32 else 64

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        low = args[1] if whole.bitwidth == width else builder.trunc(args[1], ir.IntType(width))
        return builder.bitcast(low, ir.FloatType() if width == 32 else ir.DoubleType())

    return like(like, whole), codegen


float_from_bits: Any = intrinsic(_float_from_bits_typer)


@njit(inline="always")
def _exp_reduced32(r: Any) -> Any:
    """e^r for |r| <= 0.347 in float32: 1 + r + r^2 P(r), P Cephes' degree-5 polynomial, by
    Estrin's scheme (its chains of dependent operations are half as long as Horner's: the
    exponential of a score tile ran 0.57 ns a score with Horner's)."""
    f = np.float32
    r2 = r * r
    p01 = f(5.0000001201e-1) + r * f(1.6666665459e-1)
    p23 = f(4.1665795894e-2) + r * f(8.3334519073e-3)
    p45 = f(1.3981999507e-3) + r * f(1.9875691500e-4)
    p = p01 + r2 * (p23 + r2 * p45)
    return p * r2 + r + f(1.0)


@njit(inline="always")
def _exp32(x: Any) -> Any:
    f, i = np.float32, np.int32
    # clamp so that 2^n stays two normal factors; NaN passes both tests and stays NaN
    c = f(88.8) if x > f(88.8) else x
    c = f(-104.0) if c < f(-104.0) else c
    n = (c * f(1.44269504088896341) + f(12582912.0)) - f(12582912.0)  # round(c / ln 2), 1.5 * 2^23
    r = c - n * f(0.693359375)  # c1: n * c1 is exact
    r = r - n * f(-2.12194440e-4)  # c2 = ln 2 - c1
    p = _exp_reduced32(r)  # e^r
    whole = i(n)
    half = whole >> i(1)
    y = p * float_from_bits(f(0.0), (half + i(127)) << i(23))
    y = y * float_from_bits(f(0.0), (whole - half + i(127)) << i(23))  # 2^n in two steps: subnormals round once
    y = f(0.0) if x < f(-104.0) else y  # below half the smallest subnormal
    return f(np.inf) if x > f(88.72284) else y  # above log(largest float32)


#: 1.5 * 2^52: adding it rounds a float64 of magnitude below 2^51 to an integer, which its low bits then hold
_ROUND64 = 6755399441055744.0


@njit(inline="always")
def _power_of_two64(n: Any) -> Any:
    """2^n for a whole float64 n in [-1022, 1023], from its bits. AVX2 has no vector
    conversion from float64 to int64, so the integer is read from the bits of n + 1.5 * 2^52."""
    whole = bits(n + _ROUND64) - bits(_ROUND64)
    return float_from_bits(0.0, (whole + np.int64(1023)) << np.int64(52))


@njit(inline="always")
def _exp_reduced64(r: Any) -> Any:
    """e^r for |r| <= 0.347: 1 + r + r^2 P(r), P the Taylor series to degree 13 of e^r (the
    first term left out is below 1e-17 of e^r), by Estrin's scheme, whose short chains of
    dependent operations run side by side."""
    r2 = r * r
    r4 = r2 * r2
    p01 = 1.0 / 2.0 + r * (1.0 / 6.0)
    p23 = 1.0 / 24.0 + r * (1.0 / 120.0)
    p45 = 1.0 / 720.0 + r * (1.0 / 5040.0)
    p67 = 1.0 / 40320.0 + r * (1.0 / 362880.0)
    p89 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0)
    p1011 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0)
    p = ((p01 + r2 * p23) + r4 * (p45 + r2 * p67)) + (r4 * r4) * (p89 + r2 * p1011)
    p = p * r2 + r + 1.0
    return p


@njit(inline="always")
def _exp64(x: Any) -> Any:
    c = 709.8 if x > 709.8 else x
    c = -746.0 if c < -746.0 else c
    n = (c * 1.4426950408889634 + _ROUND64) - _ROUND64  # round(c / ln 2)
    r = c - n * 6.93147180369123816490e-01  # fdlibm's ln2_hi: n * ln2_hi is exact
    r = r - n * 1.90821492927058770002e-10  # ln2_lo
    p = _exp_reduced64(r)  # e^r
    half = (n * 0.5 + _ROUND64) - _ROUND64
    y = p * _power_of_two64(half) * _power_of_two64(n - half)  # subnormals round once
    y = 0.0 if x < -746.0 else y
    return np.inf if x > 709.782712893384 else y


#: the bounded path's exponentials: 2^n as 2^(n + offset) 2^-offset, both factors normal
_OFFSET32, _OFFSET64 = 64, 512


@njit(inline="always")
def bounded_exp32(x: Any) -> Any:
    """The bounded path's exponential (its exponents are at most T = 40, but for rounding):
    :func:`_exp32` bit for bit for x < 44, and inf from x = 44.5 (so a row whose bound did not
    hold is redone, never silently wrong), in fewer operations. 2^n is 2^(n + 64) 2^-64: the
    first product is exact and the second rounds once, as the two halves of :func:`_exp32` do,
    and from n = 64 (x > 44) the first factor's exponent bits are all ones: inf. x <= -104
    (-inf: a blocked key) gives 0, as there (e^-104 is below half the smallest subnormal), and
    NaN gives NaN."""
    f, i = np.float32, np.int32
    c = f(-104.0) if x < f(-104.0) else x  # NaN stays NaN
    c = f(44.5) if c > f(44.5) else c
    n = (c * f(1.44269504088896341) + f(12582912.0)) - f(12582912.0)
    r = c - n * f(0.693359375)
    r = r - n * f(-2.12194440e-4)
    p = _exp_reduced32(r)
    y = p * float_from_bits(f(0.0), (i(n) + i(127 + _OFFSET32)) << i(23))
    return y * f(2.0**-_OFFSET32)


@njit(inline="always")
def bounded_exp64(x: Any) -> Any:
    """:func:`bounded_exp32` in float64 (T = 300): :func:`_exp64` bit for bit for x < 354,
    inf from x = 355 (2^n as 2^(n + 512) 2^-512), 0 for x <= -746."""
    c = -746.0 if x < -746.0 else x
    c = 355.0 if c > 355.0 else c
    n = (c * 1.4426950408889634 + _ROUND64) - _ROUND64
    r = c - n * 6.93147180369123816490e-01
    r = r - n * 1.90821492927058770002e-10
    p = _exp_reduced64(r)
    return p * _power_of_two64(n + _OFFSET64) * 2.0**-_OFFSET64


# one C-contiguous signature per dtype, compiled when this module is imported (or loaded from
# the cache): the tile is rows[:, :width] of the kernel's score buffer, whose rows are
# contiguous, so the inner loop runs over unit-stride memory and is vectorised
@njit("void(float32[:, ::1], int64, float32[::1])", nogil=True, cache=True, fastmath={"contract"})
def exp_tile32(rows: Any, width: Any, shift: Any) -> None:  # pragma: no cover - compiled
    """rows[r, :width] = exp(rows[r, :width] - shift[r]), in place (float32)."""
    for r in range(rows.shape[0]):
        c = shift[r]
        for j in range(width):
            rows[r, j] = _exp32(rows[r, j] - c)


@njit("void(float64[:, ::1], int64, float64[::1])", nogil=True, cache=True, fastmath={"contract"})
def exp_tile64(rows: Any, width: Any, shift: Any) -> None:  # pragma: no cover - compiled
    """rows[r, :width] = exp(rows[r, :width] - shift[r]), in place (float64)."""
    for r in range(rows.shape[0]):
        c = shift[r]
        for j in range(width):
            rows[r, j] = _exp64(rows[r, j] - c)
