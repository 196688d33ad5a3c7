r"""Sinusoidal positional encoding, the formula of "Attention Is All You Need" (section 3.5).

.. math::

    PE_{(pos, 2i)}   = \sin\!\left(pos / 10000^{2i / d_{model}}\right) \qquad
    PE_{(pos, 2i+1)} = \cos\!\left(pos / 10000^{2i / d_{model}}\right)

Even dimensions hold sines and odd dimensions cosines, and dimension pair ``(2i, 2i+1)``
turns at the frequency ``1 / 10000^(2i / d_model)``: the first pair once per position, the
last ones slowly, so that every position gets a different vector and nearby positions get
similar ones. Attention itself has no sense of order; the encoding is *added* to the token
embeddings (X = embedding + PE) so that "dog bites man" and "man bites dog" differ.

An odd ``d_model`` is allowed: its last dimension is a sine with no cosine partner.

>>> sinusoidal_positional_encoding(3, 4).round(4)
array([[ 0.    ,  1.    ,  0.    ,  1.    ],
       [ 0.8415,  0.5403,  0.01  ,  1.    ],
       [ 0.9093, -0.4161,  0.02  ,  0.9998]])
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core.errors import ShapeError

__all__ = ["sinusoidal_positional_encoding"]


def _count(value: Any, name: str, minimum: int) -> int:
    try:
        number = operator.index(value)
    except TypeError:
        raise ShapeError(
            f"{name} is {value!r}: expected an integer >= {minimum}",
            code="toy_integer_too_small",
            name=name,
            value=value,
            minimum=minimum,
        ) from None
    if isinstance(value, bool) or number < minimum:
        raise ShapeError(
            f"{name} is {value!r}: expected an integer >= {minimum}",
            code="toy_integer_too_small",
            name=name,
            value=value,
            minimum=minimum,
        )
    return number


def sinusoidal_positional_encoding(length: int, d_model: int, *, base: float = 10000.0) -> NDArray[np.float64]:
    """The (length, d_model) sinusoidal encoding of positions 0 .. length-1, in float64.

    >>> pe = sinusoidal_positional_encoding(50, 8)
    >>> pe.shape, float(pe[0, 0]), float(pe[0, 1])
    ((50, 8), 0.0, 1.0)
    """
    length = _count(length, "length", 0)
    d_model = _count(d_model, "d_model", 1)
    if not base > 1.0:
        raise ShapeError(
            f"base is {base!r}: expected a number > 1 (the paper uses 10000)", code="positional_base", base=base
        )
    position = np.arange(length, dtype=np.float64)[:, None]  # (length, 1)
    pair = np.arange(0, d_model, 2, dtype=np.float64)  # (ceil(d/2),): the 2i of each sin/cos pair
    angle = position / np.power(base, pair / d_model)  # (length, 1) / (ceil(d/2),) -> (length, ceil(d/2))
    encoding = np.empty((length, d_model), dtype=np.float64)
    encoding[:, 0::2] = np.sin(angle)  # even dimensions: sin
    encoding[:, 1::2] = np.cos(angle[:, : d_model // 2])  # odd dimensions: cos
    return encoding
