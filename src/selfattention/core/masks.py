"""The one mask convention, and converters from the others.

Convention (the same as ``torch.nn.functional.scaled_dot_product_attention``):

- a **boolean** mask says which keys each query *may attend to*: ``True`` = attend,
  ``False`` = blocked;
- a **float** mask is *added* to the scaled scores: ``0`` leaves a score alone, ``-inf``
  blocks the key, any other finite value shifts it;
- ``is_causal=True`` blocks every key after the query's own position, with the triangle
  aligned top-left as in PyTorch: query ``i`` may attend to key ``j`` when ``j <= i``, also
  when L != S;
- a mask broadcasts against the scores' shape (..., L, S).

A query row whose every key is blocked (a *fully masked row*) gets weights 0 and output 0,
never NaN.

``torch.nn.MultiheadAttention`` uses the opposite boolean polarity (True = *blocked*) for
both its ``attn_mask`` and ``key_padding_mask``; convert those explicitly with
:func:`from_multihead_attention_mask` and :func:`from_key_padding_mask`, never by guessing.

>>> causal_mask(2, 3)
array([[ True, False, False],
       [ True,  True, False]])
>>> from_key_padding_mask([[False, False, True]]).shape
(1, 1, 1, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import MaskError

__all__ = [
    "apply_mask",
    "causal_mask",
    "combine_masks",
    "from_key_padding_mask",
    "from_multihead_attention_mask",
    "mask_row",
    "prepare_mask",
    "to_additive",
]


def causal_mask(query_len: int, key_len: int, query_start: int = 0, key_start: int = 0) -> NDArray[np.bool_]:
    """The top-left causal mask (query_pos, key_pos): True where ``key_pos <= query_pos``.

    ``query_start`` and ``key_start`` give a tile of the whole mask: rows ``query_start ..
    query_start + query_len`` and columns ``key_start .. key_start + key_len`` (the blocked
    kernel's tiles, the trace's rows), without building the rest.

    >>> causal_mask(1, 4, query_start=2)
    array([[ True,  True,  True, False]])
    """
    key_pos = np.arange(key_start, key_start + key_len)[None, :]  # (1, key_len)
    query_pos = np.arange(query_start, query_start + query_len)[:, None]  # (query_len, 1)
    allowed: NDArray[np.bool_] = key_pos <= query_pos  # (query_len, key_len)
    return allowed


def apply_mask(scores: NDArray[Any], mask: NDArray[Any], *, in_place: bool = False) -> NDArray[Any]:
    """The scores (..., L, S) with ``mask`` applied by the convention: a blocked key (False,
    or -inf) gets -inf, even where its score is NaN (NaN + -inf would stay NaN); a float
    mask is added to the other scores.

    ``in_place=True`` writes into ``scores`` (the blocked kernel's tiles), which the mask must
    broadcast to, and adds a float mask in its own dtype; otherwise the mask is first cast
    to the scores' dtype and a new array, of the broadcast shape, is returned.

    >>> apply_mask(np.array([1.0, np.nan, 3.0]), np.array([True, False, True]))
    array([  1., -inf,   3.])
    >>> apply_mask(np.array([1.0, 2.0]), np.array([0.5, -np.inf]))
    array([ 1.5, -inf])
    """
    is_bool = mask.dtype == np.bool_
    blocked = ~mask if is_bool else np.isneginf(mask)
    if in_place:
        if not is_bool:
            scores += mask
        np.copyto(scores, -np.inf, where=blocked)
        return scores
    shifted = scores if is_bool else scores + mask.astype(scores.dtype)
    result: NDArray[Any] = np.where(blocked, -np.inf, shifted)
    return result


def mask_row(
    mask: NDArray[Any] | None, query_pos: int, query_len: int, key_len: int, is_causal: bool, dtype: Any
) -> NDArray[Any]:
    """Row ``query_pos`` of the mask (checked, broadcastable to (L, S)) and of the causal
    mask, as the offsets (key_pos,) added to the scores: 0 = attend, -inf = blocked, any other
    value a float mask's shift. One row is built, never the (L, S) matrix.

    >>> mask_row(np.array([[True, False, True]]), 1, 2, 3, True, np.float64)
    array([  0., -inf, -inf])
    """
    if mask is None:
        row = np.zeros(key_len, dtype)
    else:
        row = to_additive(np.broadcast_to(mask, (query_len, key_len))[query_pos], dtype)
    if is_causal:
        row = np.where(causal_mask(1, key_len, query_start=query_pos)[0], row, -np.inf)
    return row


def from_multihead_attention_mask(attn_mask: ArrayLike) -> NDArray[Any]:
    """Convert ``nn.MultiheadAttention``'s ``attn_mask`` to this library's convention.

    A boolean mask there means True = *blocked*; it is inverted. A float mask is additive in
    both conventions and is returned unchanged.

    >>> from_multihead_attention_mask([[False, True]])
    array([[ True, False]])
    """
    mask = np.asarray(attn_mask)
    if mask.dtype == np.bool_:
        return ~mask
    return mask


def from_key_padding_mask(key_padding_mask: ArrayLike) -> NDArray[Any]:
    """Convert a (batch, key_pos) padding mask in ``nn.MultiheadAttention``'s polarity
    (True = padding, blocked) to a mask of shape (batch, 1, 1, key_pos) that broadcasts
    over heads and queries in this library's convention (True = attend).
    A float padding mask is additive and only reshaped."""
    mask = np.asarray(key_padding_mask)
    if mask.ndim != 2:
        raise MaskError(
            f"key_padding_mask must have shape (batch, key_pos); got shape {mask.shape}",
            code="padding_mask_not_2d",
            shape=mask.shape,
        )
    mask = mask[:, None, None, :]  # (batch, 1, 1, key_pos)
    return ~mask if mask.dtype == np.bool_ else mask


def prepare_mask(
    attn_mask: ArrayLike | None, query_len: int, key_len: int, batch_shape: tuple[int, ...] = ()
) -> NDArray[Any] | None:
    """Check a user's mask and return it as a NumPy array (bool, or float for additive masks).

    The mask must broadcast to ``batch_shape + (query_len, key_len)``. A float mask may hold
    finite values and ``-inf``; NaN and ``+inf`` are refused because they have no meaning
    as a score offset.
    """
    if attn_mask is None:
        return None
    mask = np.asarray(attn_mask)
    if mask.dtype == np.bool_:
        pass
    elif np.issubdtype(mask.dtype, np.floating):
        if np.isnan(mask).any() or np.isposinf(mask).any():
            raise MaskError(
                "attn_mask holds NaN or +inf: a float mask is added to the scores, so it may"
                " hold finite numbers and -inf (blocked) only",
                code="mask_not_finite",
            )
    else:
        raise MaskError(
            f"attn_mask has dtype {mask.dtype}: expected bool (True = may attend) or float"
            " (added to the scores, -inf = blocked); convert 0/1 integers with mask.astype(bool)",
            code="mask_wrong_dtype",
            dtype=str(mask.dtype),
            convert="mask.astype(bool)",
        )
    if mask.ndim == 0:
        raise MaskError("attn_mask is a scalar: expected an array that broadcasts to (L, S)", code="mask_scalar")
    target = (*batch_shape, query_len, key_len)
    try:
        np.broadcast_shapes(mask.shape, target)
    except ValueError:
        raise MaskError(
            f"attn_mask has shape {mask.shape}, which does not broadcast to the scores' shape {target} (..., L, S)",
            code="mask_not_broadcast",
            shape=mask.shape,
            target=target,
        ) from None
    if mask.ndim > len(target) or any(m != 1 and m != t for m, t in zip(mask.shape[::-1], target[::-1], strict=False)):
        raise MaskError(
            f"attn_mask has shape {mask.shape}, which would enlarge the scores' shape {target}:"
            " a mask must broadcast to (..., L, S), not beyond it",
            code="mask_enlarges_scores",
            shape=mask.shape,
            target=target,
        )
    return mask


def to_additive(mask: NDArray[Any], dtype: Any = np.float64) -> NDArray[Any]:
    """A mask as the float offsets added to the scores: 0 = attend, -inf = blocked.

    >>> to_additive(np.array([True, False]))
    array([  0., -inf])
    """
    if mask.dtype == np.bool_:
        return np.where(mask, 0.0, -np.inf).astype(dtype)
    return mask.astype(dtype)


def combine_masks(
    attn_mask: ArrayLike | None,
    key_padding_mask: ArrayLike | None,
    batch: int,
    num_heads: int,
    query_len: int,
    key_len: int,
    batched: bool = True,
) -> NDArray[Any] | None:
    """One mask, broadcastable to (batch, heads, L, S), from an ``attn_mask`` and a padding
    mask (batch, S), both in the library's convention: two boolean masks are and-ed, otherwise
    both become additive (0 / -inf) and are added.

    >>> combine_masks(None, [[True, False]], 1, 2, 1, 2).tolist()
    [[[[True, False]]]]
    """
    mask = None
    if attn_mask is not None:
        mask = prepare_mask(attn_mask, query_len, key_len, (batch, num_heads) if batched else (num_heads,))
    padding = None
    if key_padding_mask is not None:
        padding = np.asarray(key_padding_mask)
        expected = (batch, key_len) if batched else (key_len,)
        where = "(batch, S)" if batched else "(S,) for unbatched x"
        if padding.shape != expected:
            raise MaskError(
                f"key_padding_mask has shape {padding.shape}: expected {expected}, {where}, with True = a real"
                " key and False = padding",
                code="padding_mask_wrong_shape" if batched else "padding_mask_wrong_shape_unbatched",
                shape=padding.shape,
                expected=expected,
            )
        if padding.dtype != np.bool_ and not np.issubdtype(padding.dtype, np.floating):
            raise MaskError(
                f"key_padding_mask has dtype {padding.dtype}: expected bool (True = a real key, False = padding)"
                " or float (added to the scores, -inf = blocked)",
                code="padding_mask_wrong_dtype",
                dtype=str(padding.dtype),
            )
        if padding.dtype != np.bool_ and (np.isnan(padding).any() or np.isposinf(padding).any()):
            raise MaskError(
                "key_padding_mask holds NaN or +inf: a float mask may hold finite numbers and -inf only",
                code="padding_mask_not_finite",
            )
        padding = padding.reshape(batch, 1, 1, key_len)  # (batch, 1, 1, S)
    if mask is None or padding is None:
        return mask if padding is None else padding
    if mask.dtype == np.bool_ and padding.dtype == np.bool_:
        combined: NDArray[Any] = mask & padding
        return combined
    added: NDArray[Any] = to_additive(mask) + to_additive(padding)
    return added
