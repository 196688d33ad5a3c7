"""AttentionTrace: every intermediate of self-attention, per query, as plain data.

For a query ``q_i`` and keys ``k_1..k_S`` with values ``v_1..v_S`` the trace records, per
query, every step of :mod:`selfattention.record.steps` (:data:`STEP_NAMES`: query, products,
dot_products, scaled_scores, mask, masked_scores, max_score, exponentials, exp_sum, weights,
weighted_values, output), as a :class:`~selfattention.record.query_trace.QueryTrace`. The
numbers come from the reference kernel's mask and softmax functions, one row at a time.

Only the queries asked for are traced, so tracing a few queries of a long sequence costs
O(len(queries) * S * E), never an L x S matrix.

>>> t = trace([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0], [3.0]], tokens=["a"],
...           key_tokens=["a", "b"], scale=1.0)
>>> t.steps[0].weights.round(4)
array([0.7311, 0.2689])
>>> AttentionTrace.from_json(t.to_json()) == t
True
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..core.errors import InputError, ShapeError
from ..core.kernels.inputs import prepare_inputs
from ..core.limits import check_trace_budget
from ..core.masks import mask_row
from .json_form import decode_array, encode, same
from .labels import distinct, labels, pick_queries
from .provenance import Provenance, provenance_from_document
from .query_trace import QueryTrace, trace_query
from .steps import STEP_NAMES

__all__ = ["STEP_NAMES", "AttentionTrace", "QueryTrace", "trace"]

_FORMAT = "selfattention.trace"

#: how a notebook shows a trace as HTML; set from above (records import no renderer)
_html_display: Callable[[AttentionTrace], str] | None = None


def set_html_display(display: Callable[[AttentionTrace], str] | None) -> None:
    """Register how notebooks show a trace (``_repr_html_``); None turns it off."""
    global _html_display
    _html_display = display


_VERSION = 1


@dataclass(frozen=True, eq=False)
class AttentionTrace:
    """A trace of one head on one sequence: the inputs and, per traced query, every step.

    ``tokens`` label the query positions (L of them) and ``key_tokens`` the key positions
    (S); for self-attention they are the same. ``provenance`` says where the numbers come
    from (:mod:`selfattention.record.provenance`: an example, a layer's head, a model's head).
    """

    tokens: tuple[str, ...]
    key_tokens: tuple[str, ...]
    query: NDArray[Any]  # (L, E)
    key: NDArray[Any]  # (S, E)
    value: NDArray[Any]  # (S, Ev)
    scale: float
    is_causal: bool
    steps: tuple[QueryTrace, ...]
    dtype: str = "float64"
    provenance: Provenance = field(default_factory=Provenance)

    # -- views ---------------------------------------------------------------------------
    @property
    def d_head(self) -> int:
        return int(self.key.shape[1])

    @cached_property
    def query_names(self) -> tuple[str, ...]:
        """``tokens`` as people read them: a repeated token with its position ("the@5")."""
        return distinct(self.tokens)

    @cached_property
    def key_names(self) -> tuple[str, ...]:
        """``key_tokens`` as people read them (see :attr:`query_names`)."""
        return self.query_names if self.key_tokens == self.tokens else distinct(self.key_tokens)

    @property
    def query_indices(self) -> tuple[int, ...]:
        return tuple(step.index for step in self.steps)

    @property
    def weights(self) -> NDArray[Any]:
        """(traced queries, S): the weight rows of the traced queries, in trace order."""
        return _stack([s.weights for s in self.steps], (0, len(self.key_tokens)), self.key.dtype)

    @property
    def outputs(self) -> NDArray[Any]:
        """(traced queries, Ev)."""
        return _stack([s.output for s in self.steps], (0, self.value.shape[1]), self.key.dtype)

    @property
    def is_complete(self) -> bool:
        """True when every query position is traced, in order (the whole matrix is known)."""
        return self.query_indices == tuple(range(len(self.tokens)))

    def step(self, query: int | str) -> QueryTrace:
        """The trace of one query, by position or by token text (first match)."""
        for s in self.steps:
            if s.index == query or s.token == query:
                return s
        traced = ", ".join(f"{s.index} ({s.token!r})" for s in self.steps)
        raise InputError(
            f"query {query!r} is not traced: traced queries are {traced}",
            code="query_not_traced",
            query=query,
            traced=traced,
        )

    # -- JSON ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict. Non-finite numbers are written as the strings "inf", "-inf"
        and "nan", so that the document is valid JSON for every reader."""
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "dtype": self.dtype,
            "tokens": list(self.tokens),
            "key_tokens": list(self.key_tokens),
            "scale": encode(self.scale),
            "is_causal": self.is_causal,
            "query": encode(self.query),
            "key": encode(self.key),
            "value": encode(self.value),
            "steps": [s.to_dict() for s in self.steps],
            "provenance": self.provenance.to_dict(),
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, data: Any) -> AttentionTrace:
        """Read :meth:`to_dict`'s form back; raises :class:`InputError` if it is not one."""
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise InputError(
                f'not a trace document: expected an object with "format": "{_FORMAT}"',
                code="not_a_trace_document",
                format=_FORMAT,
            )
        try:
            dtype = np.dtype(data["dtype"])
            if dtype.kind != "f":
                raise ValueError(f"dtype is {str(dtype)!r}, expected a float dtype such as 'float64'")
            steps = tuple(QueryTrace.from_dict(raw, dtype) for raw in data["steps"])
            result = cls(
                tokens=tuple(str(t) for t in data["tokens"]),
                key_tokens=tuple(str(t) for t in data["key_tokens"]),
                query=decode_array(data["query"], dtype).reshape(-1, _width(data["key"])),
                key=decode_array(data["key"], dtype),
                value=decode_array(data["value"], dtype),
                scale=float(data["scale"]),
                is_causal=bool(data["is_causal"]),
                steps=steps,
                dtype=str(dtype),
                provenance=provenance_from_document(data),
            )
            _check_shapes(result)
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            raise InputError(
                f"not a valid trace document: {str(error)[:200]}",
                code="trace_document_invalid",
                reason=str(error)[:200],
            ) from None
        except RecursionError:
            raise InputError(
                "not a valid trace document: it nests too deeply", code="trace_document_too_deep"
            ) from None
        return result

    @classmethod
    def from_json(cls, text: str) -> AttentionTrace:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"trace JSON is invalid: {error}", code="trace_json_invalid", reason=str(error)) from None
        except RecursionError:
            raise InputError(
                "trace JSON nests too deeply: expected a trace document", code="trace_json_too_deep"
            ) from None
        except ValueError as error:  # e.g. an integer of more than 4300 digits
            raise InputError(
                f"trace JSON is invalid: {str(error)[:200]}", code="trace_json_invalid", reason=str(error)[:200]
            ) from None
        return cls.from_dict(data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AttentionTrace):
            return NotImplemented
        return all(same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    def _repr_html_(self) -> str | None:
        """The notebook display, as registered by :mod:`selfattention.surfaces.notebook` (the
        ``--format html`` report); None (plain ``repr``) when nothing is registered."""
        return None if _html_display is None else _html_display(self)

    def __repr__(self) -> str:
        return (
            f"AttentionTrace(tokens={list(self.tokens)!r}, d_head={self.d_head},"
            f" traced={list(self.query_indices)!r}, scale={self.scale:.6g},"
            f" is_causal={self.is_causal}, dtype={self.dtype!r})"
        )


def trace(
    query: ArrayLike,
    key: ArrayLike,
    value: ArrayLike,
    tokens: Sequence[str] | None = None,
    attn_mask: ArrayLike | None = None,
    is_causal: bool = False,
    scale: float | None = None,
    queries: Sequence[int | str] | None = None,
    *,
    key_tokens: Sequence[str] | None = None,
    provenance: Provenance | None = None,
) -> AttentionTrace:
    """Trace scaled dot-product attention for one sequence and one head, step by step.

    query (L, E), key (S, E), value (S, Ev); ``attn_mask`` broadcasts to (L, S) with the
    library's convention (True = may attend; float = added). ``tokens`` label the L query
    positions (and the keys too, for self-attention, when L == S); ``key_tokens`` label the
    keys of cross-attention. ``queries`` picks the queries to trace, by 0-based position
    or by token text (all by default). Inputs must be finite: a trace is for reading, and NaN has nothing to show.

    >>> t = trace([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0], [3.0]],
    ...           tokens=["a", "b"], is_causal=True, queries=[1])
    >>> t.steps[0].token, t.steps[0].weights.round(4).tolist()
    ('b', [0.3302, 0.6698])
    """
    inputs = prepare_inputs(query, key, value, attn_mask, is_causal, scale)
    q, k, v = inputs.query, inputs.key, inputs.value
    for name, array in (("query", q), ("key", k), ("value", v)):
        if array.ndim != 2:
            raise ShapeError(
                f"{name} has shape {array.shape}: a trace is of one sequence and one head, so"
                f" {name} must be 2-D; pick one, e.g. {name}[batch, head]",
                code="trace_not_2d",
                name=name,
                shape=array.shape,
            )
        if not np.isfinite(array).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
            raise InputError(
                f"{name} holds a non-finite number (NaN or inf) at {bad}: a trace needs finite numbers",
                code="trace_not_finite",
                name=name,
                at=bad,
            )
    query_len, key_len = q.shape[0], k.shape[0]
    if key_len == 0:
        raise ShapeError(
            "key and value have 0 positions: a query needs at least one key (S >= 1)", code="trace_no_keys"
        )
    tokens_q = labels(tokens, query_len, "tokens", "query")
    if key_tokens is not None:
        tokens_k = labels(key_tokens, key_len, "key_tokens", "key")
    elif tokens is not None and query_len == key_len:
        tokens_k = tokens_q
    else:
        tokens_k = tuple(f"k{j}" for j in range(key_len))
    picked = pick_queries(queries, tokens_q)
    check_trace_budget(len(picked), key_len, q.shape[1], v.shape[1])  # before allocating

    steps = []
    with np.errstate(under="ignore"):
        for i in picked:  # one (S,) row at a time: never an L x S array, even for 100k tokens
            row = mask_row(inputs.mask, i, query_len, key_len, inputs.is_causal, q.dtype)  # (S,) additive
            steps.append(trace_query(i, tokens_q[i], q[i], k, v, inputs.scale, row))
    return AttentionTrace(
        tokens=tokens_q,
        key_tokens=tokens_k,
        query=q.copy(),
        key=k.copy(),
        value=v.copy(),
        scale=inputs.scale,
        is_causal=inputs.is_causal,
        steps=tuple(steps),
        dtype=str(q.dtype),
        provenance=provenance or Provenance(),
    )


def _check_shapes(t: AttentionTrace) -> None:
    """Raise ValueError unless every array of a decoded trace has the shape its step needs."""
    if t.query.ndim != 2 or t.key.ndim != 2 or t.value.ndim != 2:
        raise ValueError("query, key and value must be lists of rows")
    (L, E), (S, Ev) = t.query.shape, t.value.shape
    if t.key.shape != (S, E):
        raise ValueError(f"key has shape {t.key.shape}, expected {(S, E)}")
    for name, names, count in (("tokens", t.tokens, L), ("key_tokens", t.key_tokens, S)):
        if len(names) != count:
            raise ValueError(f"{name} has {len(names)} labels, expected {count}")
    sizes = {"key_pos": S, "d_head": E, "d_value": Ev}
    for step in t.steps:
        if not 0 <= step.index < L:
            raise ValueError(f"step index {step.index} is outside the {L} query positions")
        step.check_shapes(sizes)


def _stack(rows: list[NDArray[Any]], empty: tuple[int, int], dtype: Any) -> NDArray[Any]:
    return np.stack(rows) if rows else np.zeros(empty, dtype)


def _width(rows: Any) -> int:
    return len(rows[0]) if isinstance(rows, list) and rows and isinstance(rows[0], list) else 0
