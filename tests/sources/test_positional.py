"""The sinusoidal positional encoding against a loop written from the paper's formula."""

from __future__ import annotations

import math

import numpy as np
import pytest

import selfattention as sa
from selfattention.sources.positional import sinusoidal_positional_encoding


def paper_loop(length: int, d_model: int) -> np.ndarray:
    """PE(pos, 2i) = sin(pos / 10000^(2i/d_model)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d_model))."""
    pe = np.zeros((length, d_model))
    for pos in range(length):
        for i in range((d_model + 1) // 2):
            angle = pos / math.pow(10000.0, (2 * i) / d_model)
            pe[pos, 2 * i] = math.sin(angle)
            if 2 * i + 1 < d_model:
                pe[pos, 2 * i + 1] = math.cos(angle)
    return pe


@pytest.mark.parametrize("length,d_model", [(1, 1), (5, 2), (11, 8), (50, 64), (7, 3), (13, 9), (128, 512)])
def test_matches_the_formula(length, d_model):
    got = sinusoidal_positional_encoding(length, d_model)
    assert got.shape == (length, d_model) and got.dtype == np.float64
    np.testing.assert_allclose(got, paper_loop(length, d_model), rtol=1e-12, atol=1e-12)


def test_known_values():
    pe = sinusoidal_positional_encoding(2, 4)
    # position 0: sin 0 = 0, cos 0 = 1; position 1, i = 0: sin 1, cos 1; i = 1: 1/10000^(2/4) = 0.01
    np.testing.assert_allclose(pe[0], [0, 1, 0, 1])
    np.testing.assert_allclose(pe[1], [math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)])


def test_is_exported():
    assert sa.sinusoidal_positional_encoding is sinusoidal_positional_encoding


def test_empty_length():
    assert sinusoidal_positional_encoding(0, 4).shape == (0, 4)


@pytest.mark.parametrize(
    "args,message",
    [
        ((-1, 4), "length is -1: expected an integer >= 0"),
        ((3, 0), "d_model is 0: expected an integer >= 1"),
        ((3, 2.5), "d_model is 2.5: expected an integer >= 1"),
        ((True, 2), "length is True: expected an integer >= 0"),
    ],
)
def test_bad_arguments(args, message):
    with pytest.raises(sa.ShapeError) as error:
        sinusoidal_positional_encoding(*args)
    assert str(error.value) == message
