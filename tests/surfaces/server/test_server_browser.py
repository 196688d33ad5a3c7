"""The explorer in a real browser: Playwright driving Debian's Chromium against a live
uvicorn on a free localhost port. Numbers on the page are checked against the independent
float64 loop and the seed article's figures; every test also checks that the page logged
no console error and sent no request beyond localhost."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")

from browser_pages import assert_clean, heatmap_weights, open_page, settle, submit_toy_layer
from click.testing import CliRunner

from reference_loop import loop_attention
from selfattention.explain import available_languages
from selfattention.explain.numbers import fmt, fmt_cell
from selfattention.surfaces.cli import main

pytestmark = pytest.mark.browser

# the seed's vectors and figures, typed in from the article (Q, K as reconstructed)
SEED_Q = [[16, 0, 1], [2.078, 0, 1]]
SEED_K = [[1, 0, 1], [0, 1, 1]]
SEED_V = [[1, 3, 4], [3, 1, 4]]
ACTING = ["0.9999", "0.0001", "1.0002", "2.9998"]
MACHINES = ["0.7685", "0.2315", "1.463", "2.537"]


def steps_text(page) -> str:
    return page.inner_text("#steps")


def numbers_in(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?", text)]


def output_of(page) -> list[float]:
    line = page.locator('#steps [data-step="weighted_sum"] .eq').last.inner_text()
    return numbers_in(line.split("=", 1)[1])


def wait_for_change(page, before: str) -> str:
    page.wait_for_function("(before) => document.querySelector('#steps').innerText !== before", arg=before)
    return steps_text(page)


# -- the seed, as the article prints it -------------------------------------------------------


def test_page_shows_the_seed_example_and_its_numbers(watched, tmp_path):
    page = open_page(watched)
    text = steps_text(page)
    for figure in ACTING:
        assert figure in text
    assert "q0·k0 (Acting) = 16×1 + 0×0 + 1×1 = 16 + 0 + 1 = 17" in text
    assert heatmap_weights(page) == [["0.9999", "0.0001"], ["0.7685", "0.2315"]]
    assert page.inner_text("#query-heading") == 'Self-attention with "Acting" as the query (q0)'
    assert 'Weights: "Acting" gives 0.9999 to itself and 0.0001 to "Machines".' in page.inner_text("#meaning")
    assert output_of(page) == [1.0002, 2.9998, 4]
    page.screenshot(path=str(tmp_path / "explorer-seed.png"), full_page=True)
    assert (tmp_path / "explorer-seed.png").stat().st_size > 10_000
    assert_clean(watched)


def test_clicking_the_machines_row_changes_the_steps(watched):
    page = open_page(watched)
    before = steps_text(page)
    page.locator("#heatmap g[role=row][data-token=Machines] g[role=rowheader]").click()
    after = wait_for_change(page, before)
    for figure in MACHINES:
        assert figure in after
    assert "q1·k0 (Acting) = 2.078×1 + 0×0 + 1×1 = 2.078 + 0 + 1 = 3.078" in after
    assert output_of(page) == [1.463, 2.537, 4]
    assert page.inner_text("#query-heading") == 'Self-attention with "Machines" as the query (q1)'
    assert page.get_attribute("#heatmap g[data-token=Machines]", "aria-selected") == "true"
    assert page.get_attribute("#heatmap g[data-token=Acting]", "aria-selected") == "false"
    assert_clean(watched)


def test_the_keyboard_picks_a_query_with_arrows_and_enter(watched):
    page = open_page(watched)
    before = steps_text(page)
    page.focus('#heatmap [data-row="0"][data-col="0"]')
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.row") == "1"
    page.keyboard.press("Enter")
    after = wait_for_change(page, before)
    assert "0.7685" in after and page.inner_text("#query-heading").endswith("(q1)")
    assert page.evaluate("document.activeElement.dataset.row") == "1"  # focus stays on the grid
    assert_clean(watched)


# -- words ----------------------------------------------------------------------------------------


def test_the_language_switch_lists_every_language(watched):
    page = open_page(watched)
    codes = page.eval_on_selector_all("#lang option", "options => options.map(o => o.value)")
    assert sorted(codes) == sorted(available_languages())
    assert page.is_hidden("#lang-group") == (len(codes) < 2)
    assert page.inner_text("h1") == "Self-attention, step by step"
    assert_clean(watched)


@pytest.mark.skipif(
    "ko" not in available_languages(), reason="the Korean module (explain/languages/ko.py) is not here yet"
)
def test_the_korean_switch_changes_the_words(watched, tmp_path):
    page = open_page(watched)
    english = page.inner_text("#meaning")
    page.select_option("#lang", "ko")
    page.wait_for_function("(before) => document.querySelector('#meaning').innerText !== before", arg=english)
    korean = page.inner_text("#meaning")
    assert re.search("[\uac00-\ud7a3]", korean), korean  # Hangul syllables
    assert page.evaluate("document.documentElement.lang") == "ko"
    # the numbers stay the trace's own
    for figure in ACTING:
        assert figure in steps_text(page)
    page.screenshot(path=str(tmp_path / "explorer-ko.png"), full_page=True)
    assert_clean(watched)


# -- editing, causal, mask, temperature ------------------------------------------------------


def test_editing_a_value_updates_the_numbers(watched):
    page = open_page(watched)
    page.locator("#heatmap g[role=row][data-token=Machines] g[role=rowheader]").click()
    before = wait_for_change(page, "")
    page.fill('input[name="query-1-0"]', "3.5")
    after = wait_for_change(page, before)
    query = [[16, 0, 1], [3.5, 0, 1]]
    out, weights = loop_attention(query, SEED_K, SEED_V)
    shown = heatmap_weights(page)
    for r in range(2):
        assert [float(w) for w in shown[r]] == pytest.approx(weights[r], abs=0.5e-4)
    assert output_of(page) == pytest.approx(out[1], abs=0.5e-4)
    assert f"q1·k0 (Acting) = 3.5×1 + 0×0 + 1×1 = 3.5 + 0 + 1 = {fmt(4.5)}" in after
    assert page.is_checked('input[name="source"][value="vectors"]')
    # back to the example: the seed's numbers again
    page.click("#reset")
    page.wait_for_function("() => document.querySelector('#steps').innerText.includes('0.9999')")
    assert heatmap_weights(page) == [["0.9999", "0.0001"], ["0.7685", "0.2315"]]
    assert_clean(watched)


def test_adding_a_token_and_a_feature_follows_the_loop(watched):
    page = open_page(watched)
    page.click("#add-token")
    page.wait_for_selector("#heatmap g[data-token=t2]")
    page.click("#add-dim")
    page.wait_for_selector('input[name="query-2-3"]')
    for name, text in (("query-2-0", "1"), ("key-2-3", "2"), ("query-0-3", "0.5"), ("value-2-1", "-2")):
        page.fill(f'input[name="{name}"]', text)
    settle(page)
    query = [[16, 0, 1, 0.5], [2.078, 0, 1, 0], [1, 0, 0, 0]]
    key = [[1, 0, 1, 0], [0, 1, 1, 0], [0, 0, 0, 2]]
    value = [[1, 3, 4], [3, 1, 4], [0, -2, 0]]
    out, weights = loop_attention(query, key, value)
    shown = heatmap_weights(page)
    assert np.array([[float(w) for w in row] for row in shown]) == pytest.approx(weights, abs=0.5e-4)
    assert output_of(page) == pytest.approx(out[0], abs=0.5e-4)
    # the example's title no longer describes these vectors
    assert page.inner_text("#explanation-title") == 'Self-attention on "Acting Machines t2"'
    page.click("#remove-token")
    page.wait_for_function("() => !document.querySelector('#heatmap g[data-token=t2]')")
    assert len(heatmap_weights(page)) == 2
    assert_clean(watched)


def test_causal_blocks_the_later_token(watched):
    page = open_page(watched)
    before = steps_text(page)
    page.check("#causal")
    wait_for_change(page, before)
    _, weights = loop_attention(SEED_Q, SEED_K, SEED_V, is_causal=True)
    assert weights[0].tolist() == [1.0, 0.0]
    assert heatmap_weights(page) == [["1", "blocked"], [fmt(weights[1][0]), fmt(weights[1][1])]]
    assert page.locator('#steps [data-step="mask"]').count() == 1
    assert_clean(watched)


def test_clicking_a_cell_in_block_mode_masks_that_key(watched):
    page = open_page(watched)
    before = steps_text(page)
    page.check("#block-mode")
    page.click('#heatmap [data-row="1"][data-col="0"]')  # Machines may no longer look at Acting
    page.wait_for_function('() => document.querySelector(\'#heatmap [data-row="1"][data-col="0"].blocked\')')
    mask = np.array([[True, True], [False, True]])
    _, weights = loop_attention(SEED_Q, SEED_K, SEED_V, mask=mask)
    assert heatmap_weights(page) == [[fmt(weights[0][0]), fmt(weights[0][1])], ["blocked", "1"]]
    assert steps_text(page) == before  # the selected query (Acting) may still see both keys
    page.click('#heatmap [data-row="1"][data-col="0"]')  # unblock
    page.wait_for_function('() => !document.querySelector(\'#heatmap [data-row="1"][data-col="0"].blocked\')')
    assert heatmap_weights(page) == [["0.9999", "0.0001"], ["0.7685", "0.2315"]]
    assert_clean(watched)


def test_the_temperature_slider_recomputes_with_the_scale(watched):
    page = open_page(watched)
    page.locator("#heatmap g[role=row][data-token=Machines] g[role=rowheader]").click()
    entropy_before = page.inner_text("#entropy")
    page.focus("#temperature")
    page.keyboard.press("End")  # the hottest stop, T = 10
    page.wait_for_function("(before) => document.querySelector('#entropy').innerText !== before", arg=entropy_before)
    scale = 1 / math.sqrt(3) / 10
    _, weights = loop_attention(SEED_Q, SEED_K, SEED_V, scale=scale)
    assert [float(w) for w in heatmap_weights(page)[1]] == pytest.approx(weights[1], abs=0.5e-4)
    assert page.inner_text("#temperature-value") == f"10 · scale {fmt(scale)}"
    entropy = -(weights[1] * np.log(weights[1])).sum()
    assert f"Entropy {fmt(entropy)} / {fmt(math.log(2))} nats" in page.inner_text("#entropy")
    assert_clean(watched)


def test_a_refused_value_shows_the_servers_message(watched):
    page = open_page(watched)
    page.fill('input[name="key-0-2"]', "one")
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error-text") == "key row 0, column 2 is 'one': expected a number"
    page.fill('input[name="key-0-2"]', "1")
    page.wait_for_selector("#error", state="hidden")
    # in Korean, the server says it in Korean: the page sends its language with each request
    page.select_option("#lang", "ko")
    page.wait_for_function("() => document.documentElement.lang === 'ko'")
    page.fill('input[name="value-1-0"]', "둘")
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error-text") == "value의 1번 행 0번 열이 숫자가 아닙니다: '둘'"
    # the browser logs the refused request's status; nothing else may be logged
    assert_clean(watched, allowed=("status of 422",))


# -- downloads, numbers, phone, access ------------------------------------------------------------


def test_the_json_download_is_the_explain_command_s_document(watched, tmp_path):
    page = open_page(watched)
    with page.expect_download() as download:
        page.click("#download-json")
    path = tmp_path / "downloaded.json"
    download.value.save_as(path)
    cli = CliRunner().invoke(main, ["explain", "--format", "json"], catch_exceptions=False)
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(cli.output)
    assert download.value.suggested_filename == "attention-Acting-Machines.json"
    assert_clean(watched)


def test_the_png_and_report_downloads(watched, tmp_path):
    page = open_page(watched)
    features = page.evaluate("() => window.selfattentionExplorer.state.info.features")
    assert page.is_visible("#download-png") == features["png"]
    assert page.is_visible("#download-report") == features["report"]
    if features["png"]:
        with page.expect_download() as png:
            page.click("#download-png")
        png.value.save_as(tmp_path / "heatmap.png")
        assert (tmp_path / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.value.suggested_filename == "attention-Acting-Machines.png"
    if features["report"]:
        with page.expect_download() as report:
            page.click("#download-report")
        report.value.save_as(tmp_path / "report.html")
        text = (tmp_path / "report.html").read_text(encoding="utf-8")
        for figure in ACTING + MACHINES:
            assert figure in text
    assert_clean(watched)


def test_the_page_formats_numbers_as_the_library_does(watched):
    page = open_page(watched)
    rng = np.random.default_rng(7)
    values = [0.0, 1.0, -1.0, 4.0, 0.5, 0.03125, 0.15625, -0.03125, 2.5, 1e-05, 9.73e-05, 4.9e-05, 5e-05, 1e-300]
    values += [1.4630451, 0.99990, 123456.789, -0.00004999, 0.00015, 1e20]
    values += [123456789.0, 2.0**53 - 1, 2.0**53, -6.6667e20, 1.7e308]  # large: scientific from 2**53
    values += (rng.normal(size=40) * 10.0 ** rng.integers(-7, 5, size=40)).tolist()
    for precision in (0, 2, 4, 6):
        shown = page.evaluate("([xs, p]) => xs.map((x) => window.selfattentionExplorer.fmt(x, p))", [values, precision])
        assert shown == [fmt(x, precision) for x in values], precision
        # a heatmap's cell: never scientific notation, "≈0" for what the places cannot show
        script = "([xs, p]) => xs.map((x) => window.selfattentionExplorer.fmtCell(x, p))"
        cells = page.evaluate(script, [values, precision])
        assert cells == [fmt_cell(x, precision) for x in values], precision
        assert not any("e-" in c or "e+" in c for c in cells)
    assert_clean(watched)


def test_the_page_fits_a_phone(browser, server_url, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(server_url + "/")
    page.wait_for_selector("#steps .step")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert "0.9999" in page.inner_text("#steps")
    page.screenshot(path=str(tmp_path / "explorer-phone.png"), full_page=True)
    context.close()


def test_every_control_has_a_name_and_the_grid_is_reachable_by_tab(watched):
    page = open_page(watched)
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('input, button, select')]
            .filter((e) => !e.hidden && e.offsetParent !== null)
            .filter((e) => !(e.getAttribute('aria-label') || (e.labels && e.labels.length &&
                             e.labels[0].innerText.trim()) || e.innerText.trim()))
            .map((e) => e.outerHTML)"""
    )
    assert unnamed == []
    assert page.get_attribute("#heatmap svg", "role") == "grid"
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('role')") == "gridcell":
            break
    else:
        pytest.fail("Tab never reached the heatmap")
    assert_clean(watched)


def test_requests_beyond_localhost_are_blocked_and_caught(watched):
    page = open_page(watched)
    # the page's content security policy refuses to connect anywhere else ...
    page.evaluate("() => fetch('http://example.invalid/x').catch(() => null)")
    page.wait_for_function("() => true")
    assert any("Content Security Policy" in e for e in watched.console_errors), watched.console_errors
    # ... and the tests' own guard sees any request that does leave (here, from a page without it)
    bare = page.context.new_page()
    bare.set_content('<img src="http://example.invalid/y.png">')
    bare.wait_for_timeout(100)
    assert watched.outside == ["http://example.invalid/y.png"]


def test_a_real_models_head_on_the_page(watched, tmp_path):
    page = open_page(watched)
    if not page.evaluate("() => window.selfattentionExplorer.state.info.features.models"):
        pytest.skip("the models extra (torch, transformers, the MiniLM weights) is not installed")
    from selfattention.sources.models import load_model, run_model

    page.check('input[name="source"][value="model"]')
    assert page.is_visible("#model-form")
    sentence = page.input_value("#model-text")
    assert page.input_value("#model-layer") == "3" and page.input_value("#model-head") == "1"
    page.click('#model-form button[type="submit"]')
    page.wait_for_selector("#heatmap g[data-token=it]", timeout=120_000)
    settle(page)
    assert page.inner_text("#explanation-title") == f'minilm, layer 3, head 1: "{sentence}"'
    tokens = page.evaluate("() => window.selfattentionExplorer.state.tokens")
    it, animal = tokens.index("it"), tokens.index("animal")
    # the independent reference: the attention the model itself returns for layer 3, head 1
    theirs = run_model(load_model("minilm"), sentence).attentions[3][1]
    shown = heatmap_weights(page)
    assert shown[it][animal] == "0.6768"
    assert [float(w) for w in shown[it]] == pytest.approx(theirs[it].tolist(), abs=1e-4)
    page.locator("#heatmap g[role=row][data-token=it] g[role=rowheader]").click()
    page.wait_for_function("() => document.querySelector('#query-heading').innerText.includes('\"it\"')")
    assert "weights[animal] = " in steps_text(page)
    page.screenshot(path=str(tmp_path / "explorer-model.png"), full_page=True)
    assert_clean(watched)


def test_a_sentence_through_the_toy_layer(watched):
    page = open_page(watched)
    torch = pytest.importorskip("torch")
    from selfattention.sources.layers import MultiHeadSelfAttention
    from selfattention.sources.pipeline import text_layer_trace

    submit_toy_layer(page, "The cat sat on the mat.", d_model=16, heads=4, seed=5, head=2)
    page.wait_for_selector("#heatmap g[data-token=mat]")
    settle(page)
    assert "Illustrative numbers, not a trained model" in page.inner_text("#text-note")
    x = torch.from_numpy(text_layer_trace("The cat sat on the mat.", d_model=16, num_heads=4, seed=5).x)
    module = MultiHeadSelfAttention(16, 4, seed=5).to_torch(dtype=torch.float64)
    with torch.no_grad():
        _, weights = module(x, x, x, need_weights=True, average_attn_weights=False)  # (heads, L, L)
    shown = heatmap_weights(page)
    assert np.array([[float(w) for w in row] for row in shown]) == pytest.approx(weights[2].numpy(), abs=0.5e-4)
    if "ko" in available_languages():
        before = page.inner_text("#text-note")
        page.select_option("#lang", "ko")
        page.wait_for_function("(b) => document.querySelector('#text-note').innerText !== b", arg=before)
        assert re.search("[\uac00-\ud7a3]", page.inner_text("#text-note"))
    assert_clean(watched)
