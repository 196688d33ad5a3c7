"""Provenance: typed, frozen, and exact through the trace's JSON; old "meta" documents still read."""

from __future__ import annotations

import dataclasses
import json

import pytest

import selfattention as sa
from selfattention.record.provenance import (
    ExampleProvenance,
    HeadProvenance,
    ModelHeadProvenance,
    Provenance,
    RebuildCheck,
    ToyLayerProvenance,
)

CHECK = RebuildCheck(
    max_abs_difference=3.9e-7, tolerance=1e-4, rebuilt_dtype="float64", model_dtype="float32", rows_checked=2
)
MODEL = ModelHeadProvenance(
    model="minilm",
    model_path="/models/minilm",
    weights_sha256="ab" * 32,
    family="BERT",
    model_type="bert",
    layer=3,
    head=1,
    num_layers=6,
    num_heads=12,
    text="Acting Machines",
    special_tokens=(0, 1),
    check=CHECK,
)
RECORDS = [
    Provenance(),
    Provenance(title="mine", description="typed in"),
    ExampleProvenance(title="Seed", description="the article's", example="seed"),
    HeadProvenance(head=1, num_heads=2, layer=ToyLayerProvenance(text="a b", seed=3)),
    MODEL,
]


def seed_trace(provenance):
    ex = sa.seed_example()
    return sa.trace(ex.query, ex.key, ex.value, tokens=ex.tokens, provenance=provenance)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.kind)
def test_a_trace_round_trips_its_provenance_exactly(record):
    t = seed_trace(record)
    back = sa.AttentionTrace.from_json(t.to_json())
    assert back == t and back.provenance == record and type(back.provenance) is type(record)
    assert json.loads(t.to_json())["provenance"]["kind"] == record.kind
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.title = "changed"  # type: ignore[misc]


def test_a_layer_round_trips_the_provenance_of_its_heads():
    t = sa.text_layer_trace("it was tired", d_model=4, num_heads=2, seed=4)
    assert t.provenance == ToyLayerProvenance(text="it was tired", seed=4)
    assert t.heads[1].provenance == HeadProvenance(head=1, num_heads=2, layer=t.provenance)
    assert sa.LayerTrace.from_json(t.to_json()) == t


def test_sources_say_where_their_numbers_come_from():
    seed = sa.trace(**sa.seed_example().trace_kwargs()).provenance
    assert isinstance(seed, ExampleProvenance) and seed.example == "seed" and "reconstructed" in seed.description


def test_old_documents_with_meta_still_read():
    document = json.loads(seed_trace(Provenance()).to_json())
    del document["provenance"]
    old_model = {"source": "model", **{k: v for k, v in MODEL.to_dict().items() if k != "kind"}}
    for meta, expected in (
        (
            {"title": "Seed", "description": "d", "example": "seed"},
            ExampleProvenance(title="Seed", description="d", example="seed"),
        ),
        ({"head": 1, "num_heads": 2}, HeadProvenance(head=1, num_heads=2)),
        ({"source": "toy", "text": "a b", "seed": 0}, ToyLayerProvenance(text="a b", seed=0)),
        (old_model, MODEL),
        ({}, Provenance()),
    ):
        assert sa.AttentionTrace.from_dict({**document, "meta": meta}).provenance == expected
    assert sa.AttentionTrace.from_dict(document).provenance == Provenance()  # neither: nothing to say


@pytest.mark.parametrize(
    ("provenance", "message"),
    [
        ({"kind": "song"}, "provenance kind is 'song': expected one of example, head, model_head, toy_layer, vectors"),
        ({"kind": "example"}, "provenance lacks 'example': expected example"),
        ({"kind": "head", "head": "1", "num_heads": 2}, "provenance.head is '1': expected int"),
        (
            {"kind": "vectors", "colour": "red"},
            "provenance has unknown key 'colour': expected some of title, description",
        ),
        ({**MODEL.to_dict(), "check": {**CHECK.to_dict(), "tolerance": True}}, "provenance.check.tolerance is True"),
        ([1, 2], "provenance is list: expected an object with a kind"),
    ],
)
def test_a_bad_provenance_is_refused_with_what_is_wrong(provenance, message):
    document = {**json.loads(seed_trace(Provenance()).to_json()), "provenance": provenance}
    with pytest.raises(sa.InputError, match="not a valid trace document: ") as error:
        sa.AttentionTrace.from_dict(document)
    assert message in str(error.value)
