r"""The reference kernel: the seed's formula, written literally, with the whole score matrix.

.. math::

    \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{d}} + M\right) V

1. dot products ``Q K^T`` of every query with every key,
2. times the scale (1/sqrt(d) by default): as in PyTorch, query and key are each multiplied
   by sqrt(scale) before the matmul, so ``Q K^T`` cannot overflow where the scores do not;
3. the mask: blocked scores become -inf, a float mask is added;
4. softmax along the keys, shifted by each row's maximum so that ``exp`` cannot overflow;
5. the weighted sum of the value vectors. A value that is NaN or inf, of a key the query
   may attend to, makes that output entry NaN even when its weight underflowed to 0 (as in
   PyTorch, where 0 * NaN = NaN); a masked key's value is ignored, whatever it holds.

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
from .inputs import AttentionInputs, scaled_query_key

__all__ = ["allowed_keys", "attention", "masked_scores", "weighted_sum"]


def allowed_keys(inputs: AttentionInputs) -> NDArray[np.bool_] | None:
    """(..., L, S), broadcastable: True where a query may attend to a key (the mask and the
    causal triangle); None when every key is allowed."""
    allowed = None
    if inputs.mask is not None:
        allowed = inputs.mask if inputs.mask.dtype == np.bool_ else ~np.isneginf(inputs.mask)
        if allowed.ndim < 2:  # (S,): one row for every query
            allowed = allowed[None, :]
    if inputs.is_causal:
        causal = causal_mask(inputs.query_len, inputs.key_len)
        allowed = causal if allowed is None else allowed & causal
    return allowed


def masked_scores(inputs: AttentionInputs) -> NDArray[Any]:
    """Steps 1-3: the scaled, masked scores (..., L, S); -inf where a key is blocked."""
    q, k = scaled_query_key(inputs.query, inputs.key, inputs.scale)  # 2) the scale, split as PyTorch does
    scores = np.matmul(q, np.swapaxes(k, -1, -2))  # (..., L, E) x (..., E, S) -> (..., L, S)
    if inputs.mask is not None:
        scores = apply_mask(scores, inputs.mask)  # 3) the mask
    if inputs.is_causal:
        scores = apply_mask(scores, causal_mask(inputs.query_len, inputs.key_len))
    result: NDArray[Any] = scores.astype(inputs.query.dtype, copy=False)
    return result


def weighted_sum(weights: NDArray[Any], value: NDArray[Any], allowed: NDArray[np.bool_] | None) -> NDArray[Any]:
    """``weights @ value``, except that the value of a masked key (``allowed`` False)
    contributes exactly nothing, even when it holds NaN or inf (0 * NaN would otherwise
    poison the output), and that a non-finite value of an allowed key makes that output
    entry NaN, whatever its weight (an underflowed weight hides nothing)."""
    finite = np.isfinite(value)
    if finite.all():
        plain: NDArray[Any] = np.matmul(weights, value)  # (..., L, S) x (..., S, Ev) -> (..., L, Ev)
        return plain
    clean = np.where(finite, value, 0.0).astype(value.dtype)
    output = np.matmul(weights, clean)
    # which outputs draw on a non-finite value of a key they may attend to
    seen = np.ones(weights.shape[-2:], np.float32) if allowed is None else allowed.astype(np.float32)
    poisoned = np.matmul(seen, (~finite).astype(np.float32)) > 0  # (..., L, S) x (..., S, Ev) -> (..., L, Ev)
    result: NDArray[Any] = np.where(poisoned, np.nan, output).astype(output.dtype)
    return result


def attention(inputs: AttentionInputs, need_weights: bool = False) -> tuple[NDArray[Any], NDArray[Any] | None]:
    """Output (..., L, Ev) and, when asked, weights (..., L, S), in the compute dtype."""
    check_score_budget((*inputs.batch_shape, inputs.query_len, inputs.key_len), inputs.query.dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf inputs propagate, by design
        weights = safe_softmax(masked_scores(inputs))  # 4) softmax over keys
        output = weighted_sum(weights, inputs.value, allowed_keys(inputs))  # 5) weighted sum of values
    return _full(output, inputs.batch_shape), (_full(weights, inputs.batch_shape) if need_weights else None)


def _full(array: NDArray[Any], batch_shape: tuple[int, ...]) -> NDArray[Any]:
    """Broadcast to the batch shape (a writable copy only when it had to grow)."""
    shape = (*batch_shape, *array.shape[-2:])
    return array if array.shape == shape else np.broadcast_to(array, shape).copy()
