"""Facts and explanations: computed from the trace, independently checked, in every language."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import selfattention as sa
from selfattention.explain import available_languages, get_language
from selfattention.explain.base import LABELS
from selfattention.explain.facts import query_facts


def test_facts_match_independent_formulas(rng):
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    t = sa.trace(q, k, v, tokens=list("abc"), key_tokens=list("VWXYZ"))
    for step in t.steps:
        f = query_facts(t, step)
        w = step.weights
        assert [kw.index for kw in f.ranked] == sorted(range(5), key=lambda j: -w[j])
        entropy = -sum(x * math.log(x) for x in w if x > 0)
        assert math.isclose(f.entropy, entropy, rel_tol=1e-12)
        assert math.isclose(f.effective_keys, math.exp(entropy), rel_tol=1e-12)
        assert math.isclose(f.max_entropy, math.log(5))
        assert f.self_weight is None  # cross-attention: no key of its own
        nearest = min(range(5), key=lambda j: np.linalg.norm(v[j] - step.output))
        assert f.closest_value is not None and f.closest_value.index == nearest
        largest = max(range(5), key=lambda j: np.linalg.norm(w[j] * v[j]))
        assert f.dominant_value is not None and f.dominant_value.index == largest


def test_the_dominant_share_is_of_the_terms_sizes_not_of_the_sum():
    # values of opposite sign cancel: the output 0.4621 is smaller than the largest term 0.7311,
    # so "73% of the sum" would be false; the share is of the terms' total size
    t = sa.trace([[1.0], [0.0]], [[1.0], [0.0]], [[1.0], [-1.0]], tokens=["a", "b"], queries=["a"])
    w = np.exp([1.0, 0.0]) / np.exp([1.0, 0.0]).sum()
    share = w[0] / (w[0] + w[1])  # |w_a * 1| / (|w_a * 1| + |w_b * -1|)
    assert abs(w[0] - w[1]) < w[0]  # the sum really is smaller than its largest term
    meaning = " ".join(sa.explain(t).queries[0].meaning)
    assert f'"a" is the largest term of the sum, {share:.2%} of the terms\' total size.' in meaning
    ko = " ".join(sa.explain(t, lang="ko").queries[0].meaning)
    assert f'가중합에서 가장 큰 항은 "a" 단어의 가중 밸류입니다 (모든 항의 크기 합 중 {share:.2%}).' in ko


def test_huge_finite_values_give_finite_facts_and_short_numbers():
    # |w * v| of 1e308 overflows a plain np.linalg.norm (squares): the share came out nan%
    t = sa.trace([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.7e308], [1.7e308]], tokens=["a", "b"])
    step = t.step("a")
    f = query_facts(t, step)
    w = [float(x) for x in step.weights]
    assert f.dominant_value is not None and f.dominant_value.index == 0
    assert math.isclose(f.dominant_share, w[0] / (w[0] + w[1]), rel_tol=1e-12)  # equal |v|: the weights
    text = sa.render(t, sa.explain(t), "text")
    assert "nan" not in text
    assert "1.7e+308" in text and "0000000000" not in text  # not 309 digits


def test_a_float_mask_is_explained_as_an_offset_not_as_blocking():
    offsets = np.array([[0.0, -1.5], [0.0, -np.inf]])  # row 0 shifts a score, row 1 only blocks
    t = sa.trace([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0], [2.0]], attn_mask=offsets)
    assert t.steps[0].weights[1] > 0  # -1.5 lowers the score; it does not block
    for code, shifted, blocked in (
        ("en", "-inf blocks a key (weight 0), any other value raises or lowers its score", "blocked keys get -inf"),
        ("ko", "다른 값은 점수를 그만큼 올리거나 내립니다", "가려진 키에는 -inf가 더해져"),
    ):
        e = sa.explain(t, lang=code)
        assert shifted in e.queries[0].steps["mask"] and blocked not in e.queries[0].steps["mask"]
        assert blocked in e.queries[1].steps["mask"]


def test_fully_masked_row_is_explained_not_nan():
    ex = sa.seed_example()
    t = sa.trace(ex.query, ex.key, ex.value, tokens=ex.tokens, attn_mask=np.array([[True, True], [False, False]]))
    e = sa.explain(t)
    assert e.queries[1].facts.fully_masked
    assert e.queries[1].meaning == (
        'Every key is blocked for "Machines", so all its weights are 0 and its output is the zero vector (not NaN).',
    )
    text = sa.render(t, e, "text")
    assert re.search(r"^ +output += \[0, 0, 0\]$", text, re.MULTILINE)
    assert re.search(r"^ +weights\[Machines\] += 0$", text, re.MULTILINE)  # not "0 / 0"
    assert "= nan" not in text and "nan," not in text and "[nan" not in text


@pytest.mark.parametrize("code", sorted(available_languages()))
def test_every_language_is_complete_and_explains_the_seed(code):
    language = get_language(code)
    assert set(LABELS) <= set(language.labels)
    t = sa.trace(**sa.seed_example().trace_kwargs())
    e = sa.explain(t, lang=code)
    assert e.lang == code and len(e.queries) == 2
    for q in e.queries:
        assert set(q.steps) == {"dot_products", "scale", "mask", "softmax", "weighted_sum"}
        assert q.meaning and all(sentence.strip() for sentence in q.meaning)
    assert "0.9999" in e.queries[0].meaning[0] and "0.7685" in e.queries[1].meaning[0]


def test_unknown_language():
    with pytest.raises(sa.InputError, match="unknown language 'xx': choose one of en"):
        sa.explain(sa.trace(**sa.seed_example().trace_kwargs()), lang="xx")
