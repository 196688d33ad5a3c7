"""The layer trace: every head traced by the one trace(), consistent with the layer, JSON round trip."""

from __future__ import annotations

import math

import numpy as np
import pytest

import selfattention as sa
from reference_loop import loop_attention
from selfattention.explain.layer import explain_layer
from selfattention.record.provenance import HeadProvenance
from selfattention.sources.layers import MultiHeadSelfAttention
from selfattention.sources.pipeline import TRACE_ALL_UP_TO, text_layer_trace

SENTENCE = "The animal didn't cross the street because it was too tired"


def test_heads_are_attention_on_their_columns(rng):
    layer = MultiHeadSelfAttention(6, 3, seed=1)
    layer.b_v = rng.standard_normal(6)
    x = rng.standard_normal((5, 6))
    t = layer.trace(x, tokens=list("abcde"), is_causal=True)
    assert t.num_heads == 3 and t.d_head == 2 and t.weights.shape == (3, 5, 5)
    q, k, v = x @ layer.w_q + layer.b_q, x @ layer.w_k + layer.b_k, x @ layer.w_v + layer.b_v
    np.testing.assert_allclose(t.query, q, rtol=1e-12, atol=1e-12)
    for h, head in enumerate(t.heads):
        cols = slice(2 * h, 2 * h + 2)
        out, weights = loop_attention(q[:, cols], k[:, cols], v[:, cols], is_causal=True)
        np.testing.assert_allclose(head.weights, weights, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(head.outputs, out, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(t.concat[:, cols], out, rtol=1e-10, atol=1e-12)
        assert head.provenance == HeadProvenance(head=h, num_heads=3)
    expected, expected_weights = layer(x, is_causal=True, return_weights=True)
    np.testing.assert_allclose(t.output, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(t.weights, expected_weights, rtol=1e-10, atol=1e-12)


def test_only_the_asked_queries_are_traced(rng):
    layer = MultiHeadSelfAttention(4, 2, seed=0)
    t = layer.trace(rng.standard_normal((6, 4)), tokens=list("abcdef"), queries=["e", 1])
    assert t.query_indices == (4, 1) and t.weights.shape == (2, 2, 6)
    assert t.output.shape == (6, 4)  # the layer's output is always whole


def test_cross_attention_trace(rng):
    layer = MultiHeadSelfAttention(4, 2, seed=0)
    x, context = rng.standard_normal((3, 4)), rng.standard_normal((5, 4))
    t = layer.trace(x, tokens=["a", "b", "c"], context=context, context_tokens=list("VWXYZ"))
    assert t.is_cross and t.key_tokens == tuple("VWXYZ") and t.weights.shape == (2, 3, 5)
    _, weights = layer(x, context=context, return_weights=True)
    np.testing.assert_allclose(t.weights, weights, rtol=1e-10, atol=1e-12)


def test_masks_reach_every_head(rng):
    layer = MultiHeadSelfAttention(4, 2, seed=0)
    x = rng.standard_normal((4, 4))
    padding = np.array([True, True, False, True])
    t = layer.trace(x, key_padding_mask=padding)
    assert (t.weights[:, :, 2] == 0).all()
    head_mask = np.array([[[True] * 4] * 4, [[True, False, True, True]] * 4])  # (heads, L, S)
    t = layer.trace(x, attn_mask=head_mask)
    assert (t.weights[1, :, 1] == 0).all() and (t.weights[0, :, 1] > 0).all()


def test_json_round_trip():
    t = text_layer_trace(SENTENCE, d_model=8, num_heads=2, seed=3, is_causal=True)
    back = sa.LayerTrace.from_json(t.to_json())
    assert back == t
    assert back.heads[1].steps[7].weights.tolist() == t.heads[1].steps[7].weights.tolist()
    layer = MultiHeadSelfAttention(4, 2, bias=False, seed=0)
    cross = layer.trace(np.ones((2, 4)), context=np.eye(3, 4))
    assert sa.LayerTrace.from_json(cross.to_json()) == cross and cross.b_q is None


@pytest.mark.parametrize(
    "text,message",
    [
        ("[]", 'not a layer trace document: expected an object with "format": "selfattention.layer_trace"'),
        (
            "{",
            "layer trace JSON is invalid: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
    ],
)
def test_bad_json(text, message):
    with pytest.raises(sa.InputError) as error:
        sa.LayerTrace.from_json(text)
    assert str(error.value) == message


def test_pipeline_is_embedding_plus_paper_encoding():
    t = text_layer_trace(SENTENCE, d_model=6, num_heads=3, seed=0)
    tokens = sa.tokenize(SENTENCE)
    assert t.tokens == tuple(tokens)
    np.testing.assert_array_equal(t.embeddings, sa.toy_embedding(tokens, 6, seed=0))
    for pos in range(len(tokens)):  # the paper's formula, element by element
        for d in range(6):
            angle = pos / 10000 ** ((d - d % 2) / 6)
            assert math.isclose(t.positional[pos, d], math.sin(angle) if d % 2 == 0 else math.cos(angle), abs_tol=1e-12)
    np.testing.assert_array_equal(t.x, t.embeddings + t.positional)
    layer = MultiHeadSelfAttention(6, 3, seed=0)
    np.testing.assert_allclose(t.output, layer(t.x), rtol=1e-10, atol=1e-12)


def test_long_texts_trace_only_the_asked_queries():
    text = " ".join(f"w{i}" for i in range(TRACE_ALL_UP_TO + 6))
    assert text_layer_trace(text, d_model=4).query_indices == (TRACE_ALL_UP_TO + 5,)
    assert text_layer_trace(text, d_model=4, queries=["w3"]).query_indices == (3,)
    assert text_layer_trace("a b c", d_model=4).query_indices == (0, 1, 2)


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        (dict(text=""), sa.InputError, "text '' is empty: expected at least one word"),
        (
            dict(text="a b", d_model=10, num_heads=3),
            sa.ShapeError,
            "d_model is 10 but num_heads is 3: d_model must be divisible by num_heads (each head gets d_model /"
            " num_heads features)",
        ),
        (dict(text="a b", d_model=4096), sa.LimitError, "d_model is 4096: the toy layer is at most 1024 wide"),
        (
            dict(text="a " * 3000),
            sa.LimitError,
            "the text has 3000 tokens: the toy pipeline takes at most 2048; shorten it",
        ),
    ],
)
def test_pipeline_bad_input(kwargs, error, message):
    with pytest.raises(error) as raised:
        text_layer_trace(**kwargs)
    assert str(raised.value) == message


def test_explain_layer_picks_head_and_queries():
    t = text_layer_trace(SENTENCE)
    e = explain_layer(t, head=1, queries=["it", 1])
    assert e.head == 1 and e.queries == (7, 1)
    assert [q.index for q in e.head_explanation.queries] == [7, 1]
    assert len(e.head_summaries) == 2 and len(e.head_summaries[0]) == 2
    assert explain_layer(t).queries == (10,)  # default: the last token
    with pytest.raises(sa.InputError, match="head 2 does not exist: this layer has 2 heads, numbered 0 to 1"):
        explain_layer(t, head=2)
    with pytest.raises(sa.InputError, match="query 'dog' is not among the traced tokens: 0:The 1:animal"):
        explain_layer(t, queries=["dog"])


def test_rendering_a_given_x_with_a_context():
    layer = MultiHeadSelfAttention(4, 2, seed=0)
    context = np.array([[1.0, 1, 1, 1], [2, 2, 2, 2]])
    t = layer.trace(np.eye(3, 4), tokens=["a", "b", "c"], context=context, context_tokens=["X", "Y"])
    md = sa.render(t, explain_layer(t), "markdown")
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == [
        "## 1. The layer's input X, one row per token.",
        # an underscore between letters is never emphasis in CommonMark, so it stays as written
        "## 2. Queries, keys and values: Q = X W_Q + b_Q, K = C W_K + b_K, V = C W_V + b_V.",
        "## 3. Attention in head 0, step by step (d_head = 2).",
        '## Self-attention with "c" as the query (q2)',
        "## 4. The 2 heads side by side.",
        "## 5. Concatenation: every head's output side by side.",
        "## 6. Output projection: output = concatenation W_O + b_O.",
    ]
    assert "| 1 | Y | [2, 2, 2, 2] |" in md  # the context's rows: a bracket that closes no link stays readable
    with pytest.raises(sa.InputError, match="unknown format 'csv': choose one of text, markdown, json, html"):
        sa.render(t, explain_layer(t), "csv")
