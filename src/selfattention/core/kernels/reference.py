r"""The reference kernel: the seed's formula, written literally, with the whole score matrix.

.. math::

    \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{d}} + M\right) V

1. dot products ``Q K^T`` of every query with every key;
2. times the scale (1/sqrt(d) by default);
3. the mask: blocked scores become -inf, a float mask is added;
4. softmax along the keys, shifted by each row's maximum so that ``exp`` cannot overflow;
5. the weighted sum of the value vectors.

Memory is O(L * S) per batch and head: simple to read, and the yardstick the faster kernels
are tested against. The mask rule is :func:`selfattention.core.masks.apply_mask`, the softmax
and its rule for fully masked rows (weights 0 and output 0) :mod:`selfattention.core.softmax`;
the trace computes its rows with the same functions. A score matrix above
:data:`selfattention.core.limits.MAX_SCORE_BYTES` is refused before it is allocated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..limits import check_score_budget
from ..masks import apply_mask, causal_mask
from ..softmax import safe_softmax
from .inputs import AttentionInputs

__all__ = ["attention", "masked_scores", "weighted_sum"]


def masked_scores(inputs: AttentionInputs) -> NDArray[Any]:
    """Steps 1-3: the scaled, masked scores (..., L, S); -inf where a key is blocked."""
    q, k = inputs.query, inputs.key
    scores = np.matmul(q, np.swapaxes(k, -1, -2))  # (..., L, E) x (..., E, S) -> (..., L, S)
    scores = scores * np.asarray(inputs.scale, dtype=scores.dtype)  # 2) times the scale
    if inputs.mask is not None:
        scores = apply_mask(scores, inputs.mask)  # 3) the mask
    if inputs.is_causal:
        scores = apply_mask(scores, causal_mask(inputs.query_len, inputs.key_len))
    result: NDArray[Any] = scores.astype(inputs.query.dtype, copy=False)
    return result


def weighted_sum(weights: NDArray[Any], value: NDArray[Any]) -> NDArray[Any]:
    """``weights @ value``, except that a value row with zero weight contributes exactly
    nothing, even when it holds NaN or inf (0 * NaN would otherwise poison the output).
    A non-finite value with non-zero weight makes that output entry NaN."""
    finite = np.isfinite(value)
    if finite.all():
        plain: NDArray[Any] = np.matmul(weights, value)  # (..., L, S) x (..., S, Ev) -> (..., L, Ev)
        return plain
    clean = np.where(finite, value, 0.0).astype(value.dtype)
    output = np.matmul(weights, clean)
    # which outputs draw on a non-finite value with non-zero weight
    poisoned = np.matmul((weights != 0).astype(np.float32), (~finite).astype(np.float32)) > 0
    result: NDArray[Any] = np.where(poisoned, np.nan, output).astype(output.dtype)
    return result


def attention(inputs: AttentionInputs, need_weights: bool = False) -> tuple[NDArray[Any], NDArray[Any] | None]:
    """Output (..., L, Ev) and, when asked, weights (..., L, S), in the compute dtype."""
    check_score_budget((*inputs.batch_shape, inputs.query_len, inputs.key_len), inputs.query.dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf inputs propagate, by design
        weights = safe_softmax(masked_scores(inputs))  # 4) softmax over keys
        output = weighted_sum(weights, inputs.value)  # 5) weighted sum of values
    return _full(output, inputs.batch_shape), (_full(weights, inputs.batch_shape) if need_weights else None)


def _full(array: NDArray[Any], batch_shape: tuple[int, ...]) -> NDArray[Any]:
    """Broadcast to the batch shape (a writable copy only when it had to grow)."""
    shape = (*batch_shape, *array.shape[-2:])
    return array if array.shape == shape else np.broadcast_to(array, shape).copy()
