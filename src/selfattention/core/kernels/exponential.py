"""The exponential of a score tile, ``exp(s - c)`` row by row: NumPy's, or a compiled loop.

The blocked kernel (:mod:`selfattention.core.kernels.tiles`) calls an :data:`ExpTile` on every
score tile. By default it is :func:`numpy_exp_tile`; the fused kernel
(:mod:`selfattention.core.kernels.fused`) passes :func:`compiled_exp_tile`, numba's loop of
:mod:`selfattention.core.kernels.compiled`, which subtracts the shift and takes the
exponential in one pass, 2-3x faster than NumPy's ``exp`` on the machine of issue #16.
Both give ``exp(-inf) = 0`` exactly, so a blocked key gets weight 0, and NaN for NaN.

>>> rows = np.log(np.array([[1.0, 2.0, 9.0], [4.0, 8.0, 9.0]]))
>>> numpy_exp_tile(rows, 2, np.log(np.array([1.0, 2.0])))
>>> rows[:, :2].round(12)
array([[1., 2.],
       [2., 4.]])
"""

from __future__ import annotations

import functools
import importlib.util
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import SelfAttentionError

__all__ = ["ExpTile", "compiled_available", "compiled_exp_tile", "compiled_loops", "numpy_exp_tile"]

#: ``exp_tile(rows, width, shift)``: ``rows[r, :width] = exp(rows[r, :width] - shift[r])`` in
#: place, or ``exp(rows[r, :width])`` when ``shift`` is None. ``rows`` (n, block_k) is a run of
#: whole rows of the kernel's score buffer, so it is C-contiguous.
ExpTile = Callable[[NDArray[Any], int, "NDArray[Any] | None"], None]


def numpy_exp_tile(rows: NDArray[Any], width: int, shift: NDArray[Any] | None) -> None:
    """NumPy's subtraction and ``exp``, in place on ``rows[:, :width]``."""
    tile = rows[:, :width]  # (n, width)
    if shift is not None:
        tile -= shift[:, None]
    np.exp(tile, out=tile)


def compiled_available() -> bool:
    """True when numba can be imported (checked without importing it)."""
    return importlib.util.find_spec("numba") is not None


@functools.cache
def compiled_loops() -> Any:
    """The module of compiled loops (:mod:`.compiled`), imported once; None, with a warning,
    when numba is installed but cannot be loaded (a release that does not support this NumPy,
    a broken llvmlite), so that ``"auto"`` goes on with the blocked kernel."""
    try:
        from . import compiled  # numba, imported on first use
    except Exception as error:  # any failure of an optional compiler means: do without it
        warnings.warn(
            f"numba is installed but could not be loaded ({type(error).__name__}: {error}); the"
            " blocked kernel is used instead of the fused one",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return compiled


def compiled_exp_tile(dtype: np.dtype[Any]) -> ExpTile:
    """The compiled :data:`ExpTile` for float32 or float64 tiles.

    Imports numba and compiles on the first call in a process (or loads the compiled code from
    numba's cache: see :mod:`selfattention.core.kernels.compiled`); call it before sharing work
    among threads, so that they never compile."""
    if not compiled_available():
        raise SelfAttentionError(
            "implementation 'fused' needs numba: pip install 'selfattention[fast]', or use 'blocked'",
            code="fused_needs_numba",
        )
    compiled = compiled_loops()
    if compiled is None:
        raise SelfAttentionError(
            "implementation 'fused' needs numba, which is installed but could not be loaded (see the"
            " warning above): reinstall it (pip install -U numba), or use 'blocked'",
            code="numba_not_loaded",
        )
    kernel = {np.dtype(np.float32): compiled.exp_tile32, np.dtype(np.float64): compiled.exp_tile64}[np.dtype(dtype)]
    no_shift: dict[int, NDArray[Any]] = {}

    def exp_tile(rows: NDArray[Any], width: int, shift: NDArray[Any] | None) -> None:
        if shift is None:  # subtracting 0 changes no number, -inf and NaN included
            shift = no_shift.get(rows.shape[0])
            if shift is None:
                shift = no_shift[rows.shape[0]] = np.zeros(rows.shape[0], dtype)
        kernel(rows, width, np.ascontiguousarray(shift, dtype))

    return exp_tile
