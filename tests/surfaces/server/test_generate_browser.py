"""A decoder on the page, in a real browser (Debian's Chromium through Playwright, the live
server of this folder's conftest.py): the model choice runs MiniLM or SmolLM2, SmolLM2's
causal mask is visible on the heatmap, and generation steps token by token, forward and back,
by buttons and keys, in English and Korean. What the page shows is checked against SmolLM2
itself: its own greedy ``generate`` and its own attention weights computed without a cache."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")

from browser_pages import assert_clean, heatmap_weights, open_page, settle, shot, watch_context

from selfattention.explain import available_languages
from selfattention.explain.numbers import fmt

pytestmark = [pytest.mark.browser, pytest.mark.model]
PROMPT = "The capital of France is"


def choose_model(page, name: str, text: str | None = None) -> None:
    """Pick the real-model source and ``name``, and wait for its head on the page."""
    if not page.evaluate("() => window.selfattentionExplorer.state.info.features.models"):
        pytest.skip("the models extra (torch, transformers, the model weights) is not installed")
    names = page.eval_on_selector_all("#model-name option", "options => options.map((o) => o.value)")
    if name not in names:
        pytest.skip(f"model {name} is not installed here")
    page.check('input[name="source"][value="model"]')
    if text is not None:
        page.fill("#model-text", text)
        page.fill("#model-query", "")
        page.fill("#model-key", "")
    if page.input_value("#model-name") == name:
        page.click('#model-form button[type="submit"]')
    else:
        page.select_option("#model-name", name)  # a change of model runs it
    page.wait_for_function(
        "(name) => { const s = window.selfattentionExplorer.state;"
        " return s.model && s.model.model === name && s.result && s.result.trace.provenance.model === name; }",
        arg=name,
        timeout=240_000,
    )
    page.wait_for_selector("#heads-grid svg", timeout=240_000)
    settle(page)


def own_attention(name: str, text: str, layer: int, head: int):
    """The model's own weights for one head (its eager attention, kept as computed), and its tokens."""
    from selfattention.sources.models import load_model, run_model

    run = run_model(load_model(name), text)
    return run.attentions[layer][head].astype(np.float64), list(run.tokens)


def test_the_model_choice_runs_minilm_and_smollm2(watched, tmp_path):
    page = open_page(watched)
    choose_model(page, "minilm")
    sentence = page.input_value("#model-text")
    assert page.inner_text("#explanation-title") == f'minilm, layer 3, head 1: "{sentence}"'
    assert page.locator("#heatmap .cell.blocked").count() == 0  # an encoder: every token sees every other
    assert page.is_hidden("#causal-help") and page.is_hidden("#generate-section")

    choose_model(page, "smollm2")
    assert page.inner_text("#explanation-title") == f'smollm2, layer 3, head 1: "{sentence}"'
    theirs, tokens = own_attention("smollm2", sentence, 3, 1)
    shown = heatmap_weights(page)
    n = len(tokens)
    assert len(shown) == n
    # the causal mask, visible: every later key of every row is crossed out and read as blocked
    for i, row in enumerate(shown):
        assert row[i + 1 :] == ["blocked"] * (n - 1 - i)
        assert [float(w) for w in row[: i + 1]] == pytest.approx(theirs[i, : i + 1].tolist(), abs=1e-4)
    assert page.locator("#heatmap .cell.blocked").count() == n * (n - 1) // 2
    assert page.locator("#heatmap .cell.blocked path.cross").count() == n * (n - 1) // 2
    assert page.is_visible("#causal-help") and page.inner_text("#causal-help").startswith("× marks a key")
    # the decoder's statements: grouped-query heads in the intro; causal keys and RoPE per query
    intro = page.inner_text("#intro")
    assert "Grouped-query attention: the 9 query heads share 3 key/value heads. Head 1 reads key/value head 0" in intro
    meaning = page.inner_text("#meaning")
    query = page.evaluate(
        "() => { const s = window.selfattentionExplorer.state; return s.result.trace.steps[s.selected].token; }"
    )
    assert re.search(rf'Causal mask: "{re.escape(query)}" \(position \d+\) sees \d+ keys', meaning), meaning
    assert "RoPE: before attending, q and k are rotated by their positions." in meaning
    assert page.is_visible("#generate-section")
    shot(page, tmp_path, "smollm2-heatmap.png", "#heatmap-section")
    assert_clean(watched)


def reference_generation(count: int, layer: int, head: int):
    """SmolLM2 alone: its greedy tokens, and per step the read token's row without a cache."""
    import torch

    from selfattention.sources.models import load_model, run_model

    loaded = load_model("smollm2")
    encoded = loaded.tokenizer(PROMPT, return_tensors="pt")
    with torch.no_grad():
        ids = loaded.model.generate(**encoded, max_new_tokens=count, do_sample=False)[0].tolist()
    start = int(encoded["input_ids"].shape[1])
    tokens = list(loaded.tokenizer.convert_ids_to_tokens(ids))
    rows = []
    for n in range(count):
        run = run_model(loaded, loaded.tokenizer.decode(ids[: start + n]))
        rows.append(run.attentions[layer][head][-1].astype(np.float64))  # (start + n,)
    return tokens, start, rows


def row_shown(page) -> list[tuple[str, str]]:
    """The generation row as a person reads it: (token, weight or ×) per cell."""
    cells = page.eval_on_selector_all(
        "#generate-row li",
        "cells => cells.map((c) => [c.querySelector('.token').textContent, c.querySelector('.weight').textContent])",
    )
    return [(token, weight) for token, weight in cells]


def test_generation_steps_token_by_token_forward_and_back(browser, server_url, tmp_path):
    count, layer, head = 4, 3, 1
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    watched = watch_context(context, server_url)
    page = open_page(watched)
    choose_model(page, "smollm2", PROMPT)
    page.fill("#generate-count", str(count))
    page.click("#generate-run")
    page.wait_for_selector("#generate-view:not([hidden])", timeout=240_000)
    tokens, start, rows = reference_generation(count, layer, head)

    def expect_step(n: int) -> None:
        page.wait_for_function(
            "(text) => document.querySelector('#generate-step').innerText === text", arg=f"Token {n + 1} of {count}"
        )
        keys = start + n
        shown = row_shown(page)
        assert [t for t, _ in shown[:keys]] == tokens[:keys]  # the keys so far: cached ones and its own
        assert [w for _, w in shown[:keys]] == [fmt(w) for w in rows[n]]
        assert shown[keys:] == [(t, "×") for t in tokens[keys:]]  # not generated yet: masked
        about = page.inner_text("#generate-about")
        read, chosen = tokens[keys - 1], tokens[keys]
        if n == 0:
            assert about == (
                f'The prompt is read whole: its last token "{read}" (position {keys - 1}) looks at {keys} keys'
                f' and the model picks "{chosen}".'
            )
        else:
            assert about == (
                f'The new token "{read}" (position {keys - 1}) looks at {keys} keys: {keys - 1} from the KV cache'
                f' and its own. The model picks "{chosen}".'
            )
        assert page.get_attribute("#generate-row li.own", "data-key") == str(keys - 1)
        assert page.inner_text("#generate-check").startswith("✓ The same row recomputed from scratch without")
        words = page.inner_text("#generate-words")
        assert ("KV cache: while generating" in words) == (n > 0)
        assert f'Causal mask: "{read}" (position {keys - 1}) sees {keys} keys' in words

    expect_step(0)
    assert page.is_disabled("#generate-previous") and not page.is_disabled("#generate-next")
    assert page.inner_text("#generate-text").startswith(PROMPT)
    assert "Paris" in page.inner_text("#generate-text .chosen")  # the model's pick, highlighted
    shot(page, tmp_path, "generate-1280.png", "#generate-section")
    page.click("#generate-next")
    expect_step(1)
    # by keyboard: the arrows, End and Home on the row
    page.focus("#generate-row")
    page.keyboard.press("ArrowRight")
    expect_step(2)
    page.keyboard.press("End")
    expect_step(3)
    assert page.is_disabled("#generate-next")
    page.keyboard.press("ArrowRight")  # past the end: stays
    expect_step(3)
    page.keyboard.press("ArrowLeft")
    expect_step(2)
    page.click("#generate-previous")
    expect_step(1)
    shot(page, tmp_path, "generate-step2-1280.png")
    page.keyboard.press("Home")
    expect_step(0)
    if "ko" in available_languages():  # the words in Korean, the same numbers, the same step
        page.click("#generate-next")
        before = row_shown(page)
        page.select_option("#lang", "ko")
        page.wait_for_function("() => document.querySelector('#generate-step').innerText === '4개 토큰 중 2번째'")
        page.wait_for_function("() => document.querySelector('#generate-words').innerText.includes('KV 캐시')")
        assert row_shown(page) == before
        assert page.inner_text("#generate-about").startswith(f'새 토큰 "{tokens[start]}"(위치 {start})')
        assert re.search("[\uac00-\ud7a3]", page.inner_text("#generate-check"))
        shot(page, tmp_path, "generate-ko-1280.png", "#generate-section")
    assert_clean(watched)
    context.close()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_generation_fits_a_narrow_window(browser, server_url, tmp_path, lang):
    if lang not in available_languages():
        pytest.skip(f"no {lang} module")
    context = browser.new_context(viewport={"width": 420, "height": 900}, locale=lang)
    watched = watch_context(context, server_url)
    page = open_page(watched, f"?lang={lang}")
    choose_model(page, "smollm2", PROMPT)
    page.fill("#generate-count", "6")
    page.click("#generate-run")
    page.wait_for_selector("#generate-view:not([hidden])", timeout=240_000)
    page.click("#generate-next")
    page.click("#generate-next")
    step = "6개 토큰 중 3번째" if lang == "ko" else "Token 3 of 6"
    page.wait_for_function("(text) => document.querySelector('#generate-step').innerText === text", arg=step)
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    box = page.locator("#generate-row").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 420
    for cell in range(page.locator("#generate-row li").count()):  # every cell wraps inside the window
        right = page.locator("#generate-row li").nth(cell).bounding_box()
        assert right is not None and right["x"] + right["width"] <= 420
    shot(page, tmp_path, f"generate-narrow-{lang}.png")
    shot(page, tmp_path, f"generate-narrow-{lang}-panel.png", "#generate-section")
    assert_clean(watched)
    context.close()
