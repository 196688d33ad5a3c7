"""The web API's schema of a step is built from the table of steps (record/steps.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("pydantic", reason="the web extra (pydantic) is not installed")

import selfattention as sa
from selfattention.record.steps import STEP, STEP_NAMES
from selfattention.surfaces.server.schemas import StepDocument, TraceDocument


def test_step_document_fields_are_the_table():
    schema = StepDocument.model_json_schema()
    assert list(schema["properties"]) == ["index", "token", *STEP_NAMES]
    assert schema["required"] == ["index", "token", *STEP_NAMES]
    for name in STEP_NAMES:
        depth, node = 0, schema["properties"][name]
        while node.get("type") == "array":
            depth, node = depth + 1, node["items"]
        assert depth == len(STEP[name].shape), name
        assert STEP[name].meaning in schema["properties"][name]["description"]


def test_a_trace_document_validates():
    document = sa.trace(**sa.seed_example().trace_kwargs()).to_dict()
    assert TraceDocument.model_validate(document).steps[0].weights == document["steps"][0]["weights"]
