"""The one softmax (core/softmax.py) against the formula written as a float64 loop, and its
rule for fully masked rows, shared by NumPy and torch through row_shift and safe_divisor."""

from __future__ import annotations

import math

import numpy as np
import pytest

from selfattention.core.softmax import row_shift, safe_divisor, safe_softmax, softmax_steps


def loop_softmax(row: list[float]) -> tuple[float, list[float], float, list[float]]:
    """shift, exponentials, sum, weights of one row, from the formula; -inf = blocked."""
    live = [s for s in row if s != -math.inf]
    shift = max(live) if live else 0.0
    exps = [0.0 if s == -math.inf else math.exp(s - shift) for s in row]
    total = sum(exps)
    return shift, exps, total, [e / total if total else 0.0 for e in exps]


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (2, 4, 7), (6,)])
def test_steps_follow_the_formula(shape, rng):
    scores = rng.standard_normal(shape) * 5
    scores[rng.random(shape) < 0.3] = -np.inf
    steps = softmax_steps(scores)
    for index in np.ndindex(*shape[:-1]):
        shift, exps, total, weights = loop_softmax(scores[index].tolist())
        assert steps.shift[index].tolist() == [shift]
        np.testing.assert_allclose(steps.exponentials[index], exps, rtol=1e-15, atol=0)
        np.testing.assert_allclose(steps.total[index], [total], rtol=1e-14)
        np.testing.assert_allclose(steps.weights[index], weights, rtol=1e-14, atol=1e-300)
    assert (steps.exponentials[np.isneginf(scores)] == 0).all()  # a blocked key: exactly 0


def test_fully_masked_rows_are_zero_not_nan():
    scores = np.array([[-np.inf, -np.inf, -np.inf], [1.0, -np.inf, 1.0]], dtype=np.float32)
    with np.errstate(all="raise"):  # no -inf - (-inf), no 0 / 0
        steps = softmax_steps(scores)
    assert steps.shift.ravel().tolist() == [0.0, 1.0]
    assert steps.total.ravel().tolist() == [0.0, 2.0]
    assert steps.weights.tolist() == [[0.0, 0.0, 0.0], [0.5, 0.0, 0.5]]
    assert steps.weights.dtype == np.float32 and steps.shift.dtype == np.float32
    np.testing.assert_array_equal(safe_softmax(scores), steps.weights)


def test_no_keys_gives_empty_rows():
    steps = softmax_steps(np.zeros((2, 0)))
    assert steps.weights.shape == (2, 0) and steps.total.tolist() == [[0.0], [0.0]]


def test_huge_scores_do_not_overflow():
    with np.errstate(over="ignore"):  # -1e308 - 1e308 rounds to -inf, whose exp is exactly 0
        steps = softmax_steps(np.array([1e308, 1e308, -1e308]))
    assert steps.weights.tolist() == [0.5, 0.5, 0.0]


def test_the_guards_work_on_torch_tensors_as_on_arrays():
    torch = pytest.importorskip("torch")
    row_max = np.array([[2.5], [-np.inf], [np.nan]])
    total = np.array([[3.0], [0.0], [np.nan]])
    np.testing.assert_array_equal(row_shift(torch.from_numpy(row_max), torch).numpy(), [[2.5], [0.0], [np.nan]])
    np.testing.assert_array_equal(row_shift(row_max), [[2.5], [0.0], [np.nan]])
    np.testing.assert_array_equal(safe_divisor(torch.from_numpy(total), torch).numpy(), [[3.0], [1.0], [np.nan]])
    np.testing.assert_array_equal(safe_divisor(total), [[3.0], [1.0], [np.nan]])
