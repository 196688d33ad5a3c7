"""Text through the whole layer without a model: the road a sentence travels, as one call.

    tokens -> toy embeddings -> + sinusoidal positional encoding = X
           -> Q = X W_Q + b_Q, K = X W_K + b_K, V = X W_V + b_V
           -> attention in every head -> concatenation -> W_O

The embeddings and the layer's weights are *illustrative*: the embeddings are hashes of the
token text (:mod:`selfattention.sources.embedding`) and the weights are random (seeded), so every
number is reproducible and checkable, but what the weights say about the sentence means
nothing. For a trained model's attention use a real model.

>>> t = text_layer_trace("The cat sat", d_model=4, num_heads=2, seed=0)
>>> t.tokens, t.weights.shape
(('The', 'cat', 'sat'), (2, 3, 3))
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.errors import LimitError
from ..record.layer_trace import LayerTrace
from ..record.provenance import ToyLayerProvenance
from .embedding import tokenize, toy_embedding
from .layers import MultiHeadSelfAttention
from .positional import sinusoidal_positional_encoding

__all__ = ["MAX_D_MODEL", "MAX_TEXT_TOKENS", "TRACE_ALL_UP_TO", "text_layer_trace"]

#: the longest text the toy pipeline takes (its attention matrix is heads x L x L)
MAX_TEXT_TOKENS = 2048
#: the widest toy layer (its weights are 4 x d_model x d_model)
MAX_D_MODEL = 1024
#: texts up to this many tokens trace every query; longer ones only the queries asked for
TRACE_ALL_UP_TO = 64


def text_layer_trace(
    text: str,
    *,
    d_model: int = 8,
    num_heads: int = 2,
    seed: int = 0,
    is_causal: bool = False,
    queries: Sequence[int | str] | None = None,
) -> LayerTrace:
    """Tokenize ``text``, embed it (toy), add the positional encoding and trace a seeded
    :class:`~selfattention.sources.layers.MultiHeadSelfAttention` on it.

    Every query is traced when the text has at most :data:`TRACE_ALL_UP_TO` tokens; longer
    texts trace only ``queries`` (positions or tokens; default: the last token).
    """
    tokens = tokenize(text)
    if len(tokens) > MAX_TEXT_TOKENS:
        raise LimitError(
            f"the text has {len(tokens)} tokens: the toy pipeline takes at most {MAX_TEXT_TOKENS}; shorten it",
            code="toy_text_too_long",
            count=len(tokens),
            limit=MAX_TEXT_TOKENS,
        )
    if isinstance(d_model, int) and d_model > MAX_D_MODEL:
        raise LimitError(
            f"d_model is {d_model}: the toy layer is at most {MAX_D_MODEL} wide",
            code="toy_d_model_too_wide",
            d_model=d_model,
            limit=MAX_D_MODEL,
        )
    layer = MultiHeadSelfAttention(d_model, num_heads, seed=seed)
    embeddings = toy_embedding(tokens, layer.d_model, seed=seed)  # (L, d_model)
    positional = sinusoidal_positional_encoding(len(tokens), layer.d_model)  # (L, d_model)
    traced = None if len(tokens) <= TRACE_ALL_UP_TO else (list(queries) if queries else [len(tokens) - 1])
    return layer.trace(
        embeddings + positional,
        tokens,
        is_causal=is_causal,
        queries=traced,
        embeddings=embeddings,
        positional=positional,
        provenance=ToyLayerProvenance(text=text, seed=seed),
    )
