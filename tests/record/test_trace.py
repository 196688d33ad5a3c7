"""The step-by-step trace: every step against the formula, JSON round trips, rows on demand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import selfattention as sa
from reference_loop import loop_attention
from selfattention.record.provenance import Provenance


def random_case(rng, L=4, S=5, E=3, Ev=2):
    return rng.standard_normal((L, E)), rng.standard_normal((S, E)), rng.standard_normal((S, Ev))


def test_every_step_follows_the_formula(rng):
    q, k, v = random_case(rng)
    t = sa.trace(q, k, v, scale=0.8)
    _, weights = loop_attention(q, k, v, scale=0.8)
    for step in t.steps:
        i = step.index
        for j in range(5):
            assert step.products[j].tolist() == [q[i, e] * k[j, e] for e in range(3)]
            assert math.isclose(step.dot_products[j], sum(q[i, e] * k[j, e] for e in range(3)), rel_tol=1e-14)
            assert math.isclose(step.scaled_scores[j], step.dot_products[j] * 0.8, rel_tol=1e-15)
        assert step.max_score == max(step.masked_scores)
        expected_exp = [math.exp(s - step.max_score) for s in step.masked_scores]
        np.testing.assert_allclose(step.exponentials, expected_exp, rtol=1e-14)
        assert math.isclose(step.exp_sum, sum(expected_exp), rel_tol=1e-14)
        np.testing.assert_allclose(step.weights, weights[i], rtol=1e-12)
        np.testing.assert_allclose(step.weighted_values, weights[i][:, None] * v, rtol=1e-12)
        np.testing.assert_allclose(step.output, (weights[i][:, None] * v).sum(0), rtol=1e-12, atol=1e-15)


def test_trace_agrees_with_kernel_under_masks_and_causal(rng):
    q, k, v = random_case(rng, L=5, S=5)
    mask = rng.random((5, 5)) > 0.3
    mask[2] = False  # a fully masked row
    t = sa.trace(q, k, v, attn_mask=mask, is_causal=True)
    expected, weights = loop_attention(q, k, v, mask, True)
    np.testing.assert_allclose(t.weights, weights, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t.outputs, expected, rtol=1e-12, atol=1e-15)
    row = t.step(2)
    assert row.fully_masked and (row.weights == 0).all() and (row.output == 0).all() and row.exp_sum == 0
    assert np.isneginf(t.step(0).mask[1:]).all()  # causal: the first query sees only itself


def test_float_mask_is_recorded_and_added(rng):
    q, k, v = random_case(rng, L=2, S=3)
    mask = np.array([[0.0, -1.5, -np.inf], [2.0, 0.0, 0.0]])
    t = sa.trace(q, k, v, attn_mask=mask)
    np.testing.assert_array_equal(t.step(0).mask, mask[0])
    np.testing.assert_allclose(t.step(0).masked_scores[:2], t.step(0).scaled_scores[:2] + mask[0, :2])
    assert t.step(0).allowed.tolist() == [True, True, False]


def test_queries_subset_by_position_and_token(rng):
    q, k, v = random_case(rng, L=4, S=4)
    tokens = ["a", "b", "c", "d"]
    full = sa.trace(q, k, v, tokens=tokens)
    some = sa.trace(q, k, v, tokens=tokens, queries=[2, "a", -1])
    assert some.query_indices == (2, 0, 3)
    for s in some.steps:
        assert s == full.step(s.index)
    assert not some.is_complete and full.is_complete


def test_long_sequence_traces_only_the_rows_asked_for(rng):
    n = 20_000
    q, k, v = rng.standard_normal((n, 4)), rng.standard_normal((n, 4)), rng.standard_normal((n, 2))
    t = sa.trace(q, k, v, queries=[0, n - 1], is_causal=True)
    assert t.weights.shape == (2, n)
    assert t.step(0).weights[0] == 1.0 and (t.step(0).weights[1:] == 0).all()
    out = sa.scaled_dot_product_attention(q[-1:], k, v)
    np.testing.assert_allclose(t.step(n - 1).output, out[0], rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_json_round_trip_is_exact(rng, dtype):
    q, k, v = (a.astype(dtype) for a in random_case(rng))
    mask = np.ones((4, 5), bool)
    mask[1] = False
    mask[3, 2] = False
    t = sa.trace(
        q, k, v, tokens=list("wxyz"), key_tokens=list("ABCDE"), attn_mask=mask, provenance=Provenance(title="t")
    )
    text = t.to_json()
    json.loads(text)  # strict JSON: no NaN / Infinity literals
    assert "Infinity" not in text and '"-inf"' in text
    back = sa.AttentionTrace.from_json(text)
    assert back == t
    assert back.dtype == str(np.dtype(dtype))
    for a, b in zip(back.steps, t.steps, strict=True):
        assert a.weights.dtype == b.weights.dtype and np.array_equal(a.weights, b.weights)


def test_from_json_refuses_other_documents():
    with pytest.raises(sa.InputError, match="not a trace document"):
        sa.AttentionTrace.from_json('{"query": []}')
    with pytest.raises(sa.InputError, match="trace JSON is invalid"):
        sa.AttentionTrace.from_json("{")
    t = sa.trace(**sa.seed_example().trace_kwargs()).to_dict()
    t["steps"][0]["weights"] = ["x", 1]
    with pytest.raises(sa.InputError, match="not a valid trace document: 'x' is not a number"):
        sa.AttentionTrace.from_dict(t)


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"tokens": ["a"]}, sa.InputError, "tokens has 1 entries but there are 2 query positions"),
        ({"tokens": "ab"}, sa.InputError, "tokens is one string"),
        (
            {"tokens": ["a", "b\n"]},
            sa.InputError,
            r"tokens entry 1 is 'b\\n': a label holds a control character \(newline, tab",  # a regex
        ),
        ({"queries": [5]}, sa.InputError, "query position 5 is out of range: there are 2 queries, positions 0 to 1"),
        ({"queries": ["zz"]}, sa.InputError, "query 'zz' is not among the tokens: 0:Acting, 1:Machines"),
        ({"queries": [1.5]}, sa.InputError, "queries holds 1.5"),
    ],
)
def test_bad_trace_arguments(kwargs, error, message):
    ex = sa.seed_example()
    args = {"tokens": list(ex.tokens), **kwargs}
    with pytest.raises(error, match=message):
        sa.trace(ex.query, ex.key, ex.value, **args)


def test_trace_refuses_non_finite_and_batched_input():
    ex = sa.seed_example()
    q = ex.query.copy()
    q[1, 2] = np.nan
    with pytest.raises(sa.InputError, match=r"query holds a non-finite number \(NaN or inf\) at \(1, 2\)"):
        sa.trace(q, ex.key, ex.value)
    with pytest.raises(sa.ShapeError, match="a trace is of one sequence and one head"):
        sa.trace(ex.query[None], ex.key[None], ex.value[None])
    with pytest.raises(sa.ShapeError, match="0 positions"):
        sa.trace(ex.query, ex.key[:0], ex.value[:0])


def test_overflowing_dot_products_are_refused_not_nan():
    q = np.array([[1e200, 0.0]])
    with pytest.raises(sa.InputError, match=r"q0·k0 overflows float64: the numbers are too large to multiply"):
        sa.trace(q, q, np.ones((1, 2)))


def test_products_that_overflow_before_a_small_scale_are_refused_not_nan():
    """The kernels give PyTorch's finite answer here (test_reliability.py); a trace shows the
    raw products q_e k_e, which are inf, so it refuses with the same message."""
    q = np.full((2, 3), 1e200)
    assert np.isfinite(sa.scaled_dot_product_attention(q, q, np.ones((2, 1)), scale=1e-300)).all()
    with pytest.raises(sa.InputError, match=r"q0·k0 overflows float64: .* scale the inputs down"):
        sa.trace(q, q, np.ones((2, 1)), scale=1e-300)
