"""A short soak of a real server: uvicorn on 127.0.0.1 (a random free port), a few client
threads, a seeded mix of valid, refused and hostile requests, stopping by itself after a
bounded number. No 5xx, no dropped connection, every answer within a generous timeout, the
server's memory (RSS from /proc) bounded. ``benchmarks/soak_web.py`` runs the long version."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("uvicorn", reason="the web extra (uvicorn) is not installed")
httpx = pytest.importorskip("httpx")

if not Path("/proc/self/status").exists():  # pragma: no cover - Linux only
    pytest.skip("the server's memory is read from /proc", allow_module_level=True)

_PATH = Path(__file__).resolve().parents[3] / "benchmarks" / "soak_web.py"
_spec = importlib.util.spec_from_file_location("soak_web", _PATH)
assert _spec is not None and _spec.loader is not None
soak_web = importlib.util.module_from_spec(_spec)
sys.modules["soak_web"] = soak_web
_spec.loader.exec_module(soak_web)

MB = 1024 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[soak_web.Server]:
    running = soak_web.Server()
    yield running
    running.stop()


def test_a_hostile_request_then_a_normal_one_on_the_same_connection(server):
    """A lone surrogate once gave a 500 and the server dropped the next connection: now every
    endpoint refuses it with a 422 and the same keep-alive connection serves the next request."""
    hostile = [call for call in soak_web.calls() if call.name.startswith("surrogate") or call.name == "not-utf8"]
    normal = next(call for call in soak_web.calls() if call.name == "trace")
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for call in hostile:
            refused = http.request(call.method, call.path, content=call.body, headers=call.headers)
            assert refused.status_code == 422 and "expected" in refused.json()["error"], refused.text
            answered = http.post(normal.path, content=normal.body, headers=normal.headers)
            assert answered.status_code == 200 and answered.json()["steps"][0]["token"] == "Acting"
            assert http.get("/api/info").status_code == 200


def test_a_short_soak_never_fails_and_stays_bounded(server):
    report = soak_web.soak(server, requests=120, clients=3, timeout=60)
    assert report.failures == []
    assert report.requests == 120 + len(soak_web.calls())
    assert set(report.by_status) <= {200, 400, 413, 415, 422}
    assert report.slowest < 60
    assert report.rss_end - report.rss_warm < 150 * MB, (report.rss_warm / MB, report.rss_end / MB)
