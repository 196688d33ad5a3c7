"""NumPy's own BLAS matrix multiply (``cblas_sgemm`` / ``cblas_dgemm``), found for compiled code.

The fused kernel's compiled tile loop (:mod:`.compiled_tiles`) calls BLAS itself, so that one
query block is one call without Python in between. It calls the BLAS that NumPy was built with
(OpenBLAS in NumPy's wheels), whose single-threaded calls run in parallel from several threads.
SciPy's copy, which numba's ``np.dot`` uses, does not: on the machine of issue #16 two threads
calling it took as long as one thread doing both calls' work.

:func:`numpy_gemm` finds the library among those threadpoolctl sees loaded, looks up the CBLAS
symbol under the names NumPy's builds give it, and checks it on a small product against
NumPy's own matmul before anything uses it. A build it does not know gives None, and the
fused kernel then goes on without its compiled tile loop.
"""

from __future__ import annotations

import ctypes
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .threads import numpy_blas

__all__ = ["Gemm", "numpy_gemm"]

#: CBLAS constants (cblas.h)
ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112

#: symbol name stems (``{}`` = s or d) and the width of their integers: NumPy's wheels ship
#: OpenBLAS built with 64-bit integers and prefixed names; other builds use the plain names
_SYMBOLS = (
    ("scipy_cblas_{}gemm64_", 64),
    ("cblas_{}gemm64_", 64),
    ("cblas_{}gemm", 32),
)


@dataclass(frozen=True)
class Gemm:
    """The addresses of ``cblas_sgemm`` and ``cblas_dgemm`` and the width of their integers."""

    sgemm: int
    dgemm: int
    int_bits: int

    def address(self, dtype: np.dtype[Any]) -> int:
        return self.sgemm if dtype == np.float32 else self.dgemm


@functools.cache
def numpy_gemm() -> Gemm | None:
    """NumPy's CBLAS gemm, checked; None when it cannot be found (no threadpoolctl, a BLAS
    whose symbols are named otherwise) or does not compute what NumPy computes."""
    library = numpy_blas()
    if library is None:
        return None
    try:
        handle = ctypes.CDLL(library.filepath)
    except OSError:
        return None
    for stem, bits in _SYMBOLS:
        try:
            sgemm = ctypes.cast(getattr(handle, stem.format("s")), ctypes.c_void_p).value
            dgemm = ctypes.cast(getattr(handle, stem.format("d")), ctypes.c_void_p).value
        except AttributeError:
            continue
        if sgemm and dgemm:
            gemm = Gemm(sgemm, dgemm, bits)
            return gemm if _agrees(gemm) else None
    return None


def _agrees(gemm: Gemm) -> bool:
    """True when the found functions compute a small product the way NumPy does, with both
    transposes the kernel uses, a leading dimension wider than the rows, and beta = 1."""
    rng = np.random.default_rng(0)
    for dtype, address, real in ((np.float32, gemm.sgemm, ctypes.c_float), (np.float64, gemm.dgemm, ctypes.c_double)):
        integer = ctypes.c_int64 if gemm.int_bits == 64 else ctypes.c_int32
        pointer = ctypes.c_void_p
        types = (ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer, integer, real)
        call = ctypes.CFUNCTYPE(None, *types, pointer, integer, pointer, integer, real, pointer, integer)(address)
        a, b = rng.standard_normal((3, 5)).astype(dtype), rng.standard_normal((4, 5)).astype(dtype)
        c = np.ones((3, 6), dtype)  # ldc 6 > 4 columns: the last two must stay 1
        call(ROW_MAJOR, NO_TRANS, TRANS, 3, 4, 5, 1.0, a.ctypes.data, 5, b.ctypes.data, 5, 1.0, c.ctypes.data, 6)
        expected = np.ones((3, 6), dtype)
        expected[:, :4] += a @ b.T
        if not np.allclose(c, expected, rtol=1e-5, atol=1e-5):
            return False
    return True
