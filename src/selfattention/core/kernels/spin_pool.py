"""The fused kernel's threads: helpers that wait for work by spinning in compiled code, as
OpenMP's threads do, so that a short call does not wait for a sleeping thread to wake up.

A call of the fused kernel runs in the calling thread and in up to ``workers - 1`` helper
threads, all taking numbered query blocks through atomic counters (:func:`join`,
:func:`next_item`, :func:`leave`), without the GIL. Between calls, a helper spins for
:data:`SPIN_S` in compiled code, at the end of its work (:func:`wait_for_call`), on a shared
generation number, which the calling thread bumps (:func:`join`) once it has left Python;
only then does the helper sleep on an event, which the next call sets.

Why: on the 2-core VM of issue #16, a helper that slept between calls (a thread pool's queue)
woke up late. The fused kernel at N = 256, H = 8 took 1.42 ms a call in a tight loop and
1.69 ms when each run of calls followed a 0.3 s pause (10 ms of calls untimed), where one
thread took 2.48 ms either way and PyTorch, whose OpenMP threads spin, 1.03 ms either way.

The result never depends on how many helpers join: every block is computed the same way by
whichever thread takes it, and the calling thread takes every block that no helper took, so a
helper that is late, busy with another call, or gone (a forked child) only makes the call
slower. A call's seats limit how many helpers join it (its ``threads``).

Only :mod:`selfattention.core.kernels.fused` and :mod:`.compiled_tiles` import this module.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

from .compiled_calls import add, pause, read, ticks
from .threads import blas_one_thread

__all__ = ["SPIN_S", "counters", "join", "leave", "next_item", "run", "signal", "wait_for_call"]

#: how long a helper spins for the next call before it sleeps: a caller calling in a loop
#: finds it awake; an idle process has no thread burning a core for longer than this
SPIN_S = 0.002

# one call's counters (int64): the next work item, the threads inside the call, the helpers' seats left
_NEXT, _BUSY, _SEATS = 0, 1, 2


def signal() -> np.ndarray:
    """The generation number that calls bump (:func:`join`) and helpers wait on."""
    return _SIGNAL


def counters(threads: int) -> np.ndarray:
    """A call's counters, for at most ``threads`` threads, the calling thread included."""
    return np.array([0, 0, threads - 1], dtype=np.int64)


@njit(nogil=True, cache=True)
def join(counts: Any, signal: Any, caller: Any) -> bool:  # pragma: no cover - compiled
    """A thread enters a call: True if it may take items. The calling thread (``caller``, now
    outside Python) always may, and wakes the spinning helpers by bumping ``signal`` when the
    call has seats for them; a helper needs one of those seats. A helper may enter a call
    before its caller does (it saw an earlier call's bump and found this call's work): the
    caller's seat is therefore not one of them, or such helpers could take them all, and the
    caller return with items unfinished."""
    add(counts, _BUSY, 1)  # before taking an item: the caller waits for this thread from here on
    if caller:
        if read(counts, _SEATS) > 0:
            add(signal, 0, 1)
        return True
    if add(counts, _SEATS, -1) > 0:
        return True
    add(counts, _BUSY, -1)
    return False


@njit(nogil=True, cache=True)
def next_item(counts: Any) -> int:  # pragma: no cover - compiled
    """The next work item of the call (as many as there are: past the last, none is left)."""
    return add(counts, _NEXT, 1)  # type: ignore[no-any-return]


@njit(nogil=True, cache=True)
def leave(counts: Any, caller: Any) -> None:  # pragma: no cover - compiled
    """A thread leaves a call; the calling thread (``caller``) waits until every thread that
    joined has left, so their results are written when the call returns."""
    add(counts, _BUSY, -1)
    if caller:
        while read(counts, _BUSY) != 0:
            pause()


@njit("int64(int64[::1], int64, int64)", nogil=True, cache=True)
def wait_for_call(signal: Any, seen: Any, budget: Any) -> int:  # pragma: no cover - compiled
    """signal[0] as soon as it differs from ``seen``, or ``seen`` after ``budget`` ticks (at
    once for a budget of 0). A helper's work ends with it (:func:`run`), so that between calls
    in a row the helper stays in compiled code: back in Python, it would take the GIL just as
    the calling thread returns and needs it (measured: the caller then waited 21 us a call
    at N = 256, H = 8). Meanwhile the finished call's arrays stay referenced, for at most
    :data:`SPIN_S`."""
    start = ticks()
    while True:
        now = read(signal, 0)
        if now != seen or ticks() - start >= budget:
            return now  # type: ignore[no-any-return]
        pause()


@njit("int64()", nogil=True, cache=True)
def _ticks() -> int:  # pragma: no cover - compiled
    return ticks()  # type: ignore[no-any-return]


class _Helper:
    """One helper thread: it spins, then sleeps until ``wake`` is set."""

    def __init__(self, budget: int) -> None:
        self.wake = threading.Event()
        self.sleeping = False
        self.budget = budget
        self.thread = threading.Thread(target=self._serve, name="selfattention-helper", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        seen = int(_SIGNAL[0])
        while True:
            now = wait_for_call(_SIGNAL, seen, self.budget)
            while now != seen:  # a call: its work spins for the next one before it returns
                seen = now
                job, now = _JOB, seen
                if job is None:  # that call is over
                    now = wait_for_call(_SIGNAL, seen, self.budget)
                else:
                    with contextlib.suppress(Exception):  # the calling thread takes every block no helper took
                        now = job(False, seen, self.budget)
                    job = None  # a sleeping helper keeps no call's arrays alive
            self.sleeping = True  # no call within the budget
            self.wake.wait()
            self.wake.clear()
            self.sleeping = False


def run(work: Callable[[bool, int, int], int], workers: int) -> None:
    """Run ``work(True, 0, 0)`` in this thread and ``work(False, seen, budget)`` in up to
    ``workers - 1`` helpers, with BLAS held to one thread. ``work(caller, seen, budget)`` calls
    compiled code that enters the call with :func:`join`, takes items with :func:`next_item`,
    leaves through :func:`leave`, where the caller waits for the helpers that joined, and
    returns ``wait_for_call(signal(), seen, budget)`` (a helper that does not join too); its
    counters come from ``counters(workers)``."""
    global _JOB
    with blas_one_thread():
        if workers > 1:
            helpers = _helpers(workers - 1)
            _JOB = work
            for helper in helpers:
                if helper.sleeping:
                    helper.wake.set()
        try:
            work(True, 0, 0)
        finally:
            if _JOB is work:
                _JOB = None  # a finished call's arrays are not kept alive


def _helpers(count: int) -> list[_Helper]:
    """The helper threads, at least ``count`` of them, started on first use."""
    with _LOCK:
        if len(_HELPERS) < count:
            rate = _ticks_per_second()
            budget = int(SPIN_S * rate) if rate >= 1e6 else 0  # a counter that stands still: no spinning
            _HELPERS.extend(_Helper(budget) for _ in range(count - len(_HELPERS)))
        return _HELPERS


def _ticks_per_second() -> float:
    """The cycle counter's rate, measured against the clock over 2 ms."""
    start, first = time.perf_counter(), _ticks()
    while (elapsed := time.perf_counter() - start) < 0.002:
        pass
    return (_ticks() - first) / elapsed


_SIGNAL = np.zeros(1, dtype=np.int64)  # bumped by each call that wants helpers
_JOB: Callable[[bool, int, int], int] | None = None  # the latest such call's work
_HELPERS: list[_Helper] = []
_LOCK = threading.Lock()


def _forget_helpers() -> None:
    """In a forked child the parent's helpers do not exist: start afresh."""
    global _SIGNAL, _JOB, _HELPERS, _LOCK
    _SIGNAL, _JOB, _HELPERS, _LOCK = np.zeros(1, dtype=np.int64), None, [], threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_helpers)
