"""What decoders add, said in numbers: causal keys, RoPE, grouped heads, sinks (tiny Llama).

The RoPE numbers are checked against the model itself: q before rotation is the output of the
layer's ``q_proj`` (captured by a hook), which our code never reads.
"""

from __future__ import annotations

import numpy as np
import pytest

from tiny_models import SENTENCE, decoder_like

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import selfattention.sources.models as sm  # noqa: E402
from selfattention.explain import explain  # noqa: E402
from selfattention.explain.plan import plan_trace  # noqa: E402
from selfattention.explain.statements import AttentionSink, CausalKeys, RopeRotation, SharedHeads  # noqa: E402

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    return str(decoder_like(tmp_path_factory.mktemp("llama") / "llama", "llama", bos=True))


def test_grouped_heads_causal_keys_and_rope_in_numbers(llama):
    t = sm.model_trace(SENTENCE, llama, layer=1, head=3, queries="it")
    plan = plan_trace(t)
    shared = [s for s in plan.intro if isinstance(s, SharedHeads)]
    assert shared == [SharedHeads(head=3, kv_head=1, num_heads=4, num_kv_heads=2, sharing=(2, 3))]
    meaning = plan.queries[0].meaning
    causal = next(s for s in meaning if isinstance(s, CausalKeys))
    i = t.tokens.index("it")
    assert (causal.position, causal.visible, causal.hidden, causal.first) == (i, i + 1, len(t.tokens) - i - 1, "<s>")
    rope = next(s for s in meaning if isinstance(s, RopeRotation))
    assert rope.dims == (0, 2) and rope.query_position == i and rope.frequency == 1.0
    # q before RoPE, from the model's own q_proj output (head 3, dimensions 0 and 2)
    loaded = sm.load_model(llama)
    seen = {}
    handle = loaded.base.layers[1].self_attn.q_proj.register_forward_hook(
        lambda m, a, out: seen.__setitem__("q", out[0].detach().double().numpy())
    )
    try:
        sm.run_model(loaded, SENTENCE)
    finally:
        handle.remove()
    before = seen["q"][i].reshape(4, 4)[3]  # (heads, d_head) -> head 3
    np.testing.assert_allclose(rope.query_before, before[[0, 2]], atol=1e-5)
    np.testing.assert_allclose(rope.query_after, t.step("it").query[[0, 2]], atol=0)
    # the pair's product depends only on the distance: q before RoPE turned by (i - j) radians, against k before
    distance = (rope.query_position - rope.key_position) * rope.frequency
    (qa, qb), (cos, sin) = rope.query_before, (np.cos(distance), np.sin(distance))
    assert np.dot([qa * cos - qb * sin, qb * cos + qa * sin], rope.key_before) == pytest.approx(rope.pair_score)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ["Grouped-query attention", "Causal mask", "RoPE"]), ("ko", ["그룹 쿼리 어텐션", "인과 마스크", "RoPE"])],
)
def test_the_words_in_both_languages(llama, lang, words):
    t = sm.model_trace(SENTENCE, llama, layer=1, head=3, queries="it")
    text = " ".join([*explain(t, lang).intro, *explain(t, lang).queries[0].meaning])
    for word in words:
        assert word in text


def test_a_sink_is_said_with_its_share(llama):
    t = sm.model_trace(SENTENCE, llama, layer=0, head=0)
    for query in plan_trace(t).queries:
        weight = float(t.step(query.index).weights[0])
        sinks = [s for s in query.meaning if isinstance(s, AttentionSink)]
        assert bool(sinks) == (query.index > 0 and weight >= 0.5)
        if sinks:
            assert sinks[0].share == weight and sinks[0].first == "<s>"


def test_an_encoder_gets_none_of_it(tmp_path):
    from tiny_models import bert_like

    t = sm.model_trace(SENTENCE, str(bert_like(tmp_path / "bert")), layer=0, head=0, queries="it")
    kinds = {type(s).__name__ for s in (*plan_trace(t).intro, *plan_trace(t).queries[0].meaning)}
    assert not kinds & {"SharedHeads", "CausalKeys", "RopeRotation", "AttentionSink", "KVCacheStep"}
