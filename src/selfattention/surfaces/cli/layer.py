"""``selfattention layer TEXT``: a sentence through a toy multi-head layer, step by step.

Tokens -> toy embeddings -> + positional encoding -> Q, K, V -> the chosen head step by step
-> every head in brief -> concatenation -> W_O (:func:`selfattention.sources.pipeline.text_layer_trace`).
"""

from __future__ import annotations

import click

from ...explain.layer import explain_layer
from ...record.layer_trace import LayerTrace
from ...sources.embedding import tokenize
from ...sources.pipeline import TRACE_ALL_UP_TO, text_layer_trace
from .i18n import Command
from .output import Output, output_options
from .queries import parse_queries

__all__ = ["EXAMPLES", "layer_command"]

EXAMPLES = """
\b
Examples:
  selfattention layer "The animal didn't cross the street because it was too tired" --query it
  selfattention layer "The cat sat" --heads 2 --d-model 8 --seed 0 --causal --head 1
  selfattention layer "The cat sat" --format html -o layer.html   # every head drawn
  selfattention layer "The cat sat" --plot heads.png              # every head side by side
"""


@click.command("layer", cls=Command, epilog=EXAMPLES)
@click.argument("text")
@click.option("--heads", type=click.IntRange(1, 64), default=2, show_default=True, help="Number of heads.")
@click.option(
    "--d-model",
    "d_model",
    type=click.IntRange(1, 1024),
    default=8,
    show_default=True,
    help="Model width; each head gets d_model / heads features.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the toy embeddings and weights.")
@click.option("--causal", is_flag=True, help="Each token sees only itself and earlier tokens.")
@click.option("--head", type=int, default=0, show_default=True, help="The head to expand step by step, 0-based.")
@click.option(
    "--query", "-q", "query", metavar="WORD", help='A query token to expand: a word or a 0-based position, e.g. "it".'
)
@click.option(
    "--queries", metavar="LIST", help='Queries to expand: tokens or 0-based positions, e.g. "it,animal" or "0,2".'
)
@output_options(
    LayerTrace,
    format_help="Output format (json is the layer trace).",
    plot_help="Also draw every head's weights side by side to FILE.png or FILE.svg.",
)
def layer_command(
    out: Output,
    text: str,
    heads: int,
    d_model: int,
    seed: int,
    causal: bool,
    head: int,
    query: str | None,
    queries: str | None,
) -> None:
    """Walk TEXT through a toy multi-head layer: tokens, embeddings, positions, Q/K/V, heads.

    The embeddings are hashes of the token text and the weights are random (seeded): every
    number is exact and reproducible, but illustrative, not learned. Without --query or
    --queries the last token is expanded.
    """
    expand = (parse_queries(queries) if queries else []) + (parse_queries(query) if query is not None else [])
    count = len(tokenize(text))  # the output's size, from the shapes, before anything is computed
    traced = count if count <= TRACE_ALL_UP_TO else max(len(expand), 1)
    out.check_layer_size(traced, count, heads, d_model)
    result = text_layer_trace(
        text, d_model=d_model, num_heads=heads, seed=seed, is_causal=causal, queries=expand or None
    )
    explanation = explain_layer(result, out.lang, out.precision, head=head, queries=expand or None)
    out.write(result, explanation)
