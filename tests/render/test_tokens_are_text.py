"""Tokens are always text: in Markdown they never become links, images, emphasis or new
blocks; in CSV they never become spreadsheet formulas (OWASP: a leading single quote).

Markdown is checked as a reader sees it: rendered to HTML by markdown-it (CommonMark with
tables), whose tags and text are then inspected."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

import selfattention as sa
from selfattention.render.csv_export import text_cell

HOSTILE = [
    "[x](javascript:alert(1))",
    "![](http://x/y.png)",
    "<img src=x onerror=alert(1)>",
    "*bold* _it_ ~~s~~",
    "`code`",
    "a|b",
    "http://x/y.png",
    "www.example.com",
    "&lt;b&gt;",
    "# heading",
    "[r]: http://x",
    "```",
    "\\[x\\](y)",
]
FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x")']


def markdown_of(tokens: list[str]) -> str:
    n = len(tokens)
    identity = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
    t = sa.trace(identity, identity, identity, tokens=tokens)
    return sa.render(t, sa.explain(t), "markdown")


def test_markdown_shows_hostile_tokens_as_text():
    markdown_it = pytest.importorskip("markdown_it")
    page = markdown_it.MarkdownIt("commonmark").enable("table").render(markdown_of(HOSTILE))
    tags = set(re.findall(r"<([a-z0-9]+)", page))
    assert tags <= {"h1", "h2", "p", "strong", "em", "pre", "code", "table", "thead", "tbody", "tr", "th", "td"}
    assert "<a" not in page and "<img" not in page and "<del" not in page and "<h1>heading" not in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    for token in HOSTILE:
        assert token in text, token  # shown as typed
    # emphasis only where the document itself asks for it (headings of its own words)
    for found in re.findall(r"<(?:em|strong)>(.*?)</(?:em|strong)>", page):
        assert not any(token in html.unescape(found) for token in ("bold", "it</"))


def test_markdown_table_cells_stay_one_cell_each():
    markdown = markdown_of(["a|b", "c"])
    header = next(line for line in markdown.splitlines() if line.startswith("|") and "a\\|b" in line)
    assert header.count(" | ") == header.replace("\\|", "").count(" | ")


def test_a_code_block_is_never_closed_by_a_token():
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark").enable("table")
    blocks = md.render(markdown_of(["aaa", "x"])).count("<pre>")
    assert md.render(markdown_of(["```", "x"])).count("<pre>") == blocks  # the fences hold
    assert md.render(markdown_of(["````x", "x"])).count("<pre>") == blocks


@pytest.mark.parametrize("token", FORMULAS)
def test_csv_neutralises_formula_like_tokens(token):
    n = 2
    identity = [[1.0, 0.0], [0.0, 1.0]]
    t = sa.trace(identity, identity, identity, tokens=[token, "plain"])
    rows = list(csv.reader(io.StringIO(sa.render(t, sa.explain(t), "csv"))))
    assert rows[0][1] == "'" + token and rows[0][2] == "plain"  # the keys in the header
    assert rows[1][0] == "'" + token and rows[2][0] == "plain"  # the queries
    assert [float(w) for w in rows[1][1:]] and len(rows) == n + 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) and not re.match(r"-[^0-9]", cell)


def test_csv_keeps_ordinary_tokens_and_neutralises_every_formula_start():
    assert text_cell("it") == "it" and text_cell("a=b") == "a=b" and text_cell("") == ""
    # tabs and carriage returns are refused in labels by the library; the cell guards them anyway
    assert [text_cell(c + "x") for c in "=+-@\t\r"] == ["'" + c + "x" for c in "=+-@\t\r"]
