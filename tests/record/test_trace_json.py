"""Reading trace documents back (AttentionTrace.from_json): a trace or a clear refusal.

Regressions found by test_fuzz.py: deep nesting, integers beyond float's range, non-float
dtypes and arrays of the wrong shape were accepted or escaped as other exceptions.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import selfattention as sa

SEED = sa.trace(**sa.seed_example().trace_kwargs())


def document(**changes) -> str:
    data = json.loads(SEED.to_json())
    for name, value in changes.items():
        if "." in name:  # "steps.0.weights"
            target = data
            *path, last = name.split(".")
            for part in path:
                target = target[int(part)] if isinstance(target, list) else target[part]
            target[last] = value
        else:
            data[name] = value
    return json.dumps(data)


def test_round_trip_keeps_every_bit():
    t = sa.trace(
        np.random.default_rng(0).standard_normal((3, 4)) * 1e-3,
        np.eye(4)[:3],
        np.ones((3, 2)),
        is_causal=True,
    )
    assert sa.AttentionTrace.from_json(t.to_json()) == t
    assert sa.AttentionTrace.from_json(SEED.to_json()) == SEED


@pytest.mark.parametrize(
    "text,message",
    [
        ("[" * 100_000, "trace JSON nests too deeply: expected a trace document"),
        ("[1]", 'not a trace document: expected an object with "format": "selfattention.trace"'),
        (document(scale=10**400), "not a valid trace document: int too large to convert to float"),
        (
            document(dtype="<U5"),
            "not a valid trace document: dtype is '<U5', expected a float dtype such as 'float64'",
        ),
        (
            document(dtype="int64"),
            "not a valid trace document: dtype is 'int64', expected a float dtype such as 'float64'",
        ),
        (
            document(tokens=["only one"]),
            "not a valid trace document: tokens has 1 labels, expected 2",
        ),
        (
            document(key=[[1, 0, 1]]),
            "not a valid trace document: key has shape (1, 3), expected (2, 3)",
        ),
        (
            document(**{"steps.0.weights": [1.0]}),
            "not a valid trace document: step 0 weights has shape (1,), expected (2,)",
        ),
        (
            document(**{"steps.1.index": 7}),
            "not a valid trace document: step index 7 is outside the 2 query positions",
        ),
        (
            document(**{"steps.0.output": ["x", 1, 2]}),
            "not a valid trace document: 'x' is not a number",
        ),
        (
            document(value="abc"),
            "not a valid trace document: 'abc' is not a number",
        ),
        (
            document(value=[1.0, 2.0]),
            "not a valid trace document: query, key and value must be lists of rows",
        ),
    ],
)
def test_refusals(text, message):
    with pytest.raises(sa.InputError) as info:
        sa.AttentionTrace.from_json(text)
    assert str(info.value) == message


def test_non_finite_numbers_are_kept_as_strings():
    t = sa.AttentionTrace.from_json(document(**{"steps.0.mask": [0.0, "-inf"]}))
    assert t.steps[0].mask[1] == -np.inf
