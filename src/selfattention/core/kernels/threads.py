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

__all__ = ["Item", "Shared", "blas_one_thread", "in_threads", "worker_count"]

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
    """
    with blas_one_thread(), ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(work, share) for _ in range(workers)]:
            future.result()


def blas_one_thread() -> contextlib.AbstractContextManager[Any]:
    """A context in which BLAS runs in the calling thread only (nothing without threadpoolctl).

    The kernels' matmuls are small tiles: BLAS's own threads only add synchronisation, and
    when other processes hold a core they make each call 10-30x slower (measured on a
    loaded 2-core machine: N = 256, H = 8, one thread: 24 ms with BLAS held to one thread,
    680 ms without). ``threadpool_limits`` looks up the loaded libraries on every call
    (about 1 ms); the controller that finds them is built once.
    """
    controller = _controller()
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")  # type: ignore[no-any-return]


@functools.cache
def _controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries (NumPy's is loaded with NumPy), or None."""
    if importlib.util.find_spec("threadpoolctl") is None:
        return None
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
