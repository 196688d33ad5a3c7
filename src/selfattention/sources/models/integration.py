"""Our kernels inside real models: attention implementations for transformers.

:func:`register` adds three names to transformers' ``AttentionInterface`` (and, under the
same names, transformers' ``sdpa_mask`` to ``AttentionMaskInterface``, without which the
functions would receive no padding or causal mask):

- ``"selfattention"``: the library's default kernel (``implementation="auto"``; on torch
  tensors that is the torch kernel, with the library's rules for fully masked rows),
- ``"selfattention_reference"``: the reference kernel (NumPy, the formula written literally),
- ``"selfattention_blocked"``: the blocked kernel (NumPy, online softmax over tiles).

Any model whose attention goes through the interface then runs on them::

    from selfattention.integrations import transformers as sa_transformers
    sa_transformers.register()
    model = AutoModel.from_pretrained(folder, attn_implementation="selfattention_reference")

and gives what it gives on ``"eager"`` (sentence embeddings, logits, greedy generation with
its KV cache; tests/sources/test_integration.py). The functions return no weights, as
``"sdpa"`` does. Grouped key/value heads are repeated for the query heads first
(:func:`repeat_kv_heads`); whatever the kernel does not apply (soft-capping, sinks, dropout)
is refused by name, as in :mod:`.capture`.
"""

from __future__ import annotations

from typing import Any

from ...core.kernels import scaled_dot_product_attention
from .capture import causal_flag, check_arguments

__all__ = ["KERNELS", "register", "repeat_kv_heads"]

#: attention implementation name -> the kernel it runs (``implementation=`` of the kernel)
KERNELS = {
    "selfattention": "auto",
    "selfattention_reference": "reference",
    "selfattention_blocked": "blocked",
}


def repeat_kv_heads(states: Any, heads: int) -> Any:
    """(batch, kv_heads, seq, d) -> (batch, heads, seq, d): key/value head ``g`` serves query
    heads ``g * group .. (g + 1) * group - 1`` (grouped-query attention, as transformers'
    ``repeat_kv``). To be replaced by the kernel's own ``enable_gqa`` once it has one."""
    kv_heads = int(states.shape[1])
    if kv_heads == heads:
        return states
    return states.repeat_interleave(heads // kv_heads, dim=1)  # (batch, heads, seq, d)


def _attend(
    implementation: str,
    module: Any,
    query: Any,
    key: Any,
    value: Any,
    attention_mask: Any,
    scaling: float | None,
    dropout: float,
    arguments: dict[str, Any],
) -> tuple[Any, None]:
    import torch

    check_arguments(module, dropout, arguments)
    heads = int(query.shape[1])
    key, value = repeat_kv_heads(key, heads), repeat_kv_heads(value, heads)  # (batch, heads, key_pos, d)
    is_causal = causal_flag(module, query, attention_mask, arguments)
    mask = attention_mask  # (batch, 1, query_pos, key_pos) bool, True = may attend; or None
    if mask is not None and mask.dtype != torch.bool:
        mask = mask == 0  # an additive float mask: 0 where keys may be attended to
    output: Any
    if implementation == "auto":
        output = scaled_dot_product_attention(query, key, value, attn_mask=mask, is_causal=is_causal, scale=scaling)
    else:

        def array(tensor: Any) -> Any:
            return tensor.detach().cpu().numpy()

        result = scaled_dot_product_attention(
            array(query),
            array(key),
            array(value),
            attn_mask=None if mask is None else array(mask),
            is_causal=is_causal,
            scale=scaling,
            implementation=implementation,
        )
        output = torch.from_numpy(result).to(device=query.device, dtype=query.dtype)
    output = output.transpose(1, 2).contiguous()  # (batch, query_pos, heads, d_value), as the models expect
    return output, None


def _make(implementation: str) -> Any:
    def attention(
        module: Any,
        query: Any,
        key: Any,
        value: Any,
        attention_mask: Any,
        scaling: float | None = None,
        dropout: float = 0.0,
        **arguments: Any,
    ) -> tuple[Any, None]:
        return _attend(implementation, module, query, key, value, attention_mask, scaling, dropout, arguments)

    attention.__name__ = f"selfattention_{implementation}_attention"
    return attention


def register() -> tuple[str, ...]:
    """Make ``attn_implementation="selfattention"``, ``"selfattention_reference"`` and
    ``"selfattention_blocked"`` available to every transformers model; returns the names."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    for name, implementation in KERNELS.items():
        AttentionInterface.register(name, _make(implementation))
        AttentionMaskInterface.register(name, sdpa_mask)
    return tuple(KERNELS)
