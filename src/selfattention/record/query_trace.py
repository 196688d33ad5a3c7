"""QueryTrace: every step of attention for one query, computed and kept as plain data.

The steps and their shapes are the table of :mod:`selfattention.record.steps`; the fields
of :class:`QueryTrace` are checked against it when this module is imported. The numbers come
from the functions the reference kernel uses: the mask by
:func:`selfattention.core.masks.apply_mask`, the softmax (with its rule for fully masked
rows: weights 0, output 0) by :func:`selfattention.core.softmax.softmax_steps`, on one row.

>>> step = trace_query(0, "a", np.array([1.0, 0.0]), np.eye(2), np.array([[1.0], [3.0]]), 1.0, np.zeros(2))
>>> step.weights.round(4), step.output.round(4)
(array([0.7311, 0.2689]), array([1.5379]))
>>> QueryTrace.from_dict(step.to_dict(), np.dtype(np.float64)) == step
True
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core.errors import InputError
from ..core.masks import apply_mask
from ..core.softmax import softmax_steps
from .json_form import decode_array, encode, same
from .steps import STEP_NAMES, STEPS

__all__ = ["QueryTrace", "trace_query"]


@dataclass(frozen=True, eq=False)
class QueryTrace:
    """Every intermediate for one query position (see :mod:`selfattention.record.steps`)."""

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

    # -- JSON ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """index, token and every step, by name; arrays as lists (see :mod:`.json_form`)."""
        return {"index": self.index, "token": self.token, **{name: encode(getattr(self, name)) for name in STEP_NAMES}}

    @classmethod
    def from_dict(cls, raw: Any, dtype: np.dtype[Any]) -> QueryTrace:
        """:meth:`to_dict`'s form back, arrays in ``dtype``; raises KeyError, TypeError or
        ValueError (the trace document turns them into one message)."""
        index, token = int(raw["index"]), str(raw["token"])
        values: dict[str, Any] = {
            s.name: float(raw[s.name]) if s.kind == "scalar" else decode_array(raw[s.name], dtype) for s in STEPS
        }
        return cls(index=index, token=token, **values)

    def check_shapes(self, sizes: dict[str, int]) -> None:
        """Raise ValueError unless every array step has the shape the table gives it, for
        the sizes of the trace's dimensions (key_pos, d_head, d_value)."""
        for s in STEPS:
            if s.kind == "array" and getattr(self, s.name).shape != s.sizes(sizes):
                shape = getattr(self, s.name).shape
                raise ValueError(f"step {self.index} {s.name} has shape {shape}, expected {s.sizes(sizes)}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryTrace):
            return NotImplemented
        return all(same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))


def _check_fields() -> None:
    """QueryTrace's fields must be index, token and the table's steps, in order, a float for
    a scalar step and an array for the others: a programming error otherwise."""
    found = [(f.name, f.type) for f in fields(QueryTrace)]
    expected = [("index", "int"), ("token", "str")]
    expected += [(s.name, "float" if s.kind == "scalar" else "NDArray[Any]") for s in STEPS]
    if found != expected:
        raise TypeError(f"QueryTrace's fields {found} differ from the table of steps (record/steps.py): {expected}")


_check_fields()


def trace_query(
    index: int,
    token: str,
    q: NDArray[Any],  # (E,)
    k: NDArray[Any],  # (S, E)
    v: NDArray[Any],  # (S, Ev)
    scale: float,
    mask: NDArray[Any],  # (S,) additive: 0 = attend, -inf = blocked
) -> QueryTrace:
    """Every step for one query of finite inputs, in q's dtype; raises InputError when a dot
    product overflows (a trace shows numbers, and inf has none to show)."""
    dtype = q.dtype
    with np.errstate(over="ignore", invalid="ignore"):
        products = q[None, :] * k  # (1, E) * (S, E) -> (S, E)
        dot_products = products.sum(axis=1)  # (S,)
        scaled = dot_products * dtype.type(scale)  # (S,)
    if not (np.isfinite(products).all() and np.isfinite(scaled).all()):
        j = int(np.flatnonzero(~(np.isfinite(products).all(axis=1) & np.isfinite(scaled)))[0])
        raise InputError(
            f"q{index}·k{j} overflows {dtype}: the numbers are too large to multiply"
            f" (largest |q| entry {np.abs(q).max():.3g}, |k| entry {np.abs(k[j]).max():.3g}); scale the inputs down",
            code="dot_product_overflow",
            query=index,
            key=j,
            dtype=str(dtype),
            q_max=f"{np.abs(q).max():.3g}",
            k_max=f"{np.abs(k[j]).max():.3g}",
        )
    mask = mask.astype(dtype)
    masked = apply_mask(scaled, mask)  # (S,)
    softmax = softmax_steps(masked)  # the reference kernel's softmax, on one row
    weighted_values = softmax.weights[:, None] * v  # (S, 1) * (S, Ev) -> (S, Ev)
    output = weighted_values.sum(axis=0)  # (Ev,)
    return QueryTrace(
        index=index,
        token=token,
        query=q.copy(),
        products=products,
        dot_products=dot_products,
        scaled_scores=scaled,
        mask=mask,
        masked_scores=masked,
        max_score=float(softmax.shift[0]),
        exponentials=softmax.exponentials,
        exp_sum=float(softmax.total[0]),
        weights=softmax.weights,
        weighted_values=weighted_values,
        output=output,
    )
