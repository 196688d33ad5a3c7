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
import functools
import importlib.util
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..errors import SelfAttentionError

__all__ = ["Item", "Shared", "blas_controller", "blas_one_thread", "in_threads", "worker_count"]

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
    if threads > 1 and importlib.util.find_spec("threadpoolctl") is None:
        return 1
    return max(1, min(threads, items))


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
    """A context in which BLAS runs in the calling thread only (nothing without threadpoolctl).

    The kernels' matmuls are small tiles: BLAS's own threads only add synchronisation, and
    when other processes hold a core they make each call 10-30x slower (measured on a
    loaded 2-core machine: N = 256, H = 8, one thread: 24 ms with BLAS held to one thread,
    680 ms without). ``threadpool_limits`` looks up the loaded libraries on every call
    (about 1 ms); the controller that finds them is built once.

    BLAS's thread count belongs to the whole process, so the contexts of calls that overlap
    (a web server's threads) share one hold: the first sets it, the last restores what was
    there before. Each call restoring what it found would let one call's end give BLAS its
    threads back in the middle of another's, whose matmuls would then be split differently:
    the same inputs gave other bits under load (test_fused).
    """
    global _HOLDERS, _HOLD
    controller = blas_controller()
    if controller is None:
        yield
        return
    with _HOLD_LOCK:
        if _HOLDERS == 0:
            _take_control()
            _HOLD = controller.limit(limits=1, user_api="blas")
        _HOLDERS += 1
    try:
        yield
    finally:
        with _HOLD_LOCK:
            _HOLDERS -= 1
            if _HOLDERS == 0 and _HOLD is not None:
                _take_control()
                _HOLD.restore_original_limits()
                _HOLD = None
                _take_control()  # and leave it to no thread


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
_HOLD: Any = None  # threadpoolctl's limiter while they are
_HOLD_LOCK = threading.Lock()


@functools.cache
def blas_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries (NumPy's is loaded with NumPy), or None."""
    if importlib.util.find_spec("threadpoolctl") is None:
        return None
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
