"""Checking and normalising what a kernel receives, shared by every NumPy kernel.

Shapes follow PyTorch: query (..., L, E), key (..., S, E), value (..., S, Ev); leading
dimensions (batch, heads) broadcast. Dtypes: float16 and bfloat16-like inputs are computed in
float32 and returned in their own dtype; float32 stays float32; float64 stays float64;
integers and booleans are read as float64. Mixed float dtypes promote as NumPy does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import ShapeError
from ..masks import prepare_mask

__all__ = ["AttentionInputs", "default_scale", "prepare_inputs"]


@dataclass(frozen=True)
class AttentionInputs:
    """Validated kernel inputs. ``mask`` is None, bool (True = attend) or float (additive),
    broadcastable to (..., L, S); ``is_causal`` is kept apart so kernels can skip blocks."""

    query: NDArray[Any]  # (..., L, E) in the compute dtype
    key: NDArray[Any]  # (..., S, E)
    value: NDArray[Any]  # (..., S, Ev)
    mask: NDArray[Any] | None
    is_causal: bool
    scale: float
    batch_shape: tuple[int, ...]
    out_dtype: np.dtype[Any]

    @property
    def query_len(self) -> int:
        return int(self.query.shape[-2])

    @property
    def key_len(self) -> int:
        return int(self.key.shape[-2])

    @property
    def value_dim(self) -> int:
        return int(self.value.shape[-1])


def default_scale(d_head: int) -> float:
    """The default scale 1/sqrt(E) of "Attention Is All You Need".

    >>> round(default_scale(3), 4)
    0.5774
    """
    return 1.0 / math.sqrt(d_head)


def _as_real_array(x: ArrayLike, name: str) -> NDArray[Any]:
    try:
        array = np.asarray(x)
    except (ValueError, TypeError) as error:
        raise ShapeError(
            f"{name} could not be read as an array ({error}): expected a rectangular array of real numbers"
        ) from None
    if array.dtype == object:
        raise ShapeError(f"{name} is ragged or holds non-numbers: expected a rectangular array of real numbers")
    if array.dtype == np.bool_ or np.issubdtype(array.dtype, np.integer):
        return array.astype(np.float64)
    if not np.issubdtype(array.dtype, np.floating):
        raise ShapeError(f"{name} has dtype {array.dtype}: expected real numbers (float or int)")
    return array


def prepare_inputs(
    query: ArrayLike,
    key: ArrayLike,
    value: ArrayLike,
    attn_mask: ArrayLike | None = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> AttentionInputs:
    """Validate shapes, dtypes, mask and scale; raise a :class:`ShapeError` or
    :class:`MaskError` that names the argument otherwise."""
    q = _as_real_array(query, "query")
    k = _as_real_array(key, "key")
    v = _as_real_array(value, "value")
    for name, array, dims in (("query", q, "L, E"), ("key", k, "S, E"), ("value", v, "S, Ev")):
        if array.ndim < 2:
            raise ShapeError(f"{name} has shape {array.shape}: expected at least 2 dimensions (..., {dims})")
    if q.shape[-1] != k.shape[-1]:
        raise ShapeError(
            f"query has {q.shape[-1]} features but key has {k.shape[-1]}: the last dimensions"
            " of query and key must match"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ShapeError(
            f"key has {k.shape[-2]} positions but value has {v.shape[-2]}: key and value need"
            " one row per key position (S)"
        )
    if q.shape[-1] == 0:
        raise ShapeError("query and key have 0 features: a dot product needs at least one feature (E >= 1)")
    try:
        batch_shape = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"the leading dimensions of query {q.shape[:-2]}, key {k.shape[:-2]} and value"
            f" {v.shape[:-2]} do not broadcast together"
        ) from None

    out_dtype = np.result_type(q.dtype, k.dtype, v.dtype)
    compute_dtype = np.promote_types(out_dtype, np.float32)  # float16 is computed in float32
    q, k, v = (a.astype(compute_dtype, copy=False) for a in (q, k, v))

    if scale is None:
        scale = default_scale(q.shape[-1])
    else:
        try:
            scale = float(scale)
        except (TypeError, ValueError):
            raise ShapeError(f"scale is {scale!r}: expected a real number") from None
        if not math.isfinite(scale):
            raise ShapeError(f"scale is {scale}: expected a finite number")
    if not isinstance(is_causal, (bool, np.bool_)):
        raise ShapeError(f"is_causal is {is_causal!r}: expected True or False")

    mask = prepare_mask(attn_mask, q.shape[-2], k.shape[-2], tuple(batch_shape))
    return AttentionInputs(
        query=q,
        key=k,
        value=v,
        mask=mask,
        is_causal=bool(is_causal),
        scale=scale,
        batch_shape=tuple(batch_shape),
        out_dtype=np.dtype(out_dtype),
    )
