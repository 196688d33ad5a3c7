"""The explorer's views in a real browser (Debian's Chromium through Playwright, the server and
fixtures of this folder's conftest.py): every head at a glance, the layer's heads, the head
view, the real-model flow that keeps its place, and the toy layer's pipeline. Numbers are
checked against the model's own attention and PyTorch; screenshots are saved under the
test's tmp_path (SELFATTENTION_SHOTS=folder keeps copies to look at)."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")

from browser_pages import assert_clean, heatmap_weights, open_page, settle, shot, submit_toy_layer

from selfattention.explain import available_languages

pytestmark = [pytest.mark.browser]


def run_model(page) -> None:
    if not page.evaluate("() => window.selfattentionExplorer.state.info.features.models"):
        pytest.skip("the models extra (torch, transformers, the MiniLM weights) is not installed")
    page.check('input[name="source"][value="model"]')
    page.click('#model-form button[type="submit"]')
    page.wait_for_selector("#heads-grid svg", timeout=180_000)
    page.wait_for_selector("#layer-multiples .sa-multiple")
    settle(page)


def model_attention(sentence: str):
    from selfattention.sources.models import load_model, run_model

    run = run_model(load_model("minilm"), sentence)
    return run.attentions, list(run.tokens)


def selected_token(page) -> str:
    return page.evaluate(
        "() => { const s = window.selfattentionExplorer.state; return s.result.trace.steps[s.selected].token; }"
    )


@pytest.mark.model
def test_every_head_at_a_glance_and_the_model_flow(watched, tmp_path):
    page = open_page(watched)
    run_model(page)
    sentence = page.input_value("#model-text")
    attentions, tokens = model_attention(sentence)
    it, animal = tokens.index("it"), tokens.index("animal")
    # the grid: 6 layers x 12 heads, each cell the weight from "it" to "animal"
    cells = page.locator("#heads-grid [role=gridcell]")
    assert cells.count() == 72
    label = page.get_attribute('#heads-grid [data-layer="3"][data-head="1"]', "aria-label")
    assert label == "Layer 3, Head 1: 0.6768 → animal"
    for layer, head in ((0, 0), (5, 11), (2, 6)):
        text = page.get_attribute(f'#heads-grid [data-layer="{layer}"][data-head="{head}"]', "aria-label")
        shown = float(re.search(r": ([-0-9.e]+) →", text).group(1))
        assert shown == pytest.approx(float(attentions[layer][head][it][animal]), abs=1e-4)
    assert page.locator("#heads-grid .cell.sink").count() > 0
    assert "◆" in page.inner_text("#sink-help") and "[CLS], [SEP]" in page.inner_text("#sink-help")
    # the heatmap first, the Q/K/V grid after it and collapsed; the check is shown
    order = page.evaluate("() => [...document.querySelector('.column').children].map((e) => e.id)")
    assert order.index("heatmap-section") < order.index("editor-section")
    assert not page.evaluate("() => document.querySelector('#editor-box').open")
    assert page.inner_text("#editor-summary") == f"Q, K and V: {len(tokens) * 96} numbers"
    check = page.inner_text("#model-check")
    assert check.startswith("✓ Checked against the model's own attention: the largest difference over")
    # the query the form names is the one picked; the head view draws its lines
    assert selected_token(page) == "it"
    widths = page.eval_on_selector_all(
        "#head-lines .line", "ls => ls.map((l) => Number(l.getAttribute('stroke-width')))"
    )
    assert len(widths) == len(tokens) and int(np.argmax(widths)) == animal
    lines = page.eval_on_selector_all("#head-lines .line", "ls => ls.map((l) => l.dataset.weight)")
    assert lines[animal] == "0.6768"
    shot(page, tmp_path, "views-model-1280.png")
    shot(page, tmp_path, "views-heads-grid.png", "#heads-section")
    shot(page, tmp_path, "views-head-lines.png", "#lines-section")
    shot(page, tmp_path, "views-layer.png", "#layer-section")

    # clicking a cell opens that head; the query stays "it"
    page.click('#heads-grid [data-layer="5"][data-head="11"]')
    page.wait_for_function("() => window.selfattentionExplorer.state.model.layer === 5")
    settle(page)
    page.wait_for_function("() => document.querySelector('#explanation-title').innerText.includes('layer 5, head 11')")
    assert selected_token(page) == "it"
    shown = heatmap_weights(page)
    assert [float(w) for w in shown[it]] == pytest.approx(attentions[5][11][it].tolist(), abs=1e-4)
    assert page.input_value("#model-layer") == "5" and page.input_value("#model-head") == "11"
    assert page.get_attribute('#heads-grid [data-layer="5"][data-head="11"]', "aria-selected") == "true"
    assert "Layer 5: every head" in page.inner_text("#layer-heading")

    # the layer's small multiples open a head of that layer, still with the same query
    page.click('#layer-multiples .sa-multiple[data-head="2"]')
    page.wait_for_function("() => window.selfattentionExplorer.state.model.head === 2")
    settle(page)
    page.wait_for_function("() => document.querySelector('#explanation-title').innerText.includes('head 2')")
    assert selected_token(page) == "it"
    assert page.get_attribute('#layer-multiples .sa-multiple[data-head="2"]', "aria-pressed") == "true"

    # a new query word: the grid follows it and the heatmap picks its row
    page.fill("#model-query", "tired")
    page.fill("#model-key", "")
    page.press("#model-key", "Enter")
    page.wait_for_function(
        """() => document.querySelector('#heads-help').innerText"""
        """.startsWith('Each cell is the largest weight of "tired"')"""
    )
    settle(page)
    assert selected_token(page) == "tired"
    named = page.get_attribute('#heads-grid [data-layer="0"][data-head="0"]', "aria-label")
    assert named.startswith("Layer 0, Head 0: ") and " → " in named
    assert_clean(watched)


@pytest.mark.model
def test_the_heads_grid_and_head_view_work_by_keyboard(watched):
    page = open_page(watched)
    run_model(page)
    page.focus('#heads-grid [data-layer="3"][data-head="1"]')
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => [document.activeElement.dataset.layer, document.activeElement.dataset.head]") == [
        "4",
        "2",
    ]
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.selfattentionExplorer.state.model.layer === 4")
    settle(page)
    page.wait_for_function("() => document.querySelector('#explanation-title').innerText.includes('layer 4, head 2')")
    assert selected_token(page) == "it"
    # the head view: pick another query with the arrows and Enter
    page.focus("#head-lines .query.current")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => window.selfattentionExplorer.state.result && window.selfattentionExplorer.state.selected !== null"
    )
    page.wait_for_function("() => document.querySelector('#model-query').value === 'because'")
    assert selected_token(page) == "because"
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "query because"
    # the Q/K/V grid, once opened by hand, stays open while the views redraw
    page.click("#editor-summary")
    page.click('#head-lines .query[data-r="2"]')
    page.wait_for_function("() => document.querySelector('#model-query').value === 'animal'")
    assert page.evaluate("() => document.querySelector('#editor-box').open")
    assert_clean(watched)


def test_the_head_view_draws_the_seed_s_weights(watched, tmp_path):
    page = open_page(watched)
    widths = page.eval_on_selector_all("#head-lines .line", "ls => ls.map((l) => l.dataset.weight)")
    assert widths == ["0.9999", "0.0001"]
    page.click('#head-lines .query[data-r="1"]')
    page.wait_for_function("() => document.querySelector('#query-heading').innerText.endsWith('(q1)')")
    assert page.eval_on_selector_all("#head-lines .line", "ls => ls.map((l) => l.dataset.weight)") == [
        "0.7685",
        "0.2315",
    ]
    assert page.is_hidden("#heads-section") and page.is_hidden("#pipeline-section")
    assert page.evaluate("() => document.querySelector('#editor-box').open")
    shot(page, tmp_path, "views-seed-lines.png", "#lines-section")
    assert_clean(watched)


def test_the_toy_layer_s_pipeline_steps_forward_and_back(watched, tmp_path):
    page = open_page(watched)
    torch = pytest.importorskip("torch")
    from selfattention.explain.numbers import fmt
    from selfattention.sources.layers import MultiHeadSelfAttention
    from selfattention.sources.pipeline import text_layer_trace

    submit_toy_layer(page, "The cat sat on the mat.", d_model=8, heads=2, seed=3, head=1)
    page.wait_for_selector("#pipeline-body .token-list")
    settle(page)
    layer = text_layer_trace("The cat sat on the mat.", d_model=8, num_heads=2, seed=3)
    assert page.inner_text("#pipeline-step") == "Step 1 of 8"
    assert page.is_disabled("#pipeline-previous")
    assert page.eval_on_selector_all("#pipeline-body .token-list li", "ls => ls.map((l) => l.textContent)") == list(
        layer.tokens
    )

    def table(index: int = 0) -> list[list[str]]:
        return (
            page.locator("#pipeline-body table")
            .nth(index)
            .evaluate("t => [...t.tBodies[0].rows].map((r) => [...r.cells].slice(1).map((c) => c.textContent))")
        )

    page.click("#pipeline-next")
    assert page.inner_text("#pipeline-title") == "Embeddings"
    assert table() == [[fmt(v) for v in row] for row in layer.embeddings]
    page.click("#pipeline-next")
    assert table() == [[fmt(v) for v in row] for row in layer.positional]
    page.click("#pipeline-next")
    assert page.inner_text("#pipeline-title") == "X = embeddings + positional encoding"
    assert table() == [[fmt(v) for v in row] for row in layer.x]
    page.click("#pipeline-next")
    assert page.inner_text("#pipeline-title") == "Q, K and V of head 1"
    # Q of head 1 against PyTorch's own projection
    module = MultiHeadSelfAttention(8, 2, seed=3).to_torch(dtype=torch.float64)
    x = torch.from_numpy(layer.x)
    w_q, _, _ = module.in_proj_weight.detach().chunk(3)
    b_q = module.in_proj_bias.detach().chunk(3)[0]
    q = (x @ w_q.T + b_q).numpy()[:, 4:8]
    assert np.array([[float(v) for v in row] for row in table(0)]) == pytest.approx(q, abs=0.5e-4)
    page.click('#pipeline-body .head-buttons button[data-head="0"]')
    assert page.inner_text("#pipeline-title") == "Q, K and V of head 0"
    page.click("#pipeline-next")
    assert page.locator("#pipeline-body .sa-multiple").count() == 2
    shot(page, tmp_path, "views-pipeline-heads.png", "#pipeline-section")
    page.click("#pipeline-next")
    assert page.inner_text("#pipeline-title") == "Concatenation"
    page.click("#pipeline-next")
    with torch.no_grad():
        output, _ = module(x, x, x)
    assert page.inner_text("#pipeline-title") == "Output = concatenation × W_O"
    assert np.array([[float(v) for v in row] for row in table(1)]) == pytest.approx(output.numpy(), abs=0.5e-4)
    assert page.is_disabled("#pipeline-next")
    # back, by keyboard
    page.focus("#pipeline-previous")
    page.keyboard.press("Enter")
    assert page.inner_text("#pipeline-title") == "Concatenation"
    shot(page, tmp_path, "views-pipeline-1280.png", "#pipeline-section")
    if "ko" in available_languages():
        page.select_option("#lang", "ko")
        page.wait_for_function("() => document.querySelector('#pipeline-title').innerText.startsWith('이어 붙이기')")
        assert page.inner_text("#pipeline-step") == "8단계 중 7단계"
        shot(page, tmp_path, "views-pipeline-ko.png", "#pipeline-section")
    assert_clean(watched)


@pytest.mark.model
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_model_views_fit_a_narrow_window(browser, server_url, tmp_path, lang):
    if lang not in available_languages():
        pytest.skip(f"no {lang} module")
    context = browser.new_context(viewport={"width": 420, "height": 900}, locale=lang)
    page = context.new_page()
    page.goto(f"{server_url}/?lang={lang}")
    page.wait_for_selector("#steps .step")
    run_model(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    if lang == "ko":
        assert page.inner_text("#heads-heading") == "모든 헤드 한눈에 보기"
        assert "모델이 직접 낸 어텐션과 대조했습니다" in page.inner_text("#model-check")
    shot(page, tmp_path, f"views-narrow-{lang}.png")
    context.close()


@pytest.mark.model
def test_download_names_carry_model_layer_and_head(watched, tmp_path):
    page = open_page(watched)
    run_model(page)
    with page.expect_download() as download:
        page.click("#download-json")
    assert download.value.suggested_filename.startswith("attention-minilm-layer3-head1-")
    assert_clean(watched)
