r"""The softmax over the keys, with the library's rule for fully masked rows, written once.

.. math::

    m = \max_j s_j, \qquad e_j = \exp(s_j - m), \qquad
    \ell = \sum_j e_j, \qquad w_j = e_j / \ell

Subtracting the row maximum ``m`` keeps ``exp`` from overflowing and changes no weight.

**Fully masked rows.** A row whose every score is -inf (every key blocked) has no maximum to
shift by: it is shifted by 0 instead (:func:`row_shift`), so ``-inf - (-inf)`` = NaN is never
computed (pytorch #127055, flash-attention #334); its exponentials are ``exp(-inf) = 0``, their
sum is 0, and it is divided by 1 instead (:func:`safe_divisor`), so its weights are 0, never
``0 / 0`` (pytorch #103963, #41508). Its output, a sum of zero-weighted values, is 0.

The reference kernel takes :func:`softmax_steps` of its whole score matrix, the trace of one
row of scores (so the numbers a learner reads are the kernel's numbers). The blocked kernel's
online softmax and the PyTorch kernel apply the same rule through :func:`row_shift` and
:func:`safe_divisor`, which take ``xp=torch`` for tensors.

>>> steps = softmax_steps(np.array([[0.0, 0.0], [-np.inf, -np.inf]]))
>>> steps.shift.ravel().tolist(), steps.total.ravel().tolist()
([0.0, 0.0], [2.0, 0.0])
>>> steps.weights
array([[0.5, 0.5],
       [0. , 0. ]])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = ["SoftmaxSteps", "row_shift", "safe_divisor", "safe_softmax", "softmax_steps"]

Array = TypeVar("Array")


def row_shift(row_max: Array, xp: Any = np) -> Array:
    """What each row is shifted by before ``exp``: its maximum, or 0 where the maximum is
    -inf (a fully masked row). ``xp`` is the array module: NumPy, or torch for tensors.

    >>> row_shift(np.array([2.5, -np.inf]))
    array([2.5, 0. ])
    """
    shift: Array = xp.where(xp.isneginf(row_max), 0.0, row_max)
    return shift


def safe_divisor(total: Array, xp: Any = np) -> Array:
    """What each row's exponentials are divided by: their sum, or 1 where the sum is 0 (a
    fully masked row, whose exponentials are all 0), so its weights are 0, not 0 / 0.

    >>> safe_divisor(np.array([2.0, 0.0]))
    array([2., 1.])
    """
    divisor: Array = xp.where(total == 0, 1.0, total)
    return divisor


@dataclass(frozen=True)
class SoftmaxSteps:
    """The softmax's intermediates over the last axis (the keys), in the scores' dtype."""

    shift: NDArray[Any]  # (..., 1): the row maximum, 0 for a fully masked row
    exponentials: NDArray[Any]  # (..., S): exp(score - shift); 0 for a blocked key
    total: NDArray[Any]  # (..., 1): the sum of the exponentials
    weights: NDArray[Any]  # (..., S): exponentials / total; 0 for a fully masked row


def softmax_steps(scores: NDArray[Any]) -> SoftmaxSteps:
    """The softmax of ``scores`` (..., S) over its last axis, every intermediate kept.

    Blocked keys are -inf in ``scores`` (see :func:`selfattention.core.masks.apply_mask`).
    With S = 0 every row is empty: weights (..., 0), shift and total 0.
    """
    if scores.shape[-1] == 0:
        zeros = np.zeros((*scores.shape[:-1], 1), scores.dtype)
        return SoftmaxSteps(zeros, np.zeros_like(scores), zeros.copy(), np.zeros_like(scores))
    shift = row_shift(scores.max(axis=-1, keepdims=True))  # (..., 1)
    exponentials = np.exp(scores - shift)  # (..., S); exp(-inf) = 0 for blocked keys
    total = exponentials.sum(axis=-1, keepdims=True)  # (..., 1)
    weights = exponentials / safe_divisor(total)  # (..., S)
    return SoftmaxSteps(shift, exponentials, total, weights)


def safe_softmax(scores: NDArray[Any]) -> NDArray[Any]:
    """Softmax over the last axis; a row of only -inf gives zeros instead of NaN.

    >>> safe_softmax(np.array([[0.0, 0.0], [-np.inf, -np.inf]]))
    array([[0.5, 0.5],
           [0. , 0. ]])
    """
    return softmax_steps(scores).weights
