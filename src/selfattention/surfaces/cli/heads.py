"""``selfattention heads TEXT --query WORD``: every layer x head of a real model at once.

:func:`selfattention.sources.models.rank_heads` does the work; this module parses and prints.
"""

from __future__ import annotations

import click

from ...explain.heads import explain_heads
from ...sources.models import DEFAULT_MODEL, HeadsReport, rank_heads
from ...sources.models.heads import top_heads
from .i18n import Command
from .model import warnings_to_stderr
from .output import Output, output_options
from .queries import word

__all__ = ["EXAMPLES", "heads_command"]

EXAMPLES = """
\b
Examples:
  selfattention heads "The animal didn't cross the street because it was too tired." --query it --key animal
  selfattention heads "The animal didn't cross the street because it was too tired." --query it --top 12
  selfattention heads "The animal didn't cross the street because it was too tired." --query it --plot heads.png
"""


@click.command("heads", cls=Command, epilog=EXAMPLES)
@click.argument("text")
@click.option(
    "--query",
    "-q",
    "query",
    required=True,
    metavar="WORD",
    help="The query token: a word (its first occurrence) or a 0-based position.",
)
@click.option("--key", "-k", "key", metavar="WORD", help="Rank heads by the weight from the query to this token.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, metavar="NAME|DIR", help="A model name or folder.")
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Show only the N heads with the largest weight to --key (without --key: to the query's heaviest key),"
    " heaviest first (0 = all).",
)
@output_options(
    HeadsReport,
    format_help="Output format (json is the report's data).",
    plot_help="Also draw the layers x heads grid to FILE.png or FILE.svg.",
)
def heads_command(out: Output, text: str, query: str, key: str | None, model: str, top: int) -> None:
    """Every layer x head of a real model: where does the query token look?

    With --key, heads are ranked by the weight from the query to the key; without, each
    head lists its heaviest keys (and --top ranks heads by the weight of that heaviest key).
    Heads that mostly look at [CLS], [SEP] or the first token are flagged.
    """
    with warnings_to_stderr():
        report = rank_heads(text, word(query), word(key), model)
    if top:
        report = top_heads(report, top)
    out.write(report, explain_heads(report, out.lang, out.precision))
