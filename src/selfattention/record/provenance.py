"""Where a trace comes from, as typed records: the context its words may state.

A trace's numbers are the same whatever made them; its provenance says what they are:

- :class:`Provenance`: vectors given directly, with an optional title and description,
- :class:`ExampleProvenance`: a built-in example (``selfattention.sources.examples``),
- :class:`ToyLayerProvenance`: the toy layer on a sentence (``selfattention.sources.pipeline``),
- :class:`HeadProvenance`: one head of a multi-head layer (and that layer's provenance),
- :class:`ModelHeadProvenance`: one head of a real model, with the :class:`RebuildCheck` of
  its rebuild against the attention the model itself returns.

Every record is frozen and has a JSON form tagged by ``"kind"`` that reads back equal:

>>> p = HeadProvenance(head=1, num_heads=2, layer=ToyLayerProvenance(text="a b", seed=0))
>>> p.to_dict()["layer"]
{'kind': 'toy_layer', 'title': '', 'description': '', 'text': 'a b', 'seed': 0}
>>> provenance_from_dict(p.to_dict()) == p
True
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar

__all__ = [
    "ExampleProvenance",
    "HeadProvenance",
    "ModelHeadProvenance",
    "Provenance",
    "RebuildCheck",
    "ToyLayerProvenance",
    "provenance_from_dict",
    "provenance_from_document",
]


@dataclass(frozen=True, kw_only=True)
class Provenance:
    """Vectors given directly; ``title`` and ``description`` (may be empty) are shown as given."""

    kind: ClassVar[str] = "vectors"
    title: str = ""
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            data[f.name] = value.to_dict() if hasattr(value, "to_dict") else value
            if isinstance(value, tuple):
                data[f.name] = list(value)
        return data


@dataclass(frozen=True, kw_only=True)
class ExampleProvenance(Provenance):
    """A built-in example, by ``example`` name (``seed``); a language may word its title and
    description itself."""

    kind: ClassVar[str] = "example"
    example: str


@dataclass(frozen=True, kw_only=True)
class ToyLayerProvenance(Provenance):
    """The toy layer on ``text``: hash embeddings and random weights drawn from ``seed``."""

    kind: ClassVar[str] = "toy_layer"
    text: str
    seed: int


@dataclass(frozen=True, kw_only=True)
class HeadProvenance(Provenance):
    """Head ``head`` (0-based) of a layer of ``num_heads`` heads; ``layer`` is the layer's own
    provenance."""

    kind: ClassVar[str] = "head"
    head: int
    num_heads: int
    layer: Provenance | None = None


@dataclass(frozen=True, kw_only=True)
class RebuildCheck:
    """A rebuilt head against the model: every weight row (``rows_checked``) compared with the
    attention the model returns; the largest difference must stay within ``tolerance``."""

    max_abs_difference: float
    tolerance: float
    rebuilt_dtype: str
    model_dtype: str
    rows_checked: int
    against: str = "the attention probabilities the model returns (output_attentions, eager)"

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, kw_only=True)
class ModelHeadProvenance(Provenance):
    """Head ``head`` of layer ``layer`` (0-based) of a real model on ``text``, and its check."""

    kind: ClassVar[str] = "model_head"
    model: str
    model_path: str
    weights_sha256: str | None
    family: str
    model_type: str
    layer: int
    head: int
    num_layers: int
    num_heads: int
    text: str
    special_tokens: tuple[int, ...]  # positions of the tokenizer's special tokens
    check: RebuildCheck
    # what decoders add (defaults: an encoder's head, or a document written before them)
    num_kv_heads: int = 0  # key/value heads (grouped-query attention); 0 = one per query head
    rope_frequencies: tuple[float, ...] = ()  # RoPE: radians per position of each dimension pair
    position_offset: int = 0  # query i sits at position i + offset (keys at j)
    cached_keys: int = 0  # generation: keys and values taken from the KV cache
    recompute_difference: float | None = None  # generation: this row against the full recomputation


_KINDS: dict[str, type[Provenance]] = {
    cls.kind: cls for cls in (Provenance, ExampleProvenance, ToyLayerProvenance, HeadProvenance, ModelHeadProvenance)
}


def provenance_from_dict(data: Any, where: str = "provenance") -> Provenance:
    """Read :meth:`Provenance.to_dict`'s form back; raises ValueError naming what is wrong.

    >>> provenance_from_dict({"kind": "example", "example": "seed"})
    ExampleProvenance(title='', description='', example='seed')
    >>> provenance_from_dict({"kind": "song"})
    Traceback (most recent call last):
    ValueError: provenance kind is 'song': expected one of example, head, model_head, toy_layer, vectors
    """
    if not isinstance(data, dict):
        raise ValueError(f"{where} is {type(data).__name__}: expected an object with a kind")
    cls = _KINDS.get(data.get("kind", "vectors"))
    if cls is None:
        raise ValueError(f"{where} kind is {data.get('kind')!r}: expected one of {', '.join(sorted(_KINDS))}")
    return cls(**_fields(cls, data, where))


def _fields(cls: type[Any], data: dict[str, Any], where: str) -> dict[str, Any]:
    known = {f.name: f for f in fields(cls)}
    unknown = [key for key in data if key not in known and key != "kind"]
    if unknown:
        raise ValueError(f"{where} has unknown key {unknown[0]!r}: expected some of {', '.join(known)}")
    required = [name for name, f in known.items() if f.default is MISSING]
    missing = [name for name in required if name not in data]
    if missing:
        raise ValueError(f"{where} lacks {missing[0]!r}: expected {', '.join(required)}")
    values: dict[str, Any] = {}
    for name, f in known.items():
        if name in data:
            values[name] = _value(str(f.type), data[name], f"{where}.{name}")
    return values


def _value(kind: str, raw: Any, where: str) -> Any:
    """``raw`` checked against a field's annotation (the few kinds the records use)."""
    if raw is None and kind.endswith("| None"):
        return None
    kind = kind.removesuffix(" | None")
    if kind == "RebuildCheck":
        if not isinstance(raw, dict):
            raise ValueError(f"{where} is {type(raw).__name__}: expected an object")
        return RebuildCheck(**_fields(RebuildCheck, raw, where))
    if kind == "Provenance":
        return provenance_from_dict(raw, where)
    if kind == "tuple[int, ...]" and isinstance(raw, list):
        return tuple(_value("int", item, where) for item in raw)
    if kind == "tuple[float, ...]" and isinstance(raw, list):
        return tuple(_value("float", item, where) for item in raw)
    if kind == "float" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    if (kind == "str" and isinstance(raw, str)) or (
        kind == "int" and isinstance(raw, int) and not isinstance(raw, bool)
    ):
        return raw
    raise ValueError(f"{where} is {raw!r}: expected {kind}")


def provenance_from_document(data: dict[str, Any]) -> Provenance:
    """The provenance of a trace document: its ``"provenance"``, or for a document written
    before provenance was typed, its free ``"meta"`` object read into the matching record."""
    if "provenance" in data:
        return provenance_from_dict(data["provenance"])
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        raise ValueError(f"meta is {type(meta).__name__}: expected an object")
    source = meta.get("source")
    meta = {key: value for key, value in meta.items() if key != "source"}
    if source == "model":
        return provenance_from_dict({"kind": "model_head", **meta}, "meta")
    if source == "toy":
        return provenance_from_dict({"kind": "toy_layer", **meta}, "meta")
    kind = "example" if "example" in meta else "head" if "head" in meta else "vectors"
    return provenance_from_dict({"kind": kind, **meta}, "meta")
