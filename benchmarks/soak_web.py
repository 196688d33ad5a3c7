"""A bounded soak test of the web explorer: valid, refused and hostile requests, mixed.

Starts ``uvicorn`` on a free port of 127.0.0.1 (a subprocess, stopped at the end) and sends a
seeded mix of requests from a few client threads until a fixed number have been answered:
valid ones (traces, explanations, the toy layer, the HTML report), refused ones (over a
limit, not JSON, unknown keys) and hostile ones (lone surrogates, bytes that are not UTF-8,
deep nesting, huge integers, NaN, a foreign Host header). Every answer must come within a
generous timeout with the status its kind expects, never a 5xx or a dropped connection, and the
server's memory (its resident set, read from /proc) must stay bounded. Only 127.0.0.1 is ever
contacted, and every loop is bounded.

    python benchmarks/soak_web.py                      # 3000 requests, 4 clients
    python benchmarks/soak_web.py --requests 20000 --clients 8 --models

``tests/surfaces/server/test_soak.py`` runs a short version of the same (:func:`soak`).
Exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

SRC = Path(__file__).resolve().parents[1] / "src"
SEED = {
    "tokens": ["Acting", "Machines"],
    "query": [[16, 0, 1], [2.078, 0, 1]],
    "key": [[1, 0, 1], [0, 1, 1]],
    "value": [[1, 3, 4], [3, 1, 4]],
}
JSON = {"content-type": "application/json"}
SENTENCE = "The animal didn't cross the street because it was too tired."


@dataclass(frozen=True)
class Call:
    """One kind of request and the statuses it may get."""

    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    expected: tuple[int, ...] = (200,)


def _json(document: Any) -> bytes:
    return json.dumps(document).encode()


def calls(models: bool = False) -> list[Call]:
    """The mix: valid, refused (over a limit, not JSON) and hostile requests."""
    wide = {"query": [[1.0] * 65], "key": [[1.0] * 65], "value": [[1.0]]}
    long_input = {"query": [[1.0]] * 65, "key": [[1.0]] * 65, "value": [[1.0]] * 65}
    mix = [
        # valid
        Call("trace", "POST", "/api/trace", _json(SEED)),
        Call("explain", "POST", "/api/explain", _json({"input": SEED, "lang": "ko", "example": "seed"})),
        Call("text", "POST", "/api/text", _json({"text": "The cat sat on the mat.", "d_model": 16, "num_heads": 4})),
        Call("report", "POST", "/api/report.html", _json({"input": SEED})),
        Call("info", "GET", "/api/info", None, {}),
        # refused
        Call("too-long", "POST", "/api/trace", _json(long_input), expected=(413,)),
        Call("too-wide", "POST", "/api/explain", _json({"input": wide}), expected=(413,)),
        Call("too-big", "POST", "/api/trace", b'{"query": [[' + b"1," * 600_000 + b"1]]}", expected=(413,)),
        Call("text-too-long", "POST", "/api/text", _json({"text": "a " * 400}), expected=(413,)),
        Call("text/plain", "POST", "/api/explain", _json({"input": SEED}), {"content-type": "text/plain"}, (415,)),
        Call("form", "POST", "/api/trace", b"query=1", {"content-type": "application/x-www-form-urlencoded"}, (415,)),
        Call("unknown-key", "POST", "/api/trace", _json({**SEED, "colour": 1}), expected=(422,)),
        # hostile
        Call(
            "surrogate",
            "POST",
            "/api/trace",
            b'{"tokens": ["\\ud800", "b"], "query": [[1], [2]], "key": [[1], [2]], "value": [[1], [2]]}',
            expected=(422,),
        ),
        Call("surrogate-text", "POST", "/api/text", b'{"text": "it \\udcff was"}', expected=(422,)),
        Call(
            "surrogate-report",
            "POST",
            "/api/report.html",
            b'{"input": {"tokens": ["\\udfff"], "query": [[1]], "key": [[1]], "value": [[1]]}}',
            expected=(422,),
        ),
        Call("not-utf8", "POST", "/api/explain", b'{"input": "\xff\xfe"}', expected=(422,)),
        Call("deep", "POST", "/api/trace", b"[" * 50_000 + b"]" * 50_000, expected=(422,)),
        Call("huge-int", "POST", "/api/trace", b'{"query": [[' + b"9" * 5000 + b"]]}", expected=(422,)),
        Call("nan", "POST", "/api/trace", b'{"query": [[NaN]], "key": [[1]], "value": [[1]]}', expected=(422,)),
        Call(
            "overflow", "POST", "/api/trace", b'{"query": [[1e308]], "key": [[1e308]], "value": [[1]]}', expected=(413,)
        ),
        Call("rebinding", "GET", "/api/info", None, {"host": "attacker.example"}, (400,)),
    ]
    if models:
        mix += [
            Call("model", "POST", "/api/model", _json({"text": SENTENCE, "layer": 3, "head": 1})),
            Call("model-too-long", "POST", "/api/model", _json({"text": "a " * 450}), expected=(413,)),
            Call("model-surrogate", "POST", "/api/model", b'{"text": "\\ud800"}', expected=(422,)),
        ]
    return mix


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_bytes(pid: int) -> int:
    """The resident set of a process, from /proc/PID/status (VmRSS, in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class Server:
    """uvicorn serving the explorer on 127.0.0.1 in a subprocess, with the Host guard on."""

    def __init__(self, startup_seconds: float = 60.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        code = (
            "import uvicorn\n"
            "from selfattention.surfaces.server.app import create_app\n"
            "from selfattention.surfaces.server.hosts import allowed_hosts\n"
            f"uvicorn.run(create_app(allowed_hosts('127.0.0.1')), host='127.0.0.1', port={self.port},"
            " log_level='critical')\n"
        )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen([sys.executable, "-c", code], env=env)
        deadline = time.monotonic() + startup_seconds
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with status {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/api/info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the server did not start")
            time.sleep(0.1)

    @property
    def rss(self) -> int:
        return rss_bytes(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Report:
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    slowest: float = 0.0
    slowest_call: str = ""
    rss_start: int = 0
    rss_warm: int = 0
    rss_end: int = 0
    seconds: float = 0.0
    by_status: dict[int, int] = field(default_factory=dict)


def soak(
    server: Server, requests: int = 3000, clients: int = 4, timeout: float = 60.0, models: bool = False, seed: int = 0
) -> Report:
    """Send ``requests`` requests (after one warm-up pass of every kind) from ``clients``
    threads, in a seeded random mix; stop by itself when they are answered."""
    mix = calls(models)
    report = Report(rss_start=server.rss)
    lock = threading.Lock()
    sent = 0

    def one(http: httpx.Client, call: Call) -> None:
        start = time.monotonic()
        try:
            response = http.request(call.method, call.path, content=call.body, headers=call.headers)
            status = response.status_code
            ok = status in call.expected and (status == 200 or "error" in response.json())
        except Exception as error:  # a timeout, a dropped connection, a body that is not JSON
            status, ok = 0, False
            detail = f"{type(error).__name__}: {error}"[:200]
        else:
            detail = response.text[:200]
        elapsed = time.monotonic() - start
        with lock:
            report.requests += 1
            if elapsed > report.slowest:
                report.slowest, report.slowest_call = elapsed, call.name
            report.by_status[status] = report.by_status.get(status, 0) + 1
            if not ok or status >= 500:
                report.failures.append(f"{call.name}: status {status}, expected {call.expected}: {detail}")

    with httpx.Client(base_url=server.url, timeout=timeout) as http:
        for call in mix:  # warm up: every kind once (imports, caches, fonts)
            one(http, call)
    report.rss_warm = server.rss

    def client(index: int) -> None:
        nonlocal sent
        rng = random.Random(seed * 1000 + index)
        with httpx.Client(base_url=server.url, timeout=timeout) as http:
            while True:
                with lock:
                    if sent >= requests:
                        return
                    sent += 1
                one(http, rng.choice(mix))

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.monotonic() - start
    report.rss_end = server.rss
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one answer may take")
    parser.add_argument("--max-growth-mb", type=float, default=200.0, help="allowed RSS growth after warm-up")
    parser.add_argument("--models", action="store_true", help="include /api/model (the models extra)")
    args = parser.parse_args()
    server = Server()
    try:
        report = soak(server, args.requests, args.clients, args.timeout, args.models)
    finally:
        server.stop()
    mb = 1024 * 1024
    growth = (report.rss_end - report.rss_warm) / mb
    print(
        f"{report.requests} requests ({len(calls(args.models))} kinds) from {args.clients} clients in"
        f" {report.seconds:.1f} s; statuses {dict(sorted(report.by_status.items()))}; slowest answer"
        f" {report.slowest:.2f} s ({report.slowest_call}); server RSS {report.rss_start / mb:.0f} MiB at start,"
        f" {report.rss_warm / mb:.0f} MiB after warm-up, {report.rss_end / mb:.0f} MiB at the end"
        f" ({growth:+.0f} MiB)"
    )
    for failure in report.failures[:20]:
        print("FAILED", failure)
    return 1 if report.failures or growth > args.max_growth_mb else 0


if __name__ == "__main__":
    sys.exit(main())
