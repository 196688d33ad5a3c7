"""A model's shape, read from its ``config.json`` alone: nothing is loaded, torch is not imported.

Layers, heads and positions are known before the weights are read, so a layer or a head out of
range is refused at once. Grouped-query attention (GQA) shares one key/value head among
``num_heads // num_kv_heads`` query heads: query head ``h`` reads key/value head
``h // (num_heads // num_kv_heads)``.

>>> a = architecture_from_config({"model_type": "llama", "architectures": ["LlamaForCausalLM"],
...     "num_hidden_layers": 30, "num_attention_heads": 9, "num_key_value_heads": 3,
...     "hidden_size": 576, "max_position_embeddings": 8192})
>>> a.d_head, a.group_size, a.kv_head(4), a.heads_sharing(4), a.is_causal
(64, 3, 1, (3, 4, 5), True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ModelInputError, ModelLoadError

__all__ = ["Architecture", "architecture_from_config", "check_layer_head", "read_architecture"]

#: model types that attend causally although their class name does not say so
_CAUSAL_TYPES = ("gpt2", "gpt_neo", "gptj", "llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "phi", "phi3")


@dataclass(frozen=True)
class Architecture:
    family: str  # the model class named in the config, e.g. LlamaForCausalLM or BertModel
    model_type: str
    num_layers: int
    num_heads: int
    num_kv_heads: int
    d_model: int
    d_head: int
    max_positions: int
    is_causal: bool

    @property
    def group_size(self) -> int:
        """How many query heads share one key/value head (1 without GQA)."""
        return self.num_heads // self.num_kv_heads

    def kv_head(self, head: int) -> int:
        return head // self.group_size

    def heads_sharing(self, head: int) -> tuple[int, ...]:
        """The query heads that read the same key/value head as ``head`` (itself included)."""
        first = self.kv_head(head) * self.group_size
        return tuple(range(first, first + self.group_size))


def _first(config: dict[str, Any], *names: str) -> Any:
    for name in names:
        if config.get(name) is not None:
            return config[name]
    return None


def architecture_from_config(config: dict[str, Any]) -> Architecture:
    """The shape of a model from its config dict (``config.json``)."""
    model_type = str(config.get("model_type", "?"))
    classes = config.get("architectures") or [model_type]
    family = str(classes[0])
    layers = _first(config, "num_hidden_layers", "n_layer", "num_layers")
    heads = _first(config, "num_attention_heads", "n_head")
    d_model = _first(config, "hidden_size", "n_embd", "d_model")
    if not all(isinstance(n, int) and n > 0 for n in (layers, heads, d_model)):
        raise ModelLoadError(
            f"config of model type {model_type!r} does not say its layers, heads and width"
            " (num_hidden_layers, num_attention_heads, hidden_size): cannot read its attention",
            code="model_config_incomplete",
            model_type=model_type,
        )
    kv_heads = _first(config, "num_key_value_heads") or heads
    d_head = _first(config, "head_dim") or d_model // heads
    positions = int(_first(config, "max_position_embeddings", "n_positions", "n_ctx") or 0)
    if model_type == "roberta":  # RoBERTa offsets positions by padding_idx + 1
        positions -= int(config.get("pad_token_id") or 0) + 1
    is_causal = bool(config.get("is_decoder")) or "CausalLM" in family or model_type in _CAUSAL_TYPES
    return Architecture(
        family=family,
        model_type=model_type,
        num_layers=int(layers),
        num_heads=int(heads),
        num_kv_heads=int(kv_heads),
        d_model=int(d_model),
        d_head=int(d_head),
        max_positions=positions,
        is_causal=is_causal,
    )


def read_architecture(folder: Path) -> Architecture:
    """:func:`architecture_from_config` of ``folder / "config.json"``."""
    path = folder / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        reason = str(error).splitlines()[0]
        raise ModelLoadError(
            f"cannot read {path}: {reason}", code="model_config_unreadable", path=str(path), reason=reason
        ) from None
    except ValueError as error:
        reason = str(error).splitlines()[0]
        raise ModelLoadError(
            f"{path.name} is not a valid JSON file: {reason}",
            code="model_config_bad_json",
            file=path.name,
            reason=reason,
        ) from None
    if not isinstance(config, dict):
        raise ModelLoadError(
            f"{path.name} is not a valid JSON file of a config: expected an object",
            code="model_config_not_object",
            file=path.name,
        )
    return architecture_from_config(config)


def check_layer_head(name: str, arch: Architecture, layer: int | None, head: int | None) -> None:
    """Refuse a layer or head out of range, with the model's counts."""
    for what, value, count in (("layer", layer, arch.num_layers), ("head", head, arch.num_heads)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
            raise ModelInputError(
                f"{what} {value!r} is out of range: model {name!r} has {count} {what}s, numbered 0 to {count - 1}",
                code="model_index_out_of_range",
                what=what,
                value=value,
                model=name,
                count=count,
                last=count - 1,
            )
