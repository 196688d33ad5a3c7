"""AttentionTrace: every intermediate of self-attention, per query, as plain data.

For a query ``q_i`` and keys ``k_1..k_S`` with values ``v_1..v_S`` the trace records, in
order, these steps (their names are stable; renderers, the JSON form and the web page use
them):

=================== ========== =====================================================
step                shape      what it is
=================== ========== =====================================================
``query``           (E,)       q_i
``products``        (S, E)     q_i * k_j elementwise, the terms of each dot product
``dot_products``    (S,)       q_i . k_j
``scaled_scores``   (S,)       q_i . k_j * scale (scale = 1/sqrt(E) by default)
``mask``            (S,)       the offset added: 0 = attend, -inf = blocked, else a float mask
``masked_scores``   (S,)       scaled score + mask
``max_score``       scalar     the row maximum subtracted before exp (0 if all blocked)
``exponentials``    (S,)       exp(masked score - max_score)
``exp_sum``         scalar     the sum of the exponentials
``weights``         (S,)       exponentials / exp_sum (all 0 if every key is blocked)
``weighted_values`` (S, Ev)    weight_j * v_j
``output``          (Ev,)      the sum of the weighted values
=================== ========== =====================================================

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
import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..core.errors import InputError, ShapeError
from ..core.kernels.inputs import prepare_inputs
from ..core.limits import check_trace_budget
from ..core.masks import to_additive
from .provenance import Provenance, provenance_from_document

__all__ = ["STEP_NAMES", "AttentionTrace", "QueryTrace", "trace"]

STEP_NAMES: tuple[str, ...] = (
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
)

_FORMAT = "selfattention.trace"

#: how a notebook shows a trace as HTML; set from above (records import no renderer)
_html_display: Callable[[AttentionTrace], str] | None = None


def set_html_display(display: Callable[[AttentionTrace], str] | None) -> None:
    """Register how notebooks show a trace (``_repr_html_``); None turns it off."""
    global _html_display
    _html_display = display


_VERSION = 1


@dataclass(frozen=True, eq=False)
class QueryTrace:
    """Every intermediate for one query position (see the module docstring)."""

    index: int
    token: str
    query: NDArray[Any]  # (E,)
    products: NDArray[Any]  # (S, E)
    dot_products: NDArray[Any]  # (S,)
    scaled_scores: NDArray[Any]  # (S,)
    mask: NDArray[Any]  # (S,)
    masked_scores: NDArray[Any]  # (S,)
    max_score: float
    exponentials: NDArray[Any]  # (S,)
    exp_sum: float
    weights: NDArray[Any]  # (S,)
    weighted_values: NDArray[Any]  # (S, Ev)
    output: NDArray[Any]  # (Ev,)

    @property
    def allowed(self) -> NDArray[np.bool_]:
        """(S,) True where the key may be attended to."""
        return ~np.isneginf(self.mask)

    @property
    def fully_masked(self) -> bool:
        return not bool(self.allowed.any())

    @property
    def shifts_scores(self) -> bool:
        """True when the mask adds a finite non-zero offset to some score (a float mask),
        not only 0 (attend) and -inf (blocked)."""
        return bool(np.any(np.isfinite(self.mask) & (self.mask != 0)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryTrace):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))


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
        raise InputError(f"query {query!r} is not traced: traced queries are {traced}")

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
            "scale": _encode(self.scale),
            "is_causal": self.is_causal,
            "query": _encode(self.query),
            "key": _encode(self.key),
            "value": _encode(self.value),
            "steps": [{f.name: _encode(getattr(s, f.name)) for f in fields(QueryTrace)} for s in self.steps],
            "provenance": self.provenance.to_dict(),
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, data: Any) -> AttentionTrace:
        """Read :meth:`to_dict`'s form back; raises :class:`InputError` if it is not one."""
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise InputError(f'not a trace document: expected an object with "format": "{_FORMAT}"')
        try:
            dtype = np.dtype(data["dtype"])
            if dtype.kind != "f":
                raise ValueError(f"dtype is {str(dtype)!r}, expected a float dtype such as 'float64'")
            steps = tuple(
                QueryTrace(**{f.name: _decode(raw[f.name], dtype, f.name) for f in fields(QueryTrace)})
                for raw in data["steps"]
            )
            result = cls(
                tokens=tuple(str(t) for t in data["tokens"]),
                key_tokens=tuple(str(t) for t in data["key_tokens"]),
                query=_decode(data["query"], dtype, "query").reshape(-1, _width(data["key"])),
                key=_decode(data["key"], dtype, "key"),
                value=_decode(data["value"], dtype, "value"),
                scale=float(_decode(data["scale"], np.dtype(np.float64), "scale")),
                is_causal=bool(data["is_causal"]),
                steps=steps,
                dtype=str(dtype),
                provenance=provenance_from_document(data),
            )
            _check_shapes(result)
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            raise InputError(f"not a valid trace document: {str(error)[:200]}") from None
        except RecursionError:
            raise InputError("not a valid trace document: it nests too deeply") from None
        return result

    @classmethod
    def from_json(cls, text: str) -> AttentionTrace:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"trace JSON is invalid: {error}") from None
        except RecursionError:
            raise InputError("trace JSON nests too deeply: expected a trace document") from None
        except ValueError as error:  # e.g. an integer of more than 4300 digits
            raise InputError(f"trace JSON is invalid: {str(error)[:200]}") from None
        return cls.from_dict(data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AttentionTrace):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

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
                f" {name} must be 2-D; pick one, e.g. {name}[batch, head]"
            )
        if not np.isfinite(array).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
            raise InputError(f"{name} holds a non-finite number (NaN or inf) at {bad}: a trace needs finite numbers")
    query_len, key_len = q.shape[0], k.shape[0]
    if key_len == 0:
        raise ShapeError("key and value have 0 positions: a query needs at least one key (S >= 1)")
    tokens_q = _labels(tokens, query_len, "tokens", "query positions (L)")
    if key_tokens is not None:
        tokens_k = _labels(key_tokens, key_len, "key_tokens", "key positions (S)")
    elif tokens is not None and query_len == key_len:
        tokens_k = tokens_q
    else:
        tokens_k = tuple(f"k{j + 1}" for j in range(key_len))
    picked = _pick_queries(queries, tokens_q)
    check_trace_budget(len(picked), key_len, q.shape[1], v.shape[1])  # before allocating

    dtype = q.dtype
    key_pos = np.arange(key_len)
    steps = []
    with np.errstate(under="ignore"):
        for i in picked:  # one (S,) row at a time: never an L x S array, even for 100k tokens
            if inputs.mask is None:
                mask_row = np.zeros(key_len, dtype)
            else:
                mask_row = to_additive(np.broadcast_to(inputs.mask, (query_len, key_len))[i], dtype)
            if inputs.is_causal:
                mask_row = np.where(key_pos <= i, mask_row, -np.inf)  # row i of causal_mask(L, S)
            steps.append(_trace_query(i, tokens_q[i], q[i], k, v, inputs.scale, mask_row))
    return AttentionTrace(
        tokens=tokens_q,
        key_tokens=tokens_k,
        query=q.copy(),
        key=k.copy(),
        value=v.copy(),
        scale=inputs.scale,
        is_causal=inputs.is_causal,
        steps=tuple(steps),
        dtype=str(dtype),
        provenance=provenance or Provenance(),
    )


def _trace_query(
    index: int,
    token: str,
    q: NDArray[Any],  # (E,)
    k: NDArray[Any],  # (S, E)
    v: NDArray[Any],  # (S, Ev)
    scale: float,
    mask: NDArray[Any],  # (S,) additive
) -> QueryTrace:
    dtype = q.dtype
    with np.errstate(over="ignore", invalid="ignore"):
        products = q[None, :] * k  # (1, E) * (S, E) -> (S, E)
        dot_products = products.sum(axis=1)  # (S,)
        scaled = dot_products * dtype.type(scale)  # (S,)
    if not (np.isfinite(products).all() and np.isfinite(scaled).all()):
        j = int(np.flatnonzero(~(np.isfinite(products).all(axis=1) & np.isfinite(scaled)))[0])
        raise InputError(
            f"q{index + 1}·k{j + 1} overflows {dtype}: the numbers are too large to multiply"
            f" (largest |q| entry {np.abs(q).max():.3g}, |k| entry {np.abs(k[j]).max():.3g}); scale the inputs down"
        )
    blocked = np.isneginf(mask)
    masked = np.where(blocked, -np.inf, scaled + mask).astype(dtype)  # (S,)
    # a fully masked row has nothing to shift by, and every weight is 0
    max_score = 0.0 if blocked.all() else float(masked.max())
    exponentials = np.exp(masked - dtype.type(max_score))  # (S,)
    exp_sum = exponentials.sum()
    weights = exponentials / exp_sum if exp_sum > 0 else np.zeros_like(exponentials)  # (S,)
    weighted_values = weights[:, None] * v  # (S, 1) * (S, Ev) -> (S, Ev)
    output = weighted_values.sum(axis=0)  # (Ev,)
    return QueryTrace(
        index=index,
        token=token,
        query=q.copy(),
        products=products,
        dot_products=dot_products,
        scaled_scores=scaled,
        mask=mask.astype(dtype),
        masked_scores=masked,
        max_score=max_score,
        exponentials=exponentials,
        exp_sum=float(exp_sum),
        weights=weights,
        weighted_values=weighted_values,
        output=output,
    )


def _labels(labels: Sequence[str] | None, count: int, name: str, what: str) -> tuple[str, ...]:
    if labels is None:
        return tuple(f"t{i + 1}" for i in range(count))
    if isinstance(labels, str):
        raise InputError(f"{name} is one string: expected a list of {count} strings, one per {what}")
    result = tuple(str(t) for t in labels)
    if len(result) != count:
        raise InputError(f"{name} has {len(result)} entries but there are {count} {what}: give one label each")
    for i, label in enumerate(result, start=1):
        if any(unicodedata.category(c) == "Cc" for c in label):  # a newline breaks every table and title
            raise InputError(
                f"{name} entry {i} is {label!r}: a label holds a control character (newline, tab, ...);"
                " expected a visible name such as 'NL'"
            )
    return result


def _pick_queries(queries: Sequence[int | str] | None, tokens: tuple[str, ...]) -> list[int]:
    query_len = len(tokens)
    if queries is None:
        return list(range(query_len))
    if isinstance(queries, (str, int)):
        queries = [queries]
    picked: list[int] = []
    for raw in queries:
        if isinstance(raw, str):
            if raw not in tokens:
                listing = ", ".join(f"{i}:{t}" for i, t in enumerate(tokens[:_LISTED]))
                if len(tokens) > _LISTED:  # a message stays one readable line
                    listing += f", ... ({len(tokens) - _LISTED} more)"
                raise InputError(f"query {raw!r} is not among the tokens: {listing}")
            raw = tokens.index(raw)
        if isinstance(raw, bool) or not isinstance(raw, (int, np.integer)):
            raise InputError(f"queries holds {raw!r}: expected query positions (integers) or tokens")
        i = int(raw) + query_len if raw < 0 else int(raw)
        if not 0 <= i < query_len:
            from_end = f" (or {-query_len} to -1, counted from the end)" if raw < 0 else ""
            raise InputError(
                f"query position {raw} is out of range: there are {query_len} queries,"
                f" positions 0 to {query_len - 1}{from_end}"
            )
        if i not in picked:
            picked.append(i)
    return picked


#: at most this many tokens are listed in a message
_LISTED = 20


def _check_shapes(t: AttentionTrace) -> None:
    """Raise ValueError unless every array of a decoded trace has the shape its step needs."""
    if t.query.ndim != 2 or t.key.ndim != 2 or t.value.ndim != 2:
        raise ValueError("query, key and value must be lists of rows")
    (L, E), (S, Ev) = t.query.shape, t.value.shape
    if t.key.shape != (S, E):
        raise ValueError(f"key has shape {t.key.shape}, expected {(S, E)}")
    for name, labels, count in (("tokens", t.tokens, L), ("key_tokens", t.key_tokens, S)):
        if len(labels) != count:
            raise ValueError(f"{name} has {len(labels)} labels, expected {count}")
    shapes = {
        "query": (E,),
        "products": (S, E),
        "dot_products": (S,),
        "scaled_scores": (S,),
        "mask": (S,),
        "masked_scores": (S,),
        "exponentials": (S,),
        "weights": (S,),
        "weighted_values": (S, Ev),
        "output": (Ev,),
    }
    for step in t.steps:
        if not 0 <= step.index < L:
            raise ValueError(f"step index {step.index} is outside the {L} query positions")
        for name, shape in shapes.items():
            if getattr(step, name).shape != shape:
                raise ValueError(f"step {step.index} {name} has shape {getattr(step, name).shape}, expected {shape}")


def _stack(rows: list[NDArray[Any]], empty: tuple[int, int], dtype: Any) -> NDArray[Any]:
    return np.stack(rows) if rows else np.zeros(empty, dtype)


def _width(rows: Any) -> int:
    return len(rows[0]) if isinstance(rows, list) and rows and isinstance(rows[0], list) else 0


def _encode(x: Any) -> Any:
    """Arrays and floats to JSON-able values; non-finite floats to "inf"/"-inf"/"nan"."""
    if isinstance(x, np.ndarray):
        if x.dtype == np.bool_:
            return x.tolist()
        return [_encode(item) for item in x] if x.ndim > 1 else [_encode_float(float(f)) for f in x]
    if isinstance(x, (float, np.floating)):
        return _encode_float(float(x))
    if isinstance(x, np.integer):
        return int(x)
    return x


def _encode_float(x: float) -> float | str:
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


_SCALARS = {"index", "token", "max_score", "exp_sum"}


def _decode(raw: Any, dtype: np.dtype[Any], name: str) -> Any:
    if name == "index":
        return int(raw)
    if name == "token":
        return str(raw)
    if name in _SCALARS or name == "scale":
        return float(raw)
    return np.array(_decode_floats(raw), dtype=dtype)


def _decode_floats(raw: Any) -> Any:
    if isinstance(raw, list):
        return [_decode_floats(item) for item in raw]
    if isinstance(raw, str):
        if raw not in ("inf", "-inf", "nan"):
            raise ValueError(f"{raw!r} is not a number")
        return float(raw)
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"{raw!r} is not a number")
    return raw


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
