"""The kernels against an independent float64 loop and against PyTorch (TESTING.md)."""

from __future__ import annotations

import numpy as np
import pytest

import selfattention as sa
from reference_loop import batched_loop, loop_attention
from selfattention.core.kernels import IMPLEMENTATIONS

KERNELS = ["auto", *sorted(IMPLEMENTATIONS)]
RTOL, ATOL = 1e-10, 1e-12


def sdpa(*args, implementation, **kwargs):
    return sa.scaled_dot_product_attention(*args, implementation=implementation, **kwargs)


def randn(rng, *shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize(
    "L,S,E,Ev",
    [(1, 1, 1, 1), (2, 2, 3, 3), (1, 147, 8, 4), (3, 19, 31, 5), (17, 4, 59, 2), (7, 7, 64, 64), (5, 9, 2, 111)],
)
def test_matches_float64_loop(implementation, L, S, E, Ev, rng):
    q, k, v = randn(rng, L, E), randn(rng, S, E), randn(rng, S, Ev)
    expected, expected_w = loop_attention(q, k, v)
    np.testing.assert_allclose(sdpa(q, k, v, implementation=implementation), expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(sa.attention_weights(q, k), expected_w, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("L,S", [(4, 4), (3, 6), (6, 3)])
def test_masks_and_causal_match_loop(implementation, is_causal, L, S, rng):
    q, k, v = randn(rng, 2, 3, L, 5), randn(rng, 2, 3, S, 5), randn(rng, 2, 3, S, 4)
    bool_mask = rng.random((2, 3, L, S)) > 0.3
    float_mask = np.where(rng.random((L, S)) > 0.3, rng.standard_normal((L, S)), -np.inf)
    for mask in (None, bool_mask, float_mask):
        expected, _ = batched_loop(q, k, v, mask, is_causal, 0.7)
        got = sdpa(q, k, v, attn_mask=mask, is_causal=is_causal, scale=0.7, implementation=implementation)
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("implementation", KERNELS)
def test_bool_mask_equals_float_mask(implementation, rng):
    q, k, v = randn(rng, 5, 4), randn(rng, 6, 4), randn(rng, 6, 3)
    mask = rng.random((5, 6)) > 0.4
    a = sdpa(q, k, v, attn_mask=mask, implementation=implementation)
    b = sdpa(q, k, v, attn_mask=np.where(mask, 0.0, -np.inf), implementation=implementation)
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("mask_shape", [(7,), (5, 7), (2, 1, 1, 7), (2, 3, 5, 7), (1, 3, 1, 7)])
def test_mask_broadcast_shapes(implementation, mask_shape, rng):
    q, k, v = randn(rng, 2, 3, 5, 4), randn(rng, 2, 3, 7, 4), randn(rng, 2, 3, 7, 2)
    mask = rng.random(mask_shape) > 0.3
    expected, _ = batched_loop(q, k, v, np.broadcast_to(mask, (2, 3, 5, 7)))
    np.testing.assert_allclose(
        sdpa(q, k, v, attn_mask=mask, implementation=implementation), expected, rtol=RTOL, atol=ATOL
    )
    # a stride-0 view gives the same answer
    view = np.broadcast_to(mask, (2, 3, 5, 7))
    np.testing.assert_allclose(
        sdpa(q, k, v, attn_mask=view, implementation=implementation), expected, rtol=RTOL, atol=ATOL
    )


@pytest.mark.parametrize("implementation", KERNELS)
def test_padding_mask_equals_dropping_keys(implementation, rng):
    q, k, v = randn(rng, 4, 8), randn(rng, 9, 8), randn(rng, 9, 3)
    keep = np.array([True, True, False, True, False, False, True, True, False])
    padded = sdpa(q, k, v, attn_mask=keep, implementation=implementation)
    dropped = sdpa(q, k[keep], v[keep], implementation=implementation)
    np.testing.assert_allclose(padded, dropped, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("poison", [1e6, np.nan, np.inf])
def test_masked_keys_and_values_are_ignored_even_when_poisoned(implementation, poison, rng):
    q, k, v = randn(rng, 4, 8), randn(rng, 9, 8), randn(rng, 9, 3)
    keep = np.array([True, True, False, True, False, False, True, True, False])
    clean = sdpa(q, k, v, attn_mask=keep, implementation=implementation)
    k2, v2 = k.copy(), v.copy()
    k2[~keep] = poison
    v2[~keep] = poison
    for mask in (keep, np.where(keep, 0.0, -np.inf)):
        got = sdpa(q, k2, v2, attn_mask=mask, implementation=implementation)
        np.testing.assert_array_equal(got, clean)
    weights = sa.attention_weights(q, k2, attn_mask=keep)
    assert (weights[:, ~keep] == 0).all()


@pytest.mark.parametrize("implementation", KERNELS)
def test_fully_masked_rows_give_zero_not_nan(implementation, rng):
    q, k, v = randn(rng, 2, 4, 3), randn(rng, 2, 5, 3), randn(rng, 2, 5, 2)
    mask = rng.random((2, 4, 5)) > 0.5
    mask[0, 1] = False  # one row blocked
    mask[1] = False  # every row of a batch entry blocked
    out = sdpa(q, k, v, attn_mask=mask, implementation=implementation)
    weights = sa.attention_weights(q, k, attn_mask=mask)
    assert np.isfinite(out).all() and np.isfinite(weights).all()
    assert (out[0, 1] == 0).all() and (out[1] == 0).all()
    assert (weights[0, 1] == 0).all() and (weights[1] == 0).all()
    float_mask = np.where(mask, 0.0, -np.inf)
    np.testing.assert_array_equal(sdpa(q, k, v, attn_mask=float_mask, implementation=implementation), out)


@pytest.mark.parametrize("implementation", KERNELS)
def test_unmasked_nan_shows_as_nan(implementation, rng):
    q, k, v = randn(rng, 3, 4), randn(rng, 5, 4), randn(rng, 5, 2)
    k[2, 0] = np.nan
    out = sdpa(q, k, v, implementation=implementation)
    assert np.isnan(out).all()  # every query sees key 2
    v2 = v.copy()
    v2[1, 1] = np.nan
    out = sdpa(q, randn(rng, 5, 4), v2, implementation=implementation)
    assert np.isnan(out[:, 1]).all() and np.isfinite(out[:, 0]).all()


@pytest.mark.parametrize("implementation", KERNELS)
def test_causal_is_top_left_lower_triangle(implementation, rng):
    for L, S in [(3, 5), (5, 3), (4, 4)]:
        q, k, v = randn(rng, L, 6), randn(rng, S, 6), randn(rng, S, 2)
        tril = np.array([[j <= i for j in range(S)] for i in range(L)])  # built by hand
        np.testing.assert_array_equal(
            sdpa(q, k, v, is_causal=True, implementation=implementation),
            sdpa(q, k, v, attn_mask=tril, implementation=implementation),
        )


@pytest.mark.parametrize("implementation", KERNELS)
def test_causal_prefix_is_unchanged_by_later_tokens(implementation, rng):
    x = randn(rng, 10, 8)
    base = sdpa(x, x, x, is_causal=True, implementation=implementation)
    y = x.copy()
    y[6:] = randn(rng, 4, 8) * 100
    changed = sdpa(y, y, y, is_causal=True, implementation=implementation)
    np.testing.assert_array_equal(changed[:6], base[:6])


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("L", [1, 7, 63, 255, 511, 512, 700, 1023])
def test_causal_prefix_after_appending_a_token(implementation, dtype, L, rng):
    """Appending a token (L and S grow by one) leaves the earlier causal outputs equal up to
    rounding, not bitwise: BLAS sums a row in an order that depends on the matrix sizes
    (measured with OpenBLAS: up to ~20 ulp of the row's largest output). Bitwise equality
    holds at a fixed length (test_causal_prefix_is_unchanged_by_later_tokens)."""
    x = randn(rng, L + 1, 16, dtype=dtype)
    v = randn(rng, L + 1, 5, dtype=dtype)
    before = sdpa(x[:L], x[:L], v[:L], is_causal=True, implementation=implementation)
    after = sdpa(x, x, v, is_causal=True, implementation=implementation)[:L]
    row_size = np.abs(before).max(axis=-1, keepdims=True)
    ulps = np.abs(after - before) / np.spacing(row_size)
    assert ulps.max() <= 256, f"{ulps.max()} ulp"


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_equal_inputs(implementation, dtype):
    q = k = v = np.full((4, 3), 1e4, dtype)
    out = sdpa(q, k, v, implementation=implementation)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, v)


@pytest.mark.parametrize("implementation", KERNELS)
def test_float16_whose_raw_scores_overflow(implementation, rng):
    k = (rng.standard_normal((6, 64)) * 60).astype(np.float16)
    q = k[:4].copy()
    v = rng.standard_normal((6, 8)).astype(np.float16)
    raw = q.astype(np.float64) @ k.T.astype(np.float64)
    assert np.abs(raw).max() > np.finfo(np.float16).max  # the premise: float16 would overflow
    out = sdpa(q, k, v, implementation=implementation)
    assert out.dtype == np.float16 and np.isfinite(out).all()
    expected, _ = loop_attention(q, k, v)
    np.testing.assert_allclose(out.astype(np.float64), expected, atol=2e-3)


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("logit_scale", [1e-3, 1.0, 5.0, 100.0])
def test_logit_scales(implementation, logit_scale, rng):
    q, k, v = randn(rng, 5, 7), randn(rng, 6, 7), randn(rng, 6, 3)
    expected, _ = loop_attention(q, k, v, scale=logit_scale)
    np.testing.assert_allclose(
        sdpa(q, k, v, scale=logit_scale, implementation=implementation), expected, rtol=RTOL, atol=ATOL
    )


@pytest.mark.parametrize("implementation", KERNELS)
def test_shifting_a_row_of_scores_changes_nothing(implementation, rng):
    q, k, v = randn(rng, 5, 7), randn(rng, 6, 7), randn(rng, 6, 3)
    shift = np.array([[1e3], [-50.0], [0.0], [7.5], [123.0]])  # a constant per row
    np.testing.assert_allclose(
        sdpa(q, k, v, attn_mask=np.broadcast_to(shift, (5, 6)), implementation=implementation),
        sdpa(q, k, v, implementation=implementation),
        rtol=1e-9,
        atol=1e-12,
    )


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize(
    "shapes,expected",
    [
        (((0, 4, 3), (0, 5, 3), (0, 5, 2)), (0, 4, 2)),  # batch 0
        (((0, 3), (5, 3), (5, 2)), (0, 2)),  # L = 0
        (((4, 3), (0, 3), (0, 2)), (4, 2)),  # S = 0: every row fully masked -> zeros
    ],
)
def test_empty_inputs(implementation, shapes, expected):
    out = sdpa(*(np.ones(s) for s in shapes), implementation=implementation)
    assert out.shape == expected
    assert (out == 0).all()


def test_zero_features_is_a_clear_error():
    with pytest.raises(sa.ShapeError, match="0 features"):
        sa.scaled_dot_product_attention(np.ones((2, 0)), np.ones((2, 0)), np.ones((2, 1)))


@pytest.mark.parametrize("implementation", KERNELS)
def test_deterministic(implementation, rng):
    q, k, v = (
        randn(rng, 2, 33, 16, dtype=np.float32),
        randn(rng, 2, 40, 16, dtype=np.float32),
        randn(rng, 2, 40, 8, dtype=np.float32),
    )
    a = sdpa(q, k, v, is_causal=True, implementation=implementation)
    b = sdpa(q, k, v, is_causal=True, implementation=implementation)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("implementation", KERNELS)
def test_float32_error_within_twice_naive(implementation, rng):
    """FlashAttention's rule: error vs float64 at most 2x the naive float32 maths' error."""
    q, k, v = (
        (randn(rng, 3, 64, 32) * 5).astype(np.float32),
        (randn(rng, 3, 80, 32) * 5).astype(np.float32),
        randn(rng, 3, 80, 16).astype(np.float32),
    )
    exact, _ = batched_loop(q, k, v)
    s = (q @ np.swapaxes(k, -1, -2)) / np.float32(np.sqrt(32))
    w = np.exp(s - s.max(-1, keepdims=True))
    naive = (w / w.sum(-1, keepdims=True)) @ v
    got = sdpa(q, k, v, implementation=implementation)
    assert got.dtype == np.float32
    assert np.abs(got - exact).max() <= 2 * np.abs(naive - exact).max() + 1e-6


def test_dtypes_follow_inputs(rng):
    q = randn(rng, 2, 3)
    assert sa.scaled_dot_product_attention(q, q, q).dtype == np.float64
    assert (
        sa.scaled_dot_product_attention(q.astype(np.float32), q.astype(np.float32), q.astype(np.float32)).dtype
        == np.float32
    )
    ints = [[1, 0], [0, 1]]
    assert sa.scaled_dot_product_attention(ints, ints, ints).dtype == np.float64


@pytest.mark.parametrize(
    "args,error,message",
    [
        (
            (np.ones(3), np.ones((2, 3)), np.ones((2, 3))),
            sa.ShapeError,
            r"query has shape \(3,\): expected at least 2 dimensions",
        ),
        ((np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 3))), sa.ShapeError, "query has 3 features but key has 4"),
        ((np.ones((2, 3)), np.ones((2, 3)), np.ones((5, 3))), sa.ShapeError, "key has 2 positions but value has 5"),
        ((np.ones((2, 2, 3)), np.ones((3, 2, 3)), np.ones((3, 2, 3))), sa.ShapeError, "do not broadcast"),
        (([[1, 2], [3]], np.ones((2, 2)), np.ones((2, 2))), sa.ShapeError, "query"),
        ((np.array([["a", "b"]]), np.ones((2, 2)), np.ones((2, 2))), sa.ShapeError, "expected real numbers"),
    ],
)
def test_bad_shapes_raise_clear_errors(args, error, message):
    with pytest.raises(error, match=message):
        sa.scaled_dot_product_attention(*args)


@pytest.mark.parametrize(
    "mask,message",
    [
        (np.ones((3, 3)), "which does not broadcast"),
        (np.ones((2, 5, 4)), "would enlarge"),
        (np.array([[1, 0, 1, 1]] * 5), "dtype int64"),
        (np.full((5, 4), np.nan), "NaN or \\+inf"),
        (np.array(True), "scalar"),
    ],
)
def test_bad_masks_raise_clear_errors(mask, message):
    with pytest.raises(sa.MaskError, match=message):
        sa.scaled_dot_product_attention(np.ones((5, 3)), np.ones((4, 3)), np.ones((4, 2)), attn_mask=mask)


def test_errors_are_value_errors():
    assert issubclass(sa.SelfAttentionError, ValueError)
    for cls in (sa.ShapeError, sa.MaskError, sa.InputError, sa.LimitError):
        assert issubclass(cls, sa.SelfAttentionError)


def test_unknown_implementation():
    with pytest.raises(sa.SelfAttentionError, match="implementation is 'fast': expected one of 'auto', "):
        sa.scaled_dot_product_attention(np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)), implementation="fast")


def test_bad_scale():
    with pytest.raises(sa.ShapeError, match="scale is nan: expected a finite number"):
        sa.scaled_dot_product_attention(np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)), scale=float("nan"))


def test_multihead_attention_mask_conversion_is_explicit():
    torch_style = np.array([[False, True], [False, False]])  # True = blocked there
    np.testing.assert_array_equal(sa.from_multihead_attention_mask(torch_style), ~torch_style)
    additive = np.array([[0.0, -np.inf]])
    np.testing.assert_array_equal(sa.from_multihead_attention_mask(additive), additive)
    padding = sa.from_key_padding_mask([[False, True, False]])
    assert padding.shape == (1, 1, 1, 3) and padding[0, 0, 0].tolist() == [True, False, True]
