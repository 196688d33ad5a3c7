r"""One key block's attention with its log-sum-exp, and the merge of two partial results.

For a query row and a block B of keys, with scaled, masked scores :math:`s_j`:

.. math::

    \mathrm{lse}_B = \log \sum_{j \in B} e^{s_j}, \qquad
    o_B = \sum_{j \in B} e^{s_j - \mathrm{lse}_B} v_j .

Two partial results (o_1, lse_1) and (o_2, lse_2) over disjoint key sets merge into the
result over their union, the online softmax of the blocked kernel written in log space:

.. math::

    \mathrm{lse} = \log(e^{\mathrm{lse}_1} + e^{\mathrm{lse}_2}), \qquad
    o = e^{\mathrm{lse}_1 - \mathrm{lse}}\, o_1 + e^{\mathrm{lse}_2 - \mathrm{lse}}\, o_2 .

A row with no visible key in a block has lse = -inf and o = 0. Both exponentials are taken
after subtracting the larger lse, shifted by 0 instead when both are -inf
(:func:`~selfattention.core.softmax.row_shift`: ``-inf - (-inf)`` is never computed), and
divided by their sum or by 1 when it is 0 (:func:`~selfattention.core.softmax.safe_divisor`),
so a row that no block lets see a key ends with output 0 and lse -inf, never NaN.

>>> import torch
>>> o, lse = merge(torch.tensor([[1.0]]), torch.tensor([[0.0]]), torch.tensor([[3.0]]), torch.tensor([[0.0]]))
>>> o.item(), round(lse.item(), 4)
(2.0, 0.6931)
>>> ninf = torch.tensor([[float("-inf")]])
>>> merge(torch.zeros(1, 1), ninf, torch.zeros(1, 1), ninf)
(tensor([[0.]]), tensor([[-inf]]))
"""

from __future__ import annotations

from typing import Any

from ..softmax import row_shift, safe_divisor

__all__ = ["block_attention", "merge"]


def block_attention(torch: Any, q: Any, k: Any, v: Any, scale: float, allowed: Any) -> tuple[Any, Any]:
    """(o, lse) of queries ``q`` (..., n, E) against one block ``k`` (..., m, E), ``v``
    (..., m, Ev); ``allowed`` is None or a bool tensor broadcastable to (..., n, m), True =
    may attend. Returns o (..., n, Ev) and lse (..., n, 1)."""
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale  # (..., n, E) x (..., E, m) -> (..., n, m)
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))  # blocked even where q.k is NaN
    shift = row_shift(scores.amax(dim=-1, keepdim=True), torch)  # (..., n, 1); 0 for a row with no key
    exponentials = torch.exp(scores - shift)  # (..., n, m); blocked keys: exp(-inf) = 0
    total = exponentials.sum(dim=-1, keepdim=True)  # (..., n, 1)
    finite_v = torch.isfinite(v)
    if bool(finite_v.all()):
        weighted = torch.matmul(exponentials, v)  # (..., n, m) x (..., m, Ev) -> (..., n, Ev)
    else:  # a value with weight 0 adds nothing, even NaN; a weighted one still shows (as the kernels)
        weighted = torch.matmul(exponentials, torch.where(finite_v, v, 0.0))
        poisoned = torch.matmul((exponentials != 0).to(v.dtype), (~finite_v).to(v.dtype)) > 0
        weighted = torch.where(poisoned, float("nan"), weighted)
    output = weighted / safe_divisor(total, torch)  # (..., n, Ev)
    lse = shift + torch.log(total)  # (..., n, 1); log 0 = -inf for a row with no key
    return output, lse


def merge(out_1: Any, lse_1: Any, out_2: Any, lse_2: Any) -> tuple[Any, Any]:
    """The partial results (o, lse) of two disjoint key sets merged into theirs: o (..., n, Ev),
    lse (..., n, 1). Works on torch tensors (any device)."""
    import torch

    shift = row_shift(torch.maximum(lse_1, lse_2), torch)  # (..., n, 1); 0 when both are -inf
    share_1 = torch.exp(lse_1 - shift)  # e^(lse_1 - m), in [0, 1]
    share_2 = torch.exp(lse_2 - shift)
    total = share_1 + share_2  # 0 only when neither set has a visible key
    output = (share_1 * out_1 + share_2 * out_2) / safe_divisor(total, torch)
    return output, shift + torch.log(total)
