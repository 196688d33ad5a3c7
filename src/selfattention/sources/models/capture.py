r"""Capturing attention where a model computes it: transformers' attention interface.

Models of transformers 5 (BERT, GPT-2, Llama, Qwen, Mistral, Gemma, Phi, ...) compute each
layer's attention through one function looked up by name in ``AttentionInterface``, called as

.. math::  \text{attention}(\text{module}, Q, K, V, \text{mask}, \text{scaling}, \ldots)

with ``Q`` (batch, heads, query_pos, d_head) and ``K``, ``V`` (batch, kv_heads, key_pos,
d_head) exactly as the attention sees them: after the projections, after RoPE, after the
KV cache, before grouped key/value heads are repeated. :data:`CAPTURE` is such a function;
its mask comes from ``AttentionMaskInterface`` under the same name (without that the
function would get no mask at all), built by transformers' ``sdpa_mask``: boolean,
True = may attend, our convention, or None when the model leaves the mask implicit, in which
case the module's ``is_causal`` says whether causality applies (as for PyTorch's SDPA).

The function records a :class:`LayerCapture` per call, then runs the model's *own* eager
attention (``eager_attention_forward`` of the module's file) on the same inputs and returns
its result: a model on :data:`CAPTURE` computes exactly what it computes on ``"eager"``, and
the eager weights it returns are the reference every traced row is checked against.

Arguments our kernel does not apply are refused by name (:class:`UnsupportedAttentionError`):
soft-capping of the scores (Gemma 2), attention sinks (``s_aux``, gpt-oss), dropout, and any
argument this module does not know. ``sliding_window`` is accepted: the mask already holds
the window, and the check against eager would show it if it did not.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from .errors import UnsupportedAttentionError

__all__ = [
    "CAPTURE",
    "HARMLESS_ARGUMENTS",
    "LayerCapture",
    "Recorder",
    "additive_mask",
    "causal_flag",
    "own_eager",
    "recording",
    "register_capture",
]

#: the name the capturing function is registered under (attention and mask interfaces)
CAPTURE = "selfattention_capture"

#: arguments models pass to their attention function that do not change its numbers
HARMLESS_ARGUMENTS = frozenset(
    {
        "position_ids",
        "cache_position",
        "use_cache",
        "output_attentions",
        "output_hidden_states",
        "return_dict",
        "sliding_window",  # the mask holds the window (sdpa_mask builds it)
        "encoder_hidden_states",  # None for self-attention
        "is_causal",
    }
)

#: arguments that change the scores or weights in a way the kernel does not do, and why
_UNSUPPORTED = {
    "softcap": "soft-capping of the scores (tanh), which the kernel does not apply",
    "s_aux": "attention sinks (an extra logit per head), which the kernel does not apply",
    "sinks": "attention sinks (an extra logit per head), which the kernel does not apply",
    "head_mask": "a head mask multiplying the weights, which the kernel does not apply",
}


@dataclass(frozen=True, eq=False)
class LayerCapture:
    """One layer's attention call: the inputs as the attention saw them, and eager's weights.

    ``model_weights`` holds the rows ``rows`` (all when None) of the eager weights, or is
    None when the layer's weights were not kept (see :class:`Recorder`).
    """

    layer: int
    query: Any  # (batch, heads, query_pos, d_head), a torch tensor
    key: Any  # (batch, kv_heads, key_pos, d_head), before the kv heads are repeated
    value: Any  # (batch, kv_heads, key_pos, d_value)
    mask: Any  # (batch, 1 or heads, query_pos, key_pos) bool, True = may attend; or None
    is_causal: bool  # True when the mask is None and the module attends causally
    scaling: float
    arguments: dict[str, Any]  # the other arguments, as passed (position_ids, sliding_window, ...)
    model_weights: Any  # (batch, heads, rows, key_pos), the eager weights; or None
    rows: tuple[int, ...] | None  # which query rows model_weights holds (None = all)


@dataclass
class Recorder:
    """What one forward pass records: every layer's inputs, and eager's weights for
    ``layers`` (all when None) and the query rows ``rows`` (all when None)."""

    layers: frozenset[int] | None = None
    rows: tuple[int, ...] | None = None
    captures: list[LayerCapture] = field(default_factory=list)

    def keeps(self, layer: int) -> bool:
        return self.layers is None or layer in self.layers


_RECORDER: ContextVar[Recorder | None] = ContextVar("selfattention_recorder", default=None)


@contextmanager
def recording(recorder: Recorder) -> Iterator[Recorder]:
    """Record the attention calls made inside the block (only this thread's and task's)."""
    token = _RECORDER.set(recorder)
    try:
        yield recorder
    finally:
        _RECORDER.reset(token)


def own_eager(module: Any) -> Callable[..., Any]:
    """The module's own eager attention function (``eager_attention_forward`` of its file)."""
    eager = getattr(sys.modules.get(type(module).__module__), "eager_attention_forward", None)
    if eager is None:
        raise UnsupportedAttentionError(
            f"{type(module).__name__} ({type(module).__module__}) has no eager_attention_forward:"
            " its attention cannot be captured and checked",
            code="model_no_eager_attention",
            kind=type(module).__name__,
            module=type(module).__module__,
        )
    return eager  # type: ignore[no-any-return]


def check_arguments(module: Any, dropout: float, arguments: dict[str, Any]) -> None:
    """Refuse, by name, anything that would make the kernel's numbers differ from the model's."""
    problems = []
    if dropout:
        problems.append(f"dropout={dropout:g} (the model is in training mode)")
    for name, value in arguments.items():
        if value is None or name in HARMLESS_ARGUMENTS:
            continue
        why = _UNSUPPORTED.get(name, "an argument selfattention does not know how to apply")
        shown = f"a tensor of shape {tuple(value.shape)}" if hasattr(value, "shape") else repr(value)
        problems.append(f"{name}={shown} ({why})")
    if problems:
        listed = ", ".join(problems)
        raise UnsupportedAttentionError(
            f"{type(module).__name__} passes {listed} to its attention: selfattention"
            " refuses rather than show numbers that differ from the model's",
            code="model_attention_arguments",
            kind=type(module).__name__,
            arguments=listed,
        )


def causal_flag(module: Any, query: Any, mask: Any, arguments: dict[str, Any]) -> bool:
    """Whether causality applies although the mask is None (transformers' SDPA rule)."""
    if mask is not None or query.shape[2] <= 1:
        return False
    return bool(arguments.get("is_causal", getattr(module, "is_causal", False)))


def additive_mask(mask: Any, is_causal: bool, dtype: Any, query_len: int, key_len: int) -> Any:
    """The eager functions' float mask (0 or the dtype's minimum) from a boolean one."""
    import torch

    if mask is None and not is_causal:
        return None
    if mask is None:
        mask = torch.ones(query_len, key_len, dtype=torch.bool).tril()  # top-left, as is_causal
    return torch.zeros(mask.shape, dtype=dtype).masked_fill(~mask, torch.finfo(dtype).min)


def _capture_attention(
    module: Any,
    query: Any,
    key: Any,
    value: Any,
    attention_mask: Any,
    scaling: float | None = None,
    dropout: float = 0.0,
    **arguments: Any,
) -> tuple[Any, Any]:
    check_arguments(module, dropout, arguments)
    scale = float(query.shape[-1] ** -0.5 if scaling is None else scaling)
    query_len, key_len = int(query.shape[2]), int(key.shape[2])
    is_causal = causal_flag(module, query, attention_mask, arguments)
    eager = own_eager(module)
    float_mask = additive_mask(attention_mask, is_causal, query.dtype, query_len, key_len)
    output, weights = eager(module, query, key, value, float_mask, scaling=scale, dropout=dropout, **arguments)
    recorder = _RECORDER.get()
    if recorder is not None:
        layer = getattr(module, "layer_idx", None)
        layer = len(recorder.captures) if layer is None else int(layer)
        kept = None
        if recorder.keeps(layer) and weights is not None:
            kept = weights.detach() if recorder.rows is None else weights.detach()[:, :, list(recorder.rows)]
        recorder.captures.append(
            LayerCapture(
                layer=layer,
                query=query.detach(),
                key=key.detach(),
                value=value.detach(),
                mask=None if attention_mask is None else attention_mask.detach(),
                is_causal=is_causal,
                scaling=scale,
                arguments=dict(arguments),
                model_weights=kept,
                rows=recorder.rows,
            )
        )
    return output, weights


def register_capture() -> None:
    """Register :data:`CAPTURE` with transformers' attention and mask interfaces (idempotent)."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(CAPTURE, _capture_attention)
    AttentionMaskInterface.register(CAPTURE, sdpa_mask)


def head_rows(capture: LayerCapture, head: int, rows: Sequence[int] | None = None) -> Any:
    """The eager weights of one head for ``rows`` (None = the rows kept), (rows, key_pos)."""
    weights = capture.model_weights[0, head]  # (kept rows, key_pos)
    if rows is None:
        return weights
    kept = list(range(weights.shape[0])) if capture.rows is None else list(capture.rows)
    return weights[[kept.index(r) for r in rows]]
