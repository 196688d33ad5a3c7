"""The views' endpoints (server/views.py): every head at a glance, a layer's heads, the toy
layer's pipeline. Numbers against independent references: the attention the model itself
returns (output_attentions) and PyTorch's multi-head attention; every refusal a 4xx."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
pytest.importorskip("httpx", reason="FastAPI's test client needs httpx")

from fastapi.testclient import TestClient

from selfattention.surfaces.server import create_app, features
from selfattention.surfaces.server.limits import MAX_TEXT_CHARS, MAX_TOKENS

SENTENCE = "The animal didn't cross the street because it was too tired."
needs_models = pytest.mark.skipif(not features.has_models(), reason="the models extra is not installed")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


@pytest.fixture(scope="module")
def theirs():
    """The model's own attention on the sentence: (layers, heads, seq, seq), and its tokens."""
    pytest.importorskip("torch")
    from selfattention.sources.models import load_model, run_model

    run = run_model(load_model("minilm"), SENTENCE)
    return np.stack([a.astype(np.float64) for a in run.attentions]), list(run.tokens), run.special


@needs_models
@pytest.mark.model
def test_heads_gives_one_number_per_layer_and_head(client, theirs):
    attention, tokens, _ = theirs
    body = client.post("/api/heads", json={"text": SENTENCE, "model": "minilm", "query": "it", "key": "animal"}).json()
    assert (body["layers"], body["heads"]) == (6, 12)
    assert body["tokens"] == tokens
    it, animal = tokens.index("it"), tokens.index("animal")
    assert body["query"] == {"index": it, "token": "it"} and body["key"] == {"index": animal, "token": "animal"}
    assert np.array(body["weights"]) == pytest.approx(attention[:, :, it, animal], abs=1e-4)
    assert round(body["weights"][3][1], 4) == 0.6768
    assert body["check"]["max_abs_difference"] <= body["check"]["tolerance"]


@needs_models
@pytest.mark.model
def test_heads_without_a_key_names_each_heads_heaviest_key_and_flags_sinks(client, theirs):
    attention, tokens, special = theirs
    body = client.post("/api/heads", json={"text": SENTENCE, "query": 10}).json()
    assert body["key"] is None and body["query"]["index"] == 10
    rows = attention[:, :, 10, :]  # (layers, heads, seq)
    assert np.array(body["weights"]) == pytest.approx(rows.max(axis=-1), abs=1e-4)
    named = [[cell["token"] for cell in layer] for layer in body["top_keys"]]
    assert named == [[tokens[int(j)] for j in np.argmax(layer, axis=-1)] for layer in rows]
    sink = special.copy()
    sink[0] = True
    share = rows[:, :, sink].sum(axis=-1)
    assert np.array_equal(body["sink"], share >= body["sink_threshold"])
    assert np.array(body["sink"]).any() and not np.array(body["sink"]).all()
    assert body["sink_positions"] == [0, len(tokens) - 1]


@needs_models
@pytest.mark.model
def test_model_layer_gives_every_heads_pattern(client, theirs):
    attention, tokens, _ = theirs
    body = client.post("/api/model/layer", json={"text": SENTENCE, "layer": 3}).json()
    assert (body["layer"], body["heads"], body["layers"], body["tokens"]) == (3, 12, 6, tokens)
    assert np.array(body["weights"]) == pytest.approx(attention[3], abs=1e-4)


@needs_models
@pytest.mark.model
def test_heads_refuses_a_long_text_before_running_the_model(client, monkeypatch):
    from selfattention.sources.models import heads, loader

    def refuse(*args, **kwargs):
        raise AssertionError("the model ran")

    monkeypatch.setattr(loader, "run_model", refuse)
    monkeypatch.setattr(heads, "run_model", refuse)
    text = " ".join(["word"] * (MAX_TOKENS + 5))
    response = client.post("/api/heads", json={"text": text, "query": "word"})
    assert response.status_code == 413
    assert response.json()["error"].startswith(f"the text has {MAX_TOKENS + 7} tokens for model 'minilm'")
    response = client.post("/api/model/layer", json={"text": text, "layer": 0})
    assert response.status_code == 413


@needs_models
@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/api/heads", {"text": SENTENCE, "query": "zebra"}, 422, "query 'zebra' is not among the tokens"),
        ("/api/heads", {"text": SENTENCE, "query": "it", "key": "zebra"}, 422, "key 'zebra' is not among the tokens"),
        ("/api/heads", {"text": SENTENCE}, 422, "query is None: expected a token"),
        ("/api/heads", {"text": SENTENCE, "query": True}, 422, "query is True"),
        ("/api/heads", {"text": SENTENCE, "query": 99}, 422, "query position 99 is out of range"),
        ("/api/heads", {"text": "", "query": "it"}, 422, "text is '': expected a sentence"),
        ("/api/heads", {"text": SENTENCE, "query": "it", "model": "/etc"}, 422, "model is '/etc'"),
        ("/api/heads", {"text": SENTENCE, "query": "it", "layer": 1}, 422, "the request has unknown key 'layer'"),
        ("/api/heads", ["it"], 422, "the request is a JSON list"),
        ("/api/heads", {"text": "a" * (MAX_TEXT_CHARS + 1), "query": 0}, 413, "text has 1001 characters"),
        ("/api/heads", {"text": SENTENCE, "query": "x" * (MAX_TEXT_CHARS + 1)}, 413, "query has 1001 characters"),
        ("/api/model/layer", {"text": SENTENCE, "layer": 6}, 422, "layer 6 is out of range: model 'minilm' has 6"),
        ("/api/model/layer", {"text": SENTENCE, "layer": -1}, 422, "layer is -1"),
        ("/api/model/layer", {"text": SENTENCE, "layer": "3"}, 422, "layer is '3'"),
    ],
)
def test_bad_view_requests_get_a_4xx_naming_the_problem(client, path, body, status, message):
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]


def test_views_refuse_bodies_that_are_not_json(client):
    for path in ("/api/text/layer", *(("/api/heads", "/api/model/layer") if features.has_models() else ())):
        response = client.post(path, content=b"\xff\xfe not json", headers={"Content-Type": "application/json"})
        assert 400 <= response.status_code < 500 and response.json()["error"]


def test_text_layer_is_the_whole_layer_trace(client):
    torch = pytest.importorskip("torch")
    from selfattention.record.layer_trace import LayerTrace
    from selfattention.sources.layers import MultiHeadSelfAttention

    body = client.post(
        "/api/text/layer", json={"text": "The cat sat on the mat.", "d_model": 16, "num_heads": 4, "seed": 5}
    )
    assert body.status_code == 200
    layer = LayerTrace.from_dict(body.json()["layer"])
    assert layer.tokens == ("The", "cat", "sat", "on", "the", "mat", ".")
    assert layer.embeddings is not None and layer.positional is not None
    assert layer.x == pytest.approx(layer.embeddings + layer.positional)
    module = MultiHeadSelfAttention(16, 4, seed=5).to_torch(dtype=torch.float64)
    x = torch.from_numpy(layer.x)
    with torch.no_grad():
        output, weights = module(x, x, x, need_weights=True, average_attn_weights=False)
    assert layer.weights == pytest.approx(weights.numpy(), abs=1e-12)
    assert layer.output == pytest.approx(output.numpy(), abs=1e-12)
    assert body.json()["words"]["title"]
    too_long = client.post("/api/text/layer", json={"text": " ".join(["w"] * (MAX_TOKENS + 1))})
    assert too_long.status_code == 413
    assert client.post("/api/text/layer", json={"text": "a b", "num_heads": 3}).status_code == 422


def test_the_views_are_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/text/layer" in paths
    assert ("/api/heads" in paths) == features.has_models() == ("/api/model/layer" in paths)
