"""Side-by-side timings of attention on this machine, in one process (`make bench`).

For N in {256, 1024, 4096, 16384}, B = 1, H = 8, d = 64, float32, with and without causal:
naive NumPy, our reference kernel, our blocked kernel, our fused kernel (the blocked one with
numba's compiled exponential, when numba is installed), ``auto`` (what
``selfattention.scaled_dot_product_attention`` does by default, checks included), PyTorch
SDPA (default backend) and PyTorch SDPA (math backend), beside the machine's float32 matmul
throughput; float64 too for N <= 4096 (against PyTorch SDPA in float64). Reported: median
time, GFLOP/s, ratio to PyTorch SDPA, ratio to the matmul peak and peak extra memory
(tracemalloc, NumPy paths only). Then (benchmarks/extras.py) the issue's targets: memory at
N = 16384, H = 1; causal vs non-causal; the cold `selfattention explain`; the fused kernel's
cold start; the overhead of implementation="torch"; tracing 3 queries of a 100k-token
sequence; a web request and all 72 MiniLM heads (--no-user-paths leaves those two out).

FLOPs: 4 * N^2 * d * H (two matmuls of 2 * N^2 * d each, per head); causal attention counts
half of that (the work a causal kernel has to do), so GFLOP/s compare across both.

Timings are medians over interleaved rounds (every implementation once per round; a call
shorter than 50 ms is repeated for 50 ms after 10 ms of untimed calls, so that waking up a
library's sleeping threads is not counted as its kernel: `common.per_call`; after a path that
held a score matrix of 256 MiB or more, 1.5 s pass before the next: giving that memory back
slowed the next calls), and
ratios are medians of per-round ratios: the machine is shared, and ratios taken in the same
round cancel most of the load that other processes add. The spread (min-max) is reported.

Writes benchmarks/results/latest.json, latest.md and latest.png (when matplotlib is there).
"""

from __future__ import annotations

import os
import sys

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on this machine and slow a current NumPy:
# for the benchmark only, run without them (they must be gone before NumPy loads).
_UNSET = [name for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if name in os.environ]
if _UNSET and os.environ.get("SELFATTENTION_BENCH_CHILD") != "1":
    env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    env["SELFATTENTION_BENCH_CHILD"] = "1"
    env["SELFATTENTION_BENCH_UNSET"] = ",".join(_UNSET)
    os.execve(sys.executable, [sys.executable, *sys.argv], env)

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import extras  # noqa: E402
import numpy as np  # noqa: E402
from common import ROOT, B, D, H, peak_extra_bytes, per_call, timed  # noqa: E402

import selfattention as sa  # noqa: E402
from selfattention.core.kernels import IMPLEMENTATIONS, blocked, prepare_inputs, reference  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SIZES = (256, 1024, 4096, 16384)
MAX_SCORE_BYTES = 2 * 2**30  # skip paths that hold the whole score matrix above this
#: naive NumPy, reference and the math backend at most this many bytes of scores: beyond
#: it they are 5-30x slower than the rest and only lengthen the run (--slow-paths-up-to)
SLOW_PATHS_BYTES = 2 * 2**30
SETTLE_S = 0.2  # let the other library's spinning threads go idle between libraries
#: after a path that held a whole score matrix of BIG_SCORES_BYTES or more, wait longer: giving
#: gigabytes back slowed the next one or two calls by up to 40% for about a second (the fused
#: kernel at N = 4096: 325 ms right after naive NumPy and the reference, 240 ms otherwise or
#: after 1.5 s), which made the paths that come next in a round look slower than they are
WHOLE_MATRIX_PATHS = ("naive NumPy", "reference", "torch SDPA math")
BIG_SCORES_BYTES = 256 * 2**20
SETTLE_AFTER_BIG_S = 1.5


def naive(q: np.ndarray, k: np.ndarray, v: np.ndarray, causal: bool) -> np.ndarray:
    """The textbook NumPy version: the whole (N, N) score matrix, five passes over it."""
    scores = q @ np.swapaxes(k, -1, -2) / np.float32(math.sqrt(q.shape[-1]))  # (B, H, N, N)
    if causal:
        scores = np.where(np.tri(q.shape[-2], k.shape[-2], dtype=bool), scores, np.float32(-np.inf))
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    return (weights / weights.sum(-1, keepdims=True)) @ v  # (B, H, N, d)


DTYPES = {"float32": np.float32, "float64": np.float64}


def flops(n: int, causal: bool, heads: int = H) -> float:
    full = 4.0 * n * n * D * heads * B
    return full / 2 if causal else full


MATMUL_SAMPLES: list[float] = []
_MATRIX = np.random.default_rng(0).standard_normal((2048, 2048)).astype(np.float32)


def matmul_gflops() -> float:
    """One 2048^3 float32 matmul (NumPy's BLAS, all its threads), in GFLOP/s."""
    return 2 * 2048**3 / timed(lambda: _MATRIX @ _MATRIX) / 1e9


def blas_info() -> list[dict[str, Any]]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"note": "threadpoolctl not installed"}]
    keys = ("internal_api", "version", "architecture", "num_threads", "threading_layer")
    return [{k: info.get(k) for k in keys} for info in threadpool_info()]


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return platform.processor() or "unknown"


def candidates(n: int, causal: bool, torch: Any, dtype: str = "float32") -> dict[str, Callable[[], Any] | str]:
    """name -> a zero-argument call, or a string saying why it is skipped."""
    rng = np.random.default_rng(n)
    q, k, v = (rng.standard_normal((B, H, n, D)).astype(DTYPES[dtype]) for _ in range(3))
    score_bytes = B * H * n * n * q.itemsize
    too_big = f"skipped: the {score_bytes / 2**30:.0f} GiB score matrix would not fit"
    if score_bytes <= MAX_SCORE_BYTES and score_bytes > SLOW_PATHS_BYTES:
        too_big = f"skipped: the {score_bytes / 2**20:.0f} MiB score matrix (slow path, --slow-paths-up-to)"
    small = score_bytes <= min(MAX_SCORE_BYTES, SLOW_PATHS_BYTES)
    inputs = prepare_inputs(q, k, v, None, causal)
    runs: dict[str, Callable[[], Any] | str] = {
        "naive NumPy": (lambda: naive(q, k, v, causal)) if small else too_big,
        "reference": (lambda: reference.attention(inputs)) if small else too_big,
        "blocked": lambda: blocked.attention(inputs),
        **({"fused": lambda: IMPLEMENTATIONS["fused"](inputs, False)} if "fused" in IMPLEMENTATIONS else {}),
        "auto": lambda: sa.scaled_dot_product_attention(q, k, v, is_causal=causal),
    }
    if torch is None:
        runs["torch SDPA"] = runs["torch SDPA math"] = "skipped: torch not installed"
        return runs
    tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
    sdpa = torch.nn.functional.scaled_dot_product_attention
    from torch.nn.attention import SDPBackend, sdpa_kernel

    def math_backend() -> Any:
        with sdpa_kernel(SDPBackend.MATH):
            return sdpa(tq, tk, tv, is_causal=causal)

    runs["torch SDPA"] = lambda: sdpa(tq, tk, tv, is_causal=causal)
    runs["torch SDPA math"] = math_backend if small else too_big
    return runs


def measure(n: int, causal: bool, torch: Any, rounds: int, dtype: str = "float32") -> dict[str, dict[str, Any]]:
    runs = candidates(n, causal, torch, dtype)
    live = {name: fn for name, fn in runs.items() if callable(fn)}
    times: dict[str, list[float]] = {name: [] for name in live}
    big = B * H * n * n * np.dtype(DTYPES[dtype]).itemsize >= BIG_SCORES_BYTES

    def settle(name: str) -> None:
        time.sleep(SETTLE_AFTER_BIG_S if big and name in WHOLE_MATRIX_PATHS else SETTLE_S)

    for name, fn in live.items():  # warm-up, and the peak memory of the NumPy paths
        if name.startswith("torch"):
            fn()
        else:
            times[name].append(-float(peak_extra_bytes(fn)))  # stashed; popped below
        settle(name)
    peaks = {name: -times[name].pop() for name in live if not name.startswith("torch")}
    for _ in range(rounds):
        for name, fn in live.items():
            times[name].append(per_call(fn))
            settle(name)
        MATMUL_SAMPLES.append(matmul_gflops())  # under the same load as this round
    result: dict[str, dict[str, Any]] = {}
    torch_times = times.get("torch SDPA")
    for name, fn in runs.items():
        if not callable(fn):
            result[name] = {"skipped": fn}
            continue
        ts = times[name]
        median = statistics.median(ts)
        row: dict[str, Any] = {
            "median_s": median,
            "min_s": min(ts),
            "max_s": max(ts),
            "rounds": len(ts),
            "gflops": flops(n, causal) / median / 1e9,
            "peak_extra_mib": peaks[name] / 2**20 if name in peaks else None,
        }
        if torch_times:
            # throughput ratio to torch in the same round: torch time / our time
            row["vs_torch"] = statistics.median(t / s for t, s in zip(torch_times, ts, strict=True))
        result[name] = row
    return result


def table(results: dict[str, Any], peak: float) -> str:
    lines = [
        "| N | causal | dtype | implementation | median | GFLOP/s | vs torch SDPA | vs matmul peak | extra memory |",
        "|---:|:---:|:---:|:---|---:|---:|---:|---:|---:|",
    ]
    for key, rows in results.items():
        n, causal, dtype = (*key.split("/"), "float32")[:3]
        for name, row in rows.items():
            if "skipped" in row:
                lines.append(f"| {n} | {causal} | {dtype} | {name} | {row['skipped']} | | | | |")
                continue
            spread = f" ({row['min_s'] * 1e3:.0f}-{row['max_s'] * 1e3:.0f})" if row["rounds"] > 1 else ""
            memory = "n/a (torch)" if row["peak_extra_mib"] is None else f"{row['peak_extra_mib']:.1f} MiB"
            vs_torch = f"{row['vs_torch']:.2f}x" if "vs_torch" in row else ""
            lines.append(
                f"| {n} | {causal} | {dtype} | {name} | {row['median_s'] * 1e3:.1f} ms{spread} | {row['gflops']:.0f} |"
                f" {vs_torch} | {row['gflops'] / peak:.2f} | {memory} |"
            )
    return "\n".join(lines)


def chart(results: dict[str, Any], path: Path) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib not installed: no chart"
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, causal in zip(axes, ("no", "yes"), strict=True):
        names = sorted({name for key, rows in results.items() if key.endswith("/" + causal) for name in rows})
        for name in names:
            xs, ys = [], []
            for key, rows in results.items():
                n, c, *dtype = key.split("/")
                if c == causal and not dtype and "gflops" in rows.get(name, {}):
                    xs.append(int(n))
                    ys.append(rows[name]["gflops"])
            ax.plot(xs, ys, marker="o", label=name)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("sequence length N (B=1, H=8, d=64, float32)")
        ax.set_title("causal" if causal == "yes" else "not causal")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("GFLOP/s (median)")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path.relative_to(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per configuration (default 3)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--float64-sizes", type=int, nargs="*", default=[256, 1024, 4096])
    parser.add_argument("--no-user-paths", action="store_true", help="leave out the web and MiniLM timings")
    parser.add_argument("--slow-paths-up-to", type=int, default=None, help="MiB of scores (default 2048)")
    args = parser.parse_args()
    if args.slow_paths_up_to is not None:
        global SLOW_PATHS_BYTES
        SLOW_PATHS_BYTES = args.slow_paths_up_to * 2**20
    try:
        import torch  # the benchmark compares against it; the library never needs it
    except ImportError:
        torch = None
    if args.no_torch:
        torch = None
    started = time.perf_counter()
    load_before = os.getloadavg()
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs; NumPy {np.__version__}", flush=True)
    if torch is not None:
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    unset = os.environ.get("SELFATTENTION_BENCH_UNSET", "")
    print(f"BLAS: {blas_info()}; unset for this run: {unset or 'nothing'}", flush=True)
    if "fused" in IMPLEMENTATIONS:  # numba's import and load (or compile) once, before any timing or memory probe
        tiny = np.zeros((1, 2, 2), np.float32)
        IMPLEMENTATIONS["fused"](prepare_inputs(tiny, tiny, tiny), False)
    matmul_gflops()
    MATMUL_SAMPLES.extend(matmul_gflops() for _ in range(5))
    print(f"float32 matmul (2048^3): {statistics.median(MATMUL_SAMPLES):.0f} GFLOP/s", flush=True)

    results: dict[str, Any] = {}
    for n in args.sizes:
        for causal in (False, True):
            rounds = args.rounds if n < 16384 else max(2, args.rounds - 1)
            key = f"{n}/{'yes' if causal else 'no'}"
            results[key] = measure(n, causal, torch, rounds)
            summary = ", ".join(
                f"{name} {row['median_s'] * 1e3:.0f} ms" for name, row in results[key].items() if "median_s" in row
            )
            print(f"N={n} causal={causal}: {summary}", flush=True)
    for n in args.float64_sizes:
        for causal in (False, True):
            key = f"{n}/{'yes' if causal else 'no'}/float64"
            results[key] = measure(n, causal, torch, args.rounds, "float64")
            summary = ", ".join(
                f"{name} {row['median_s'] * 1e3:.0f} ms" for name, row in results[key].items() if "median_s" in row
            )
            print(f"N={n} causal={causal} float64: {summary}", flush=True)

    extra: dict[str, Any] = {"long_sequence_memory_mib": extras.long_sequence_memory()}
    extra["causal_speedup_4096_same_round"] = extras.causal_speedup(torch, args.rounds)
    if "4096/no" in results and "4096/yes" in results:
        extra["causal_speedup_4096_from_table"] = {
            name: results["4096/no"][name]["median_s"] / results["4096/yes"][name]["median_s"]
            for name in results["4096/no"]
            if "median_s" in results["4096/no"][name] and "median_s" in results["4096/yes"].get(name, {})
        }
    extra["one_thread_cpu_time"] = extras.one_thread_cpu_time(torch, args.rounds)
    extra["auto_crossover"] = extras.crossover(args.rounds)
    extra["explain_cold_wall"] = extras.explain_cold_wall()
    extra["fused_cold_start"] = extras.fused_cold_start()
    extra["torch_overhead"] = extras.torch_overhead(torch, args.rounds)
    extra["trace_3_queries_of_100k"] = extras.trace_long()
    if not args.no_user_paths:
        extra["web_requests"] = extras.web_requests()
        extra["minilm_heads"] = extras.minilm_heads()
    load_after = os.getloadavg()

    # the matmul peak: the median of one matmul per round, measured under the rounds' load
    peak = statistics.median(MATMUL_SAMPLES)
    RESULTS.mkdir(parents=True, exist_ok=True)
    md = table(results, peak)
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": cpu_model(),
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
        "torch": None if torch is None else torch.__version__,
        "blas": blas_info(),
        "env_unset": unset.split(",") if unset else [],
        "matmul_gflops": peak,
        "matmul_gflops_range": [min(MATMUL_SAMPLES), max(MATMUL_SAMPLES)],
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "shape": {"B": B, "H": H, "d": D, "dtype": "float32"},
        "flops": "4*N^2*d*H; causal counts half",
        "wall_s": None,
    }
    chart_note = chart(results, RESULTS / "latest.png")
    meta["wall_s"] = time.perf_counter() - started
    (RESULTS / "latest.json").write_text(json.dumps({"meta": meta, "results": results, "extra": extra}, indent=2))
    header = (
        f"{meta['date']}, {meta['machine']} ({meta['cpus']} CPUs, shared), NumPy {meta['numpy']},"
        f" PyTorch {meta['torch']}; float32 matmul {peak:.0f} GFLOP/s (median of {len(MATMUL_SAMPLES)},"
        f" {min(MATMUL_SAMPLES):.0f}-{max(MATMUL_SAMPLES):.0f}); load average"
        f" {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    (RESULTS / "latest.md").write_text(header + "\n\n" + md + "\n")
    print()
    print(header)
    print(md)
    print()
    print(json.dumps(extra, indent=2))
    print(f"chart: {chart_note}; JSON: benchmarks/results/latest.json; {meta['wall_s']:.0f} s in all")


if __name__ == "__main__":
    main()
