"""selfattention: compute, inspect and understand self-attention.

>>> import numpy as np, selfattention as sa
>>> ex = sa.seed_example()
>>> sa.scaled_dot_product_attention(ex.query, ex.key, ex.value).round(4)
array([[1.0002, 2.9998, 4.    ],
       [1.463 , 2.537 , 4.    ]])
"""

from .embedding import tokenize, toy_embedding
from .errors import InputError, LimitError, MaskError, SelfAttentionError, ShapeError
from .examples import get_example, seed_example
from .explain import Explanation, explain
from .explain.layer import LayerExplanation, explain_layer
from .kernels import attention_weights, scaled_dot_product_attention
from .layer_trace import LayerTrace
from .layers import MultiHeadSelfAttention
from .masks import causal_mask, from_key_padding_mask, from_multihead_attention_mask
from .pipeline import text_layer_trace
from .positional import sinusoidal_positional_encoding
from .render import render
from .render.layer import render_layer
from .trace import STEP_NAMES, AttentionTrace, QueryTrace, trace

__all__ = [
    "STEP_NAMES",
    "AttentionTrace",
    "Explanation",
    "InputError",
    "LayerExplanation",
    "LayerTrace",
    "LimitError",
    "MaskError",
    "MultiHeadSelfAttention",
    "QueryTrace",
    "SelfAttentionError",
    "ShapeError",
    "attention_weights",
    "causal_mask",
    "explain",
    "explain_layer",
    "from_key_padding_mask",
    "from_multihead_attention_mask",
    "get_example",
    "render",
    "render_layer",
    "scaled_dot_product_attention",
    "seed_example",
    "sinusoidal_positional_encoding",
    "text_layer_trace",
    "tokenize",
    "toy_embedding",
    "trace",
]

__version__ = "0.1.0"
