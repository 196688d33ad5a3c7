"""selfattention: compute, inspect and understand self-attention.

>>> import numpy as np, selfattention as sa
>>> ex = sa.seed_example()
>>> sa.scaled_dot_product_attention(ex.query, ex.key, ex.value).round(4)
array([[1.0002, 2.9998, 4.    ],
       [1.463 , 2.537 , 4.    ]])
"""

from .core.errors import InputError, LimitError, MaskError, SelfAttentionError, ShapeError
from .core.kernels import attention_weights, scaled_dot_product_attention
from .core.masks import causal_mask, from_key_padding_mask, from_multihead_attention_mask
from .explain import Explanation, explain
from .explain.heads import HeadsExplanation, explain_heads
from .explain.layer import LayerExplanation, explain_layer
from .record.layer_trace import LayerTrace
from .record.trace import STEP_NAMES, AttentionTrace, QueryTrace, trace
from .render import draw, formats, render, render_layer
from .sources.embedding import tokenize, toy_embedding
from .sources.examples import get_example, seed_example
from .sources.layers import MultiHeadSelfAttention
from .sources.models import model_trace, rank_heads  # torch and transformers load on first use
from .sources.pipeline import text_layer_trace
from .sources.positional import sinusoidal_positional_encoding
from .surfaces import notebook
from .surfaces.files import save_figure, write_file
from .surfaces.notebook_views import View, head_view, heads_view, model_view, show

notebook.register()  # a trace in Jupyter or VS Code shows itself as the HTML report

__all__ = [
    "STEP_NAMES",
    "AttentionTrace",
    "Explanation",
    "HeadsExplanation",
    "InputError",
    "LayerExplanation",
    "LayerTrace",
    "LimitError",
    "MaskError",
    "MultiHeadSelfAttention",
    "QueryTrace",
    "SelfAttentionError",
    "ShapeError",
    "View",
    "attention_weights",
    "causal_mask",
    "draw",
    "explain",
    "explain_heads",
    "explain_layer",
    "formats",
    "from_key_padding_mask",
    "from_multihead_attention_mask",
    "get_example",
    "head_view",
    "heads_view",
    "model_trace",
    "model_view",
    "rank_heads",
    "render",
    "render_layer",
    "save_figure",
    "scaled_dot_product_attention",
    "seed_example",
    "show",
    "sinusoidal_positional_encoding",
    "text_layer_trace",
    "tokenize",
    "toy_embedding",
    "trace",
    "write_file",
]

__version__ = "0.1.0"
