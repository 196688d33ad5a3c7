"""The fused kernel: the blocked kernel with a compiled exponential (numba, optional).

The blocked kernel (:mod:`selfattention.core.kernels.blocked`) spends, per score, two 64-wide
matmuls in BLAS and one ``exp`` in NumPy; on the 2-core AMD EPYC of issue #16 NumPy's float32
``exp`` cost 1.6-4 ns a score, as much as each matmul, and its float64 ``exp`` 9 ns. This kernel
is the same tiles, paths, masks and threads, with one change: the shift subtraction and the
exponential of each tile run as one compiled, vectorised loop (:mod:`.compiled`, at most about
1 ulp from the exact exponential: closer than NumPy's float32 ``exp``), so every guarantee of
the blocked kernel holds here, and the result never depends on the number of threads.

numba is the optional extra ``selfattention[fast]``; ``import selfattention`` never imports it.
The first call in a process imports numba (about 0.5 s) and loads the compiled loop from
numba's cache, or compiles it (about 2-3 s, once per machine and version).
``implementation="auto"`` uses this kernel where it would use the blocked one, when numba is
installed.

"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

from . import blocked
from .exponential import compiled_available, compiled_exp_tile, compiled_loops
from .inputs import AttentionInputs

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
    compiled exponential."""
    exp_tile = compiled_exp_tile(inputs.query.dtype)  # compiled (or loaded) here, before any thread starts
    return blocked.attention(
        inputs, need_weights, block_q=block_q, block_k=block_k, method=method, threads=threads, exp_tile=exp_tile
    )
