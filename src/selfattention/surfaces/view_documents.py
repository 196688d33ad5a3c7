"""The documents the explorer's views draw: plain JSON-able dicts built from the library's records.

The web page (``/api/heads``, ``/api/model/layer``, ``/api/text/layer``) and the notebook
views (:mod:`selfattention.surfaces.notebook_views`) draw the same documents with the same
JavaScript (``server/static/views.js``), so a head looks the same in both. Nothing here
computes attention: the numbers come from :func:`~selfattention.sources.models.rank_heads`,
:func:`~selfattention.sources.models.head_attention` (each head checked against the model's own
attention) and from :class:`~selfattention.record.trace.AttentionTrace` /
:class:`~selfattention.record.layer_trace.LayerTrace`; this module only lays them out.

- :func:`heads_document`: every layer x head, one number each (the query's weight on the key,
  or on each head's heaviest key, named), with the heads that park weight on a sink token,
- :func:`layer_document`: every head's whole pattern in one layer of a real model,
- :func:`trace_view_document`: one head's pattern from a trace (the head view's lines),
- :func:`generation_document`: greedy generation step by step (the ``generate`` command's
  steps): per new token its query row over the keys so far, its checks and its words.

>>> import numpy as np
>>> from selfattention import seed_example, trace
>>> doc = trace_view_document(trace(**seed_example().trace_kwargs()))
>>> doc["tokens"], [round(w, 4) for w in doc["weights"][1]]
(['Acting', 'Machines'], [0.7685, 0.2315])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..record.layer_trace import LayerTrace
from ..record.provenance import HeadProvenance, ModelHeadProvenance
from ..record.trace import AttentionTrace

__all__ = [
    "generation_document",
    "heads_document",
    "layer_document",
    "layer_trace_view_document",
    "trace_view_document",
]


def _finite(value: float) -> float | str:
    """A number for JSON: non-finite values as the strings the trace documents use."""
    if np.isnan(value):
        return "nan"
    if np.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(value)


def heads_document(report: Any) -> dict[str, Any]:
    """A :class:`~selfattention.sources.models.HeadsReport` as the layers x heads grid.

    ``weights[layer][head]`` is the weight from the query to the key (without a key: to that
    head's heaviest key, named in ``top_keys[layer][head]``); ``sink[layer][head]`` flags the
    heads that put at least ``sink_threshold`` of the query's weight on special tokens or the
    first token.
    """
    from ..sources.models.heads import SINK_SHARE

    layers, heads = (int(n) for n in report.weights.shape[:2])
    by_head = {(row.layer, row.head): row for row in report.rows}
    grid = report.grid  # (layers, heads)
    top: list[list[dict[str, Any]]] = []
    sink: list[list[bool]] = []
    share: list[list[float]] = []
    for layer in range(layers):
        top.append([])
        sink.append([])
        share.append([])
        for head in range(heads):
            row = by_head[(layer, head)]
            index = row.top_keys[0][0]
            top[-1].append({"index": index, "token": report.tokens[index]})
            sink[-1].append(bool(row.is_sink))
            share[-1].append(float(row.sink_share))
    key = None if report.key_index is None else {"index": report.key_index, "token": report.key_token}
    return {
        "model": report.model,
        "text": report.text,
        "layers": layers,
        "heads": heads,
        "tokens": list(report.tokens),
        "query": {"index": report.query_index, "token": report.query_token},
        "key": key,
        "weights": grid.tolist(),
        "top_keys": top,
        "sink": sink,
        "sink_share": share,
        "sink_threshold": SINK_SHARE,
        "sink_positions": list(report.sink_positions),
        "check": {"max_abs_difference": report.max_abs_difference, "tolerance": report.tolerance},
    }


def layer_document(text: str, model: str, layer: int) -> dict[str, Any]:
    """Every head of one layer of a real model on ``text``: ``weights`` is (heads, seq, seq),
    each head rebuilt from the model's weights and checked against its own attention (one
    forward pass for all of them)."""
    from ..sources.models import head_attention, load_model, run_model
    from ..sources.models.loader import check_before_loading

    check_before_loading(model, layer, 0)  # a layer out of range is said before loading
    loaded = load_model(model)
    run = run_model(loaded, text)
    arch = loaded.architecture
    heads = [head_attention(loaded, run, layer, head) for head in range(arch.num_heads)]
    sink = sorted({0, *(int(i) for i in np.flatnonzero(run.special))})
    return {
        "model": loaded.name,
        "text": text,
        "layer": layer,
        "layers": arch.num_layers,
        "heads": arch.num_heads,
        "tokens": list(run.tokens),
        "is_causal": arch.is_causal,
        "weights": [h.weights.tolist() for h in heads],  # (heads, seq, seq): every row is captured
        "sink_positions": sink,
        "check": {
            "max_abs_difference": max(h.max_difference for h in heads),
            "tolerance": max(h.tolerance for h in heads),
        },
    }


def trace_view_document(trace: AttentionTrace) -> dict[str, Any]:
    """One head's pattern from a trace: the traced query rows (``query_indices``) over the keys."""
    provenance = trace.provenance
    about: dict[str, Any] = {}
    if isinstance(provenance, ModelHeadProvenance):
        about = {"model": provenance.model, "layer": provenance.layer, "head": provenance.head}
    elif isinstance(provenance, HeadProvenance):
        about = {"head": provenance.head}
    return {
        "tokens": list(trace.tokens),
        "key_tokens": list(trace.key_tokens),
        "query_indices": [int(i) for i in trace.query_indices],
        "weights": [[_finite(w) for w in row] for row in np.asarray(trace.weights, dtype=np.float64)],
        "is_causal": bool(trace.is_causal),
        **about,
    }


def layer_trace_view_document(layer: LayerTrace) -> dict[str, Any]:
    """Every head of a toy (or any) :class:`LayerTrace`: ``weights`` is (heads, traced queries, S)."""
    return {
        "tokens": list(layer.tokens),
        "key_tokens": list(layer.key_tokens),
        "query_indices": [int(i) for i in layer.query_indices],
        "heads": layer.num_heads,
        "weights": [[[_finite(w) for w in row] for row in head] for head in np.asarray(layer.weights, np.float64)],
        "is_causal": bool(layer.is_causal),
    }


def generation_document(prompt: str, steps: Sequence[Any], lang: str = "en", precision: int = 4) -> dict[str, Any]:
    """Steps of :func:`~selfattention.sources.models.generation.generate_traces` as the page's
    generation view: per step the token read (the prompt's last token at step 0, then each new
    token), its one row of weights over every key so far (the cached ones and its own), the
    two checks (against the model's own weights with the cache, and against the full
    recomputation without it) and the explanation's words in ``lang``."""
    from ..explain import explain

    first = steps[0].trace.provenance
    if not isinstance(first, ModelHeadProvenance):  # pragma: no cover - generation always sets it
        raise TypeError("generation steps carry a model head's provenance")
    documents = []
    before = first.text  # the prompt, decoded as the tokenizer reads it back
    for step in steps:
        # the text this step's pick adds (its token, decoded in context)
        piece = step.text[len(before) :] if step.text.startswith(before) else step.chosen
        before = step.text
        source = step.trace.provenance
        words = explain(step.trace, lang, precision)
        documents.append(
            {
                "read": step.read,
                "chosen": step.chosen,
                "position": int(source.position_offset),
                "cached": int(source.cached_keys),
                "key_tokens": list(step.trace.key_tokens),
                "weights": [_finite(w) for w in np.asarray(step.trace.weights[0], dtype=np.float64)],
                "text": step.text,
                "piece": piece,
                "check": {
                    "model_difference": float(source.check.max_abs_difference),
                    "recompute_difference": (
                        None if source.recompute_difference is None else float(source.recompute_difference)
                    ),
                    "tolerance": float(source.check.tolerance),
                },
                "words": {
                    "title": words.title,
                    "intro": list(words.intro),
                    "heading": words.queries[0].heading,
                    "meaning": list(words.queries[0].meaning),
                },
            }
        )
    return {
        "model": first.model,
        "layer": first.layer,
        "head": first.head,
        "num_layers": first.num_layers,
        "num_heads": first.num_heads,
        "num_kv_heads": first.num_kv_heads or first.num_heads,
        "prompt": prompt,
        "prompt_text": first.text,
        "prompt_tokens": list(steps[0].trace.key_tokens),
        "generated": [step.chosen for step in steps],
        "text": steps[-1].text,
        "lang": lang,
        "steps": documents,
    }
