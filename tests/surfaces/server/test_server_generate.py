"""``POST /api/generate``: greedy generation with the KV cache on the page's API.

References, independent of the code under test: the same tiny decoder loaded by transformers
itself on eager (its own greedy ``generate`` and, per step, the last row of the head's
attention recomputed on the whole sequence), and for SmolLM2 the model's own greedy
``generate`` and its own attention weights without a cache. Every refusal is a 4xx that names
the problem, and comes before the model runs."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
pytest.importorskip("httpx", reason="FastAPI's test client needs httpx")

from fastapi.testclient import TestClient

from selfattention.explain import available_languages
from selfattention.surfaces.server import create_app, features, generate
from selfattention.surfaces.server.limits import MAX_NEW_TOKENS, MAX_TEXT_CHARS, MAX_TOKENS
from tiny_models import decoder_like

needs_models = pytest.mark.skipif(not features.has_models(), reason="the models extra is not installed")
PROMPT = "The animal didn't cross"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


@pytest.fixture(scope="module")
def llama(tmp_path_factory) -> str:
    """A tiny random Llama (GQA: 4 query heads on 2 key/value heads, RoPE), with <s> first."""
    pytest.importorskip("transformers")
    return str(decoder_like(tmp_path_factory.mktemp("generate") / "llama", "llama", bos=True))


@pytest.fixture
def tiny(llama, monkeypatch) -> str:
    """The tiny decoder offered by name, as a registered model is (the web takes no folders)."""
    names = {**generate.model_names(), llama: "a tiny random Llama"}
    monkeypatch.setattr(generate, "model_names", lambda: names)
    return llama


def eager_reference(folder: str, prompt: str, count: int, layer: int, head: int):
    """transformers alone: the greedy ids, and per step the head's last row on the whole sequence."""
    import torch
    import transformers

    model = transformers.AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager").eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    encoded = tokenizer(prompt, return_tensors="pt")
    with torch.no_grad():
        ids = model.generate(**encoded, max_new_tokens=count, do_sample=False, pad_token_id=2)[0].tolist()
    start = encoded["input_ids"].shape[1]
    rows = []
    for n in range(count):
        with torch.no_grad():
            out = model(input_ids=torch.tensor([ids[: start + n]]), output_attentions=True)
        rows.append(out.attentions[layer][0, head, -1].double().numpy())  # (start + n,)
    return tokenizer, ids, start, rows


@needs_models
@pytest.mark.model
def test_each_new_tokens_row_is_the_models_own_and_equals_the_recomputation(client, tiny):
    response = client.post(
        "/api/generate", json={"text": PROMPT, "model": tiny, "layer": 1, "head": 3, "max_new_tokens": 4}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    tokenizer, ids, start, rows = eager_reference(tiny, PROMPT, 4, 1, 3)
    tokens = tokenizer.convert_ids_to_tokens(ids)
    assert body["prompt_tokens"] == tokens[:start] and body["generated"] == tokens[start:]
    assert (body["layer"], body["head"], body["num_heads"], body["num_kv_heads"]) == (1, 3, 4, 2)
    assert body["text"] == tokenizer.decode(ids)
    for n, step in enumerate(body["steps"]):
        assert step["key_tokens"] == tokens[: start + n]  # the keys so far: cached ones and its own
        assert step["read"] == tokens[start + n - 1] and step["chosen"] == tokens[start + n]
        assert step["position"] == start + n - 1
        assert step["cached"] == (0 if n == 0 else start + n - 1)
        assert np.array(step["weights"]) == pytest.approx(rows[n], abs=1e-5)
        check = step["check"]
        assert check["model_difference"] <= check["tolerance"] and check["recompute_difference"] <= check["tolerance"]
        meaning = " ".join(step["words"]["meaning"])
        assert f'Causal mask: "{step["read"]}" (position {start + n - 1}) sees {start + n} keys' in meaning
        assert "RoPE: before attending" in meaning
        assert ("KV cache: while generating" in meaning) == (n > 0)
        assert any(
            line.startswith("Grouped-query attention: the 4 query heads share 2") for line in step["words"]["intro"]
        )


@needs_models
@pytest.mark.model
@pytest.mark.skipif("ko" not in available_languages(), reason="no Korean module")
def test_the_words_come_in_the_language_asked_and_the_steps_from_the_cache(client, tiny, monkeypatch):
    request = {"text": PROMPT, "model": tiny, "layer": 0, "head": 1, "max_new_tokens": 2}
    english = client.post("/api/generate", json=request).json()
    from selfattention.sources.models import generation

    def refuse(*args, **kwargs):
        raise AssertionError("generated again")

    monkeypatch.setattr(generation, "generate_traces", refuse)  # the steps are kept, the words are not
    korean = client.post("/api/generate", json={**request, "lang": "ko"})
    assert korean.status_code == 200, korean.text
    korean = korean.json()
    assert korean["generated"] == english["generated"] and korean["lang"] == "ko"
    assert [s["weights"] for s in korean["steps"]] == [s["weights"] for s in english["steps"]]
    meaning = " ".join(korean["steps"][1]["words"]["meaning"])
    assert "KV 캐시" in meaning and "인과 마스크" in meaning and re.search("[\uac00-\ud7a3]", meaning)


TOO_MANY = " ".join(["the"] * (MAX_TOKENS - 3))


@needs_models
@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"max_new_tokens": MAX_NEW_TOKENS + 1},
            413,
            f"max_new_tokens is 17: the web explorer generates at most {MAX_NEW_TOKENS}",
        ),
        ({"max_new_tokens": 0}, 422, "max_new_tokens is 0: expected a whole number from 1 to 16"),
        ({"max_new_tokens": "8"}, 422, "max_new_tokens is '8'"),
        ({"max_new_tokens": True}, 422, "max_new_tokens is True"),
        ({"model": "minilm"}, 422, "model 'minilm' is an encoder (every token sees every other): it cannot generate"),
        ({"model": "/etc"}, 422, "model is '/etc': expected one of the registered models"),
        ({"layer": 2}, 422, "layer 2 is out of range: model"),
        ({"head": 4}, 422, "head 4 is out of range: model"),
        ({"layer": -1}, 422, "layer is -1: expected a whole number from 0"),
        ({"lang": "xx"}, 422, "lang is 'xx': expected one of"),
        ({"text": ""}, 422, "text is '': expected a prompt"),
        ({"text": None}, 422, "text is None: expected a prompt"),
        ({"text": "a" * (MAX_TEXT_CHARS + 1)}, 413, "text has 1001 characters"),
        ({"prompt": "x"}, 422, "the request has unknown key 'prompt'"),
        ({"text": TOO_MANY, "max_new_tokens": 8}, 413, f"the prompt has {MAX_TOKENS - 2} tokens for model"),
    ],
)
def test_bad_requests_are_refused_before_the_model_runs(client, tiny, monkeypatch, body, status, message):
    from selfattention.sources.models import generation

    def refuse(*args, **kwargs):
        raise AssertionError("the model ran")

    monkeypatch.setattr(generation, "generate_traces", refuse)
    monkeypatch.setattr(generation, "load_model", refuse)
    request = {"text": PROMPT, "model": tiny, "layer": 1, "head": 0, "max_new_tokens": 2, **body}
    response = client.post("/api/generate", json=request)
    assert response.status_code == status, response.text
    assert message in response.json()["error"], response.json()


def test_a_body_that_is_not_an_object_or_json_is_refused(client):
    if not features.has_models():
        assert client.post("/api/generate", json={}).status_code == 404
        return
    response = client.post("/api/generate", json=["The"])
    assert response.status_code == 422 and "the request is a JSON list" in response.json()["error"]
    response = client.post("/api/generate", content=b"\xff", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]


@needs_models
def test_the_models_document_names_the_decoders_and_openapi_the_endpoint(client):
    models = client.get("/api/models").json()
    assert set(models["models"]) >= {"minilm", "smollm2"} and models["decoders"] == ["smollm2"]
    assert client.get("/api/info").json()["limits"]["max_new_tokens"] == MAX_NEW_TOKENS
    document = client.get("/openapi.json").json()
    assert "/api/generate" in document["paths"]
    schema = document["components"]["schemas"]["GenerateRequest"]
    assert schema["properties"]["max_new_tokens"]["maximum"] == MAX_NEW_TOKENS


@needs_models
@pytest.mark.model
def test_smollm2_generates_as_itself_and_each_row_is_its_own_attention(client):
    import torch

    from selfattention.sources.models import load_model, run_model

    prompt = "The capital of France is"
    response = client.post(
        "/api/generate", json={"text": prompt, "model": "smollm2", "layer": 3, "head": 1, "max_new_tokens": 4}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    loaded = load_model("smollm2")
    encoded = loaded.tokenizer(prompt, return_tensors="pt")
    with torch.no_grad():
        ids = loaded.model.generate(**encoded, max_new_tokens=4, do_sample=False)[0].tolist()
    start = encoded["input_ids"].shape[1]
    assert body["generated"] == list(loaded.tokenizer.convert_ids_to_tokens(ids[start:]))
    assert body["text"] == loaded.tokenizer.decode(ids) and "Paris" in body["text"]
    assert (body["num_heads"], body["num_kv_heads"]) == (9, 3)
    for n, step in enumerate(body["steps"]):
        theirs = run_model(loaded, loaded.tokenizer.decode(ids[: start + n])).attentions[3][1][-1]  # no cache
        assert np.array(step["weights"]) == pytest.approx(theirs.astype(np.float64), abs=1e-4)
        assert step["check"]["recompute_difference"] <= step["check"]["tolerance"]
    meaning = " ".join(body["steps"][2]["words"]["meaning"])
    for said in ("Causal mask:", "RoPE:", "KV cache:"):
        assert said in meaning
    if body["steps"][0]["weights"][0] >= 0.5:  # this head parks the prompt's last query on "The"
        assert "Attention sink:" in " ".join(body["steps"][0]["words"]["meaning"])
    intro = " ".join(body["steps"][0]["words"]["intro"])
    assert "Grouped-query attention: the 9 query heads share 3 key/value heads. Head 1 reads key/value head 0" in intro
