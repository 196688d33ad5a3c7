"""A warm web request for a new sentence against the model's bare forward pass, in one process.

``POST /api/model`` (one head, traced and checked) and ``POST /api/heads`` (every layer x head,
each rebuilt and checked, from one forward pass) each get a sentence they have not seen, so
no answer comes from a cache; the model is already loaded (warm). The bare forward pass is
the tokenizer and ``model(**inputs)`` alone, on one thread as the library runs short inputs.
The goal (issue #15): each request costs at most 4x the bare pass. Not a test: timings depend
on the machine and its load. Run with

    PYTHONPATH=src python benchmarks/heads_web.py [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time

from fastapi.testclient import TestClient

import selfattention.sources.models as sm
from selfattention.sources.models import loader
from selfattention.surfaces.server import create_app

SENTENCE = "The animal didn't cross the street because it was too tired."
GOAL = 4.0


def sentence(n: int) -> str:
    """A sentence of the same length as SENTENCE that no cache has seen (one word changes)."""
    words = ["tired", "sleepy", "weary", "slow", "old", "hungry", "cold", "small"]
    return SENTENCE.replace("tired", f"{words[n % len(words)]}{n // len(words) or ''}")


def bare(repeats: int) -> list[float]:
    import torch

    model = sm.load_model("minilm")
    times = []
    with loader.torch_threads(1), torch.no_grad():
        for n in range(repeats):
            start = time.perf_counter()
            inputs = model.tokenizer(sentence(10_000 + n), return_tensors="pt")
            model.model(**inputs)
            times.append(1000 * (time.perf_counter() - start))
    return times


def requests(client: TestClient, path: str, repeats: int, offset: int) -> list[float]:
    times = []
    for n in range(repeats):
        text = sentence(offset + n)
        body = {"text": text, "layer": 3, "head": 1} if path == "/api/model" else {"text": text, "query": "it"}
        start = time.perf_counter()
        response = client.post(path, json=body)
        times.append(1000 * (time.perf_counter() - start))
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.text}")
    return times


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    client = TestClient(create_app())
    # warm up: the model, the endpoints, torch's first calls
    bare(3)
    requests(client, "/api/model", 3, 50_000)
    requests(client, "/api/heads", 3, 60_000)
    rows = []
    # interleaved rounds, so that a slow moment of the machine falls on every measure alike
    measured: dict[str, list[float]] = {"bare forward pass": [], "/api/model": [], "/api/heads": []}
    for round_ in range(repeats):
        measured["bare forward pass"] += bare(1)
        measured["/api/model"] += requests(client, "/api/model", 1, 1000 + round_)
        measured["/api/heads"] += requests(client, "/api/heads", 1, 2000 + round_)
    base = statistics.median(measured["bare forward pass"])
    for name, times in measured.items():
        median = statistics.median(times)
        ratio = median / base
        verdict = "" if name.startswith("bare") else ("  ok" if ratio <= GOAL else f"  OVER {GOAL:g}x")
        rows.append(f"{name:18} median {median:7.1f} ms  ({ratio:4.2f}x the bare pass){verdict}")
    print(f"MiniLM, {repeats} new sentences each, warm, one process:")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
