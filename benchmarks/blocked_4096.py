"""Focused timing of the blocked kernel at issue #6's size, against PyTorch SDPA and, with
``--before REV``, against the blocked kernel of an earlier git revision, in one process.

N = 4096, B = 1, H = 8, d = 64, float32, non-causal and causal. Every callable runs once per
round (interleaved), and ratios are medians of per-round ratios, so the load that other
processes put on a shared machine cancels mostly. ``--threads 1`` runs everything in one
thread (BLAS held to one thread, torch.set_num_threads(1)): less sensitive to a busy core.

    PYTHONPATH=src python benchmarks/blocked_4096.py --rounds 11 --before cbdb45b
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from selfattention.core.kernels import blocked, prepare_inputs  # noqa: E402


def load_blocked(rev: str) -> Any:
    """blocked.py as of git revision ``rev``, loaded beside the current one."""
    show = ["git", "show", f"{rev}:src/selfattention/kernels/blocked.py"]
    source = subprocess.run(show, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "blocked_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("selfattention.core.kernels._blocked_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--before", help="git revision whose blocked kernel to compare with")
    parser.add_argument("--threads", type=int, default=None, help="1: everything in one thread")
    args = parser.parse_args()
    import torch

    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, 8, 4096, 64)).astype(np.float32) for _ in range(3))
    tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
    sdpa = torch.nn.functional.scaled_dot_product_attention
    limit: Any = contextlib.nullcontext()
    if args.threads == 1:
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(1)
        limit = threadpool_limits(limits=1, user_api="blas")
    before = load_blocked(args.before) if args.before else None
    runs: dict[str, Any] = {}
    for causal, tag in ((False, "nc"), (True, "c")):
        inputs = prepare_inputs(q, k, v, None, causal)
        if before is not None:
            runs[f"before_{tag}"] = lambda i=inputs: before.attention(i, threads=args.threads)
        runs[f"ours_{tag}"] = lambda i=inputs: blocked.attention(i, threads=args.threads)
        runs[f"torch_{tag}"] = lambda c=causal: sdpa(tq, tk, tv, is_causal=c)
    times: dict[str, list[float]] = {name: [] for name in runs}
    with limit:
        for run in runs.values():
            run()  # warm-up
        for _ in range(args.rounds):
            for name, run in runs.items():
                time.sleep(0.05)
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)

    def ratio(a: str, b: str) -> float:
        return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))

    print("median ms:", {name: round(statistics.median(t) * 1e3, 1) for name, t in times.items()})
    for who in ["ours"] + (["before"] if before is not None else []):
        print(
            f"{who}: throughput vs torch non-causal {ratio('torch_nc', f'{who}_nc'):.3f}, "
            f"causal {ratio('torch_c', f'{who}_c'):.3f}; causal speedup {ratio(f'{who}_nc', f'{who}_c'):.2f}"
        )
    if before is not None:
        nc, c = ratio("ours_nc", "before_nc"), ratio("ours_c", "before_c")
        print(f"ours / before time: non-causal {nc:.3f}, causal {c:.3f}")


if __name__ == "__main__":
    main()
