"""``selfattention generate PROMPT``: greedy generation, one head traced at every step.

:func:`selfattention.sources.models.generation.generate_traces` does the work; this module
parses and prints: per step the token read, the keys it sees (the cached ones and its own),
its heaviest weights, the check against the full recomputation, and the token chosen.
"""

from __future__ import annotations

import json

import click

from ...core.errors import SelfAttentionError
from ...explain import available_languages, default_language, explain
from ...explain.messages import say_error
from ...explain.numbers import fmt
from ...sources.models import MODELS
from ...sources.models.generation import generate_traces
from .i18n import Command
from .i18n import language as spoken
from .model import warnings_to_stderr
from .output import fail

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
        with warnings_to_stderr():
            steps = generate_traces(prompt, model, max_new_tokens, layer, head)
    except SelfAttentionError as error:
        fail(say_error(error, spoken()))
    if format_ == "json":
        click.echo(
            json.dumps(
                {
                    "prompt": prompt,
                    "generated": [s.chosen for s in steps],
                    "steps": [{"read": s.read, "chosen": s.chosen, "trace": s.trace.to_dict()} for s in steps],
                },
                ensure_ascii=False,
            )
        )
        return
    language = lang or default_language()
    click.echo(f"{model}, layer {layer}, head {head}: {prompt!r}")
    for number, step in enumerate(steps):
        words = explain(step.trace, language, precision)
        row = step.trace.steps[0]
        heaviest = sorted(range(len(row.weights)), key=lambda j: -row.weights[j])[:3]
        keys = ", ".join(f"{step.trace.key_tokens[j]} {fmt(row.weights[j], precision)}" for j in heaviest)
        click.echo(f"\nstep {number}: reads {step.read!r} -> {step.chosen!r}; heaviest keys: {keys}")
        for sentence in words.queries[0].meaning[-3:]:
            if "KV" in sentence or "sink" in sentence.lower() or "싱크" in sentence:
                click.echo(f"  {sentence}")
    click.echo("\n" + steps[-1].text)
