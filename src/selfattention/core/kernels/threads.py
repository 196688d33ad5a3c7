"""Sharing a kernel's work items among threads: how many threads, and running them.

NumPy releases the GIL in matmul and exp, so threads that each take whole query blocks run
in parallel. The blocked kernel (:mod:`selfattention.core.kernels.blocked`) uses this; the
result never depends on how many threads there are or on which thread took which item.

>>> share = Shared([((0,), 0), ((0,), 4)])
>>> list(share)
[((0,), 0), ((0,), 4)]
>>> worker_count(None, items=8, scores=100, min_scores=1 << 18)  # too small to share
1
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib.util
import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SelfAttentionError

__all__ = [
    "Item",
    "Shared",
    "blas_controller",
    "blas_one_thread",
    "in_threads",
    "numpy_blas",
    "threadpoolctl_installed",
    "worker_count",
]

#: one work item: (batch index, first query row of the block)
Item = tuple[tuple[int, ...], int]


class Shared:
    """An iterator over work items that several threads may draw from."""

    def __init__(self, items: list[Item]) -> None:
        self._items = iter(items)
        self._lock = threading.Lock()

    def __iter__(self) -> Shared:
        return self

    def __next__(self) -> Item:
        with self._lock:
            return next(self._items)


def worker_count(threads: int | None, items: int, scores: int, min_scores: int) -> int:
    """How many threads: 1 for calls of fewer than ``min_scores`` scores, else ``threads``
    or one per CPU, never more than there are work items; 1 when threadpoolctl is missing
    (see :func:`in_threads`)."""
    if threads is not None and threads < 1:
        raise SelfAttentionError(
            f"threads is {threads}: expected a positive number of threads, or None",
            code="threads_not_positive",
            threads=threads,
        )
    if threads == 1 or items < 2 or scores < min_scores:
        return 1
    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if threads > 1 and not threadpoolctl_installed():
        return 1
    return max(1, min(threads, items))


def threadpoolctl_installed() -> bool:
    """True when threadpoolctl can be imported (once imported, without looking again)."""
    return "threadpoolctl" in sys.modules or importlib.util.find_spec("threadpoolctl") is not None


def in_threads(work: Callable[[Iterator[Item]], None], share: Shared, workers: int) -> None:
    """Run work(share) in ``workers`` threads at once, with BLAS held to one thread.

    NumPy releases the GIL in matmul and exp, so the threads run in parallel; BLAS must be
    single-threaded meanwhile, or each thread's BLAS spawns its own threads and they fight
    over the cores (measured: 10-20x slower on a loaded 2-core machine). threadpoolctl (the
    optional extra ``selfattention[fast]``) sets that limit; without it the kernel runs in
    one thread and lets BLAS use its own threads.

    The threads are kept between calls (:func:`_pool`): starting two threads costs about
    0.2 ms, and a new thread's first BLAS call sets up its buffers again (measured on the
    2-core AMD EPYC of issue #16: the fused kernel at N = 1024, H = 8 took 21.9 ms with new
    threads on every call, 16.5 ms with kept ones).
    """
    with blas_one_thread():
        futures = [_pool(workers - 1).submit(work, share) for _ in range(workers - 1)]
        try:
            work(share)  # the calling thread is one of the workers: one thread fewer to wake
        finally:
            for future in futures:
                future.result()


_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0
_POOL_LOCK = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    """The kernels' threads, kept for the next call; at least ``workers`` of them. Calls from
    several threads at once share them: a work item never waits for another, so a call whose
    items queue behind another call's only waits longer."""
    global _POOL, _POOL_SIZE
    with _POOL_LOCK:
        if _POOL is None or workers > _POOL_SIZE:
            if _POOL is not None:
                _POOL.shutdown(wait=False)  # its running items finish; new ones go to the larger pool
            _POOL, _POOL_SIZE = ThreadPoolExecutor(workers, thread_name_prefix="selfattention"), workers
        return _POOL


def _forget_pool() -> None:
    """In a forked child the parent's threads do not exist, nor their calls: start afresh."""
    global _POOL, _POOL_SIZE, _POOL_LOCK, _HOLDERS, _HOLD, _HOLD_LOCK
    _POOL, _POOL_SIZE, _POOL_LOCK = None, 0, threading.Lock()
    _HOLDERS, _HOLD, _HOLD_LOCK = 0, None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


@contextlib.contextmanager
def blas_one_thread() -> Iterator[None]:
    """A context in which NumPy's BLAS runs in the calling thread only (nothing without
    threadpoolctl).

    The kernels' matmuls are small tiles: BLAS's own threads only add synchronisation, and
    when other processes hold a core they make each call 10-30x slower (measured on a
    loaded 2-core machine: N = 256, H = 8, one thread: 24 ms with BLAS held to one thread,
    680 ms without).

    BLAS's thread count belongs to the whole process, so the contexts of calls that overlap
    (a web server's threads) share one hold: the first sets it, the last restores what was
    there before. Each call restoring what it found would let one call's end give BLAS its
    threads back in the middle of another's, whose matmuls would then be split differently:
    the same inputs gave other bits under load (test_fused).

    The OpenBLAS of NumPy's wheels (threads of its own, not OpenMP's) is set through its own
    two functions (:func:`_openblas_thread_count`): about 1 us, where threadpoolctl's limiter,
    which looks at every loaded library, took 20 us of each call (2% of a call at N = 256).
    Any other BLAS goes through threadpoolctl.
    """
    global _HOLDERS, _HOLD
    direct = _openblas_thread_count()
    controller = blas_controller() if direct is None else None
    if direct is None and controller is None:
        yield
        return
    with _HOLD_LOCK:
        if _HOLDERS == 0:
            if direct is not None:
                _HOLD = direct.get()
                direct.set(1)
            elif controller is not None:
                _take_control()
                _HOLD = controller.limit(limits=1, user_api="blas")
        _HOLDERS += 1
    try:
        yield
    finally:
        with _HOLD_LOCK:
            _HOLDERS -= 1
            if _HOLDERS == 0 and _HOLD is not None:
                if direct is not None:
                    direct.set(_HOLD)
                else:
                    _take_control()
                    _HOLD.restore_original_limits()
                    _take_control()  # and leave it to no thread
                _HOLD = None


def _take_control() -> None:
    """Let this thread set OpenBLAS's thread count. threadpoolctl (from 3.8) lets only one
    thread, the first to set a limit, set the count of an OpenBLAS without OpenMP, and silently
    ignores the others: a kernel called from a web server's thread (or any thread but the
    first) then ran with all of BLAS's threads, slower, and with other bits than from the main
    thread (test_fused). The hold above is shared by all threads, so whichever thread sets or
    restores it takes that role for the moment, and gives it up after restoring."""
    import threadpoolctl

    openblas = getattr(threadpoolctl, "OpenBLASController", None)
    clear = getattr(openblas, "clear_controlling_thread", None)  # threadpoolctl < 3.8: no such rule
    if clear is not None:
        clear(force=True)


_HOLDERS = 0  # contexts of blas_one_thread open now, in any thread
_HOLD: Any = None  # what they restore: threadpoolctl's limiter, or OpenBLAS's count before
_HOLD_LOCK = threading.Lock()


@dataclass(frozen=True)
class _ThreadCount:
    """OpenBLAS's own ``openblas_get_num_threads`` and ``openblas_set_num_threads``."""

    get: Callable[[], int]
    set: Callable[[int], None]


@functools.cache
def _openblas_thread_count() -> _ThreadCount | None:
    """NumPy's OpenBLAS's thread-count functions, when NumPy's BLAS is an OpenBLAS with threads
    of its own (one count for the process: what the hold sets); None otherwise."""
    library = numpy_blas()
    if library is None or library.internal_api != "openblas" or library.threading_layer == "openmp":
        return None  # OpenMP's counts are per thread: threadpoolctl knows how to set them
    try:
        handle = ctypes.CDLL(library.filepath)
    except OSError:
        return None
    for prefix, suffix in itertools.product(("", "scipy_"), ("", "64_", "_64")):  # as threadpoolctl looks
        get = getattr(handle, f"{prefix}openblas_get_num_threads{suffix}", None)
        put = getattr(handle, f"{prefix}openblas_set_num_threads{suffix}", None)
        if get is not None and put is not None:
            get.restype, get.argtypes = ctypes.c_int, []
            put.restype, put.argtypes = None, [ctypes.c_int]
            return _ThreadCount(get, put)
    return None


@functools.cache
def numpy_blas() -> Any:
    """threadpoolctl's controller of the BLAS library NumPy itself loaded (from its own folder,
    as NumPy's wheels ship it), or None (no threadpoolctl, or NumPy's BLAS is elsewhere)."""
    controller = blas_controller()
    if controller is None:
        return None
    numpy_dir = os.path.dirname(os.path.dirname(np.__file__))  # where numpy/ and numpy.libs/ live
    for library in controller.select(user_api="blas").lib_controllers:
        if _top_folder(library.filepath, numpy_dir) in ("numpy", "numpy.libs"):
            return library  # not SciPy's copy, PyTorch's, or a system library NumPy may not be using
    return None


def _top_folder(path: str, folder: str) -> str:
    """The first folder of ``path`` below ``folder`` ("" when it is not below it, or on
    another drive)."""
    try:
        relative = os.path.relpath(path, folder)
    except ValueError:
        return ""
    return "" if relative.startswith(os.pardir) else relative.split(os.sep)[0]


@functools.cache
def blas_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries (NumPy's is loaded with NumPy), or None."""
    if not threadpoolctl_installed():
        return None
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
