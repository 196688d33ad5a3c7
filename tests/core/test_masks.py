"""The one mask rule (core/masks.py): causal tiles and rows against np.tril, apply_mask's
bool and float forms against each other and against NaN scores, combined padding masks."""

from __future__ import annotations

import numpy as np
import pytest

import selfattention as sa
from selfattention.core.masks import apply_mask, causal_mask, combine_masks, mask_row, to_additive


@pytest.mark.parametrize("L,S", [(1, 1), (3, 5), (5, 3), (7, 7)])
def test_causal_tiles_are_slices_of_the_top_left_triangle(L, S):
    whole = np.tril(np.ones((L, S), dtype=bool))  # written independently: numpy's triangle
    np.testing.assert_array_equal(causal_mask(L, S), whole)
    for i0, j0, n, m in [(0, 0, L, S), (1, 0, L - 1, S), (0, 2, L, S - 2), (L - 1, S - 1, 1, 1)]:
        if n > 0 and m > 0:
            np.testing.assert_array_equal(causal_mask(n, m, i0, j0), whole[i0 : i0 + n, j0 : j0 + m])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_apply_mask_bool_equals_float_mask_and_blocks_nan(dtype, rng):
    scores = rng.standard_normal((4, 6)).astype(dtype)
    scores[0, 1] = np.nan
    allowed = rng.random((4, 6)) > 0.4
    allowed[0, 1] = False
    by_bool = apply_mask(scores, allowed)
    by_float = apply_mask(scores, np.where(allowed, 0.0, -np.inf))
    np.testing.assert_array_equal(by_bool, by_float)
    assert by_bool.dtype == dtype and by_bool[0, 1] == -np.inf
    np.testing.assert_array_equal(by_bool, np.where(allowed, scores, -np.inf))
    in_place = scores.copy()
    assert apply_mask(in_place, allowed, in_place=True) is in_place
    np.testing.assert_array_equal(in_place, by_bool)


def test_apply_mask_adds_a_float_mask_and_broadcasts(rng):
    scores = rng.standard_normal((2, 1, 3, 4))
    offsets = np.array([0.5, -2.0, -np.inf, 0.0])  # (S,): one row for every query
    result = apply_mask(scores, offsets)
    np.testing.assert_array_equal(result[..., [0, 1, 3]], scores[..., [0, 1, 3]] + offsets[[0, 1, 3]])
    assert np.isneginf(result[..., 2]).all()


@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("kind", ["none", "bool", "float", "row"])
def test_mask_row_is_a_row_of_the_whole_mask(kind, is_causal, rng):
    L, S = 4, 6
    mask = {
        "none": None,
        "bool": rng.random((L, S)) > 0.5,
        "float": np.where(rng.random((L, S)) > 0.3, rng.standard_normal((L, S)), -np.inf),
        "row": rng.random(S) > 0.5,
    }[kind]
    whole = np.zeros((L, S)) if mask is None else to_additive(np.broadcast_to(mask, (L, S)))
    if is_causal:
        whole = np.where(np.tril(np.ones((L, S), dtype=bool)), whole, -np.inf)
    for i in range(L):
        row = mask_row(mask, i, L, S, is_causal, np.float32)
        assert row.dtype == np.float32
        np.testing.assert_array_equal(row, whole[i].astype(np.float32))


def test_combine_masks_ands_bools_and_adds_floats():
    allowed = np.array([[True, False, True]])  # (L, S)
    padding = np.array([[True, True, False]])  # (batch, S): True = a real key
    assert combine_masks(allowed, padding, 1, 2, 1, 3).tolist() == [[[[True, False, False]]]]
    added = combine_masks(np.array([[0.5, 0.0, 0.0]]), padding, 1, 2, 1, 3)
    assert added.tolist() == [[[[0.5, 0.0, -np.inf]]]]
    with pytest.raises(sa.MaskError, match=r"key_padding_mask has shape \(3,\): expected \(1, 3\)"):
        combine_masks(None, np.ones(3, bool), 1, 2, 1, 3)
