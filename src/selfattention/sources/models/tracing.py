r"""One head of a real model, as the model's attention saw it, traced step by step.

For layer ``l`` and head ``h`` (both 0-based, as in Hugging Face):

1) one forward pass captures the layer's attention inputs (:mod:`.capture`): ``Q`` of head
   ``h`` and ``K``, ``V`` of its key/value head ``h // (heads / kv_heads)`` (grouped-query
   attention), each (seq, d_head), after RoPE, with the model's own scale and mask,
2) :func:`selfattention.core.kernels.attention_weights` computes every row of
   :math:`\mathrm{softmax}(Q K^T \cdot \text{scale} + \text{mask})` in float64 and
   :func:`selfattention.record.trace.trace` traces the queries asked for,
3) check: every row, computed and traced, against the weights the model's own eager attention
   returned in that same pass; the largest difference goes in the trace's
   ``provenance.check`` and anything above :func:`tolerance_for` the model's dtype raises.

The inputs are the model's float32 numbers, exact in float64; the model's attention is
compared as it returns it, so the difference measured is its own float32 rounding, about 1e-7.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...core.kernels import attention_weights
from ...record.provenance import ModelHeadProvenance, RebuildCheck
from ...record.trace import AttentionTrace, trace
from .architecture import check_layer_head
from .capture import LayerCapture
from .errors import CaptureMismatchError, ModelInputError
from .loader import LoadedModel, ModelRun, check_before_loading, load_model, run_model
from .registry import DEFAULT_MODEL

__all__ = ["TOLERANCE", "HeadAttention", "find_token", "head_attention", "model_trace", "tolerance_for"]

#: the largest allowed difference between our weights and a float32 model's own
TOLERANCE = 1e-5

_WORD_MARKS = ("##", "Ġ", "▁")  # WordPiece continuation, byte-level BPE and SentencePiece spaces


def tolerance_for(dtype: str) -> float:
    """The check's tolerance for a model computing in ``dtype``: :data:`TOLERANCE` for float32
    and float64 models (Llama's eager attention takes its softmax in float32 even for a float64
    model), 1e-2 for half precision.

    >>> tolerance_for("float32"), tolerance_for("float64"), tolerance_for("bfloat16")
    (1e-05, 1e-05, 0.01)
    """
    return TOLERANCE if dtype in ("float32", "float64") else 1e-2


@dataclass(frozen=True, eq=False)
class HeadAttention:
    """One head's inputs as the attention saw them, its weights, and the model's own."""

    layer: int
    head: int
    kv_head: int
    query: NDArray[np.float64]  # (seq, d_head)
    key: NDArray[np.float64]  # (seq, d_head)
    value: NDArray[np.float64]  # (seq, d_value)
    scale: float
    is_causal: bool
    attn_mask: NDArray[np.bool_] | None  # (seq, seq) True = may attend; None when every key may
    rows: tuple[int, ...]  # the query rows computed and checked
    weights: NDArray[np.float64]  # (rows, seq), ours
    model_weights: NDArray[Any]  # (rows, seq), as the model returned them
    max_difference: float
    tolerance: float


def _float64(tensor: Any) -> NDArray[np.float64]:
    return np.asarray(tensor.double().numpy(), dtype=np.float64)


def head_attention(loaded: LoadedModel, run: ModelRun, layer: int, head: int) -> HeadAttention:
    """One head's captured Q, K, V and mask, its weights for the captured rows, checked."""
    arch = loaded.architecture
    check_layer_head(loaded.name, arch, layer, head)
    capture: LayerCapture = run.layers[layer]
    heads, kv_heads = int(capture.query.shape[1]), int(capture.key.shape[1])
    kv_head = head // (heads // kv_heads)  # grouped-query attention: query heads share kv heads
    q = _float64(capture.query[0, head])  # (seq, d_head)
    k = _float64(capture.key[0, kv_head])  # (seq, d_head)
    v = _float64(capture.value[0, kv_head])  # (seq, d_value)
    mask = None
    if capture.mask is not None:
        full = capture.mask[0, 0 if capture.mask.shape[1] == 1 else head].numpy().astype(bool)  # (seq, seq)
        mask = None if full.all() else full
    rows = tuple(range(q.shape[0])) if capture.rows is None else capture.rows
    theirs = capture.model_weights[0, head].numpy()  # (rows, seq)
    row_mask = None if mask is None else mask[list(rows)]
    causal = None
    if capture.is_causal:  # the causal rows of the picked queries, as a boolean mask
        causal = np.arange(k.shape[0])[None, :] <= np.asarray(rows)[:, None]  # (rows, seq)
    picked_mask = causal if row_mask is None else row_mask if causal is None else row_mask & causal
    ours = attention_weights(q[list(rows)], k, attn_mask=picked_mask, scale=capture.scaling)  # (rows, seq)
    difference = float(np.abs(ours - theirs.astype(np.float64)).max(initial=0.0))
    tolerance = tolerance_for(loaded.dtype)
    if not difference <= tolerance:
        raise CaptureMismatchError(
            f"layer {layer} head {head} of model {loaded.name!r}: the attention weights computed from"
            f" the captured inputs differ from the model's own by {difference:.3g}, more than"
            f" {tolerance:g}: the model applies something the capture does not see",
            code="model_capture_mismatch",
            layer=layer,
            head=head,
            model=loaded.name,
            difference=f"{difference:.3g}",
            tolerance=f"{tolerance:g}",
        )
    return HeadAttention(
        layer,
        head,
        kv_head,
        q,
        k,
        v,
        capture.scaling,
        capture.is_causal,
        mask,
        rows,
        ours,
        theirs,
        difference,
        tolerance,
    )


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
        raise ModelInputError(
            f"{what} position {word} is out of range: the text has {count} tokens, 0 to {count - 1}",
            code="token_out_of_range",
            what=what,
            position=word,
            count=count,
            last=count - 1,
        )
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
        " the tokenizer splits, such as didn't -> didn ' t, is several tokens) or its 0-based position.",
        code="token_not_found",
        what=what,
        word=text,
        listing=listing,
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
    check_before_loading(model, layer, head)
    loaded = load_model(model)
    run = run_model(loaded, text, layers=[layer])
    attention = head_attention(loaded, run, layer, head)
    if queries is None:
        picked = None
    else:
        wanted = [queries] if isinstance(queries, (str, int)) else list(queries)
        picked = [find_token(run.tokens, w) for w in wanted]
    result = trace(
        attention.query,
        attention.key,
        attention.value,
        tokens=run.tokens,
        attn_mask=attention.attn_mask,
        is_causal=attention.is_causal,
        scale=attention.scale,
        queries=picked,
    )
    # the traced rows themselves, against the model's rows (the same numbers by another road)
    theirs = attention.model_weights[[attention.rows.index(i) for i in result.query_indices]]
    traced = np.abs(result.weights - theirs.astype(np.float64))
    difference = max(attention.max_difference, float(traced.max(initial=0.0)))
    if not difference <= attention.tolerance:
        raise CaptureMismatchError(
            f"traced rows differ from the model's by {traced.max():.3g}",
            code="model_traced_rows_differ",
            difference=f"{traced.max():.3g}",
        )
    return replace(result, provenance=model_provenance(loaded, run, attention, difference))


def model_provenance(
    loaded: LoadedModel, run: ModelRun, attention: HeadAttention, difference: float
) -> ModelHeadProvenance:
    arch = loaded.architecture
    return ModelHeadProvenance(
        model=loaded.name,
        model_path=str(loaded.resolved.path),
        weights_sha256=loaded.resolved.checked_sha256,
        family=arch.family,
        model_type=arch.model_type,
        layer=attention.layer,
        head=attention.head,
        num_layers=arch.num_layers,
        num_heads=arch.num_heads,
        text=run.text,
        special_tokens=tuple(i for i, s in enumerate(run.special) if s),
        check=RebuildCheck(
            max_abs_difference=difference,
            tolerance=attention.tolerance,
            rebuilt_dtype="float64",
            model_dtype=str(attention.model_weights.dtype),
            rows_checked=len(attention.rows),
            against="the weights of the model's own eager attention, in the same forward pass",
        ),
        num_kv_heads=arch.num_kv_heads if arch.num_kv_heads != arch.num_heads else 0,
        rope_frequencies=rope_frequencies(loaded),
    )


def rope_frequencies(loaded: LoadedModel) -> tuple[float, ...]:
    """Radians per position of each pair of dimensions, for models with Llama's rotary
    embedding over the whole head (``rotary_emb.inv_freq``); () for any other model."""
    rotary = getattr(loaded.base, "rotary_emb", None)
    frequencies = getattr(rotary, "inv_freq", None)
    if frequencies is None or float(getattr(rotary, "attention_scaling", 1.0)) != 1.0:
        return ()
    values = tuple(float(f) for f in frequencies.flatten().tolist())
    return values if 2 * len(values) == loaded.architecture.d_head else ()
