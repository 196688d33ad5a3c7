r"""Per family: where a layer's attention input and its query/key/value projections live.

For layer ``l`` and head ``h`` the adapter gives the input ``X`` of the layer's self-attention
(seq, d_model) and the head's slices of the projections, so that

.. math::  Q = X W_Q + b_Q,\quad K = X W_K + b_K,\quad V = X W_V + b_V

with :math:`W` of shape (d_model, d_head), all in float64. Everything is read from the model
object (duck-typed, no torch import here):

- **BERT family** (BERT, MiniLM, RoBERTa, ELECTRA): ``X`` is the layer's input hidden state
  (``hidden_states[l]``); ``encoder.layer[l].attention.self.{query,key,value}`` are
  ``nn.Linear`` (weight (out, in), so :math:`W = \text{weight}^T`). Not causal.
- **GPT-2 family**: ``X = ln_1(hidden_states[l])`` (the block normalises before attending);
  ``h[l].attn.c_attn`` is one ``Conv1D`` (weight (in, out), ``X @ weight + bias``) whose
  output columns are ``[query | key | value]``, d_model each. Causal.

In both, head ``h`` owns columns ``h * d_head : (h + 1) * d_head`` of each projection, and
the scale is the attention module's own ``scaling`` (1/sqrt(d_head), divided by ``l + 1``
for GPT-2 models with ``scale_attn_by_inverse_layer_idx``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import ModelLoadError

__all__ = ["ADAPTERS", "Adapter", "Architecture", "HeadProjections", "adapter_for"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Architecture:
    family: str
    model_type: str
    num_layers: int
    num_heads: int
    d_model: int
    d_head: int
    max_positions: int
    is_causal: bool


@dataclass(frozen=True)
class HeadProjections:
    """One head's projections, float64, applied as ``X @ weight + bias``."""

    query_weight: Array  # (d_model, d_head)
    query_bias: Array  # (d_head,)
    key_weight: Array  # (d_model, d_head)
    key_bias: Array  # (d_head,)
    value_weight: Array  # (d_model, d_head)
    value_bias: Array  # (d_head,)


def _numpy(tensor: Any) -> Array:
    """A torch parameter or tensor as float64 NumPy (exact for float32 and float64)."""
    array: Array = np.asarray(tensor.detach().cpu().double().numpy(), dtype=np.float64)
    return array


def _bias(module: Any, width: int) -> Array:
    return _numpy(module.bias) if getattr(module, "bias", None) is not None else np.zeros(width)


class Adapter:
    family: str
    model_types: tuple[str, ...]

    def architecture(self, model: Any) -> Architecture:
        raise NotImplementedError

    def attention_input(self, model: Any, hidden_state: Array, layer: int) -> Array:
        """(seq, d_model) ``hidden_states[layer]`` -> (seq, d_model) input of its attention."""
        raise NotImplementedError

    def projections(self, model: Any, layer: int, head: int) -> HeadProjections:
        raise NotImplementedError

    def scale(self, model: Any, layer: int) -> float:
        raise NotImplementedError


class BertFamily(Adapter):
    family = "BERT"
    model_types = ("bert", "roberta", "electra")

    def _attention(self, model: Any, layer: int) -> Any:
        return model.encoder.layer[layer].attention.self

    def architecture(self, model: Any) -> Architecture:
        config = model.config
        heads = int(config.num_attention_heads)
        return Architecture(
            family=self.family,
            model_type=str(config.model_type),
            num_layers=int(config.num_hidden_layers),
            num_heads=heads,
            d_model=int(config.hidden_size),
            d_head=int(config.hidden_size) // heads,
            # RoBERTa offsets positions by padding_idx + 1, so it has fewer usable positions
            max_positions=int(config.max_position_embeddings)
            - (int(config.pad_token_id) + 1 if config.model_type == "roberta" else 0),
            is_causal=bool(getattr(config, "is_decoder", False)),
        )

    def attention_input(self, model: Any, hidden_state: Array, layer: int) -> Array:
        return hidden_state  # BERT attends to the layer's input as it is (post-norm blocks)

    def projections(self, model: Any, layer: int, head: int) -> HeadProjections:
        attention = self._attention(model, layer)
        d_head = int(attention.attention_head_size)
        cols = slice(head * d_head, (head + 1) * d_head)

        def part(linear: Any) -> tuple[Array, Array]:
            weight = _numpy(linear.weight)  # (heads * d_head, d_model): nn.Linear stores (out, in)
            return weight[cols].T, _bias(linear, weight.shape[0])[cols]  # (d_model, d_head), (d_head,)

        (qw, qb), (kw, kb), (vw, vb) = part(attention.query), part(attention.key), part(attention.value)
        return HeadProjections(qw, qb, kw, kb, vw, vb)

    def scale(self, model: Any, layer: int) -> float:
        attention = self._attention(model, layer)
        own = getattr(attention, "scaling", None)
        return float(own) if own is not None else 1.0 / math.sqrt(int(attention.attention_head_size))


class GPT2Family(Adapter):
    family = "GPT-2"
    model_types = ("gpt2",)

    def architecture(self, model: Any) -> Architecture:
        config = model.config
        heads = int(config.n_head)
        return Architecture(
            family=self.family,
            model_type=str(config.model_type),
            num_layers=int(config.n_layer),
            num_heads=heads,
            d_model=int(config.n_embd),
            d_head=int(config.n_embd) // heads,
            max_positions=int(config.n_positions),
            is_causal=True,
        )

    def attention_input(self, model: Any, hidden_state: Array, layer: int) -> Array:
        norm = model.h[layer].ln_1  # GPT-2 normalises before attending (pre-norm blocks)
        mean = hidden_state.mean(axis=-1, keepdims=True)  # (seq, 1)
        variance = hidden_state.var(axis=-1, keepdims=True)  # (seq, 1), biased as in nn.LayerNorm
        normed: Array = (hidden_state - mean) / np.sqrt(variance + float(norm.eps))  # (seq, d_model)
        return normed * _numpy(norm.weight) + _numpy(norm.bias)  # (seq, d_model)

    def projections(self, model: Any, layer: int, head: int) -> HeadProjections:
        attention = model.h[layer].attn
        d_model, d_head = int(attention.embed_dim), int(attention.head_dim)
        fused_weight = _numpy(attention.c_attn.weight)  # (d_model, 3 * d_model): Conv1D stores (in, out)
        fused_bias = _bias(attention.c_attn, 3 * d_model)  # (3 * d_model,)
        parts = []
        for which in range(3):  # 0 = query, 1 = key, 2 = value
            start = which * d_model + head * d_head
            cols = slice(start, start + d_head)
            parts += [fused_weight[:, cols], fused_bias[cols]]  # (d_model, d_head), (d_head,)
        return HeadProjections(*parts)

    def scale(self, model: Any, layer: int) -> float:
        attention = model.h[layer].attn
        own = getattr(attention, "scaling", None)
        if own is not None:
            return float(own)
        scale = 1.0 / math.sqrt(int(attention.head_dim)) if model.config.scale_attn_weights else 1.0
        return scale / (layer + 1) if model.config.scale_attn_by_inverse_layer_idx else scale


ADAPTERS: tuple[Adapter, ...] = (BertFamily(), GPT2Family())


def adapter_for(model_type: str) -> Adapter:
    """The adapter for a config's ``model_type``.

    >>> adapter_for("bert").family, adapter_for("gpt2").family
    ('BERT', 'GPT-2')
    """
    for adapter in ADAPTERS:
        if model_type in adapter.model_types:
            return adapter
    supported = ", ".join(t for a in ADAPTERS for t in a.model_types)
    raise ModelLoadError(f"model type {model_type!r} is not supported: the adapters know {supported}")
