"""A warm web request for a new sentence against the model's bare forward pass, in one process.

``POST /api/model`` (one head, traced and checked) and ``POST /api/heads`` (every layer x head,
each rebuilt and checked, from one forward pass) each get a sentence they have not seen, so
no answer comes from a cache; the model is already loaded (warm). The bare forward pass is
the tokenizer and the base model's forward (``loaded.base(**inputs)``, no language-model
head, as the traces run it) alone, on one thread as the library runs short inputs.
The goal (issue #15): each request costs at most 4x the bare pass. Not a test: timings depend
on the machine and its load (the load average is printed beside the figures). Run with

    PYTHONPATH=src python benchmarks/heads_web.py [repeats] [model]     # model: minilm (default), smollm2
"""

from __future__ import annotations

import os
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


def bare(repeats: int, model: str) -> list[float]:
    import torch

    loaded = sm.load_model(model)
    times = []
    with loader.torch_threads(1), torch.no_grad():
        for n in range(repeats):
            start = time.perf_counter()
            inputs = loaded.tokenizer(sentence(10_000 + n), return_tensors="pt")
            loaded.base(**inputs, use_cache=False)
            times.append(1000 * (time.perf_counter() - start))
    return times


def requests(client: TestClient, path: str, repeats: int, offset: int, model: str) -> list[float]:
    times = []
    for n in range(repeats):
        text = sentence(offset + n)
        body = (
            {"text": text, "model": model, "layer": 3, "head": 1}
            if path == "/api/model"
            else {"text": text, "model": model, "query": "it"}
        )
        start = time.perf_counter()
        response = client.post(path, json=body)
        times.append(1000 * (time.perf_counter() - start))
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.text}")
    return times


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    model = sys.argv[2] if len(sys.argv) > 2 else "minilm"
    client = TestClient(create_app())
    # warm up: the model, the endpoints, torch's first calls
    bare(3, model)
    requests(client, "/api/model", 3, 50_000, model)
    requests(client, "/api/heads", 3, 60_000, model)
    load_before = os.getloadavg()
    rows = []
    # interleaved rounds, so that a slow moment of the machine falls on every measure alike
    measured: dict[str, list[float]] = {"bare forward pass": [], "/api/model": [], "/api/heads": []}
    for round_ in range(repeats):
        measured["bare forward pass"] += bare(1, model)
        measured["/api/model"] += requests(client, "/api/model", 1, 1000 + round_, model)
        measured["/api/heads"] += requests(client, "/api/heads", 1, 2000 + round_, model)
    base = statistics.median(measured["bare forward pass"])
    for name, times in measured.items():
        median = statistics.median(times)
        ratio = median / base
        verdict = "" if name.startswith("bare") else ("  ok" if ratio <= GOAL else f"  OVER {GOAL:g}x")
        rows.append(f"{name:18} median {median:7.1f} ms  ({ratio:4.2f}x the bare pass){verdict}")
    load_after = os.getloadavg()
    print(f"{model}, {repeats} new sentences each, warm, one process:")
    print("\n".join(rows))
    print(
        f"load average (1, 5, 15 min): before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f},"
        f" after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} ({os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
