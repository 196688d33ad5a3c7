"""One forward pass of MiniLM on a short sentence, with 1 thread and with PyTorch's default.

Not a test: timings depend on the machine and its load. Run with

    PYTHONPATH=src python benchmarks/model_threads.py [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time

import selfattention.sources.models as sm
from selfattention.sources.models import loader

SENTENCE = "The animal didn't cross the street because it was too tired."


def measure(threads: int, repeats: int) -> list[float]:
    import torch

    model = sm.load_model("minilm")
    inputs = model.tokenizer(SENTENCE, return_tensors="pt")
    times = []
    with loader.torch_threads(threads), torch.no_grad():
        for _ in range(repeats):
            start = time.perf_counter()
            model.model(**inputs, output_hidden_states=True, output_attentions=True)
            times.append(1000 * (time.perf_counter() - start))
    return times


def main() -> None:
    import torch

    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    default = torch.get_num_threads()
    measure(1, 3)  # warm up
    for threads in sorted({1, default}):
        times = measure(threads, repeats)
        print(
            f"{threads} thread(s): median {statistics.median(times):.1f} ms, min {min(times):.1f} ms,"
            f" max {max(times):.1f} ms over {repeats} runs"
        )


if __name__ == "__main__":
    main()
