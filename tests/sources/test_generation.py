"""Greedy generation with the KV cache, a head traced per step (tiny Llama with GQA and RoPE).

References: the same model loaded by transformers on eager: its own greedy ``generate`` and,
for every step, the last row of the head's weights recomputed on the whole sequence.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tiny_models import decoder_like

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import selfattention.sources.models as sm  # noqa: E402
from selfattention.explain import get_language  # noqa: E402
from selfattention.sources.models.generation import generate_traces  # noqa: E402
from selfattention.surfaces.cli import main  # noqa: E402

pytestmark = pytest.mark.model

PROMPT = "The animal didn't cross"


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    return decoder_like(tmp_path_factory.mktemp("gen") / "llama", "llama", bos=True)


def test_each_step_equals_the_full_recomputation_and_the_text_is_eagers(llama):
    steps = generate_traces(PROMPT, str(llama), max_new_tokens=5, layer=1, head=3)
    eager = transformers.AutoModelForCausalLM.from_pretrained(llama, attn_implementation="eager").eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(llama)
    encoded = tokenizer(PROMPT, return_tensors="pt")
    with torch.no_grad():
        expected = eager.generate(**encoded, max_new_tokens=5, do_sample=False, pad_token_id=2)[0].tolist()
    prompt_len = encoded["input_ids"].shape[1]
    assert [s.chosen for s in steps] == tokenizer.convert_ids_to_tokens(expected[prompt_len:])
    assert [s.text for s in steps] == [tokenizer.decode(expected[: prompt_len + n + 1]) for n in range(5)]
    for n, step in enumerate(steps):
        ids = expected[: prompt_len + n]
        with torch.no_grad():
            full = eager(input_ids=torch.tensor([ids]), output_attentions=True).attentions[1][0, 3, -1]  # (seq,)
        np.testing.assert_allclose(step.trace.weights[0], full.numpy(), rtol=0, atol=1e-5)
        p = step.trace.provenance
        assert p.position_offset == len(ids) - 1 and p.cached_keys == (0 if n == 0 else len(ids) - 1)
        assert p.recompute_difference <= 1e-5 and p.check.max_abs_difference <= 1e-5
        assert step.trace.key_tokens == tuple(tokenizer.convert_ids_to_tokens(ids))


def test_the_cli_prints_json_traces(llama):
    args = ["generate", PROMPT, "--model", str(llama), "--max-new-tokens", "3", "--layer", "0", "--head", "1"]
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["steps"]) == 3 and data["generated"] == [s["chosen"] for s in data["steps"]]
    text = CliRunner().invoke(main, [*args, "--lang", "en"])
    assert text.exit_code == 0 and "KV cache: while generating" in text.output


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"layer": 2}, sm.ModelInputError, "layer 2 is out of range: model .* has 2 layers"),
        ({"head": 9}, sm.ModelInputError, "head 9 is out of range"),
        ({"max_new_tokens": 0}, sm.ModelInputError, "max_new_tokens is 0: expected a whole number from 1 to 256"),
    ],
)
def test_bad_input(llama, kwargs, error, message):
    with pytest.raises(error, match=message):
        generate_traces(PROMPT, str(llama), **kwargs)


@pytest.mark.parametrize("model", ["minilm", "tiny_bert"])
def test_an_encoder_is_refused_before_loading(model, tiny_bert, monkeypatch):
    from selfattention.sources.models import generation

    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(generation, "load_model", refuse)
    name = tiny_bert if model == "tiny_bert" else model
    with pytest.raises(sm.ModelInputError, match=r"is an encoder \(every token sees every other\): it cannot"):
        generate_traces(PROMPT, name, max_new_tokens=2)
    with pytest.raises(sm.ModelInputError, match="max_new_tokens is 17: expected a whole number from 1 to 16"):
        generation.check_generation("smollm2", 17, 0, 0, limit=16)


def test_the_cli_refuses_in_one_line(llama):
    result = CliRunner().invoke(main, ["generate", PROMPT, "--model", str(llama), "--layer", "7"])
    assert result.exit_code == 2 and "Error: layer 7 is out of range" in result.output
    assert "Traceback" not in result.output


def test_generation_stops_at_the_end_of_text_token(llama):
    """Once the model picks its end-of-text token, generation ends there (that step included),
    as transformers' generate does: the token the tiny model picks second is made its end, and
    transformers' own greedy generate with that end is the reference."""
    free = generate_traces(PROMPT, str(llama), max_new_tokens=4, layer=0, head=0)
    tokenizer = transformers.AutoTokenizer.from_pretrained(llama)
    end = tokenizer.convert_tokens_to_ids(free[1].chosen)
    config = sm.load_model(str(llama)).model.generation_config
    saved = config.eos_token_id
    config.eos_token_id = [end]
    try:
        stopped = generate_traces(PROMPT, str(llama), max_new_tokens=4, layer=0, head=0)
    finally:
        config.eos_token_id = saved
    eager = transformers.AutoModelForCausalLM.from_pretrained(llama, attn_implementation="eager").eval()
    encoded = tokenizer(PROMPT, return_tensors="pt")
    with torch.no_grad():
        ids = eager.generate(**encoded, max_new_tokens=4, do_sample=False, eos_token_id=end, pad_token_id=2)
    expected = tokenizer.convert_ids_to_tokens(ids[0, encoded["input_ids"].shape[1] :].tolist())
    assert [s.chosen for s in stopped] == expected[: expected.index(free[1].chosen) + 1]
    assert len(stopped) < len(free)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_cli_prints_each_step_in_the_pages_words(llama, lang):
    """The text form says per step what the page's panel says (its labels, in the language
    asked), the heaviest keys, the check against the recomputation, and ends with the text."""
    args = ["generate", PROMPT, "--model", str(llama), "--max-new-tokens", "3", "--layer", "0", "--head", "1"]
    result = CliRunner().invoke(main, [*args, "--lang", lang])
    assert result.exit_code == 0, result.output
    steps = generate_traces(PROMPT, str(llama), max_new_tokens=3, layer=0, head=1)
    labels = get_language(lang).labels
    lines = result.stdout.splitlines()
    for n, step in enumerate(steps):
        heading = lines.index(labels["page_generate_step"].format(n=n + 1, total=3))
        about = lines[heading + 1]
        assert f'"{step.read}"' in about and f'"{step.chosen}"' in about
        row = step.trace.weights[0]
        j = int(np.argmax(row))
        assert lines[heading + 2].startswith(f"  {labels['top_keys']}: {step.trace.key_names[j]} ")
    assert lines[-1] == steps[-1].text.splitlines()[-1]
