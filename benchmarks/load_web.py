"""A small local load test of the web explorer: a few hundred requests, bounded in time.

Starts ``uvicorn`` on a free port of 127.0.0.1 (a subprocess, stopped at the end), sends
the seed example to ``POST /api/trace`` and ``POST /api/explain`` from a few client
threads, and reports latency percentiles as the client sees them and as the server
measures them (its ``Server-Timing`` header), with the error count. Only 127.0.0.1 is
ever contacted.

    python benchmarks/load_web.py                 # 300 requests, 4 clients, at most 60 s
    python benchmarks/load_web.py --requests 1000 --clients 8 --seconds 30

Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

SEED = {
    "tokens": ["Acting", "Machines"],
    "query": [[16, 0, 1], [2.078, 0, 1]],
    "key": [[1, 0, 1], [0, 1, 1]],
    "value": [[1, 3, 4], [3, 1, 4]],
}
CALLS = {
    "trace": ("/api/trace", SEED),
    "explain": ("/api/explain", {"input": SEED, "lang": "en", "example": "seed"}),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [sys.executable, "-m", "uvicorn", "--factory", "selfattention.surfaces.server:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/info", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not start within 30 s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per endpoint (default 300)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads (default 4)")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop after this long (default 60)")
    args = parser.parse_args()

    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in CALLS}
    errors: list[str] = []
    lock = threading.Lock()
    try:
        for name, (path, body) in CALLS.items():
            with httpx.Client(base_url=base) as warm:  # first calls import and compile: not timed
                for _ in range(5):
                    warm.post(path, json=body)
            todo = iter(range(args.requests))
            stop_at = time.monotonic() + args.seconds / len(CALLS)

            def client(path: str = path, body: dict = body, name: str = name, todo=todo, stop_at=stop_at) -> None:
                with httpx.Client(base_url=base, timeout=10) as http:
                    while time.monotonic() < stop_at:
                        with lock:
                            if next(todo, None) is None:
                                return
                        start = time.perf_counter()
                        try:
                            response = http.post(path, json=body)
                        except httpx.HTTPError as error:
                            with lock:
                                errors.append(f"{name}: {error!r}")
                            continue
                        elapsed = (time.perf_counter() - start) * 1000
                        if response.status_code != 200:
                            with lock:
                                errors.append(f"{name}: HTTP {response.status_code}")
                            continue
                        server_ms = float(response.headers["server-timing"].split("dur=")[1])
                        with lock:
                            results[name].append((elapsed, server_ms))

            threads = [threading.Thread(target=client) for _ in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"load_web: {args.clients} clients against {base}, seed example")
    columns = ("client p50", "client p99", "server p50", "server p99")
    print(f"{'endpoint':<10} {'requests':>8} " + " ".join(f"{c:>11}" for c in columns))
    for name, rows in results.items():
        if not rows:
            print(f"{name:<10} {0:>8}")
            continue
        client_ms, server_ms = [r[0] for r in rows], [r[1] for r in rows]
        print(
            f"{name:<10} {len(rows):>8} {percentile(client_ms, 50):>9.2f}ms {percentile(client_ms, 99):>9.2f}ms"
            f" {percentile(server_ms, 50):>9.2f}ms {percentile(server_ms, 99):>9.2f}ms"
        )
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"server mean (all): {statistics.fmean(r[1] for rows in results.values() for r in rows):.2f} ms")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
