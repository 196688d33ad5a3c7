"""Where the page's vectors can come from besides the grid: a built-in example or one head of
a real model (``selfattention.models``, when the ``models`` extra is installed).

Each source gives an ``explain --input`` document (tokens, Q, K, V, scale, causal) that the
page loads into its grid, and the trace's context (``meta``: the example's title, or the
model, layer, head and the check against the model's own attention). An explain request
names its source; the context is kept only while the vectors are still the source's own,
so the words never describe numbers the person has since changed.

>>> document, meta = example_source("seed")
>>> document["tokens"], meta["example"]
(['Acting', 'Machines'], 'seed')
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import InputError
from ..examples import get_example
from ..io import VectorInput
from ..trace import AttentionTrace
from .limits import check_text

__all__ = [
    "MODEL_EXAMPLE",
    "ModelSource",
    "example_source",
    "model_names",
    "model_source",
    "parse_model_source",
    "same_vectors",
]

#: the sentence the seed's article starts from, and a head of MiniLM that links "it" to "animal"
#: (layer 3, head 1: 0.6768, measured in the README's real-model section)
MODEL_EXAMPLE = {"text": "The animal didn't cross the street because it was too tired.", "layer": 3, "head": 1}
#: real models run one at a time (torch's thread setting is process-wide)
_MODEL_LOCK = threading.Lock()


def example_source(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A built-in example as an input document and its context."""
    example = get_example(name)
    kwargs = example.trace_kwargs()
    document = {
        "tokens": list(example.tokens),
        "query": example.query.tolist(),
        "key": example.key.tolist(),
        "value": example.value.tolist(),
    }
    return document, dict(kwargs["meta"])


# -- real models -----------------------------------------------------------------------------

ModelSource = tuple[str, str, int, int]  # text, model name, layer, head


def model_names() -> dict[str, str]:
    """The registered models (name -> description); an empty dict without the extra's code."""
    try:
        from ..models import MODELS
    except ImportError:  # pragma: no cover - the models package ships with the library
        return {}
    return {name: spec.description for name, spec in MODELS.items()}


def parse_model_source(raw: Any) -> ModelSource:
    """``{"text", "model", "layer", "head"}`` -> a checked source. Only registered model
    names are accepted: a web request never names a folder on this machine."""
    if not isinstance(raw, dict):
        raise InputError('model is not an object: expected {"text": ..., "model": "minilm", "layer": 0, "head": 0}')
    unknown = [k for k in raw if k not in ("text", "model", "layer", "head")]
    if unknown:
        raise InputError(f"model has unknown key {unknown[0]!r}: expected text, model, layer, head")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"model.text is {text!r}: expected a sentence")
    check_text(text)
    names = model_names()
    name = raw.get("model", next(iter(names), ""))
    if not isinstance(name, str) or name not in names:
        listing = ", ".join(sorted(names)) or "none (install the models extra)"
        raise InputError(f"model.model is {name!r}: expected one of the registered models: {listing}")
    numbers = []
    for what in ("layer", "head"):
        value = raw.get(what, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"model.{what} is {value!r}: expected a whole number from 0")
        numbers.append(value)
    return text, name, numbers[0], numbers[1]


def model_source(source: ModelSource) -> tuple[dict[str, Any], dict[str, Any]]:
    """One head of a real model as an input document and its context (cached)."""
    traced = _model_trace(*source)
    document: dict[str, Any] = {
        "tokens": list(traced.tokens),
        "query": traced.query.tolist(),
        "key": traced.key.tolist(),
        "value": traced.value.tolist(),
        "scale": traced.scale,
        "causal": traced.is_causal,
    }
    return document, dict(traced.meta)


@lru_cache(maxsize=16)
def _model_trace(text: str, model: str, layer: int, head: int) -> AttentionTrace:
    from ..models import model_trace

    with _MODEL_LOCK:
        return model_trace(text, model, layer=layer, head=head)


# -- the context is kept only for the source's own vectors --------------------------------------


def same_vectors(data: VectorInput, document: dict[str, Any]) -> bool:
    """True when ``data`` is exactly the source's input: tokens, Q, K, V, scale, causal flag
    and no mask (a temperature, a mask or an edited number make it another input)."""
    if list(data.tokens or ()) != list(document["tokens"]) or data.mask is not None:
        return False
    if data.causal != document.get("causal", False) or data.scale != document.get("scale"):
        return False
    return all(
        getattr(data, name).shape == np.shape(document[name])
        and bool(np.array_equal(getattr(data, name), document[name]))
        for name in ("query", "key", "value")
    )
