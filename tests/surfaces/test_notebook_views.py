"""The views in a notebook: a small notebook executed with nbclient (a real ipykernel), its HTML
outputs opened in Debian's Chromium through Playwright, and what a person sees asserted: the
lines of the seed's head view, the toy layer's heads, clicking another query. Nothing may be
requested from outside the page (no CDN)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import selfattention as sa
from selfattention.explain.numbers import fmt


def test_import_selfattention_stays_numpy_only():
    code = (
        "import sys, selfattention as sa; sa.show(sa.trace(**sa.seed_example().trace_kwargs()))._repr_html_();"
        " heavy = [m for m in ('IPython', 'ipykernel', 'torch', 'transformers', 'fastapi', 'matplotlib')"
        " if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_view_is_one_offline_fragment():
    html = sa.show(sa.trace(**sa.seed_example().trace_kwargs()))._repr_html_()
    html = html.replace('"http://www.w3.org/2000/svg"', "")  # SVG's namespace name, not a request
    assert "<script src" not in html and "http://" not in html and "https://" not in html
    assert "function headLines" in html and "export " not in html and "import {" not in html
    with pytest.raises(TypeError, match="show\\(\\) takes an AttentionTrace"):
        sa.show([1, 2])


CELLS = [
    "import selfattention as sa\nt = sa.trace(**sa.seed_example().trace_kwargs())\nsa.show(t)",
    "layer = sa.text_layer_trace('The cat sat on the mat.', d_model=8, num_heads=2, seed=3)\n"
    "sa.model_view(layer, query='cat', lang='ko')",
]


@pytest.mark.browser
def test_a_notebook_runs_the_views_and_chromium_draws_them(tmp_path, browser):
    nbformat = pytest.importorskip("nbformat", reason="nbformat (the notebook extra) is not installed")
    nbclient = pytest.importorskip("nbclient", reason="nbclient (the notebook extra) is not installed")
    pytest.importorskip("ipykernel", reason="ipykernel (the notebook extra) is not installed")

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    env_path = os.environ.get("PYTHONPATH", "")
    src = str(Path(sa.__file__).resolve().parents[1])
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (src, env_path) if p)  # the kernel imports this tree
    try:
        nbclient.NotebookClient(
            notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
    finally:
        os.environ["PYTHONPATH"] = env_path
    outputs = [cell.outputs[0]["data"]["text/html"] for cell in notebook.cells]
    page = tmp_path / "outputs.html"
    page.write_text(
        "<!doctype html><meta charset=utf-8><body>" + "".join(f"<section>{o}</section>" for o in outputs), "utf-8"
    )

    layer = sa.text_layer_trace("The cat sat on the mat.", d_model=8, num_heads=2, seed=3)
    outside: list[str] = []
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    try:
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith("file:")
                else (outside.append(route.request.url), route.abort())
            ),
        )
        view = context.new_page()
        view.on("pageerror", lambda error: errors.append(str(error)))
        view.on("console", lambda message: message.type == "error" and errors.append(message.text))
        view.goto(page.as_uri())
        first, second = view.locator(".sa-views").nth(0), view.locator(".sa-views").nth(1)
        # the seed's head view: the lines of "Acting", then of "Machines" after a click
        assert first.locator(".sa-fallback").count() == 0
        assert first.locator(".line").evaluate_all("ls => ls.map((l) => l.dataset.weight)") == ["0.9999", "0.0001"]
        first.locator('.query[data-r="1"]').click()
        assert first.locator(".line").evaluate_all("ls => ls.map((l) => l.dataset.weight)") == ["0.7685", "0.2315"]
        assert first.locator(".sa-view-title").inner_text() == "Head view: where the query looks"
        # the toy layer's heads, in Korean: two small multiples, head 1's lines after a click
        assert second.locator(".sa-multiple").count() == 2
        assert second.locator(".sa-view-caption").inner_text() == "헤드 보기: 쿼리가 보는 곳 · 헤드 0"
        cat = layer.tokens.index("cat")
        shown = second.locator(".line").evaluate_all("ls => ls.map((l) => l.dataset.weight)")
        assert shown == [fmt(w) for w in layer.head(0).weights[cat]]
        second.locator('.sa-multiple[data-head="1"]').click()
        shown = second.locator(".line").evaluate_all("ls => ls.map((l) => l.dataset.weight)")
        assert shown == [fmt(w) for w in layer.head(1).weights[cat]]
        view.screenshot(path=str(tmp_path / "notebook-views.png"), full_page=True)
        if os.environ.get("SELFATTENTION_SHOTS"):
            shutil.copy(tmp_path / "notebook-views.png", Path(os.environ["SELFATTENTION_SHOTS"]) / "notebook-views.png")
    finally:
        context.close()
    assert errors == [] and outside == []
