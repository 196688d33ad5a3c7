"""Checking and normalising what a kernel receives, shared by every NumPy kernel.

Shapes follow PyTorch: query (..., L, E), key (..., S, E), value (..., S, Ev); leading
dimensions (batch, heads) broadcast. Dtypes: float16 inputs are computed in float32 and
returned as float16; float32 stays float32; float64 stays float64; integers and booleans are
read as float64. Mixed float dtypes promote as NumPy does. Refused, with a
:class:`~selfattention.core.errors.ShapeError` naming the argument: other dtypes (longdouble,
complex, datetime, timedelta, strings, objects), NumPy masked arrays (their mask would be
lost: pass it as ``attn_mask``, or ``.filled()`` first), and a ``scale`` that is not a finite
real number (a string, a bool, ``10**400``).

**Grouped-query attention** (``enable_gqa=True``, PyTorch's meaning): query has Hq heads
and key and value Hk heads on dim -3, Hq a multiple of Hk; query heads ``g * (Hq // Hk)`` to
``(g + 1) * (Hq // Hk) - 1`` share key/value head ``g``. :func:`group_heads` does it with
views, no copy: query (..., Hq, L, E) -> (..., Hk, G, L, E), key and value
(..., Hk, S, E) -> (..., Hk, 1, S, E), so every kernel sees ordinary broadcasting.

**Scale.** The scores are ``(q sqrt(scale)) . (k sqrt(scale))``, as PyTorch's math path
computes them (:func:`scaled_query_key`): ``q . k`` may overflow where the scaled score does
not (q = k = 1e200 with scale 1e-300 in float64 scores 1e100).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import MaskError, ShapeError, shown
from ..masks import prepare_mask

__all__ = [
    "AttentionInputs",
    "as_real_array",
    "check_scale",
    "default_scale",
    "group_heads",
    "prepare_inputs",
    "scaled_query_key",
]

Array = TypeVar("Array")


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
    #: with enable_gqa and Hq != Hk: the batch shape is (..., Hk, G) and outputs are
    #: reshaped back to (..., Hq, L, Ev) by :meth:`ungroup`
    grouped: bool = False

    def ungroup(self, array: NDArray[Any]) -> NDArray[Any]:
        """(..., Hk, G, L, X) -> (..., Hq, L, X) for grouped heads; other arrays unchanged."""
        if not self.grouped:
            return array
        return array.reshape(*array.shape[:-4], array.shape[-4] * array.shape[-3], *array.shape[-2:])

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


def scaled_query_key(query: Array, key: Array, scale: float) -> tuple[Array, Array]:
    """``(query * r, key * |r|)`` with ``r = sign(scale) sqrt(|scale|)``, so that
    ``query_r . key_r = scale * (query . key)``: PyTorch's math path scales both before the
    matmul, which keeps a finite scaled score finite when ``q . k`` alone would overflow.
    Works on NumPy arrays and torch tensors alike.

    >>> q, k = scaled_query_key(np.array([1e200]), np.array([1e200]), 1e-300)
    >>> round(float(q[0] * k[0]) / 1e100, 12)
    1.0
    """
    root = math.sqrt(abs(scale))
    scaled_query: Array = query * math.copysign(root, scale)  # type: ignore[operator,assignment]
    scaled_key: Array = key * root  # type: ignore[operator,assignment]
    return scaled_query, scaled_key


def check_scale(scale: Any, d_head: int) -> float:
    """``scale`` as a finite float (default 1/sqrt(d_head)); a ShapeError otherwise.

    >>> check_scale(None, 4), check_scale(2, 4)
    (0.5, 2.0)
    """
    if scale is None:
        return default_scale(d_head)
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, (numbers.Real, np.floating, np.integer)):
        raise ShapeError(
            f"scale is {shown(scale)} ({type(scale).__name__}): expected a real number such as 0.125",
            code="scale_not_real",
            value=shown(scale),
            type=type(scale).__name__,
        )
    try:
        value = float(scale)
    except OverflowError:
        raise ShapeError(
            f"scale is {shown(scale)}: expected a finite number (it is beyond float64's range)",
            code="scale_beyond_float64",
            value=shown(scale),
        ) from None
    if not math.isfinite(value):
        raise ShapeError(f"scale is {value}: expected a finite number", code="scale_not_finite", value=value)
    return value


#: the float dtypes a kernel computes in (float16 is computed in float32)
_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def as_real_array(x: Any, name: str) -> NDArray[Any]:
    """``x`` as an array of float16/32/64 (ints and bools as float64); a ShapeError naming
    ``name`` otherwise (masked arrays, longdouble, complex, datetime, timedelta, ...)."""
    if type(x) is np.ndarray and x.dtype in _FLOATS:  # the usual case, at once
        return x
    if isinstance(x, np.ma.MaskedArray):
        raise ShapeError(
            f"{name} is a NumPy masked array: its mask would be silently lost; pass which keys may be attended"
            " to as attn_mask, or fill the masked entries first (array.filled(0.0))",
            code="array_masked",
            name=name,
        )
    try:
        array = np.asarray(x)
    except (ValueError, TypeError) as error:
        raise ShapeError(
            f"{name} could not be read as an array ({error}): expected a rectangular array of real numbers",
            code="array_unreadable",
            name=name,
            reason=str(error),
        ) from None
    if array.dtype == object:
        raise ShapeError(
            f"{name} is ragged or holds non-numbers: expected a rectangular array of real numbers",
            code="array_ragged",
            name=name,
        )
    if array.dtype.kind in "mM":
        raise ShapeError(
            f"{name} has dtype {array.dtype}: expected real numbers (float or int); dates and durations are not"
            " numbers, convert them explicitly (e.g. array / np.timedelta64(1, 's'))",
            code="array_dates",
            name=name,
            dtype=str(array.dtype),
        )
    if array.dtype == np.bool_ or np.issubdtype(array.dtype, np.integer):
        return array.astype(np.float64)
    if array.dtype not in _FLOATS:
        raise ShapeError(
            f"{name} has dtype {array.dtype}: expected real numbers of float16, float32 or float64 (or int);"
            " convert with array.astype(np.float64)",
            code="array_wrong_dtype",
            name=name,
            dtype=str(array.dtype),
        )
    return array


def group_heads(
    query: Array, key: Array, value: Array, attn_mask: Any, enable_gqa: bool
) -> tuple[Array, Array, Array, Any, bool]:
    """Grouped-query attention as broadcasting views (NumPy arrays or torch tensors):
    query (..., Hq, L, E) -> (..., Hk, G, L, E), key and value (..., Hk, S, *) ->
    (..., Hk, 1, S, *), a mask with Hq heads on dim -3 -> (..., Hk, G, L, S) and one with 1 head
    -> (..., 1, 1, L, S). Returns the inputs unchanged when ``enable_gqa`` is False or
    Hq == Hk; the last item says whether the heads were grouped.

    >>> q, k, v, m, grouped = group_heads(np.zeros((4, 3, 2)), np.zeros((2, 5, 2)), np.zeros((2, 5, 1)), None, True)
    >>> q.shape, k.shape, grouped
    ((2, 2, 3, 2), (2, 1, 5, 2), True)
    """
    if not isinstance(enable_gqa, (bool, np.bool_)):
        raise ShapeError(
            f"enable_gqa is {shown(enable_gqa)}: expected True or False", code="gqa_not_bool", value=shown(enable_gqa)
        )
    if not enable_gqa:
        return query, key, value, attn_mask, False
    shapes = {name: tuple(a.shape) for name, a in (("query", query), ("key", key), ("value", value))}  # type: ignore[attr-defined]
    for name, shape in shapes.items():
        if len(shape) < 3:
            raise ShapeError(
                f"{name} has shape {shape}: enable_gqa=True needs a heads dimension, (..., heads, positions, features)",
                code="gqa_no_heads_dim",
                name=name,
                shape=shape,
            )
    heads_q, heads_k, heads_v = (shape[-3] for shape in shapes.values())
    if heads_k != heads_v:
        raise ShapeError(
            f"key has {heads_k} heads but value has {heads_v}: with enable_gqa=True key and value need the same"
            " number of heads (dim -3)",
            code="gqa_kv_heads_differ",
            key=heads_k,
            value=heads_v,
        )
    if heads_k == 0 or heads_q % heads_k != 0:
        raise ShapeError(
            f"query has {heads_q} heads and key/value have {heads_k}: with enable_gqa=True the query heads must be"
            " a multiple of the key/value heads (dim -3), each group of consecutive query heads sharing one",
            code="gqa_heads_not_multiple",
            query=heads_q,
            key=heads_k,
        )
    if heads_q == heads_k:
        return query, key, value, attn_mask, False
    group = heads_q // heads_k
    q_shape = shapes["query"]
    grouped_q = query.reshape(*q_shape[:-3], heads_k, group, *q_shape[-2:])  # type: ignore[attr-defined]
    grouped_k = key[..., :, None, :, :]  # type: ignore[index]  # (..., Hk, 1, S, E)
    grouped_v = value[..., :, None, :, :]  # type: ignore[index]  # (..., Hk, 1, S, Ev)
    mask = attn_mask
    if mask is not None and len(mask.shape) >= 3:
        heads_m = mask.shape[-3]
        if heads_m == heads_q:
            mask = mask.reshape(*mask.shape[:-3], heads_k, group, *mask.shape[-2:])  # (..., Hk, G, L, S)
        elif heads_m == 1:
            mask = mask[..., None, :, :]  # (..., 1, 1, L, S)
        else:
            raise MaskError(
                f"attn_mask has shape {tuple(mask.shape)}, with {heads_m} heads on dim -3: expected 1 or the"
                f" query's {heads_q} heads",
                code="gqa_mask_heads",
                shape=tuple(mask.shape),
                heads=heads_m,
                query=heads_q,
            )
    return grouped_q, grouped_k, grouped_v, mask, True


def prepare_inputs(
    query: ArrayLike,
    key: ArrayLike,
    value: ArrayLike,
    attn_mask: ArrayLike | None = None,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> AttentionInputs:
    """Validate shapes, dtypes, mask and scale; raise a :class:`ShapeError` or
    :class:`MaskError` that names the argument otherwise."""
    q = as_real_array(query, "query")
    k = as_real_array(key, "key")
    v = as_real_array(value, "value")
    if isinstance(attn_mask, np.ma.MaskedArray):
        raise MaskError(
            "attn_mask is a NumPy masked array: its own mask would be silently lost; pass a plain bool array"
            " (True = may attend), e.g. attn_mask.filled(False)",
            code="mask_masked_array",
        )
    if attn_mask is not None:
        attn_mask = np.asarray(attn_mask)
    q, k, v, attn_mask, grouped = group_heads(q, k, v, attn_mask, enable_gqa)
    for name, array, dims in (("query", q, "L, E"), ("key", k, "S, E"), ("value", v, "S, Ev")):
        if array.ndim < 2:
            raise ShapeError(
                f"{name} has shape {array.shape}: expected at least 2 dimensions (..., {dims})",
                code="array_too_few_dims",
                name=name,
                shape=array.shape,
                dims=dims,
            )
    if q.shape[-1] != k.shape[-1]:
        raise ShapeError(
            f"query has {q.shape[-1]} features but key has {k.shape[-1]}: the last dimensions"
            " of query and key must match",
            code="feature_mismatch",
            query=q.shape[-1],
            key=k.shape[-1],
        )
    if k.shape[-2] != v.shape[-2]:
        raise ShapeError(
            f"key has {k.shape[-2]} positions but value has {v.shape[-2]}: key and value need"
            " one row per key position (S)",
            code="position_mismatch",
            key=k.shape[-2],
            value=v.shape[-2],
        )
    if q.shape[-1] == 0:
        raise ShapeError(
            "query and key have 0 features: a dot product needs at least one feature (E >= 1)", code="zero_features"
        )
    try:
        batch_shape = (
            q.shape[:-2]
            if q.shape[:-2] == k.shape[:-2] == v.shape[:-2]  # the usual case, without broadcast_shapes' 5 us
            else np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
        )
    except ValueError:
        raise ShapeError(
            f"the leading dimensions of query {q.shape[:-2]}, key {k.shape[:-2]} and value"
            f" {v.shape[:-2]} do not broadcast together",
            code="batch_dims_mismatch",
            query=q.shape[:-2],
            key=k.shape[:-2],
            value=v.shape[:-2],
        ) from None

    out_dtype = q.dtype if q.dtype == k.dtype == v.dtype else np.result_type(q.dtype, k.dtype, v.dtype)
    compute_dtype = np.promote_types(out_dtype, np.float32)  # float16 is computed in float32
    q, k, v = (a.astype(compute_dtype, copy=False) for a in (q, k, v))

    scale = check_scale(scale, q.shape[-1])
    if not isinstance(is_causal, (bool, np.bool_)):
        raise ShapeError(f"is_causal is {is_causal!r}: expected True or False", code="causal_not_bool", value=is_causal)

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
        grouped=grouped,
    )
