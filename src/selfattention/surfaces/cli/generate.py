"""``selfattention generate PROMPT``: greedy generation, one head traced at every step.

:func:`selfattention.sources.models.generation.generate_traces` does the work; this module
parses and prints, with the words of the page's generation panel (one document,
:func:`~selfattention.surfaces.view_documents.generation_document`): per step the token read,
the keys it sees (the cached ones and its own), its heaviest weights, the check against the
full recomputation, the token chosen, and what the decoder adds (a sink, the KV cache).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from ...core.errors import SelfAttentionError
from ...explain import available_languages, default_language, get_language
from ...explain.numbers import fmt
from ...explain.plan import plan_trace
from ...explain.statements import AttentionSink, KVCacheStep
from ...sources.models import MODELS
from ...sources.models.generation import GenerationStep, generate_traces
from ..view_documents import generation_document
from .i18n import Command
from .i18n import language as spoken
from .model import warnings_to_stderr
from .output import check_texts, relay

__all__ = ["EXAMPLES", "generate_command"]

EXAMPLES = """
\b
Examples:
  selfattention generate "The capital of France is" --max-new-tokens 8 --layer 5 --head 4
  selfattention generate "The capital of France is" --layer 0 --head 0 --format json
"""


@click.command("generate", cls=Command, epilog=EXAMPLES)
@click.argument("prompt")
@click.option(
    "--model",
    default="smollm2",
    show_default=True,
    metavar="NAME|DIR",
    help=f"A decoder ({', '.join(MODELS)} or a folder).",
)
@click.option(
    "--max-new-tokens", type=int, default=8, show_default=True, help="How many tokens to generate (1 to 256)."
)
@click.option("--layer", type=int, default=0, show_default=True, help="The layer, 0-based.")
@click.option("--head", type=int, default=0, show_default=True, help="The head, 0-based.")
@click.option("--format", "-f", "format_", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(available_languages()), default=None, help="Language of the words.")
@click.option("--precision", type=click.IntRange(1, 12), default=4, show_default=True)
def generate_command(
    prompt: str, model: str, max_new_tokens: int, layer: int, head: int, format_: str, lang: str | None, precision: int
) -> None:
    """Generate greedily from PROMPT with the KV cache, tracing one head for the token read at each step.

    Each step's row (the new token's query against the cached keys) is checked against the
    model's own attention and against the full recomputation without a cache.
    """
    try:
        check_texts({"prompt": prompt, "model": model})  # an empty --model is not the current folder
        with warnings_to_stderr():
            steps = generate_traces(prompt, model, max_new_tokens, layer, head)
    except SelfAttentionError as error:
        relay(error, spoken())
    if format_ == "json":
        click.echo(
            json.dumps(
                {
                    "prompt": prompt,
                    "generated": [s.chosen for s in steps],
                    "text": steps[-1].text,
                    "steps": [{"read": s.read, "chosen": s.chosen, "trace": s.trace.to_dict()} for s in steps],
                },
                ensure_ascii=False,
            )
        )
        return
    for line in generation_lines(prompt, steps, lang or default_language(), precision):
        click.echo(line)


def generation_lines(prompt: str, steps: Sequence[GenerationStep], lang: str, precision: int) -> list[str]:
    """The text form: per step what the page's generation panel says (the same document and
    words), the heaviest keys, and what the decoder adds there (a sink, the KV cache)."""
    document = generation_document(prompt, steps, lang, precision)
    language = get_language(lang)
    labels = language.labels
    lines = [document["steps"][0]["words"]["title"]]
    for n, (step, shown) in enumerate(zip(steps, document["steps"], strict=True)):
        about = labels["page_generate_reads_prompt" if n == 0 else "page_generate_reads"]
        weights = shown["weights"]
        heaviest = sorted(range(len(weights)), key=lambda j: -weights[j])[:3]
        names = step.trace.key_names
        check = shown["check"]
        lines += [
            "",
            labels["page_generate_step"].format(n=n + 1, total=len(steps)),
            "  " + about.format(**{k: shown[k] for k in ("read", "position", "cached", "chosen")}, keys=len(weights)),
            f"  {labels['top_keys']}: " + ", ".join(f"{names[j]} {fmt(weights[j], precision)}" for j in heaviest),
            "  "
            + labels["page_generate_check"].format(
                difference=fmt(check["recompute_difference"], 2),
                tolerance=fmt(check["tolerance"], 2),
                model=fmt(check["model_difference"], 2),
            ),
        ]
        said = plan_trace(step.trace).queries[0].meaning
        lines += [f"  {language.say(s, precision)}" for s in said if isinstance(s, (AttentionSink, KVCacheStep))]
    return [*lines, "", document["text"]]
