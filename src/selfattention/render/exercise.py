"""Worksheets and check reports: an exercise (with blanks, or with its answers) as text,
Markdown, a printable HTML page or JSON; a checked answer as text or JSON. No maths here:
the answers are the exercise's trace, the grades the checker's.

>>> from selfattention.sources.exercises import Worksheet, generate_exercise
>>> from selfattention.explain.exercise import explain_exercise
>>> sheet = Worksheet.of(generate_exercise(seed=7, tokens=2, dim=2))
>>> print(exercise_text(sheet, explain_exercise(sheet)).splitlines()[0])
Self-attention by hand: exercise 7
"""

from __future__ import annotations

import html
import json
from typing import Any

from ..explain.checker import CheckResult
from ..explain.exercise import CheckExplanation, ExerciseExplanation, check_document
from ..explain.numbers import fmt
from ..sources.exercises import Worksheet

__all__ = ["check_json", "check_text", "exercise_html", "exercise_json", "exercise_markdown", "exercise_text"]

BLANK = "______"
BLOCKED = "×"
STEPS = ("dot_products", "scaled_scores", "weights", "output")


def _cell(x: float, precision: int) -> str:
    return fmt(x, precision)


def _matrices(sheet: Worksheet) -> list[tuple[str, list[str]]]:
    """Rows of the inputs: position, token, its q, k and v."""
    ex = sheet.exercise
    return [
        (
            f'{i} "{token}"',
            [
                "[" + ", ".join(fmt(x) for x in ex.query[i]) + "]",
                "[" + ", ".join(fmt(x) for x in ex.key[i]) + "]",
                "[" + ", ".join(fmt(x) for x in ex.value[i]) + "]",
            ],
        )
        for i, token in enumerate(ex.tokens)
    ]


def _step_table(sheet: Worksheet, step: str, precision: int) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one step: per asked query, a blank (or the answer) per key or component."""
    ex = sheet.exercise
    allowed = ex.allowed
    if step == "output":
        header = [f"out[{c}]" for c in range(ex.value.shape[1])]
    else:
        header = [f'k{j} "{t}"' for j, t in enumerate(ex.tokens)]
    rows = []
    for r, i in enumerate(ex.queries):
        cells = []
        for j in range(len(header)):
            blocked = step != "output" and not allowed[i, j]
            if blocked and step != "weights":
                cells.append(BLOCKED)
            elif sheet.answers is None:
                cells.append("0" if blocked else BLANK)
            else:
                s = sheet.answers.steps[r]
                value = {"dot_products": s.dot_products, "scaled_scores": s.scaled_scores, "weights": s.weights}.get(
                    step, s.output
                )[j]
                cells.append(_cell(float(value), 4 if step == "weights" else precision))
        rows.append([f'q{i} "{ex.tokens[i]}"', *cells])
    return ["", *header], rows


def _plain_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]]


def exercise_text(sheet: Worksheet, words: ExerciseExplanation, **_: Any) -> str:
    lines = [words.title, "=" * len(words.title), "", *words.intro, ""]
    lines += _plain_table(["", "q", "k", "v"], [[name, *cells] for name, cells in _matrices(sheet)])
    for step in STEPS:
        lines += ["", words.steps[step], *_plain_table(*_step_table(sheet, step, words.precision))]
    if sheet.answers is None:
        lines += ["", words.labels["exercise_how_to_check"]]
    return "\n".join(lines) + "\n"


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(r) for r in rows)]


def exercise_markdown(sheet: Worksheet, words: ExerciseExplanation, **_: Any) -> str:
    lines = [f"# {words.title}", "", f"{words.labels['exercise_name']}: {BLANK * 3}", "", *words.intro, ""]
    lines += _md_table(["", "q", "k", "v"], [[name, *cells] for name, cells in _matrices(sheet)])
    for step in STEPS:
        lines += ["", f"## {words.steps[step]}", "", *_md_table(*_step_table(sheet, step, words.precision))]
    if sheet.answers is None:
        lines += ["", words.labels["exercise_how_to_check"]]
    return "\n".join(lines) + "\n"


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in header)
    body = "".join(
        "<tr>"
        + f"<th>{html.escape(row[0])}</th>"
        + "".join('<td class="blank"></td>' if c == BLANK else f"<td>{html.escape(c)}</td>" for c in row[1:])
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#111}
table{border-collapse:collapse;margin:.5rem 0 1.2rem}th,td{border:1px solid #999;padding:.3rem .6rem;
text-align:center;font-variant-numeric:tabular-nums}td.blank{min-width:5.5rem;height:1.8rem}
.name{margin:1rem 0}@media print{body{margin:0}h2{break-after:avoid}table{break-inside:avoid}}"""


def exercise_html(sheet: Worksheet, words: ExerciseExplanation, **_: Any) -> str:
    parts = [
        "<!doctype html>",
        f'<html lang="{words.lang}"><head><meta charset="utf-8"><title>{html.escape(words.title)}</title>',
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(words.title)}</h1>",
        f'<p class="name">{html.escape(words.labels["exercise_name"])}: {BLANK * 3}</p>',
        *(f"<p>{html.escape(line)}</p>" for line in words.intro),
        _html_table(["", "q", "k", "v"], [[name, *cells] for name, cells in _matrices(sheet)]),
    ]
    for step in STEPS:
        parts += [f"<h2>{html.escape(words.steps[step])}</h2>", _html_table(*_step_table(sheet, step, words.precision))]
    if sheet.answers is None:
        parts.append(f"<p>{html.escape(words.labels['exercise_how_to_check'])}</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def exercise_json(sheet: Worksheet, words: object, **_: Any) -> str:
    return json.dumps(sheet.to_dict(), indent=1, ensure_ascii=False) + "\n"


def check_text(result: CheckResult, words: CheckExplanation, **_: Any) -> str:
    """One line per step given (right, or where it is wrong), then the explanation."""
    labels, lines = words.labels, []
    for step in result.steps:
        name = words.step_names[step.name]
        if step.correct:
            lines.append(f"{name}: {labels['check_right']}")
        else:
            where = ", ".join(
                f"q{result.exercise.queries[r]}·" + (f"[{j}]" if step.name == "output" else f"k{j}")
                for r, j in step.wrong
            )
            lines.append(f"{name}: {labels['check_wrong']} ({where})")
    return "\n".join([*lines, "", words.explanation]) + "\n"


def check_json(result: CheckResult, words: CheckExplanation, **_: Any) -> str:
    return json.dumps(check_document(result, words), indent=1, ensure_ascii=False) + "\n"
