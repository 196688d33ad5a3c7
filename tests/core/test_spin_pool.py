"""The fused kernel's helper threads (spin_pool): every work item is taken exactly once, by the
calling thread or a helper; a helper joins a call, spinning or woken from its sleep; a call
never has more threads than its seats; a forked child starts helpers of its own.

The kernel's results with and without helpers are tested where its numbers are
(test_fused: calls from several threads; test_blocked and test_kernels: ``threads``)."""

from __future__ import annotations

import gc
import os
import threading
import time
import warnings
import weakref

import numpy as np
import pytest

import selfattention as sa
from selfattention.core.kernels import IMPLEMENTATIONS

pytestmark = pytest.mark.skipif("fused" not in IMPLEMENTATIONS, reason="numba is not installed: no helper threads")

TRIES = 40  # a helper that a loaded machine leaves without a core for one call gets another


@pytest.fixture(scope="module")
def take():
    """take(items, workers, seats=None, hold_s=5e-5) -> (hits per item, thread of each item):
    a call of ``spin_pool.run`` whose work items each hold their thread for ``hold_s``."""
    from numba import njit

    from selfattention.core.kernels import spin_pool
    from selfattention.core.kernels.compiled_calls import ticks

    @njit(nogil=True)
    def work(counts, signal, caller, seen, budget, hits, owner, who, hold):  # pragma: no cover - compiled
        if not spin_pool.join(counts, signal, caller):
            return spin_pool.wait_for_call(signal, seen, budget)
        while True:
            item = spin_pool.next_item(counts)
            if item >= hits.shape[0]:
                break
            start = ticks()
            while ticks() - start < hold:
                pass
            hits[item] += 1
            owner[item] = who
        spin_pool.leave(counts, caller)
        return spin_pool.wait_for_call(signal, seen, budget)

    per_second = spin_pool._ticks_per_second()

    def call(items: int, workers: int, seats: int | None = None, hold_s: float = 5e-5) -> tuple:
        hits, owner = np.zeros(items, dtype=np.int64), np.full(items, -1, dtype=np.int64)
        counts, hold = spin_pool.counters(workers if seats is None else seats), int(hold_s * per_second)
        spin_pool.run(
            lambda caller, seen, budget: work(
                counts, spin_pool.signal(), caller, seen, budget, hits, owner, threading.get_native_id(), hold
            ),
            workers,
        )
        return hits, owner

    return call


def test_every_item_is_taken_once_and_a_helper_takes_some(take):
    me, helped = threading.get_native_id(), False
    for _ in range(TRIES):
        hits, owner = take(200, 2)
        assert hits.tolist() == [1] * 200
        helped = bool((owner != me).any())
        if helped:
            break
    assert helped, f"in {TRIES} calls of 200 items of 50 us, no helper took one"


def test_a_call_has_at_most_its_seats(take):
    take(50, 3)  # now there are (at least) two helpers
    me, seen = threading.get_native_id(), set()
    for _ in range(TRIES):
        hits, owner = take(200, 3, seats=2)
        assert hits.tolist() == [1] * 200
        assert len(set(owner.tolist())) <= 2
        seen |= set(owner.tolist())
    assert me in seen and len(seen) >= 2  # the two seats went to this thread and to helpers
    hits, owner = take(200, 3, seats=1)
    assert set(owner.tolist()) == {me}  # the calling thread's seat is the only one


def test_one_worker_runs_in_the_calling_thread(take):
    take(50, 2)
    hits, owner = take(200, 1)
    assert hits.tolist() == [1] * 200 and set(owner.tolist()) == {threading.get_native_id()}


def test_a_sleeping_helper_is_woken_by_the_next_call(take):
    from selfattention.core.kernels import spin_pool

    take(50, 2)
    deadline = time.monotonic() + 5
    while not all(helper.sleeping for helper in spin_pool._HELPERS) and time.monotonic() < deadline:
        time.sleep(10 * spin_pool.SPIN_S)
    assert all(helper.sleeping for helper in spin_pool._HELPERS), "helpers still spin long after the last call"
    me = threading.get_native_id()
    for _ in range(TRIES):
        hits, owner = take(200, 2)
        assert hits.tolist() == [1] * 200
        if (owner != me).any():
            return
        time.sleep(10 * spin_pool.SPIN_S)  # asleep again: the next call wakes it again
    pytest.fail(f"in {TRIES} calls after the helpers slept, none took an item")


def test_a_sleeping_helper_keeps_no_calls_arrays_alive(rng):
    """A helper holds its last call's arrays while it spins for the next call (SPIN_S), not
    while it sleeps: a large call's inputs are freed once the caller drops them."""
    from selfattention.core.kernels import spin_pool

    q = rng.standard_normal((8, 512, 64)).astype(np.float32)
    freed = weakref.ref(q)
    for _ in range(3):  # a helper takes part in one of them at least (2 CPUs, 8 x 512 rows)
        sa.scaled_dot_product_attention(q, q, q, implementation="fused")
    del q
    deadline = time.monotonic() + 5
    while freed() is not None and time.monotonic() < deadline:
        time.sleep(10 * spin_pool.SPIN_S)
        gc.collect()
    assert freed() is None, "the helpers keep the last call's inputs alive while they sleep"


def test_a_forked_child_starts_its_own_helpers(take, rng):
    """The parent's helpers do not exist in a forked child: the child's calls start new ones
    and give the parent's numbers."""
    q, k, v = (rng.standard_normal((4, 300, 32)).astype(np.float32) for _ in range(3))
    expected = sa.scaled_dot_product_attention(q, k, v, implementation="fused")
    take(50, 2)  # the parent has a helper
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12: fork with threads running
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            got = sa.scaled_dot_product_attention(q, k, v, implementation="fused")
            code = 0 if np.array_equal(got, expected) else 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + 60
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child did not finish its call in 60 s")
    assert os.waitstatus_to_exitcode(done[1]) == 0
