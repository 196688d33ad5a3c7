"""LayerTrace: a multi-head self-attention layer on one sequence, every stage as plain data.

The stages, in the order a sentence travels them (names are stable; renderers and the JSON
form use them):

================ ============== ===================================================
field            shape          what it is
================ ============== ===================================================
``tokens``       (L,)           the query tokens (``key_tokens``: the S keys)
``embeddings``   (L, d_model)   token vectors (None when X was given directly)
``positional``   (L, d_model)   the positional encoding added to them (or None)
``x``            (L, d_model)   the layer's input, X = embeddings + positional
``context``      (S, d_model)   keys and values come from here (cross-attention), or None
``w_q`` ...      (d_model, d_model) W_Q, W_K, W_V, W_O, applied as ``X @ W + b``
``b_q`` ...      (d_model,)     their biases (None without bias)
``query``        (L, d_model)   Q = X W_Q + b_Q; head h uses columns h*d_head..(h+1)*d_head
``key``          (S, d_model)   K = context W_K + b_K (context = X for self-attention)
``value``        (S, d_model)   V = context W_V + b_V
``heads``        H traces       one :class:`~selfattention.record.trace.AttentionTrace` per head
``concat``       (L, d_model)   every head's output side by side
``output``       (L, d_model)   concat W_O + b_O
================ ============== ===================================================

``weights`` stacks the heads' weight rows of the traced queries: (heads, traced queries, S).

>>> from selfattention.sources.pipeline import text_layer_trace
>>> t = text_layer_trace("it was tired", d_model=4, num_heads=2)
>>> t.weights.shape, t.head(1).d_head, LayerTrace.from_json(t.to_json()) == t
((2, 3, 3), 2, True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core.errors import InputError
from .json_form import decode_array, encode, same
from .provenance import Provenance, provenance_from_document
from .trace import AttentionTrace

__all__ = ["LayerTrace"]

_FORMAT = "selfattention.layer_trace"
_VERSION = 1
_ARRAYS = ("x", "w_q", "w_k", "w_v", "w_o", "query", "key", "value", "concat", "output")
_OPTIONAL = ("embeddings", "positional", "context", "b_q", "b_k", "b_v", "b_o")


@dataclass(frozen=True, eq=False)
class LayerTrace:
    """Every stage of a multi-head attention layer on one sequence (module docstring)."""

    tokens: tuple[str, ...]
    key_tokens: tuple[str, ...]
    x: NDArray[Any]  # (L, d_model)
    w_q: NDArray[Any]  # (d_model, d_model)
    w_k: NDArray[Any]
    w_v: NDArray[Any]
    w_o: NDArray[Any]
    query: NDArray[Any]  # (L, d_model)
    key: NDArray[Any]  # (S, d_model)
    value: NDArray[Any]  # (S, d_model)
    heads: tuple[AttentionTrace, ...]
    concat: NDArray[Any]  # (L, d_model)
    output: NDArray[Any]  # (L, d_model)
    is_causal: bool = False
    embeddings: NDArray[Any] | None = None  # (L, d_model)
    positional: NDArray[Any] | None = None  # (L, d_model)
    context: NDArray[Any] | None = None  # (S, d_model)
    b_q: NDArray[Any] | None = None  # (d_model,)
    b_k: NDArray[Any] | None = None
    b_v: NDArray[Any] | None = None
    b_o: NDArray[Any] | None = None
    dtype: str = "float64"
    provenance: Provenance = field(default_factory=Provenance)

    # -- views ---------------------------------------------------------------------------
    @property
    def num_heads(self) -> int:
        return len(self.heads)

    @property
    def d_model(self) -> int:
        return int(self.x.shape[1])

    @property
    def d_head(self) -> int:
        return self.d_model // max(self.num_heads, 1)

    @property
    def is_cross(self) -> bool:
        return self.context is not None

    @property
    def query_indices(self) -> tuple[int, ...]:
        """The traced query positions (the same for every head)."""
        return self.heads[0].query_indices if self.heads else ()

    @property
    def weights(self) -> NDArray[Any]:
        """(heads, traced queries, S): each head's weight rows for the traced queries; with
        every query traced, the layer's whole attention pattern (heads, L, S)."""
        return np.stack([h.weights for h in self.heads]) if self.heads else np.zeros((0, 0, len(self.key_tokens)))

    def head(self, index: int) -> AttentionTrace:
        """The trace of one head (0-based)."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < self.num_heads:
            raise InputError(
                f"head {index!r} does not exist: this layer has {self.num_heads} heads, numbered 0 to"
                f" {self.num_heads - 1}",
                code="layer_trace_head_not_found",
                head=index,
                count=self.num_heads,
                last=self.num_heads - 1,
            )
        return self.heads[int(index)]

    # -- JSON ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; each head is its own trace document (``AttentionTrace.to_dict``)."""
        data: dict[str, Any] = {
            "format": _FORMAT,
            "version": _VERSION,
            "dtype": self.dtype,
            "tokens": list(self.tokens),
            "key_tokens": list(self.key_tokens),
            "is_causal": self.is_causal,
            "num_heads": self.num_heads,
        }
        for name in (*_OPTIONAL[:3], "x", *_ARRAYS[1:5], *_OPTIONAL[3:], *_ARRAYS[5:]):
            value = getattr(self, name)
            data[name] = None if value is None else encode(value)
        data["heads"] = [h.to_dict() for h in self.heads]
        data["provenance"] = self.provenance.to_dict()
        return data

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, data: Any) -> LayerTrace:
        """Read :meth:`to_dict`'s form back; raises :class:`InputError` if it is not one."""
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise InputError(
                f'not a layer trace document: expected an object with "format": "{_FORMAT}"',
                code="not_a_layer_trace_document",
                format=_FORMAT,
            )
        try:
            dtype = np.dtype(data["dtype"])

            def array(name: str) -> NDArray[Any]:
                return decode_array(data[name], dtype)

            d_model = len(data["w_q"])
            arrays: dict[str, Any] = {name: array(name).reshape(-1, d_model) for name in _ARRAYS}
            optional: dict[str, Any] = {name: None if data.get(name) is None else array(name) for name in _OPTIONAL}
            heads = tuple(AttentionTrace.from_dict(h) for h in data["heads"])
            if len(heads) != int(data["num_heads"]):
                raise ValueError(f"num_heads is {data['num_heads']} but {len(heads)} heads are stored")
            return cls(
                tokens=tuple(str(t) for t in data["tokens"]),
                key_tokens=tuple(str(t) for t in data["key_tokens"]),
                heads=heads,
                is_causal=bool(data["is_causal"]),
                dtype=str(dtype),
                provenance=provenance_from_document(data),
                **arrays,
                **optional,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(
                f"not a valid layer trace document: {error!s}", code="layer_trace_document_invalid", reason=str(error)
            ) from None

    @classmethod
    def from_json(cls, text: str) -> LayerTrace:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(
                f"layer trace JSON is invalid: {error}", code="layer_trace_json_invalid", reason=str(error)
            ) from None
        return cls.from_dict(data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LayerTrace):
            return NotImplemented
        return all(same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    def __repr__(self) -> str:
        return (
            f"LayerTrace(tokens={list(self.tokens)!r}, d_model={self.d_model}, heads={self.num_heads},"
            f" traced={list(self.query_indices)!r}, is_causal={self.is_causal}, dtype={self.dtype!r})"
        )
