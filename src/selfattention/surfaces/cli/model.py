"""``selfattention model TEXT``: one head of a real model, step by step.

The head is rebuilt from the model itself and checked against the attention the model
returns (:func:`selfattention.sources.models.model_trace`); then it is a trace like any other.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import click

from ...explain import explain
from ...record.trace import AttentionTrace
from ...render.document import MAX_QUERIES
from ...sources.models import DEFAULT_MODEL, MODELS, model_trace
from .i18n import Command
from .output import Output, fail, output_options
from .queries import queries_option, word

__all__ = ["EXAMPLES", "model_command", "warnings_to_stderr"]

EXAMPLES = """
\b
Examples:
  selfattention model "The animal didn't cross the street because it was too tired." \\
      --layer 3 --head 1 --query it
  selfattention model "The animal didn't cross the street because it was too tired." \\
      --layer 5 --head 11 --queries it,animal --format json
  selfattention model "The cat sat." --model path/to/bert --query cat --plot cat.png
"""


@contextmanager
def warnings_to_stderr() -> Iterator[None]:
    """The library's own warnings (e.g. a tokenizer that breaks the text into bytes) as one
    ``Warning:`` line each on stderr, once, after a command that succeeds; other libraries'
    notices are left out."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        yield  # a refusal stays one line: its message already lists the tokens where they matter
    ours = [w for w in caught if w.category.__module__.startswith("selfattention")]
    for message in dict.fromkeys(str(w.message) for w in ours):
        click.echo(f"Warning: {message}", err=True)


@click.command("model", cls=Command, epilog=EXAMPLES)
@click.argument("text")
@click.option(
    "--model",
    default=DEFAULT_MODEL,
    show_default=True,
    metavar="NAME|DIR",
    help=f"A model name ({', '.join(MODELS)}) or a local Hugging Face folder.",
)
@click.option("--layer", type=int, default=0, show_default=True, help="The layer, 0-based.")
@click.option("--head", type=int, default=0, show_default=True, help="The head, 0-based.")
@click.option(
    "--query",
    "-q",
    "query",
    metavar="WORD",
    help="The query token: a word (its first occurrence) or a 0-based position.",
)
@click.option(
    "--queries", metavar="LIST", help='Queries to expand: tokens or 0-based positions, e.g. "it,animal" or "0,2".'
)
@output_options(
    AttentionTrace,
    format_help="Output format (json is the trace with the model's check, csv its weights).",
    plot_help="Also write the heatmap of the weights to FILE.png or FILE.svg.",
)
def model_command(
    out: Output, text: str, model: str, layer: int, head: int, query: str | None, queries: str | None
) -> None:
    """Explain one head of a real model on TEXT: its own Q, K and V, step by step.

    Every weight row is checked against the attention the model returns. A document shows
    at most 16 queries unless --query or --queries names them.
    """
    if query is not None and queries:
        fail("give --query WORD or --queries LIST, not both", code="query_and_queries")
    picked: list[int | str] | None = None
    if query is not None:
        picked = [word(query)]
    elif queries is not None:
        picked = queries_option(queries)
    with warnings_to_stderr():
        result = model_trace(text, model, layer=layer, head=head, queries=picked)
    if out.for_people and picked is None and len(result.steps) > MAX_QUERIES:
        result = dataclasses.replace(result, steps=result.steps[:MAX_QUERIES])  # the document says so in words
    # the tokens are known once the model has read the text: checked before anything is written
    out.check_trace_size(
        len(result.steps), len(result.tokens), len(result.key_tokens), result.d_head, result.value.shape[1]
    )
    overview = None
    if out.wants_overview(result):  # the picture shows every row, the picked ones outlined
        overview = model_trace(text, model, layer=layer, head=head)
    out.write(result, explain(result, out.lang, out.precision), overview=overview)
