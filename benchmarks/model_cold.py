"""``selfattention model ... --model minilm|smollm2`` cold, against the work no tool can avoid.

Side by side, alternating, each in a fresh process with the weights already cached:

- **unavoidable**: import torch and transformers, load the tokenizer and the weights from the
  model's folder (eager attention), one forward pass on the sentence (one torch thread);
- **selfattention**: the command line, ``model SENTENCE --model NAME --layer 3 --head 1
  --query it --format json``, which also checks the weights' SHA-256, captures every layer,
  traces and checks the head, and writes the trace.

Run: ``python benchmarks/model_cold.py [--repeat 5] [minilm smollm2]``. The target is a ratio of
at most 1.15 (medians).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

SENTENCE = "The animal didn't cross the street because it was too tired."

UNAVOIDABLE = """
import sys, torch, transformers
folder, causal = sys.argv[1], sys.argv[2] == "1"
torch.set_num_threads(1)
tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
model_class = transformers.AutoModelForCausalLM if causal else transformers.AutoModel
model = model_class.from_pretrained(folder, attn_implementation="eager", dtype="auto").eval()
with torch.no_grad():
    model.base_model(**tokenizer(sys.argv[3], return_tensors="pt"), output_attentions=True)
"""


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=["minilm", "smollm2"])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from selfattention.sources.models import load_model

    print("| model | unavoidable (s) | selfattention model (s) | ratio |")
    print("|---|---|---|---|")
    for name in args.models:
        loaded = load_model(name)  # builds smollm2's cache once, outside the measurement
        folder, causal = str(loaded.resolved.path), "1" if "CausalLM" in loaded.architecture.family else "0"
        base = [sys.executable, "-c", UNAVOIDABLE, folder, causal, SENTENCE]
        ours = [sys.executable, "-c", "from selfattention.surfaces.cli import main; main()", "model", SENTENCE]
        ours += ["--model", name]
        ours += ["--layer", "3", "--head", "1", "--query", "it", "--format", "json"]
        seconds(base)  # warm the page cache
        times: dict[str, list[float]] = {"base": [], "ours": []}
        for _ in range(args.repeat):
            times["base"].append(seconds(base))
            times["ours"].append(seconds(ours))
        b, o = statistics.median(times["base"]), statistics.median(times["ours"])
        print(f"| {name} | {b:.2f} | {o:.2f} | {o / b:.2f} |")


if __name__ == "__main__":
    main()
