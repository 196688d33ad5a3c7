"""``selfattention check ANSWERS.json``: grade a learner's answers and say where they went wrong.

The file holds the ``"exercise"`` object (as ``selfattention exercise --format json`` writes
it) and ``"answers"``; :mod:`selfattention.explain.checker` grades and diagnoses. Exit code 0
when every answer is right, 1 when one is wrong, 2 when the file cannot be read as one.
"""

from __future__ import annotations

import click

from ...core.errors import SelfAttentionError
from ...explain import available_languages, default_language
from ...explain.checker import CheckResult, check_answers, read_check_document
from ...explain.exercise import explain_check
from ...render import formats, render
from ...sources.vectors import read_json_document
from .i18n import Command
from .output import LANG_DEFAULT, relay

__all__ = ["EXAMPLES", "check_command"]

EXAMPLES = """
\b
Examples:
  selfattention exercise --format json -o mine.json    # then add "answers" to mine.json
  selfattention check mine.json
  selfattention check mine.json --lang ko --format json

\b
"answers" holds any of dot_products, scaled_scores, weights, output: one row per query asked,
in order; a blocked score may be null. Exit code 0: all right; 1: a step is wrong; 2: bad input.
"""


@click.command("check", cls=Command, epilog=EXAMPLES)
@click.argument("answers_file", metavar="ANSWERS.json")
@click.option(
    "--lang",
    type=click.Choice(sorted(available_languages())),
    default=default_language,
    show_default=LANG_DEFAULT,
    help="Language of the explanation.",
)
@click.option(
    "--format",
    "-f",
    "format",
    type=click.Choice(formats(CheckResult)),
    default="text",
    show_default=True,
    help="Output format (json: correct, first_wrong, mistake, steps, explanation).",
)
@click.option("--precision", type=click.IntRange(0, 15), default=4, show_default=True, help="Decimals shown.")
def check_command(answers_file: str, lang: str, format: str, precision: int) -> None:
    """Check your answers to an exercise: the first wrong step, and why."""
    try:
        exercise, answers = read_check_document(read_json_document(answers_file))
        result = check_answers(exercise, answers)
        text = render(result, explain_check(result, lang, precision), format)
    except SelfAttentionError as error:
        relay(error, lang)
    click.echo(text, nl=False)
    if not result.correct:
        raise SystemExit(1)
