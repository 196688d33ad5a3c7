"""Where the page's vectors can come from besides the grid: a built-in example, one head of
the toy layer on a sentence (``selfattention.sources.pipeline``), or one head of a real model
(``selfattention.sources.models``, when the ``models`` extra is installed).

Each source gives an ``explain --input`` document (tokens, Q, K, V, scale, causal) that the
page loads into its grid, and the trace's provenance (:mod:`selfattention.record.provenance`:
the example, the toy layer's head, or the model's head with its check against the model's own
attention). An explain request
names its source; the context is kept only while the vectors are still the source's own,
so the words never describe numbers the person has since changed.

>>> document, provenance = example_source("seed")
>>> document["tokens"], provenance.example
(['Acting', 'Machines'], 'seed')
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from ...core.errors import InputError, LimitError
from ...record.provenance import Provenance
from ...record.trace import AttentionTrace
from ...sources.examples import get_example
from ...sources.vectors import VectorInput
from .limits import check_text

__all__ = [
    "D_MODELS",
    "MODEL_EXAMPLE",
    "NUM_HEADS",
    "TEXT_EXAMPLE",
    "BoundedCache",
    "ModelSource",
    "TextSource",
    "checked_object",
    "decoder_names",
    "example_source",
    "model_names",
    "model_source",
    "parse_model_source",
    "parse_text_source",
    "same_vectors",
    "text_source",
]

#: the sentence the seed's article starts from, and a head of MiniLM that links "it" to "animal"
#: (layer 3, head 1: 0.6768, measured in the README's real-model section)
#: (and the query and key that the page's every-head grid starts from)
MODEL_EXAMPLE = {
    "text": "The animal didn't cross the street because it was too tired.",
    "layer": 3,
    "head": 1,
    "query": "it",
    "key": "animal",
}
#: the toy layer's sizes offered by the page (d_model must be a multiple of the heads)
D_MODELS = (4, 8, 16, 32, 64)
NUM_HEADS = (1, 2, 4, 8)
TEXT_EXAMPLE = {"text": MODEL_EXAMPLE["text"], "d_model": 8, "num_heads": 2, "seed": 0, "head": 0}
#: real models run one at a time (torch's thread setting is process-wide)
_MODEL_LOCK = threading.Lock()


def example_source(name: str) -> tuple[dict[str, Any], Provenance]:
    """A built-in example as an input document and its provenance."""
    example = get_example(name)
    document = {
        "tokens": list(example.tokens),
        "query": example.query.tolist(),
        "key": example.key.tolist(),
        "value": example.value.tolist(),
    }
    return document, example.trace_kwargs()["provenance"]


# -- checking request objects ------------------------------------------------------------------


def checked_object(raw: Any, where: str, keys: tuple[str, ...], shape: str) -> dict[str, Any]:
    """``raw`` as a JSON object holding only ``keys``, or a refusal naming ``where``."""
    whole = where.startswith("the request")  # the whole body, or one of its fields ("model")
    if not isinstance(raw, dict):
        kind = type(raw).__name__
        raise InputError(
            f"{where} is a JSON {kind}: expected an object such as {shape}",
            code="request_not_object" if whole else "request_field_not_object",
            field=where,
            kind=kind,
            shape=shape,
        )
    unknown = [k for k in raw if k not in keys]
    if unknown:
        listed = ", ".join(keys)
        raise InputError(
            f"{where} has unknown key {unknown[0]!r}: expected some of {listed}",
            code="request_unknown_key" if whole else "request_field_unknown_key",
            field=where,
            key=unknown[0],
            keys=listed,
        )
    return raw


def _sentence(raw: dict[str, Any], name: str) -> str:
    text = raw.get(name.rsplit(".", 1)[-1])
    if not isinstance(text, str) or not text.strip():
        raise InputError(
            f"{name} is {text!r}: expected a sentence", code="request_sentence_missing", field=name, text=text
        )
    check_text(text)
    return text


# -- the toy layer ----------------------------------------------------------------------------

TextSource = tuple[str, int, int, int, int]  # text, d_model, num_heads, seed, head
_TEXT_KEYS = ("text", "d_model", "num_heads", "seed", "head", "lang")


def parse_text_source(raw: Any) -> tuple[TextSource, str]:
    """``{"text", "d_model", "num_heads", "seed", "head", "lang"}`` -> a checked source and
    the language of its words."""
    raw = checked_object(raw, "the request", _TEXT_KEYS, '{"text": ..., "d_model": 8, "num_heads": 2, ...}')
    text = _sentence(raw, "text")
    numbers = []
    for what, choices in (("d_model", D_MODELS), ("num_heads", NUM_HEADS)):
        value = raw.get(what, TEXT_EXAMPLE[what])
        if isinstance(value, bool) or value not in choices:
            listed = ", ".join(map(str, choices))
            raise InputError(
                f"{what} is {value!r}: expected one of {listed}",
                code="request_field_not_a_choice",
                field=what,
                value=value,
                choices=listed,
            )
        numbers.append(value)
    d_model, num_heads = numbers
    if d_model % num_heads:
        raise InputError(
            f"d_model {d_model} does not split into {num_heads} heads: pick a d_model that {num_heads} divides",
            code="request_d_model_not_divisible",
            d_model=d_model,
            num_heads=num_heads,
        )
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise InputError(
            f"seed is {seed!r}: expected a whole number from 0 to {2**32 - 1}",
            code="request_seed_out_of_range",
            seed=seed,
            most=2**32 - 1,
        )
    head = raw.get("head", 0)
    if isinstance(head, bool) or not isinstance(head, int) or not 0 <= head < num_heads:
        raise InputError(
            f"head is {head!r}: expected a head from 0 to {num_heads - 1}",
            code="request_head_out_of_range",
            head=head,
            last=num_heads - 1,
        )
    lang = raw.get("lang", "en")
    if not isinstance(lang, str):
        raise InputError(
            f'lang is {lang!r}: expected a language code such as "en"', code="request_lang_not_code", lang=lang
        )
    return (text, d_model, num_heads, seed, head), lang


def text_source(source: TextSource, lang: str = "en") -> tuple[dict[str, Any], Provenance, dict[str, Any]]:
    """One head of the toy layer on a sentence: its input document, its provenance, and the
    layer's own words (title and intro: what the toy numbers are and are not)."""
    from ...explain.layer import explain_layer
    from ...sources.embedding import tokenize
    from ...sources.pipeline import text_layer_trace
    from .limits import MAX_TOKENS

    text, d_model, num_heads, seed, head = source
    count = len(tokenize(text))
    if count > MAX_TOKENS:
        raise LimitError(
            f"the text has {count} tokens: the web explorer takes at most {MAX_TOKENS} (max_tokens)",
            code="web_text_too_many_tokens",
            count=count,
            limit=MAX_TOKENS,
        )
    layer = text_layer_trace(text, d_model=d_model, num_heads=num_heads, seed=seed)
    chosen = layer.heads[head]
    document = {
        "tokens": list(chosen.tokens),
        "query": chosen.query.tolist(),
        "key": chosen.key.tolist(),
        "value": chosen.value.tolist(),
    }
    words = explain_layer(layer, lang, head=head)
    return document, chosen.provenance, {"title": words.title, "intro": list(words.intro)}


# -- real models -----------------------------------------------------------------------------

ModelSource = tuple[str, str, int, int]  # text, model name, layer, head


def model_names() -> dict[str, str]:
    """The registered models (name -> description); an empty dict without the extra's code."""
    try:
        from ...sources.models import MODELS
    except ImportError:  # pragma: no cover - the models package ships with the library
        return {}
    return {name: spec.description for name, spec in MODELS.items()}


def decoder_names() -> list[str]:
    """The registered models that can generate (causal language models), in registry order."""
    try:
        from ...sources.models import MODELS
    except ImportError:  # pragma: no cover - the models package ships with the library
        return []
    return [name for name, spec in MODELS.items() if spec.decoder]


def parse_model_source(raw: Any) -> ModelSource:
    """``{"text", "model", "layer", "head"}`` -> a checked source. Only registered model
    names are accepted: a web request never names a folder on this machine."""
    keys = ("text", "model", "layer", "head")
    raw = checked_object(raw, "model", keys, '{"text": ..., "model": "minilm", "layer": 0, "head": 0}')
    text = _sentence(raw, "model.text")
    names = model_names()
    name = raw.get("model", next(iter(names), ""))
    if not isinstance(name, str) or name not in names:
        listing = ", ".join(sorted(names)) or "none (install the models extra)"
        raise InputError(
            f"model.model is {name!r}: expected one of the registered models: {listing}",
            code="request_model_not_registered" if names else "request_no_models",
            field="model.model",
            model=name,
            listing=listing,
        )
    numbers = []
    for what in ("layer", "head"):
        value = raw.get(what, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(
                f"model.{what} is {value!r}: expected a whole number from 0",
                code="request_field_not_index",
                field=f"model.{what}",
                value=value,
            )
        numbers.append(value)
    return text, name, numbers[0], numbers[1]


def model_source(source: ModelSource) -> tuple[dict[str, Any], Provenance]:
    """One head of a real model as an input document and its provenance (cached).

    The sentence is tokenized first: one over :data:`~.limits.MAX_TOKENS` tokens is refused
    (413) before the model runs or anything is cached."""
    key = source
    traced = _TRACES.get(key)
    if traced is None:
        text, model, layer, head = source
        with _MODEL_LOCK:
            _check_model_tokens(text, model)
            traced = _run_model_trace(text, model, layer, head)
        _TRACES.put(key, traced)
    document: dict[str, Any] = {
        "tokens": list(traced.tokens),
        "query": traced.query.tolist(),
        "key": traced.key.tolist(),
        "value": traced.value.tolist(),
        "scale": traced.scale,
        "causal": traced.is_causal,
    }
    return document, traced.provenance


def _check_model_tokens(text: str, model: str) -> None:
    """Refuse a sentence of more than MAX_TOKENS of the model's tokens, from its tokenizer
    alone (call under _MODEL_LOCK: a fast tokenizer is not to be shared between threads)."""
    from ...sources.models import load_model
    from .limits import MAX_TOKENS

    loaded = load_model(model)
    count = len(loaded.tokenizer(text)["input_ids"])
    if count > MAX_TOKENS:
        raise LimitError(
            f"the text has {count} tokens of model {model!r} (special tokens included): the web"
            f" explorer takes at most {MAX_TOKENS} (max_tokens); shorten it",
            code="web_model_tokens_over_limit",
            count=count,
            model=model,
            limit=MAX_TOKENS,
        )


def _run_model_trace(text: str, model: str, layer: int, head: int) -> AttentionTrace:
    from ...sources.models import model_trace

    return model_trace(text, model, layer=layer, head=head)


class BoundedCache:
    """A least-recently-used cache bounded by entries *and* bytes (a trace's arrays): what
    one request can make the server keep is small, and so is what all of them can.

    >>> cache = BoundedCache(max_entries=2, max_bytes=100)
    >>> cache.put("a", np.zeros(5)); cache.put("b", np.zeros(5)); cache.put("c", np.zeros(5))
    >>> cache.get("a") is None, cache.get("c").shape, cache.size_bytes
    (True, (5,), 80)
    >>> cache.put("big", np.zeros(50))  # larger than the whole budget: not kept
    >>> cache.get("big"), len(cache)
    (None, 2)
    """

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.size_bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Any) -> Any:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key][0]

    def put(self, key: Any, value: Any) -> None:
        size = nbytes(value)
        with self._lock:
            if key in self._items:
                self.size_bytes -= self._items.pop(key)[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self.size_bytes += size
            while len(self._items) > self.max_entries or self.size_bytes > self.max_bytes:
                self.size_bytes -= self._items.popitem(last=False)[1][1]


def nbytes(value: Any) -> int:
    """Bytes held by the arrays of ``value``: an array, or a record (a trace and its steps)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (tuple, list)):
        return sum(nbytes(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 0


#: the model traces of recent requests (a trace of 64 tokens of a 64-wide head is about 4 MiB)
MAX_CACHE_ENTRIES = 16
MAX_CACHE_BYTES = 32 * 1024 * 1024
_TRACES = BoundedCache(MAX_CACHE_ENTRIES, MAX_CACHE_BYTES)


# -- the provenance is kept only for the source's own vectors --------------------------------------


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
