"""What the benchmark scripts share: the shape, the clock, the memory probe, the paths."""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

B, H, D = 1, 8, 64


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


#: a sample of a short call is a run of consecutive calls at least this long
MIN_SAMPLE_S = 0.05
#: ... after untimed calls for at least this long
WARM_S = 0.01


def per_call(fn: Callable[[], Any], min_s: float = MIN_SAMPLE_S) -> float:
    """Seconds per call of ``fn`` as a caller in a loop sees it. A call of ``min_s`` or more
    is its own sample. A shorter one is called again and again for ``min_s``, after untimed
    calls for :data:`WARM_S`: the first calls after a pause mostly measure how long sleeping
    threads and idle cores take to wake up, not the kernel (on this shared 2-CPU machine
    PyTorch's SDPA at N = 256 took 6.9 ms cold against 1.5 ms warm; the fused kernel's first
    five calls after a 0.3 s pause took 3.1, 1.8, 1.6, 2.6 and 1.8 ms, later ones 1.4 ms)."""
    first = timed(fn)
    if first >= min_s:
        return first
    start = time.perf_counter()
    while time.perf_counter() - start < WARM_S:
        fn()
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_s:
        fn()
        calls += 1
    return elapsed / calls


def peak_extra_bytes(fn: Callable[[], Any]) -> int:
    """Peak memory allocated during fn (NumPy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
