"""The table of steps (record/steps.py) is the one list: QueryTrace's fields, the shapes of a
real trace, its JSON keys and shape checks, and the four stages all agree with it."""

from __future__ import annotations

import json

import numpy as np
import pytest

import selfattention as sa
from selfattention.record import query_trace
from selfattention.record.query_trace import QueryTrace
from selfattention.record.steps import STAGES, STEP, STEP_NAMES, STEPS

SEED_STEPS = [
    "query",
    "products",
    "dot_products",
    "scaled_scores",
    "mask",
    "masked_scores",
    "max_score",
    "exponentials",
    "exp_sum",
    "weights",
    "weighted_values",
    "output",
]


def test_the_table_holds_the_twelve_steps_in_order():
    assert list(STEP_NAMES) == SEED_STEPS
    assert sa.STEP_NAMES is STEP_NAMES
    assert {s.kind for s in STEPS if s.name in ("max_score", "exp_sum")} == {"scalar"}
    assert all(s.kind == "array" for s in STEPS if s.name not in ("max_score", "exp_sum"))


def test_query_trace_fields_are_the_table():
    assert [f for f in QueryTrace.__dataclass_fields__] == ["index", "token", *STEP_NAMES]


def test_a_field_that_leaves_the_table_is_a_programming_error(monkeypatch):
    monkeypatch.setattr(query_trace, "STEPS", STEPS[:-1])
    with pytest.raises(TypeError, match=r"QueryTrace's fields .* differ from the table of steps"):
        query_trace._check_fields()


def test_a_real_trace_has_the_shapes_and_kinds_of_the_table(rng):
    L, S, E, Ev = 2, 5, 3, 4  # every size different, so a swapped dimension shows
    t = sa.trace(rng.standard_normal((L, E)), rng.standard_normal((S, E)), rng.standard_normal((S, Ev)))
    sizes = {"key_pos": S, "d_head": E, "d_value": Ev}
    for step in t.steps:
        for s in STEPS:
            value = getattr(step, s.name)
            if s.kind == "scalar":
                assert type(value) is float, s.name
            else:
                assert value.shape == s.sizes(sizes), s.name
        assert list(json.loads(t.to_json())["steps"][0]) == ["index", "token", *STEP_NAMES]


def test_the_shape_check_names_the_step_from_the_table():
    data = json.loads(sa.trace(**sa.seed_example().trace_kwargs()).to_json())
    data["steps"][1]["weighted_values"] = [[1.0, 2.0, 3.0]]
    with pytest.raises(sa.InputError, match=r"step 1 weighted_values has shape \(1, 3\), expected \(2, 3\)"):
        sa.AttentionTrace.from_dict(data)


def test_stages_are_the_seeds_four_and_cover_every_step_once():
    assert [(s.number, s.key) for s in STAGES] == [
        (1, "dot_products"),
        (2, "scale"),
        (3, "softmax"),
        (4, "weighted_sum"),
    ]
    assert STAGES[0].steps == ("products", "dot_products")
    assert STAGES[1].steps == ("scaled_scores",)
    assert STAGES[2].steps == ("mask", "masked_scores", "max_score", "exponentials", "exp_sum", "weights")
    assert STAGES[3].steps == ("weighted_values", "output")
    staged = [name for stage in STAGES for name in stage.steps]
    assert ["query", *staged] == list(STEP_NAMES) and STEP["query"].stage is None


def test_fully_masked_row_follows_the_softmax_rule(rng):
    mask = np.ones((3, 4), bool)
    mask[1] = False
    t = sa.trace(rng.standard_normal((3, 2)), rng.standard_normal((4, 2)), rng.standard_normal((4, 2)), attn_mask=mask)
    row = t.step(1)
    assert row.max_score == 0.0 and row.exp_sum == 0.0
    assert (row.exponentials == 0).all() and (row.weights == 0).all() and (row.output == 0).all()
