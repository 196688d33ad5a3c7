"""``selfattention exercise``: a worksheet of small integers to work by hand, deterministic by seed.

:func:`selfattention.sources.exercises.generate_exercise` draws it; ``--answers`` adds the key
(the exercise's trace). ``--format json`` writes ``{"exercise": {...}}``, which ``selfattention
check`` reads back beside the learner's ``"answers"``.
"""

from __future__ import annotations

import click

from ...explain.exercise import explain_exercise
from ...sources.exercises import LEVELS, MAX_DIM, MAX_TOKENS, MIN_DIM, MIN_TOKENS, Worksheet, generate_exercise
from .i18n import Command
from .output import Output, fail, output_options
from .queries import queries_option

__all__ = ["EXAMPLES", "exercise_command"]

EXAMPLES = """
\b
Examples:
  selfattention exercise                          # 3 tokens, d = 3, seed 0
  selfattention exercise --seed 7 --tokens 2 --dim 4 --causal
  selfattention exercise --format html -o sheet.html        # a printable worksheet
  selfattention exercise --format markdown --answers        # with the answer key
  selfattention exercise --format json -o mine.json         # add "answers", then: selfattention check mine.json
"""


@click.command("exercise", cls=Command, epilog=EXAMPLES)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Draws the numbers.")
@click.option(
    "--tokens", type=click.IntRange(MIN_TOKENS, MAX_TOKENS), default=3, show_default=True, help="How many tokens."
)
@click.option("--dim", type=click.IntRange(MIN_DIM, MAX_DIM), default=3, show_default=True, help="d, the features.")
@click.option("--causal", is_flag=True, help="Each token sees only itself and the tokens before it.")
@click.option(
    "--level",
    type=click.IntRange(min(LEVELS), max(LEVELS)),
    default=1,
    show_default=True,
    help="1: entries 0 to 2; 2: -2 to 2; 3: -3 to 3 and a mask.",
)
@click.option("--queries", metavar="LIST", help='0-based positions to ask, e.g. "0,2" (all by default).')
@click.option("--answers", is_flag=True, help="Add the answer key.")
@output_options(Worksheet, format_help="Output format (json is the exercise, which check reads back).", plot_help=None)
def exercise_command(
    out: Output, seed: int, tokens: int, dim: int, causal: bool, level: int, queries: str | None, answers: bool
) -> None:
    """An exercise to work by hand: dot products, scaled scores, weights and outputs.

    Small integer Q, K and V, the same for the same seed; positions count from 0.
    """
    asked = None
    if queries is not None:
        picked = queries_option(queries)
        if not all(isinstance(q, int) for q in picked):
            fail(
                f'--queries {queries!r}: an exercise asks positions, 0-based, such as "0,2"',
                code="exercise_queries",
                text=queries,
            )
        asked = tuple(int(q) for q in picked)
    exercise = generate_exercise(seed, tokens, dim, causal=causal, level=level, queries=asked)
    sheet = Worksheet.of(exercise, answers=answers)
    out.write(sheet, explain_exercise(sheet, out.lang, out.precision))
