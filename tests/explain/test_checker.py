"""The checker: right answers rounded by hand pass, each classic mistake is named at its step.

Wrong answers are built here, independently of the checker, by working the exercise with
plain Python loops and applying one mistake; the checker must name that mistake and the step
where it happens.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfattention.core.errors import InputError
from selfattention.explain.checker import check_answers, read_check_document
from selfattention.sources.exercises import Exercise, generate_exercise


def r4(x: float) -> float:
    return round(x, 4)


def work(ex: Exercise, mistake: str | None = None) -> dict[str, list[list[float | None]]]:
    """The exercise worked by hand with loops, every number rounded to 4 decimals, with one mistake."""
    n, d = len(ex.tokens), ex.d_head
    q, k, v = ex.query.tolist(), ex.key.tolist(), ex.value.tolist()
    allowed = [
        [(ex.mask is None or bool(ex.mask[i][j])) and (not ex.causal or j <= i) for j in range(n)] for i in range(n)
    ]
    if mistake == "mask_ignored":
        allowed = [[True] * n for _ in range(n)]
    dots = [[sum(a * b for a, b in zip(q[i], k[j], strict=False)) for j in range(n)] for i in range(n)]
    scale = {"unscaled": 1.0, "divided_by_d": 1 / d, "multiplied_by_sqrt_d": math.sqrt(d)}.get(mistake or "", ex.scale)
    scaled = [[r4(x * scale) for x in row] for row in dots]
    weights = []
    for i in range(n):
        if mistake == "no_exponential":
            total = sum(scaled[i][j] for j in range(n) if allowed[i][j])
            weights.append([scaled[i][j] / total if allowed[i][j] else 0.0 for j in range(n)])
        elif mistake == "column_softmax":
            weights.append(
                [
                    math.exp(scaled[i][j]) / sum(math.exp(scaled[a][j]) for a in range(n) if allowed[a][j])
                    if allowed[i][j]
                    else 0.0
                    for j in range(n)
                ]
            )
        else:
            top = max(scaled[i][j] for j in range(n) if allowed[i][j])
            e = [math.exp(scaled[i][j] - top) if allowed[i][j] else 0.0 for j in range(n)]
            weights.append([x / sum(e) for x in e])
    weights = [[r4(x) for x in row] for row in weights]
    vectors = k if mistake == "keys_for_values" else v
    output = [
        [r4(sum(weights[i][j] * vectors[j][c] for j in range(n))) for c in range(len(vectors[0]))] for i in range(n)
    ]
    answers = {"dot_products": dots, "scaled_scores": scaled, "weights": weights, "output": output}
    if mistake not in ("mask_ignored",):  # blocked scores are left out, as a learner would
        for name in ("dot_products", "scaled_scores"):
            answers[name] = [
                [x if allowed[i][j] else None for j, x in enumerate(row)] for i, row in enumerate(answers[name])
            ]
    rows = list(ex.queries)
    return {name: [answers[name][i] for i in rows] for name in answers}


FIRST_STEP = {
    "unscaled": "scaled_scores",
    "divided_by_d": "scaled_scores",
    "multiplied_by_sqrt_d": "scaled_scores",
    "column_softmax": "weights",
    "no_exponential": "weights",
    "mask_ignored": "weights",
    "keys_for_values": "output",
}


def find_exercise(mistake: str, **options: object) -> tuple[Exercise, dict[str, list[list[float | None]]]]:
    """The first seed whose exercise the mistake changes (a mistake that changes nothing is none)."""
    for seed in range(200):
        ex = generate_exercise(seed=seed, **options)  # type: ignore[arg-type]
        right, wrong = work(ex), work(ex, mistake)
        step = FIRST_STEP[mistake]
        if any(
            a is not None and b is not None and abs(a - b) > 0.01
            for ra, rb in zip(right[step], wrong[step], strict=False)
            for a, b in zip(ra, rb, strict=False)
        ):
            return ex, wrong
    raise AssertionError(f"no exercise where {mistake} changes anything")


@pytest.mark.parametrize("mistake", sorted(FIRST_STEP))
def test_each_mistake_is_named_at_its_step(mistake):
    options = {"tokens": 3, "dim": 3, "level": 3 if mistake == "mask_ignored" else 2}
    if mistake == "mask_ignored":
        options["causal"] = True
    ex, wrong = find_exercise(mistake, **options)
    result = check_answers(ex, wrong)
    assert not result.correct
    assert result.first_wrong == FIRST_STEP[mistake]
    assert result.mistake == mistake, result.diagnosis


def test_column_softmax_on_a_causal_exercise():
    ex, wrong = find_exercise("column_softmax", tokens=4, dim=2, level=1, causal=True)
    result = check_answers(ex, wrong)
    assert (result.first_wrong, result.mistake) == ("weights", "column_softmax")


def test_transposed_row_of_weights():
    ex = generate_exercise(seed=5, tokens=3, dim=3, level=2)
    answers = work(ex)
    answers["weights"][0], answers["weights"][1] = answers["weights"][1], answers["weights"][0]
    answers["output"] = work(ex)["output"]  # the outputs follow the right weights: wrong from the swapped ones
    result = check_answers(ex, answers)
    assert (result.first_wrong, result.mistake) == ("weights", "transposed")
    assert result.diagnosis.query == 0 and result.diagnosis.other_query == 1


def test_arithmetic_slip_in_a_dot_product_names_the_pair_and_the_term():
    ex = generate_exercise(seed=11, tokens=3, dim=3, level=2)
    answers = work(ex)
    q, k = ex.query[1], ex.key[2]
    term = next(e for e in range(3) if q[e] * k[e] != 0)
    answers["dot_products"][1][2] -= 2 * q[term] * k[term]  # one term's sign flipped
    del answers["scaled_scores"], answers["weights"], answers["output"]
    result = check_answers(ex, answers)
    assert (result.first_wrong, result.mistake) == ("dot_products", "arithmetic")
    d = result.diagnosis
    assert (d.query, d.entry, d.term_kind) == (1, 2, "sign")
    assert d.term is not None and q[d.term] * k[d.term] == q[term] * k[term]


def test_one_slip_is_counted_once():
    """Later steps are judged from the learner's own wrong numbers: only the slipped step is wrong."""
    ex = generate_exercise(seed=2, tokens=3, dim=3, level=2)
    answers = work(ex)
    answers["dot_products"][0][0] += 1
    dots = answers["dot_products"]
    answers["scaled_scores"] = [[None if x is None else r4(x * ex.scale) for x in row] for row in dots]
    fixed = work(ex)
    # recompute weights and output from the slipped scores, as the learner would
    import numpy as np

    from selfattention.explain.checker import _softmax

    s = np.array([[(-1e9 if x is None else x) for x in row] for row in answers["scaled_scores"]])
    w = np.round(_softmax(s, ex.allowed), 4)
    answers["weights"] = w.tolist()
    answers["output"] = np.round(w @ ex.value, 4).tolist()
    result = check_answers(ex, answers)
    assert [s.name for s in result.steps if not s.correct] == ["dot_products"]
    assert result.mistake == "arithmetic" and fixed != answers


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    tokens=st.integers(2, 4),
    dim=st.integers(2, 4),
    level=st.sampled_from([1, 2, 3]),
    causal=st.booleans(),
)
def test_right_answers_rounded_by_hand_pass(seed, tokens, dim, level, causal):
    ex = generate_exercise(seed=seed, tokens=tokens, dim=dim, level=level, causal=causal)
    result = check_answers(ex, work(ex))
    assert result.correct, [(s.name, s.wrong) for s in result.steps]
    assert result.first_wrong is None and result.mistake is None


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), tokens=st.integers(2, 4), dim=st.integers(2, 4))
def test_rounding_to_two_places_is_a_real_slip_somewhere(seed, tokens, dim):
    """Weights rounded to 2 decimals are refused wherever rounding moved them by 0.001 or more."""
    ex = generate_exercise(seed=seed, tokens=tokens, dim=dim, level=2)
    answers = work(ex)
    rough = [[round(x, 2) for x in row] for row in answers["weights"]]
    pairs = zip(rough, answers["weights"], strict=True)
    moved = any(abs(a - b) >= 1e-3 for ra, rb in pairs for a, b in zip(ra, rb, strict=True))
    answers["weights"] = rough
    del answers["output"]
    if moved:  # the largest tolerance of a weight is 2 + (2 + 4) halves of 1e-4 = 4e-4
        assert not check_answers(ex, answers).correct


def test_bad_documents_are_refused_with_what_is_wrong():
    ex = generate_exercise(seed=1, tokens=2, dim=2)
    doc = ex.to_dict()
    with pytest.raises(InputError, match='"answers"'):
        read_check_document(doc)
    with pytest.raises(InputError, match="expected 2 rows"):
        read_check_document({**doc, "answers": {"weights": [[1, 0]]}})
    with pytest.raises(InputError, match="expected a number"):
        read_check_document({**doc, "answers": {"weights": [[1, "x"], [0, 1]]}})
    with pytest.raises(InputError, match="answers has 'scores'"):
        read_check_document({**doc, "answers": {"scores": []}})
