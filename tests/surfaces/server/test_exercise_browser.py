"""The exercise tab in a real browser: generate an exercise, type right and wrong answers
into the grid, check, and read the diagnosis in English and Korean. The right answers are
worked here with the independent float64 loop, rounded to 4 decimals as a learner would."""

from __future__ import annotations

import os

import numpy as np
import pytest
from browser_pages import assert_clean

from reference_loop import loop_attention

pytestmark = pytest.mark.browser


def open_exercise(watch, **settings: object):
    page = watch.page
    page.goto(f"{watch.base}/")
    page.wait_for_selector("#steps .step")
    page.click("#tab-exercise")
    page.wait_for_selector("#exercise-grid input")
    if settings:
        page.fill("#exercise-seed", str(settings.get("seed", 0)))
        if settings.get("causal"):
            page.check("#exercise-causal")
        page.click("#exercise-new")
        page.wait_for_function(
            "(seed) => window.selfattentionExercise.state.doc.exercise.seed === seed", arg=settings.get("seed", 0)
        )
    return page


def worked(exercise: dict) -> dict[str, list[list[float | None]]]:
    q, k, v = (np.array(exercise[name], dtype=np.float64) for name in ("query", "key", "value"))
    n = len(exercise["tokens"])
    allowed = np.tril(np.ones((n, n), bool)) if exercise["causal"] else np.ones((n, n), bool)
    if exercise["mask"] is not None:
        allowed &= np.array(exercise["mask"])
    output, weights = loop_attention(q, k, v, mask=allowed)
    dots = q @ k.T
    rows = exercise["queries"]
    return {
        "dot_products": [[float(dots[i, j]) if allowed[i, j] else None for j in range(n)] for i in rows],
        "scaled_scores": [
            [round(dots[i, j] * exercise["scale"], 4) if allowed[i, j] else None for j in range(n)] for i in rows
        ],
        "weights": [[round(float(weights[i, j]), 4) for j in range(n)] for i in rows],
        "output": [[round(float(x), 4) for x in output[i]] for i in rows],
    }


def fill(page, answers) -> None:
    for step, rows in answers.items():
        for r, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is None:
                    continue
                page.fill(f'#exercise-grid input[data-step="{step}"][data-row="{r}"][data-col="{j}"]', f"{value:g}")


def check(page) -> str:
    page.evaluate("() => { document.querySelector('#exercise-explanation').textContent = '' }")
    page.click("#exercise-check")
    page.wait_for_function("() => document.querySelector('#exercise-explanation').textContent !== ''")
    return page.inner_text("#exercise-explanation")


def test_right_answers_pass_and_a_forgotten_scale_is_diagnosed(watched, tmp_path):
    page = open_exercise(watched, seed=4, causal=True)
    exercise = page.evaluate("() => window.selfattentionExercise.state.doc.exercise")
    answers = worked(exercise)
    fill(page, answers)
    text = check(page)
    assert text.startswith("All right"), text
    assert page.locator("#exercise-grid input.wrong").count() == 0
    assert page.inner_text("#exercise-verdict") == "right"

    wrong = {"scaled_scores": [[None if x is None else float(x) for x in row] for row in answers["dot_products"]]}
    fill(page, wrong)
    text = check(page)
    diagnosis = page.locator("#exercise-diagnosis")
    assert (diagnosis.get_attribute("data-first-wrong"), diagnosis.get_attribute("data-mistake")) == (
        "scaled_scores",
        "unscaled",
    )
    assert "You left out the scale" in text
    assert page.locator('#exercise-grid input.wrong[data-step="scaled_scores"]').count() > 0
    assert page.locator('#exercise-grid input.wrong[data-step="dot_products"]').count() == 0
    page.screenshot(path=str(tmp_path / "exercise-en.png"), full_page=True)

    page.select_option("#lang", "ko")
    page.wait_for_function("() => document.querySelector('#exercise-explanation').textContent.includes('스케일링')")
    assert "스케일링을 빠뜨렸습니다" in page.inner_text("#exercise-explanation")
    assert page.inner_text("#tab-exercise") == "연습 문제"
    shots = os.environ.get("SELFATTENTION_SCREENSHOTS")
    page.screenshot(path=os.path.join(shots, "exercise-ko.png") if shots else str(tmp_path / "ko.png"), full_page=True)
    if shots:
        page.select_option("#lang", "en")
        page.wait_for_function("() => document.querySelector('#exercise-explanation').textContent.includes('scale')")
        page.screenshot(path=os.path.join(shots, "exercise-en.png"), full_page=True)
    assert_clean(watched)


def test_a_bad_entry_is_refused_in_words_and_the_explore_tab_comes_back(watched):
    page = open_exercise(watched)
    page.fill('#exercise-grid input[data-step="weights"][data-row="0"][data-col="0"]', "abc")
    page.click("#exercise-check")
    page.wait_for_function("() => document.querySelector('#exercise-error').textContent !== ''")
    assert "expected a number" in page.inner_text("#exercise-error")
    page.click("#tab-explore")
    assert page.locator("#exercise-section").is_hidden() and page.locator("#steps-section").is_visible()
    assert_clean(watched, allowed=("422", "400"))
