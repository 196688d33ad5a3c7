"""Greedy generation with the KV cache, one head traced at every step.

At step ``t`` the model reads one token, the last one so far (the whole prompt at step 0),
with the keys and values of the earlier tokens taken from its KV cache, and picks the next
token by its largest logit. The traced row is the read token's query against every key so
far (cached ones and its own); each is checked twice: against the model's own eager weights
in that same pass, and against the last row of the same head recomputed from scratch on the
whole sequence without a cache (``provenance.recompute_difference``).

:func:`check_generation` refuses what cannot be generated (a count out of range, a layer or
head the model lacks, an encoder) before any weights are read; :func:`generate_traces` calls it
first, and a server calls it before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from ...record.provenance import ModelHeadProvenance, RebuildCheck
from ...record.trace import AttentionTrace, trace
from .capture import LayerCapture, Recorder, recording
from .errors import CaptureMismatchError, ModelInputError
from .loader import LoadedModel, check_before_loading, encode, load_model, threads_for, tokens_of, torch_threads
from .registry import MODELS
from .tracing import rope_frequencies, tolerance_for

__all__ = ["MAX_NEW_TOKENS", "GenerationStep", "check_generation", "generate_traces"]

#: the most tokens one call generates
MAX_NEW_TOKENS = 256


@dataclass(frozen=True, eq=False)
class GenerationStep:
    read: str  # the token whose query is traced
    chosen: str  # the token the model picked next
    trace: AttentionTrace  # one query (the read token) against every key so far
    text: str = ""  # the prompt and every token chosen so far, this step's included, decoded


def check_generation(model: str, max_new_tokens: int, layer: int, head: int, limit: int = MAX_NEW_TOKENS) -> None:
    """Refuse, before any weights are read, a generation that cannot run: ``max_new_tokens``
    not a whole number from 1 to ``limit``, a layer or head out of range, or an encoder.

    >>> check_generation("minilm", 4, 0, 0)
    Traceback (most recent call last):
    ...
    selfattention.sources.models.errors.ModelInputError: model 'minilm' is an encoder ...
    """
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or not 1 <= max_new_tokens <= limit:
        raise ModelInputError(
            f"max_new_tokens is {max_new_tokens!r}: expected a whole number from 1 to {limit}",
            code="generation_max_new_tokens",
            value=max_new_tokens,
            limit=limit,
        )
    arch = check_before_loading(model, layer, head)
    encoder = not MODELS[model].decoder if model in MODELS else arch is not None and not arch.is_causal
    if encoder:
        decoders = ", ".join(name for name, spec in MODELS.items() if spec.decoder)
        raise ModelInputError(
            f"model {model!r} is an encoder (every token sees every other): it cannot generate;"
            f" choose a decoder, such as {decoders}",
            code="model_is_an_encoder",
            model=model,
            decoders=decoders,
        )


def generate_traces(
    prompt: str, model: str = "smollm2", max_new_tokens: int = 8, layer: int = 0, head: int = 0
) -> tuple[GenerationStep, ...]:
    """Generate ``max_new_tokens`` tokens greedily, tracing head ``head`` of layer ``layer``
    for the token read at each step (0-based layer and head). Generation stops early, as
    transformers' does, once the model picks its end-of-text token (that step included)."""
    check_generation(model, max_new_tokens, layer, head)
    loaded = load_model(model)
    if not hasattr(loaded.model, "lm_head") and not hasattr(loaded.model, "get_output_embeddings"):
        raise ModelInputError(
            f"model {loaded.name!r} ({loaded.architecture.family}) is not a decoder: it cannot generate",
            code="model_not_a_decoder",
            model=loaded.name,
            family=loaded.architecture.family,
        )
    import torch
    import transformers

    ids = [int(i) for i in encode(loaded, prompt)["input_ids"][0].tolist()]
    cache = transformers.DynamicCache(config=loaded.model.config)
    steps = []
    stops = _end_of_text(loaded)
    reading = ids  # step 0 reads the whole prompt
    for _ in range(max_new_tokens):
        recorder = Recorder(layers=frozenset([layer]))
        with torch_threads(threads_for(len(ids))), torch.no_grad(), recording(recorder):
            out = loaded.model(input_ids=torch.tensor([reading]), cache=cache, use_cache=True)
        chosen = int(out.logits[0, -1].argmax())
        captured = next(c for c in recorder.captures if c.layer == layer)
        text = loaded.tokenizer.decode(ids)
        cached = len(ids) - len(reading)  # keys and values taken from the cache (0 for the prompt)
        step = _step(loaded, text, ids, captured, layer, head, chosen, cached)
        ids = [*ids, chosen]
        steps.append(replace(step, text=loaded.tokenizer.decode(ids)))
        if chosen in stops:  # the model ended its text, as transformers' generate stops there
            break
        reading = [chosen]
    return tuple(steps)


def _end_of_text(loaded: LoadedModel) -> frozenset[int]:
    """The token ids that end generation: the model's end-of-text token(s)."""
    config = getattr(loaded.model, "generation_config", None)
    ids = getattr(config, "eos_token_id", None)
    if ids is None:
        ids = getattr(loaded.tokenizer, "eos_token_id", None)
    return frozenset([] if ids is None else [ids] if isinstance(ids, int) else [int(i) for i in ids])


def _recompute(loaded: LoadedModel, ids: list[int], layer: int, head: int) -> NDArray[np.float64]:
    """The last row of the head's weights, computed from scratch on ``ids`` (no cache)."""
    import torch

    recorder = Recorder(layers=frozenset([layer]), rows=(len(ids) - 1,))
    with torch_threads(threads_for(len(ids))), torch.no_grad(), recording(recorder):
        loaded.base(input_ids=torch.tensor([ids]), use_cache=False)
    captured = next(c for c in recorder.captures if c.layer == layer)
    row: NDArray[np.float64] = captured.model_weights[0, head].double().numpy()  # (1, seq)
    return row


def _step(
    loaded: LoadedModel,
    text: str,
    ids: list[int],
    captured: LayerCapture,
    layer: int,
    head: int,
    chosen: int,
    cached: int,
) -> GenerationStep:
    tokens = tokens_of(loaded, ids)
    position = len(ids) - 1  # the read token's position; keys 0 .. position
    kv_head = head // (int(captured.query.shape[1]) // int(captured.key.shape[1]))  # grouped-query heads
    q = captured.query[0, head, -1:].double().numpy()  # (1, d_head): the last token read
    k = captured.key[0, kv_head].double().numpy()  # (seq, d_head): the cached keys and its own
    v = captured.value[0, kv_head].double().numpy()  # (seq, d_value)
    mask = None
    if captured.mask is not None:
        row = captured.mask[0, 0 if captured.mask.shape[1] == 1 else head, -1:].numpy().astype(bool)  # (1, seq)
        mask = None if row.all() else row
    # the last position sees every key up to itself: causality needs no mask for this row
    result = trace(q, k, v, tokens=[tokens[-1]], key_tokens=tokens, attn_mask=mask, scale=captured.scaling)
    theirs = captured.model_weights[0, head, -1:].double().numpy()  # (1, seq): the model's own, with the cache
    difference = float(np.abs(result.weights - theirs).max())
    tolerance = tolerance_for(loaded.dtype)
    recomputed = float(np.abs(result.weights - _recompute(loaded, ids, layer, head)).max())
    own = "the model's own weights"
    for against, value in ((own, difference), ("the full recomputation", recomputed)):
        if not value <= tolerance:
            raise CaptureMismatchError(
                f"generation, position {position}, layer {layer} head {head}: the row differs from {against}"
                f" by {value:.3g}, more than {tolerance:g}",
                code="generation_differs_from_model" if against == own else "generation_differs_from_recomputation",
                position=position,
                layer=layer,
                head=head,
                difference=f"{value:.3g}",
                tolerance=f"{tolerance:g}",
            )
    arch = loaded.architecture
    provenance = ModelHeadProvenance(
        model=loaded.name,
        model_path=str(loaded.resolved.path),
        weights_sha256=loaded.resolved.checked_sha256,
        family=arch.family,
        model_type=arch.model_type,
        layer=layer,
        head=head,
        num_layers=arch.num_layers,
        num_heads=arch.num_heads,
        text=text,
        special_tokens=(),
        check=RebuildCheck(
            max_abs_difference=difference,
            tolerance=tolerance,
            rebuilt_dtype="float64",
            model_dtype=loaded.dtype,
            rows_checked=1,
            against="the weights of the model's own eager attention, with its KV cache",
        ),
        num_kv_heads=arch.num_kv_heads if arch.num_kv_heads != arch.num_heads else 0,
        rope_frequencies=rope_frequencies(loaded),
        position_offset=position,
        cached_keys=cached,
        recompute_difference=recomputed,
    )
    return GenerationStep(
        read=tokens[-1], chosen=tokens_of(loaded, [chosen])[0], trace=replace(result, provenance=provenance)
    )
