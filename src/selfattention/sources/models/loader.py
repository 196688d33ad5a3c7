"""Loading a model offline and running it once on a text, its attention captured.

torch and transformers are imported here, lazily, the first time a model is asked for, after
``HF_HUB_OFFLINE=1`` is set so that anything that would download fails at once. Models load
with ``attn_implementation=CAPTURE`` (:mod:`.capture`: every layer's q, k, v, mask and scale
are recorded and the model's own eager attention computes the result), ``local_files_only=True``
and ``dtype="auto"`` (the dtype of the saved weights), and stay cached per folder for the life
of the process. A decoder (its config names a ``...ForCausalLM`` class) loads with its language
model head, so that it can also generate; tracing runs its base model only.

PyTorch's default thread count makes small inferences jitter (20-900 ms on a 2-core machine,
against a steady 11-30 ms with one thread), so inputs of up to :data:`SMALL_INPUT_TOKENS`
tokens run on one thread; the previous setting is restored afterwards.

:func:`load_model` is safe to call from many threads (the web server's threadpool): each
model folder has its own lock, and the cache is checked again under it, so two first
requests for one model load it once and share it, while different models may load side by side.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .architecture import Architecture, architecture_from_config, read_architecture
from .capture import CAPTURE, LayerCapture, Recorder, recording, register_capture
from .errors import ModelInputError, ModelLoadError, TextTooLongError, UnsupportedAttentionError
from .gguf_cache import ensure_cache
from .registry import DEFAULT_MODEL, MODELS, ResolvedModel, resolve_model

__all__ = [
    "PIECES_PER_WORD",
    "SMALL_INPUT_TOKENS",
    "LoadedModel",
    "ModelRun",
    "TokenizationWarning",
    "check_before_loading",
    "load_model",
    "run_model",
    "torch_threads",
]

#: inputs of at most this many tokens run on one thread
SMALL_INPUT_TOKENS = 256

_CACHE: dict[str, LoadedModel] = {}
#: one lock per model folder (made under _LOCKS_LOCK), held while that model loads
_LOAD_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()
#: transformers' lazy imports are not thread-safe: the backend is set up by one thread at a time
_BACKEND_LOCK = threading.Lock()


@dataclass(frozen=True, eq=False)
class LoadedModel:
    name: str
    resolved: ResolvedModel
    model: Any  # a transformers PreTrainedModel in eval mode, on the capturing attention
    tokenizer: Any
    architecture: Architecture

    @property
    def dtype(self) -> str:
        return str(next(self.model.parameters()).dtype).replace("torch.", "")

    @property
    def base(self) -> Any:
        """The model without its language-model head (itself for an encoder)."""
        return getattr(self.model, "base_model", self.model)


@dataclass(frozen=True, eq=False)
class ModelRun:
    """One forward pass on one text: its tokens and every layer's captured attention."""

    text: str
    tokens: tuple[str, ...]  # the tokenizer's tokens, special ones included
    ids: tuple[int, ...]
    special: NDArray[np.bool_]  # (seq,) True for [CLS], [SEP], <|endoftext|>, ...
    attention_mask: NDArray[np.bool_]  # (seq,) True = a real token (may be attended to)
    layers: tuple[LayerCapture, ...]  # num_layers, in layer order

    @property
    def attentions(self) -> tuple[NDArray[Any], ...]:
        """Per layer, the model's own (eager) weights as kept: (heads, rows, seq)."""
        return tuple(c.model_weights[0].numpy() for c in self.layers)


def _backend() -> tuple[Any, Any]:
    """torch and transformers, imported offline; a one-line hint when the extra is missing."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # read by huggingface_hub at import: no download, ever
    with _BACKEND_LOCK:
        try:
            import torch
            import transformers
        except ImportError as error:
            raise ModelLoadError(
                f"real models need torch and transformers ({error.name} is missing):"
                " pip install 'selfattention[models]'",
                code="models_extra_missing",
                missing=error.name,
            ) from None
        transformers.utils.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        register_capture()
    return torch, transformers


def check_before_loading(name_or_path: str, layer: int | None = None, head: int | None = None) -> Architecture | None:
    """Refuse an unknown model, or a layer or head out of range, before any weights are read:
    a registered name knows its counts, a folder's ``config.json`` says them."""
    from .architecture import check_layer_head

    if name_or_path in MODELS:
        spec = MODELS[name_or_path]
        counts = Architecture(spec.name, "", spec.num_layers, spec.num_heads, spec.num_heads, 0, 0, 0, False)
        check_layer_head(spec.name, counts, layer, head)
        return None
    resolved = resolve_model(name_or_path)
    arch = _read_config(resolved)
    check_layer_head(resolved.name, arch, layer, head)
    return arch


def _read_config(resolved: ResolvedModel) -> Architecture:
    try:
        return read_architecture(resolved.path)
    except ModelLoadError as error:
        raise ModelLoadError(
            f"cannot load model {resolved.name!r} from {resolved.path} offline: {error}",
            code="model_load_failed",
            model=resolved.name,
            path=str(resolved.path),
            reason=str(error),
        ) from None


def load_model(name_or_path: str = DEFAULT_MODEL) -> LoadedModel:
    """Load (once per process) a registered model or a local folder, offline.

    Thread-safe: concurrent first calls for one model load it once (the others wait for it)."""
    resolved = resolve_model(name_or_path)
    key = str(resolved.path)
    loaded = _CACHE.get(key)
    if loaded is not None:
        return loaded
    with _LOCKS_LOCK:
        lock = _LOAD_LOCKS.setdefault(key, threading.Lock())
    with lock:
        loaded = _CACHE.get(key)  # checked again: another thread may have loaded it meanwhile
        if loaded is None:
            loaded = _load(resolved)
            _CACHE[key] = loaded
    return loaded


def _load(resolved: ResolvedModel) -> LoadedModel:
    """Read a model folder and its tokenizer offline (call under the folder's lock)."""
    _, transformers = _backend()
    ensure_cache(resolved, transformers)  # a GGUF model: its de-quantized folder
    arch = _read_config(resolved)
    # a decoder loads with its language-model head (to generate); a config naming no class
    # (family = model type) is taken as a decoder when its type is one
    decoder = "CausalLM" in arch.family or (arch.family == arch.model_type and arch.is_causal)
    model_class = transformers.AutoModelForCausalLM if decoder else transformers.AutoModel
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(resolved.path, local_files_only=True)
        model = model_class.from_pretrained(
            resolved.path, local_files_only=True, attn_implementation=CAPTURE, dtype="auto"
        )
    except (ValueError, KeyError) as error:
        if "attn_implementation" in str(error) or "attention implementation" in str(error).lower():
            raise UnsupportedAttentionError(
                f"model {resolved.name!r} ({arch.family}) does not compute its attention through"
                " transformers' attention interface: it cannot be captured",
                code="model_attention_not_interfaced",
                model=resolved.name,
                family=arch.family,
            ) from None
        raise _load_error(resolved, error) from None
    except Exception as error:  # OSError, SafetensorError...: each means "cannot load this folder"
        raise _load_error(resolved, error) from None
    model.eval()
    return LoadedModel(name=resolved.name, resolved=resolved, model=model, tokenizer=tokenizer, architecture=arch)


def _load_error(resolved: ResolvedModel, error: Exception) -> ModelLoadError:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ModelLoadError(
        f"cannot load model {resolved.name!r} from {resolved.path} offline: {first}",
        code="model_load_failed",
        model=resolved.name,
        path=str(resolved.path),
        reason=first,
    )


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run a block with ``count`` torch threads, then restore the previous setting."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def threads_for(tokens: int) -> int:
    import torch

    return 1 if tokens <= SMALL_INPUT_TOKENS else int(torch.get_num_threads())


def encode(loaded: LoadedModel, text: str) -> dict[str, Any]:
    """Tokenize ``text`` (checked: not empty, not longer than the model's positions)."""
    if not isinstance(text, str) or not text.strip():
        raise ModelInputError(
            'text is empty: give a sentence, e.g. "The animal didn\'t cross the street."', code="text_empty"
        )
    encoded: dict[str, Any] = dict(loaded.tokenizer(text, return_tensors="pt", return_special_tokens_mask=True))
    seq = int(encoded["input_ids"].shape[1])
    limit = loaded.architecture.max_positions
    if limit and seq > limit:
        raise TextTooLongError(
            f"text has {seq} tokens but model {loaded.name!r} has {limit} positions: shorten it"
            f" to at most {limit} tokens (special tokens included)",
            code="model_text_too_long",
            count=seq,
            model=loaded.name,
            limit=limit,
        )
    special = encoded["special_tokens_mask"][0].numpy().astype(bool)  # (seq,)
    if seq == 0 or special.all():
        raise ModelInputError(
            f"text {text!r} has no tokens besides the special ones: give words the tokenizer can read",
            code="model_text_only_special_tokens",
            text=text,
        )
    _warn_if_broken(loaded, text, encoded["input_ids"][0].tolist(), special)
    return encoded


class TokenizationWarning(UserWarning):
    """The tokenizer breaks the text into bytes or letters, or does not know some of it."""


#: more pieces than this many per word means the vocabulary does not know the text's words
PIECES_PER_WORD = 3


def _warn_if_broken(loaded: LoadedModel, text: str, ids: Sequence[int], special: NDArray[np.bool_]) -> None:
    """Warn, with the tokens, when the tokenizer breaks the text into bytes or letters (e.g.
    Korean into an English vocabulary) or replaces words by its unknown token."""
    import warnings

    tokens = tokens_of(loaded, ids)
    words = max(1, len(re.findall(r"\w+", text)))  # "application/json" is two words
    pieces = int((~special).sum())
    unknown = getattr(loaded.tokenizer, "unk_token", None)
    unknowns = sum(1 for t in tokens if unknown is not None and t == unknown)
    letters = any(c.isalpha() for c in text)  # "0.1.0" is 5 pieces and rightly so
    if (pieces <= PIECES_PER_WORD * words or not letters) and not unknowns:
        return
    listing = " ".join(f"{i}:{t}" for i, t in enumerate(tokens))
    why = (
        f"{unknowns} of its {pieces} pieces are {unknown}: words its vocabulary does not know"
        if unknowns
        else f"{pieces} pieces for {words} word{'s' if words != 1 else ''}: bytes or letters, not words"
    )
    warnings.warn(
        f"the tokenizer of model {loaded.name!r} breaks this text badly ({why}); its vocabulary was"
        f" not made for this text, so the heads see these tokens: {listing}",
        TokenizationWarning,
        stacklevel=3,
    )


def tokens_of(loaded: LoadedModel, ids: Sequence[int]) -> tuple[str, ...]:
    return tuple(str(t) for t in loaded.tokenizer.convert_ids_to_tokens(list(ids)))


def run_model(
    loaded: LoadedModel, text: str, layers: Sequence[int] | None = None, rows: Sequence[int] | None = None
) -> ModelRun:
    """Tokenize ``text`` and run the model once, capturing every layer's attention; the
    model's own weights are kept for ``layers`` and query ``rows`` (all when None)."""
    import torch

    encoded = encode(loaded, text)
    ids = encoded["input_ids"]  # (1, seq)
    seq = int(ids.shape[1])
    inputs = {k: v for k, v in encoded.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
    recorder = Recorder(
        layers=None if layers is None else frozenset(int(x) for x in layers),
        rows=None if rows is None else tuple(int(r) for r in rows),
    )
    with torch_threads(threads_for(seq)), torch.no_grad(), recording(recorder):
        loaded.base(**inputs, use_cache=False)
    captured = sorted(recorder.captures, key=lambda c: c.layer)
    if len(captured) != loaded.architecture.num_layers:
        raise UnsupportedAttentionError(
            f"model {loaded.name!r} ({loaded.architecture.family}) has {loaded.architecture.num_layers}"
            f" layers but {len(captured)} attention calls went through transformers' attention"
            " interface: its attention cannot be captured",
            code="model_attention_calls_missing",
            model=loaded.name,
            family=loaded.architecture.family,
            layers=loaded.architecture.num_layers,
            calls=len(captured),
        )
    mask = encoded.get("attention_mask")
    return ModelRun(
        text=text,
        tokens=tokens_of(loaded, ids[0].tolist()),
        ids=tuple(int(i) for i in ids[0].tolist()),
        special=encoded["special_tokens_mask"][0].numpy().astype(bool),
        attention_mask=np.ones(seq, bool) if mask is None else mask[0].numpy().astype(bool),
        layers=tuple(captured),
    )


def architecture_of_model(model: Any) -> Architecture:
    """The :class:`Architecture` of a loaded transformers model (from its config)."""
    return architecture_from_config(model.config.to_dict())
