"""The page reads as the text does (issue #14, item 5), in a real browser (the server and
fixtures of this folder's conftest.py): positions count from 0 in the steps and headings, a
repeated token is told apart by its position in the heatmap and the steps, and a heatmap cell
never shows scientific notation."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")

from browser_pages import assert_clean, open_page, settle

pytestmark = [pytest.mark.browser]


def texts(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_text_contents()]  # SVG text has no innerText


def test_the_page_counts_from_zero_and_tells_repeated_tokens_apart(watched):
    page = open_page(watched)
    assert page.inner_text("#query-heading").endswith("(q0)")
    assert "q0·k1 (Machines) = " in page.inner_text("#steps")
    page.fill('input[name="token-1"]', "Acting")  # "Acting Acting": one token twice
    settle(page)
    page.wait_for_function("() => document.querySelector('#steps').innerText.includes('Acting@1')")
    assert texts(page, "#heatmap text.key-label") == ["Acting@0", "Acting@1"]
    assert texts(page, "#heatmap text.query-label") == ["Acting@0", "Acting@1"]
    steps = page.inner_text("#steps")
    assert "q0·k0 (Acting@0) = " in steps and "q0·k1 (Acting@1) = " in steps
    assert "weights[Acting@0]" in steps and "weights[Acting@1]" in steps
    assert page.inner_text("#query-heading") == 'Self-attention with "Acting@0" as the query (q0)'
    # the seed's 0.0001 and a tiny weight: never 1e-04 in a cell
    cells = texts(page, "#heatmap text.weight")
    assert cells and not any("e-" in c or "e+" in c for c in cells), cells
    assert_clean(watched)


def test_a_tiny_weight_reads_approximately_zero_in_its_cell(watched):
    page = open_page(watched)
    page.fill('input[name="query-0-0"]', "40")  # "Acting" then gives Machines about 1e-10
    settle(page)
    page.wait_for_function("() => document.querySelector('#heatmap').innerHTML.includes('≈0')")
    cells = texts(page, "#heatmap text.weight")
    assert "≈0" in cells and not any("e-" in c for c in cells), cells
    assert_clean(watched)
