r"""One head of a real model, rebuilt from its weights and traced step by step.

For layer ``l`` and head ``h`` (both 0-based, as in Hugging Face):

1) take the input of the layer's self-attention, ``X`` (seq, d_model), from the model's
   ``hidden_states[l]`` (through ``ln_1`` for GPT-2),
2) project it with the head's slices of the query, key and value weights:
   :math:`Q = X W_Q + b_Q`, :math:`K = X W_K + b_K`, :math:`V = X W_V + b_V`, each (seq, d_head),
3) trace :math:`\mathrm{softmax}(Q K^T \cdot \text{scale} + \text{mask}) V` with the model's own
   scale and mask (causal for GPT-2) using :func:`selfattention.record.trace.trace`,
4) check: every row of the rebuilt weights (all queries, not only the traced ones) against
   the attention probabilities the model itself returned; the largest difference goes in the
   trace's ``provenance.check`` and anything above :data:`TOLERANCE` raises.

The rebuild runs in float64 from the model's float32 hidden states and weights (both exact in
float64); the model's attention is compared as it returns it (float32 for MiniLM), so the
difference measured is the model's own float32 rounding, about 1e-7.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...core.kernels import attention_weights
from ...record.provenance import ModelHeadProvenance, RebuildCheck
from ...record.trace import AttentionTrace, trace
from .adapters import HeadProjections
from .errors import ModelInputError, RebuildMismatchError
from .loader import LoadedModel, ModelRun, load_model, run_model
from .registry import DEFAULT_MODEL

__all__ = ["TOLERANCE", "HeadRebuild", "find_token", "model_trace", "rebuild_head"]

#: the largest allowed difference between rebuilt and returned attention weights
TOLERANCE = 1e-4

_WORD_MARKS = ("##", "Ġ", "▁")  # WordPiece continuation, byte-level BPE and SentencePiece spaces


@dataclass(frozen=True, eq=False)
class HeadRebuild:
    layer: int
    head: int
    query: NDArray[np.float64]  # (seq, d_head)
    key: NDArray[np.float64]  # (seq, d_head)
    value: NDArray[np.float64]  # (seq, d_head)
    scale: float
    is_causal: bool
    attn_mask: NDArray[np.bool_] | None  # (seq,) True = may attend; None when every key may
    weights: NDArray[np.float64]  # (seq, seq), rebuilt
    model_weights: NDArray[Any]  # (seq, seq), as the model returned them
    max_difference: float


def check_layer_head(loaded: LoadedModel, layer: int, head: int) -> None:
    arch = loaded.architecture
    for what, value, count in (("layer", layer, arch.num_layers), ("head", head, arch.num_heads)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < count:
            raise ModelInputError(
                f"{what} {value!r} is out of range: model {loaded.name!r} has {count} {what}s,"
                f" numbered 0 to {count - 1}"
            )


def rebuild_head(loaded: LoadedModel, run: ModelRun, layer: int, head: int) -> HeadRebuild:
    """Rebuild one head's Q, K, V and weights from ``run`` and check them against the model."""
    check_layer_head(loaded, layer, head)
    adapter, model = loaded.adapter, loaded.model
    # 1) the input of the layer's attention
    x = adapter.attention_input(model, run.hidden_states[layer], layer)  # (seq, d_model)
    # 2) the head's projections (read from the weights once per process: see _projections)
    p = _projections(loaded, layer, head)
    q = x @ p.query_weight + p.query_bias  # (seq, d_model) x (d_model, d_head) -> (seq, d_head)
    k = x @ p.key_weight + p.key_bias  # (seq, d_model) x (d_model, d_head) -> (seq, d_head)
    v = x @ p.value_weight + p.value_bias  # (seq, d_model) x (d_model, d_head) -> (seq, d_head)
    scale = adapter.scale(model, layer)
    is_causal = loaded.architecture.is_causal
    mask = None if run.attention_mask.all() else run.attention_mask
    # 3) the weights of every query, by the library's own kernel
    weights = attention_weights(q, k, attn_mask=mask, is_causal=is_causal, scale=scale)  # (seq, seq)
    # 4) against what the model returned
    theirs = run.attentions[layer][head]  # (seq, seq)
    difference = float(np.abs(weights - theirs.astype(np.float64)).max())
    if not difference <= TOLERANCE:
        raise RebuildMismatchError(
            f"layer {layer} head {head} of model {loaded.name!r}: the rebuilt attention weights"
            f" differ from the model's own by {difference:.3g}, more than {TOLERANCE:g}; the"
            f" {loaded.architecture.family} adapter does not match this model"
        )
    return HeadRebuild(layer, head, q, k, v, scale, is_causal, mask, weights, theirs, difference)


@lru_cache(maxsize=2048)
def _projections(loaded: LoadedModel, layer: int, head: int) -> HeadProjections:
    """A head's float64 projections, kept: the weights never change, and converting them
    (every head reads whole projection matrices) cost more than the forward pass itself
    when every head of a model is rebuilt (``rank_heads``). About 21 MB for MiniLM's 72 heads."""
    return loaded.adapter.projections(loaded.model, layer, head)


def find_token(tokens: Sequence[str], word: int | str, what: str = "query") -> int:
    """The position of ``word`` among ``tokens``: exact first, then ignoring case and the
    subword marks ``##``, ``Ġ`` and ``▁``; an int is a 0-based position (negative from the end).

    >>> find_token(["[CLS]", "the", "animal", "didn", "'", "t", "[SEP]"], "Animal")
    2
    >>> find_token(["[CLS]", "it", "[SEP]"], "tired")
    Traceback (most recent call last):
    ...
    selfattention.sources.models.errors.ModelInputError: query 'tired' is not among the tokens: ...
    """
    count = len(tokens)
    if isinstance(word, (int, np.integer)) and not isinstance(word, bool):
        if -count <= word < count:
            return int(word) % count
        raise ModelInputError(f"{what} position {word} is out of range: the text has {count} tokens, 0 to {count - 1}")
    text = str(word)
    if text in tokens:
        return list(tokens).index(text)
    wanted = _plain(text)
    for i, token in enumerate(tokens):
        if wanted and _plain(token) == wanted:
            return i
    if re.fullmatch(r"-?[0-9]+", text.strip()):  # ASCII digits: "²".isdigit() but int("²") fails
        return find_token(tokens, int(text), what)
    listing = " ".join(f"{i}:{t}" for i, t in enumerate(tokens))
    raise ModelInputError(
        f"{what} {text!r} is not among the tokens: {listing}. Give one token as listed (a word"
        " the tokenizer splits, such as didn't -> didn ' t, is several tokens) or its 0-based position."
    )


def _plain(token: str) -> str:
    for mark in _WORD_MARKS:
        token = token.replace(mark, "")
    return token.strip().lower()


def model_trace(
    text: str,
    model: str = DEFAULT_MODEL,
    layer: int = 0,
    head: int = 0,
    queries: int | str | Sequence[int | str] | None = None,
) -> AttentionTrace:
    """Trace head ``head`` of layer ``layer`` of a real model on ``text``, checked against
    the model's own attention weights (``provenance.check``).

    ``queries`` picks the query tokens to trace, as words or 0-based positions (all by
    default). The trace's tokens are the tokenizer's, special tokens included.

    >>> t = model_trace("The animal didn't cross the street because it was too tired.",
    ...                 layer=3, head=1, queries="it")
    >>> round(float(t.step("it").weights[t.key_tokens.index("animal")]), 4)
    0.6768
    """
    loaded = load_model(model)
    check_layer_head(loaded, layer, head)
    run = run_model(loaded, text)
    rebuilt = rebuild_head(loaded, run, layer, head)
    if queries is None:
        picked = None
    else:
        wanted = [queries] if isinstance(queries, (str, int)) else list(queries)
        picked = [find_token(run.tokens, w) for w in wanted]
    result = trace(
        rebuilt.query,
        rebuilt.key,
        rebuilt.value,
        tokens=run.tokens,
        attn_mask=rebuilt.attn_mask,
        is_causal=rebuilt.is_causal,
        scale=rebuilt.scale,
        queries=picked,
    )
    # the traced rows themselves, against the model's rows (the same numbers by another road)
    traced = np.abs(result.weights - rebuilt.model_weights[list(result.query_indices)].astype(np.float64))
    difference = max(rebuilt.max_difference, float(traced.max(initial=0.0)))
    if not difference <= TOLERANCE:  # pragma: no cover - caught above
        raise RebuildMismatchError(f"traced rows differ from the model's by {traced.max():.3g}")
    return replace(result, provenance=_provenance(loaded, run, rebuilt, difference))


def _provenance(loaded: LoadedModel, run: ModelRun, rebuilt: HeadRebuild, difference: float) -> ModelHeadProvenance:
    arch = loaded.architecture
    return ModelHeadProvenance(
        model=loaded.name,
        model_path=str(loaded.resolved.path),
        weights_sha256=loaded.resolved.checked_sha256,
        family=arch.family,
        model_type=arch.model_type,
        layer=rebuilt.layer,
        head=rebuilt.head,
        num_layers=arch.num_layers,
        num_heads=arch.num_heads,
        text=run.text,
        special_tokens=tuple(i for i, s in enumerate(run.special) if s),
        check=RebuildCheck(
            max_abs_difference=difference,
            tolerance=TOLERANCE,
            rebuilt_dtype="float64",
            model_dtype=str(rebuilt.model_weights.dtype),
            rows_checked=int(rebuilt.weights.shape[0]),
        ),
    )
