"""The seed's published figures, reproduced to their last digit."""

from __future__ import annotations

import numpy as np
import pytest

import selfattention as sa
from reference_loop import loop_attention
from selfattention.explain.numbers import fmt

EX = sa.seed_example()
# the seed's figures, typed in from the article (not from our output)
PUBLISHED_WEIGHTS = {"Acting": ["0.9999", "0.0001"], "Machines": ["0.7685", "0.2315"]}
PUBLISHED_OUTPUTS = {"Acting": ["1.0002", "2.9998", "4"], "Machines": ["1.463", "2.537", "4"]}


def test_value_follows_from_published_outputs():
    # output = w * v1 + (1 - w) * v2 for both tokens: two equations per column give V
    w = np.array([[0.9999, 0.0001], [0.7685, 0.2315]])
    outputs = np.array([[1.0002, 2.9998, 4], [1.463, 2.537, 4]])
    np.testing.assert_allclose(np.linalg.solve(w, outputs), EX.value, atol=1e-3)


@pytest.mark.parametrize("implementation", ["auto", *sorted(sa.core.kernels.IMPLEMENTATIONS)])
def test_weights_and_outputs_round_to_published_figures(implementation):
    out = sa.scaled_dot_product_attention(EX.query, EX.key, EX.value, implementation=implementation)
    weights = sa.attention_weights(EX.query, EX.key)
    for i, token in enumerate(EX.tokens):
        assert [fmt(w, 4) for w in weights[i]] == PUBLISHED_WEIGHTS[token]
        # the seed prints outputs to 4 places for "Acting" and 3 for "Machines"
        places = 4 if token == "Acting" else 3
        assert [fmt(x, places) for x in out[i]] == PUBLISHED_OUTPUTS[token]


def test_independent_loop_agrees():
    out, weights = loop_attention(EX.query, EX.key, EX.value)
    t = sa.trace(**EX.trace_kwargs())
    np.testing.assert_allclose(t.weights, weights, rtol=1e-12)
    np.testing.assert_allclose(t.outputs, out, rtol=1e-12)


def test_description_says_q_and_k_are_reconstructed():
    assert "reconstructed" in EX.description
    assert "[2.078, 0, 1]" in EX.description and "[1, 0, 1]" in EX.description


def test_seed_meaning_matches_the_article():
    e = sa.explain(sa.trace(**EX.trace_kwargs()))
    acting, machines = e.queries
    assert acting.meaning[0] == 'Weights: "Acting" gives 0.9999 to itself and 0.0001 to "Machines".'
    assert 'It is closest to the value vector of "Acting"' in acting.meaning[1]
    assert acting.meaning[2] == 'In short, "Acting" attends almost only to itself.'
    assert machines.meaning[0] == 'Weights: "Machines" gives 0.7685 to "Acting" and 0.2315 to itself.'
    assert machines.meaning[2] == (
        'In short, "Machines" keeps relatively little on itself (0.2315) and looks most at "Acting" (0.7685).'
    )
