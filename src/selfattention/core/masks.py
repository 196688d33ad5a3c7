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
    "causal_mask",
    "from_key_padding_mask",
    "from_multihead_attention_mask",
    "prepare_mask",
    "to_additive",
]


def causal_mask(query_len: int, key_len: int) -> NDArray[np.bool_]:
    """The top-left causal mask (query_pos, key_pos): True where ``key_pos <= query_pos``."""
    return np.tril(np.ones((query_len, key_len), dtype=bool))


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
        raise MaskError(f"key_padding_mask must have shape (batch, key_pos); got shape {mask.shape}")
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
                " hold finite numbers and -inf (blocked) only"
            )
    else:
        raise MaskError(
            f"attn_mask has dtype {mask.dtype}: expected bool (True = may attend) or float"
            " (added to the scores, -inf = blocked); convert 0/1 integers with mask.astype(bool)"
        )
    if mask.ndim == 0:
        raise MaskError("attn_mask is a scalar: expected an array that broadcasts to (L, S)")
    target = (*batch_shape, query_len, key_len)
    try:
        np.broadcast_shapes(mask.shape, target)
    except ValueError:
        raise MaskError(
            f"attn_mask has shape {mask.shape}, which does not broadcast to the scores' shape {target} (..., L, S)"
        ) from None
    if mask.ndim > len(target) or any(m != 1 and m != t for m, t in zip(mask.shape[::-1], target[::-1], strict=False)):
        raise MaskError(
            f"attn_mask has shape {mask.shape}, which would enlarge the scores' shape {target}:"
            " a mask must broadcast to (..., L, S), not beyond it"
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
