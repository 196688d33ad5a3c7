r"""Multi-head attention as a pure function on checked arrays, every intermediate kept.

.. math::

    \mathrm{MultiHead}(X, C) = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W_O + b_O,
    \qquad \mathrm{head}_i = \mathrm{Attention}(Q_i, K_i, V_i)

with Q = X W_Q + b_Q, K = C W_K + b_K, V = C W_V + b_V (C = X for self-attention). The class
:class:`selfattention.sources.layers.MultiHeadSelfAttention` checks its inputs, holds the
parameters and calls :func:`multi_head_attention`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from numpy.typing import NDArray

from ..core.kernels import prepare_inputs, reference, scaled_dot_product_attention

__all__ = ["LayerResult", "multi_head_attention"]


@dataclass(frozen=True)
class LayerResult:
    """What :func:`multi_head_attention` computes, every intermediate by its stable name."""

    query: NDArray[Any]  # (batch, L, d_model) = X W_Q + b_Q
    key: NDArray[Any]  # (batch, S, d_model)
    value: NDArray[Any]  # (batch, S, d_model)
    head_outputs: NDArray[Any]  # (batch, heads, L, d_head)
    concat: NDArray[Any]  # (batch, L, d_model)
    output: NDArray[Any]  # (batch, L, d_model)
    weights: NDArray[Any] | None  # (batch, heads, L, S) when asked for
    mask: NDArray[Any] | None  # the combined mask, broadcastable to (batch, heads, L, S)


def multi_head_attention(
    x: NDArray[Any],
    w_q: NDArray[Any],
    w_k: NDArray[Any],
    w_v: NDArray[Any],
    w_o: NDArray[Any],
    b_q: NDArray[Any] | None,
    b_k: NDArray[Any] | None,
    b_v: NDArray[Any] | None,
    b_o: NDArray[Any] | None,
    num_heads: int,
    *,
    context: NDArray[Any] | None = None,
    attn_mask: NDArray[Any] | None = None,
    is_causal: bool = False,
    need_weights: bool = False,
    implementation: str = "auto",
) -> LayerResult:
    """The layer as a pure function on checked arrays: x (batch, L, d_model), context
    (batch, S, d_model) or None, weights (d_model, d_model), biases (d_model,) or None,
    ``attn_mask`` broadcastable to (batch, heads, L, S) in the library's convention.

    >>> import numpy as np
    >>> eye = np.eye(4)
    >>> r = multi_head_attention(np.ones((1, 3, 4)), eye, eye, eye, eye, None, None, None, None, 2,
    ...                          need_weights=True)
    >>> r.head_outputs.shape, r.weights.shape, r.output.tolist() == np.ones((1, 3, 4)).tolist()
    ((1, 2, 3, 2), (1, 2, 3, 3), True)
    """
    batch, query_len, d_model = x.shape
    source = x if context is None else context
    key_len = source.shape[1]
    d_head = d_model // num_heads

    def project(inputs: NDArray[Any], weight: NDArray[Any], bias: NDArray[Any] | None) -> NDArray[Any]:
        projected: NDArray[Any] = inputs @ weight  # (batch, n, d_model) x (d_model, d_model) -> (batch, n, d_model)
        return projected if bias is None else projected + bias

    def split(t: NDArray[Any], length: int) -> NDArray[Any]:
        heads: NDArray[Any] = t.reshape(batch, length, num_heads, d_head)  # (batch, n, heads, d_head)
        heads = heads.transpose(0, 2, 1, 3)  # (batch, heads, n, d_head)
        return heads

    # 1) project
    query, key, value = project(x, w_q, b_q), project(source, w_k, b_k), project(source, w_v, b_v)
    # 2) split into heads
    q, k, v = split(query, query_len), split(key, key_len), split(value, key_len)
    # 3) attend, every head at once
    weights = None
    if need_weights:
        inputs = prepare_inputs(q, k, v, attn_mask, is_causal)
        head_outputs, weights = reference.attention(inputs, True)  # (batch, heads, L, d_head), (.., L, S)
    else:
        head_outputs = scaled_dot_product_attention(q, k, v, attn_mask, is_causal, implementation=implementation)
    # 4) concatenate and project out
    concat = head_outputs.transpose(0, 2, 1, 3).reshape(batch, query_len, d_model)  # (batch, L, d_model)
    output = project(concat, w_o, b_o)  # (batch, L, d_model)
    return LayerResult(query, key, value, head_outputs, concat, output, weights, attn_mask)
