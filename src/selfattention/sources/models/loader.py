"""Loading a model offline and running it once on a text.

torch and transformers are imported here, lazily, the first time a model is asked for, after
``HF_HUB_OFFLINE=1`` is set so that anything that would download fails at once. Models load
with ``attn_implementation="eager"`` (other implementations silently return no attention
weights), ``local_files_only=True`` and ``dtype="auto"`` (the dtype of the saved weights), and
stay cached per folder for the life of the process.

PyTorch's default thread count makes small inferences jitter (20-900 ms on a 2-core machine,
against a steady 11-30 ms with one thread), so inputs of up to :data:`SMALL_INPUT_TOKENS`
tokens run on one thread; the previous setting is restored afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .adapters import Adapter, Architecture, adapter_for
from .errors import ModelInputError, ModelLoadError, TextTooLongError
from .registry import DEFAULT_MODEL, ResolvedModel, resolve_model

__all__ = ["SMALL_INPUT_TOKENS", "LoadedModel", "ModelRun", "load_model", "run_model"]

#: inputs of at most this many tokens run on one thread
SMALL_INPUT_TOKENS = 256

_CACHE: dict[str, LoadedModel] = {}


@dataclass(frozen=True, eq=False)
class LoadedModel:
    name: str
    resolved: ResolvedModel
    model: Any  # a transformers PreTrainedModel in eval mode
    tokenizer: Any
    adapter: Adapter
    architecture: Architecture

    @property
    def dtype(self) -> str:
        return str(next(self.model.parameters()).dtype).replace("torch.", "")


@dataclass(frozen=True, eq=False)
class ModelRun:
    """One forward pass on one text: its tokens, layer inputs and returned attention."""

    text: str
    tokens: tuple[str, ...]  # the tokenizer's tokens, special ones included
    special: NDArray[np.bool_]  # (seq,) True for [CLS], [SEP], <|endoftext|>, ...
    attention_mask: NDArray[np.bool_]  # (seq,) True = a real token (may be attended to)
    hidden_states: tuple[NDArray[np.float64], ...]  # num_layers + 1 of (seq, d_model), float64
    attentions: tuple[NDArray[Any], ...]  # num_layers of (heads, seq, seq), the model's dtype


def _backend() -> tuple[Any, Any]:
    """torch and transformers, imported offline; a one-line hint when the extra is missing."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # read by huggingface_hub at import: no download, ever
    try:
        import torch
        import transformers
    except ImportError as error:
        raise ModelLoadError(
            f"real models need torch and transformers ({error.name} is missing): pip install 'selfattention[models]'"
        ) from None
    transformers.utils.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    return torch, transformers


def load_model(name_or_path: str = DEFAULT_MODEL) -> LoadedModel:
    """Load (once per process) a registered model or a local folder, offline."""
    resolved = resolve_model(name_or_path)
    key = str(resolved.path)
    if key in _CACHE:
        return _CACHE[key]
    _, transformers = _backend()
    try:
        config = transformers.AutoConfig.from_pretrained(resolved.path, local_files_only=True)
        adapter = adapter_for(str(config.model_type))
        tokenizer = transformers.AutoTokenizer.from_pretrained(resolved.path, local_files_only=True)
        model = transformers.AutoModel.from_pretrained(
            resolved.path, local_files_only=True, attn_implementation="eager", dtype="auto"
        )
    except ModelLoadError:
        raise
    except Exception as error:  # OSError, ValueError, SafetensorError...: each means "cannot load this folder"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelLoadError(f"cannot load model {resolved.name!r} from {resolved.path} offline: {first}") from None
    model.eval()
    loaded = LoadedModel(
        name=resolved.name,
        resolved=resolved,
        model=model,
        tokenizer=tokenizer,
        adapter=adapter,
        architecture=adapter.architecture(model),
    )
    _CACHE[key] = loaded
    return loaded


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


def run_model(loaded: LoadedModel, text: str) -> ModelRun:
    """Tokenize ``text`` and run the model once, returning hidden states and attention."""
    import torch

    if not isinstance(text, str) or not text.strip():
        raise ModelInputError('text is empty: give a sentence, e.g. "The animal didn\'t cross the street."')
    encoded = loaded.tokenizer(text, return_tensors="pt", return_special_tokens_mask=True)
    ids = encoded["input_ids"]  # (1, seq)
    seq = int(ids.shape[1])
    limit = loaded.architecture.max_positions
    if seq > limit:
        raise TextTooLongError(
            f"text has {seq} tokens but model {loaded.name!r} has {limit} positions: shorten it"
            f" to at most {limit} tokens (special tokens included)"
        )
    special = encoded["special_tokens_mask"][0].numpy().astype(bool)  # (seq,)
    if special.all():
        raise ModelInputError(
            f"text {text!r} has no tokens besides the special ones: give words the tokenizer can read"
        )
    inputs = {k: v for k, v in encoded.items() if k != "special_tokens_mask"}
    threads = 1 if seq <= SMALL_INPUT_TOKENS else torch.get_num_threads()
    with torch_threads(threads), torch.no_grad():
        outputs = loaded.model(**inputs, output_hidden_states=True, output_attentions=True)
    if not outputs.attentions or outputs.attentions[0] is None:  # pragma: no cover - eager always returns them
        raise ModelLoadError(f"model {loaded.name!r} returned no attention weights (not eager?)")
    tokens = tuple(str(t) for t in loaded.tokenizer.convert_ids_to_tokens(ids[0].tolist()))
    mask = encoded.get("attention_mask")
    return ModelRun(
        text=text,
        tokens=tokens,
        special=special,
        attention_mask=np.ones(seq, bool) if mask is None else mask[0].numpy().astype(bool),
        hidden_states=tuple(h[0].double().numpy() for h in outputs.hidden_states),  # (seq, d_model)
        attentions=tuple(a[0].numpy() for a in outputs.attentions),  # (heads, seq, seq)
    )
