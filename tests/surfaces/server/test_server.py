"""The web explorer's API through FastAPI's test client: the same documents as the CLI,
numbers against the independent loop, every refusal a 4xx JSON error, never a 500."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
pytest.importorskip("httpx", reason="FastAPI's test client needs httpx")

from click.testing import CliRunner
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import selfattention.surfaces.server
from reference_loop import loop_attention
from selfattention.explain import available_languages, explain, get_language
from selfattention.record.trace import AttentionTrace
from selfattention.render import render
from selfattention.surfaces.cli import main
from selfattention.surfaces.server import create_app
from selfattention.surfaces.server.features import PAGE_LABELS
from selfattention.surfaces.server.hosts import LOCAL_HOSTS
from selfattention.surfaces.server.limits import (
    MAX_BODY_BYTES,
    MAX_DIM,
    MAX_NEW_TOKENS,
    MAX_TEXT_CHARS,
    MAX_TOKENS,
)

# the seed's vectors, typed in (Q and K as reconstructed in examples.py, V from the article)
SEED = {
    "tokens": ["Acting", "Machines"],
    "query": [[16, 0, 1], [2.078, 0, 1]],
    "key": [[1, 0, 1], [0, 1, 1]],
    "value": [[1, 3, 4], [3, 1, 4]],
}


JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def random_input(rng: np.random.Generator, length: int, dim: int, vdim: int) -> dict:
    return {
        "tokens": [f"w{i}" for i in range(length)],
        "query": rng.normal(size=(length, dim)).round(3).tolist(),
        "key": rng.normal(size=(length, dim)).round(3).tolist(),
        "value": rng.normal(size=(length, vdim)).round(3).tolist(),
    }


# -- the same documents as the command line -------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        SEED,
        {**SEED, "causal": True},
        {**SEED, "scale": 0.25, "mask": [[True, False], [True, True]]},
        {**SEED, "mask": [[0.0, "-inf"], [-1.5, 0.0]]},
    ],
    ids=["seed", "causal", "scale-and-bool-mask", "float-mask"],
)
def test_trace_is_exactly_what_explain_format_json_writes(client, tmp_path, document):
    path = tmp_path / "input.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    cli = CliRunner().invoke(main, ["explain", "--input", str(path), "--format", "json"], catch_exceptions=False)
    assert cli.exit_code == 0
    response = client.post("/api/trace", json=document)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == json.loads(cli.output)


def test_trace_of_the_seed_shows_the_published_figures(client):
    body = client.post("/api/trace", json=SEED).json()
    acting, machines = body["steps"]
    # the article's figures (weights to 4 places; outputs as printed there)
    assert [round(w, 4) for w in acting["weights"]] == [0.9999, 0.0001]
    assert [round(w, 4) for w in machines["weights"]] == [0.7685, 0.2315]
    assert [round(x, 4) for x in acting["output"]] == [1.0002, 2.9998, 4.0]
    assert [round(x, 3) for x in machines["output"]] == [1.463, 2.537, 4.0]


@pytest.mark.parametrize("length,dim,vdim", [(1, 1, 1), (3, 2, 5), (7, 4, 3), (MAX_TOKENS, MAX_DIM, 2)])
@pytest.mark.parametrize("causal", [False, True])
def test_trace_agrees_with_the_independent_loop(client, length, dim, vdim, causal):
    rng = np.random.default_rng(length * 100 + dim)
    document = {**random_input(rng, length, dim, vdim), "causal": causal}
    mask = rng.random((length, length)) > 0.3
    document["mask"] = mask.tolist()
    body = client.post("/api/trace", json=document).json()
    out, weights = loop_attention(document["query"], document["key"], document["value"], mask, causal)
    np.testing.assert_allclose([s["weights"] for s in body["steps"]], weights, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose([s["output"] for s in body["steps"]], out, rtol=1e-10, atol=1e-12)


# -- explain: words in a language, temperature, the example's own words -------------------------


def test_explain_returns_the_trace_and_the_words(client):
    body = client.post("/api/explain", json={"input": SEED, "lang": "en"}).json()
    assert body["trace"] == client.post("/api/trace", json=SEED).json()
    words = body["explanation"]
    assert words["lang"] == "en"
    acting, machines = words["queries"]
    # the meaning the seed article gives, in the library's English
    assert acting["meaning"][0] == 'Weights: "Acting" gives 0.9999 to itself and 0.0001 to "Machines".'
    assert machines["meaning"][0] == 'Weights: "Machines" gives 0.7685 to "Acting" and 0.2315 to itself.'
    assert set(acting["steps"]) >= {"dot_products", "scale", "softmax", "weighted_sum"}
    weights = np.array(machines_weights := body["trace"]["steps"][1]["weights"])
    assert machines["facts"]["entropy"] == pytest.approx(float(-(weights * np.log(weights)).sum()), rel=1e-12)
    assert machines_weights[0] > machines_weights[1]


def test_explain_keeps_the_examples_words_only_while_its_vectors_are_unchanged(client):
    same = client.post("/api/explain", json={"input": SEED, "example": "seed"}).json()
    assert "reconstructed" in " ".join(same["explanation"]["intro"])
    assert same["trace"]["provenance"]["kind"] == "example" and same["trace"]["provenance"]["example"] == "seed"
    edited = {**SEED, "query": [[15, 0, 1], [2.078, 0, 1]]}
    other = client.post("/api/explain", json={"input": edited, "example": "seed"}).json()
    assert "reconstructed" not in " ".join(other["explanation"]["intro"])
    assert other["trace"]["provenance"] == {"kind": "vectors", "title": "", "description": ""}


@pytest.mark.parametrize("temperature", [0.1, 0.5, 1, 2, 10])
def test_temperature_divides_the_scale(client, temperature):
    body = client.post("/api/explain", json={"input": SEED, "temperature": temperature}).json()
    scale = 1 / math.sqrt(3) / temperature
    assert body["trace"]["scale"] == pytest.approx(scale, rel=1e-14)
    _, weights = loop_attention(SEED["query"], SEED["key"], SEED["value"], scale=scale)
    np.testing.assert_allclose([s["weights"] for s in body["trace"]["steps"]], weights, rtol=1e-10)


def test_a_higher_temperature_flattens_the_row(client):
    entropies = [
        client.post("/api/explain", json={"input": SEED, "temperature": t}).json()["explanation"]["queries"][1][
            "facts"
        ]["entropy"]
        for t in (0.5, 1, 2, 5)
    ]
    assert entropies == sorted(entropies) and entropies[0] < entropies[-1] <= math.log(2)


def test_temperature_applies_to_a_given_scale(client):
    body = client.post("/api/explain", json={"input": {**SEED, "scale": 0.5}, "temperature": 2}).json()
    assert body["trace"]["scale"] == 0.25


# -- the page's data: example, languages, info ---------------------------------------------------


def test_example_is_the_seed_as_an_input_document(client):
    body = client.get("/api/example").json()
    assert body["name"] == "seed"
    assert body["input"] == {key: SEED[key] for key in ("tokens", "query", "key", "value")}
    assert error_of(client.get("/api/example?name=nope"), 422) == "unknown example 'nope': choose one of seed"


def test_every_language_has_every_page_label(client):
    languages = client.get("/api/languages").json()
    assert {lang["code"] for lang in languages} == set(available_languages())
    for language in languages:
        missing = [key for key in PAGE_LABELS if not language["labels"].get(key)]
        assert not missing, f"{language['code']} lacks page labels {missing}"


def test_english_defines_the_page_labels_itself():
    assert [key for key in PAGE_LABELS if key not in get_language("en").labels] == []


@pytest.mark.parametrize("code", sorted(set(available_languages()) - {"en"}))
def test_other_languages_define_the_page_labels(code):
    missing = [key for key in PAGE_LABELS if key not in get_language(code).labels]
    assert not missing, f"{code} lacks page labels {missing}"
    english = get_language("en").labels
    assert all(get_language(code).labels[key] != english[key] for key in ("page_title", "page_causal"))


def test_info_names_the_limits_and_features(client):
    body = client.get("/api/info").json()
    assert body["limits"] == {
        "max_tokens": MAX_TOKENS,
        "max_dim": MAX_DIM,
        "max_text_chars": MAX_TEXT_CHARS,
        "max_body_bytes": MAX_BODY_BYTES,
        "max_new_tokens": MAX_NEW_TOKENS,
    }
    assert "en" in body["languages"] and body["examples"] == ["seed"]
    assert set(body["features"]) == {"png", "report", "text", "models"}
    paths = set(client.get("/openapi.json").json()["paths"])
    assert body["features"]["png"] == ("/api/heatmap.png" in paths)
    assert body["features"]["report"] == ("/api/report.html" in paths)


def test_the_heatmap_png_is_a_picture_of_the_trace(client):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    response = client.post("/api/heatmap.png", json={"input": SEED, "lang": "en"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == 'attachment; filename="attention.png"'
    png = response.content
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert 200 < width < 4000 and 200 < height < 4000
    assert "temperature is 0" in error_of(client.post("/api/heatmap.png", json={"input": SEED, "temperature": 0}), 422)


@pytest.mark.parametrize("lang", sorted(available_languages()))
def test_the_html_report_is_the_renderers_page(client, lang):
    response = client.post("/api/report.html", json={"input": SEED, "lang": lang, "example": "seed"})
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="attention.html"'
    page = response.text
    assert page.startswith("<!doctype html>") and f'<html lang="{lang}">' in page
    for figure in ("0.9999", "0.0001", "1.0002", "2.9998", "0.7685", "0.2315", "1.463", "2.537"):
        assert figure in page
    document = client.post("/api/explain", json={"input": SEED, "example": "seed"}).json()["trace"]
    traced = AttentionTrace.from_dict(document)
    assert page == render(traced, explain(traced, lang), "html")


def test_openapi_documents_the_request_bodies(client):
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/api/trace"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/TraceInput"}
    trace_input = schema["components"]["schemas"]["TraceInput"]
    assert set(trace_input["required"]) == {"query", "key", "value"}
    assert trace_input["properties"]["query"]["maxItems"] == MAX_TOKENS
    assert "ExplainRequest" in schema["components"]["schemas"]
    assert "413" in schema["paths"]["/api/explain"]["post"]["responses"]


# -- the page itself ------------------------------------------------------------------------------


def test_the_page_and_its_files_are_served_with_a_strict_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css"), ("favicon.svg", "image/svg+xml")):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
        assert f"/static/{name}" in page.text or (name == "app.js" and "app.js" in page.text)
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/index.html").status_code == 404


def test_the_page_loads_nothing_from_elsewhere(client):
    static = Path(selfattention.surfaces.server.__file__).parent / "static"
    scripts = tuple(sorted(p.name for p in static.glob("*.js")))  # every module the page can load
    assert {"app.js", "format.js", "heatmap.js", "steps.js"} <= set(scripts)
    styles = tuple(f"/static/{p.name}" for p in static.glob("*.css"))
    for path in ("/", *styles, *(f"/static/{name}" for name in scripts)):
        text = client.get(path).text
        assert client.get(path).status_code == 200, path
        for marker in ('src="http', "src='http", 'href="http', "url(http", 'fetch("http', "import("):
            assert marker not in text, (path, marker)
        # modules import only each other, by relative path
        for module in re.findall(r'^import .* from "([^"]+)";$', text, re.M):
            assert module.startswith("./") and module[2:] in scripts, (path, module)


def test_server_timing_header_measures_the_request(client):
    response = client.post("/api/trace", json=SEED)
    name, duration = response.headers["server-timing"].split(";dur=")
    assert name == "app" and float(duration) > 0


def test_a_localhost_server_refuses_other_host_names():
    local = TestClient(create_app(list(LOCAL_HOSTS)), base_url="http://127.0.0.1:8000")
    assert local.get("/api/info").status_code == 200
    assert local.get("/api/info", headers={"host": "localhost:8000"}).status_code == 200
    assert local.get("/api/info", headers={"host": "[::1]:8000"}).status_code == 200
    refused = local.get("/api/info", headers={"host": "attacker.example:8000"})
    assert error_of(refused, 400) == (
        "the Host header names 'attacker.example': this server answers only to 127.0.0.1, localhost, [::1], ::1"
        " (serve --allow-host NAME adds a name)"
    )


# -- refusals: clear words, 4xx, JSON --------------------------------------------------------


def error_of(response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "code"} and isinstance(body["error"], str) and body["error"]
    assert body["code"] is None or re.fullmatch("[a-z][a-z0-9_]*", body["code"]), body
    return body["error"]


@pytest.mark.parametrize(
    "document,words",
    [
        ({"query": [[1, 2]], "key": [[1, 2]]}, 'lacks "value"'),
        ({**SEED, "query": [[16, 0], [2, 0, 1]]}, "query row 1 has 3 numbers but row 0 has 2"),
        ({**SEED, "query": [[16, "x", 1], [2, 0, 1]]}, "query row 0, column 1 is 'x': expected a number"),
        ({**SEED, "key": [[1, 0], [0, 1]]}, "query has 3 features but key has 2"),
        ({**SEED, "tokens": ["one"]}, "tokens has 1 entries but there are 2 query positions"),
        ({**SEED, "mask": [[1, 0], [1, 1]]}, "is the integer 1"),
        ({**SEED, "causal": "yes"}, "causal is 'yes': expected true or false"),
        ({**SEED, "scale": "big"}, "scale is 'big'"),
        ({**SEED, "colour": "red"}, "unknown key 'colour'"),
        ([1, 2, 3], "is a JSON list: expected an object"),
        ({**SEED, "query": []}, "query is an empty list"),
    ],
)
def test_bad_input_names_the_problem(client, document, words):
    assert words in error_of(client.post("/api/trace", json=document), 422)


@pytest.mark.parametrize(
    "body,words",
    [
        (b"", "the request body is empty"),
        (b"{", "not valid JSON: Expecting property name"),
        (b'{"query": [[NaN]], "key": [[1]], "value": [[1]]}', "holds NaN: expected finite numbers"),
        (b'{"query": [[Infinity]], "key": [[1]], "value": [[1]]}', "holds Infinity"),
        (b'{"query": [[1e999]], "key": [[1]], "value": [[1]]}', "expected a finite number"),
        (b'{"query": [[' + b"9" * 400 + b"]]}", "integer of 400 digits"),
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_unreadable_bodies_are_refused(client, body, words):
    assert words in error_of(client.post("/api/trace", content=body, headers=JSON), 422)


@pytest.mark.parametrize(
    "request_body,words",
    [
        ({}, 'lacks "input"'),
        ({"input": SEED, "lang": "xx"}, "unknown language 'xx'"),
        ({"input": SEED, "lang": 3}, "lang is 3"),
        ({"input": SEED, "precision": 99}, "precision is 99: expected an integer from 0 to 15"),
        ({"input": SEED, "precision": True}, "precision is True"),
        ({"input": SEED, "temperature": 0}, "temperature is 0: expected a number from 0.01 to 100"),
        ({"input": SEED, "temperature": "hot"}, "temperature is 'hot'"),
        ({"input": SEED, "example": "nope"}, "unknown example 'nope'"),
        ({"input": SEED, "example": 5}, "example is 5"),
        ({"input": SEED, "extra": 1}, "unknown key 'extra'"),
        ({"input": "SEED"}, "input is a JSON str"),
    ],
)
def test_bad_explain_requests_name_the_problem(client, request_body, words):
    assert words in error_of(client.post("/api/explain", json=request_body), 422)


def test_limits_are_413_naming_the_limit(client):
    rng = np.random.default_rng(0)
    too_long = random_input(rng, MAX_TOKENS + 1, 2, 2)
    assert "65 query positions (L): the web explorer takes at most 64 (max_tokens)" in error_of(
        client.post("/api/trace", json=too_long), 413
    )
    too_wide = random_input(rng, 2, MAX_DIM + 1, 2)
    assert "(max_dim)" in error_of(client.post("/api/trace", json=too_wide), 413)
    too_wide_v = random_input(rng, 2, 2, MAX_DIM + 1)
    assert "value features (Ev)" in error_of(client.post("/api/explain", json={"input": too_wide_v}), 413)
    long_token = {**SEED, "tokens": ["a" * (MAX_TEXT_CHARS + 1), "b"]}
    assert "(max_text_chars)" in error_of(client.post("/api/trace", json=long_token), 413)
    huge = b'{"query": [[' + b"1," * (MAX_BODY_BYTES // 2) + b"1]]}"
    assert "(max_body_bytes)" in error_of(client.post("/api/trace", content=huge, headers=JSON), 413)


def test_no_page_loads_scripts_from_a_cdn(client):
    # FastAPI's /docs and /redoc would fetch swagger-ui from a CDN: they are switched off
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_unknown_paths_and_methods_are_json_errors(client):
    assert "GET /nowhere is not served here" in error_of(client.get("/nowhere"), 404)
    assert "is not served here" in error_of(client.get("/api/trace"), 405)
    assert "name" in error_of(client.get("/api/example?name=" + "x" * 200), 422)


KOREAN = {"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"}


def test_refusals_are_said_in_the_language_accept_language_prefers(client):
    """The page sends its language; the same refusal comes back in Korean, with the same code."""
    body = {"query": [[1, 0]], "key": [[1, "one"]], "value": [[1]]}
    english = client.post("/api/trace", json=body)
    korean = client.post("/api/trace", json=body, headers=KOREAN)
    assert error_of(english, 422) == "key row 0, column 1 is 'one': expected a number"
    assert error_of(korean, 422) == "key의 0번 행 1번 열이 숫자가 아닙니다: 'one'"
    assert english.json()["code"] == korean.json()["code"] == "not_a_number"
    # a language the explanation lacks, or one weighted q=0, gives English
    for header in ("fr-FR, de;q=0.5", "ko;q=0, en;q=0.1", "ko;q=oops"):
        assert (
            error_of(client.post("/api/trace", json=body, headers={"Accept-Language": header}), 422)
            == (english.json()["error"])
        )
    # the server's own refusals too: a path not served, a body not JSON, a wrong field
    assert error_of(client.get("/nowhere", headers=KOREAN), 404) == (
        "여기서 제공하지 않는 주소입니다: GET /nowhere. 페이지는 /에, API는 /api/ 아래에 있습니다(/openapi.json 참고)"
    )
    refused = client.post("/api/trace", content=b"{}", headers={"Content-Type": "text/plain", **KOREAN})
    assert error_of(refused, 415) == (
        "요청 본문의 형식이 다음과 같습니다: text/plain. Content-Type: application/json으로 보내 주세요"
    )
    assert error_of(client.get("/api/example?name=" + "x" * 200, headers=KOREAN), 422).startswith(
        "요청이 올바르지 않습니다: query.name: "
    )


GARBAGE = [
    b"",
    b"null",
    b"0",
    b'"text"',
    b"[]",
    b"{}",
    b'{"input": null}',
    b'{"input": {"query": [[]], "key": [[]], "value": [[]]}}',
    b'{"query": {"a": 1}, "key": true, "value": null}',
    b'{"query": [[1]], "key": [[1]], "value": [[1]], "mask": [[[true]]]}',
    b'{"query": [[1]], "key": [[1]], "value": [[1]], "mask": "all"}',
    b'{"query": [[1]], "key": [[1]], "value": [[1]], "mask": [[null]]}',
    b'{"query": [[1]], "key": [[1]], "value": [[1]], "tokens": [1]}',
    b'{"query": [[1]], "key": [[1]], "value": [[1]], "scale": 1e308, "causal": false}',
    b'{"query": [[1e308, 1e308]], "key": [[1e308, 1e308]], "value": [[1]]}',
    b'{"input": {"query": [[1]], "key": [[1]], "value": [[1]]}, "temperature": 1e-300}',
    '{"tokens": ["\u00e9\u0000\ud7ff"], "query": [[1]], "key": [[1]], "value": [[1]]}'.encode(),
    bytes(range(256)),
]


@pytest.mark.parametrize("body", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_to_every_endpoint_is_never_a_500(client, body):
    routes = [r for r in client.app.routes if isinstance(r, APIRoute)]
    assert len(routes) >= 5
    for route in routes:
        for method in route.methods:
            path = route.path.replace("{name}", "app.js")
            params = {"name": body[:20].decode("latin-1")}
            response = client.request(method, path, content=body, params=params, headers=JSON)
            assert response.status_code < 500, (method, path, response.text)
            if response.status_code >= 400:
                assert isinstance(response.json()["error"], str)


def test_numbers_that_would_overflow_are_refused(client):
    # q.k of 1e308-sized vectors overflows float64 and would show only inf and NaN
    body = b'{"query": [[1e308, 1e308]], "key": [[1e308, 1e308]], "value": [[1]]}'
    assert "query row 0, column 0 is 1e+308" in error_of(client.post("/api/trace", content=body, headers=JSON), 413)
    assert "(max_abs_value)" in error_of(client.post("/api/trace", content=body, headers=JSON), 413)
    big_mask = {**SEED, "mask": [[1.7e308, 0.0], [0.0, 0.0]]}
    assert "mask holds 1.7e+308" in error_of(client.post("/api/trace", json=big_mask), 413)
    assert "scale is 1e+300" in error_of(client.post("/api/trace", json={**SEED, "scale": 1e300}), 413)
    fine = {"query": [[1e100, 1e100]], "key": [[1e100, -1e100]], "value": [[1]]}
    assert client.post("/api/trace", json=fine).json()["steps"][0]["weights"] == [1.0]


# -- the command ------------------------------------------------------------------------------


def test_serve_runs_uvicorn_on_localhost_by_default(monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    result = CliRunner().invoke(main, ["serve"], catch_exceptions=False)
    assert result.exit_code == 0
    ((app, kwargs),) = calls
    assert kwargs["host"] == "127.0.0.1" and kwargs["port"] == 8000
    assert "http://127.0.0.1:8000/" in result.output
    # bound to localhost, it also refuses requests that name another host
    assert TestClient(app).get("/api/info", headers={"host": "evil.example"}).status_code == 400


def test_serve_on_another_address_warns(monkeypatch):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: None)
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "8123"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "warning: listening on 0.0.0.0" in result.output and ":8123/" in result.output


def test_serve_without_the_web_extra_names_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2
    assert "Error: selfattention serve needs the web extra (uvicorn is missing): pip install 'selfattention[web]'" in (
        result.output
    )


# -- a real model's head (the models extra) -----------------------------------------------------

SENTENCE = "The animal didn't cross the street because it was too tired."


@pytest.fixture(scope="module")
def model_head(client):
    if not client.get("/api/info").json()["features"]["models"]:
        pytest.skip("the models extra (torch, transformers, the MiniLM weights) is not installed")
    response = client.post("/api/model", json={"text": SENTENCE, "model": "minilm", "layer": 3, "head": 1})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_model_head_is_an_input_document_whose_trace_is_the_models_attention(client, model_head):
    from selfattention.sources.models import load_model, run_model

    document = model_head["input"]
    assert document["tokens"][0] == "[CLS]" and "animal" in document["tokens"]
    assert model_head["provenance"]["layer"] == 3 and model_head["provenance"]["head"] == 1
    body = client.post("/api/trace", json=document).json()
    # the independent reference: the attention probabilities the model itself returns
    loaded = load_model("minilm")
    theirs = run_model(loaded, SENTENCE).attentions[3][1]  # (seq, seq)
    np.testing.assert_allclose([s["weights"] for s in body["steps"]], theirs, atol=1e-4)
    it, animal = document["tokens"].index("it"), document["tokens"].index("animal")
    assert round(body["steps"][it]["weights"][animal], 4) == 0.6768  # the README's figure


def test_explain_keeps_the_models_words_only_for_its_own_vectors(client, model_head):
    source = {"text": SENTENCE, "model": "minilm", "layer": 3, "head": 1}
    same = client.post("/api/explain", json={"input": model_head["input"], "model": source}).json()
    assert same["explanation"]["title"] == f'minilm, layer 3, head 1: "{SENTENCE}"'
    assert "matches the attention the model itself returns" in " ".join(same["explanation"]["intro"])
    hotter = client.post("/api/explain", json={"input": model_head["input"], "model": source, "temperature": 2}).json()
    assert "minilm" not in hotter["explanation"]["title"]  # other weights than the model's: no claim
    edited = {**model_head["input"], "value": [[0.0] * 32, *model_head["input"]["value"][1:]]}
    other = client.post("/api/explain", json={"input": edited, "model": source}).json()
    assert other["trace"]["provenance"] == {"kind": "vectors", "title": "", "description": ""}


@pytest.mark.parametrize(
    "request_body,status,words",
    [
        ({"text": SENTENCE, "model": "/etc"}, 422, "model.model is '/etc': expected one of the registered models"),
        ({"text": SENTENCE, "layer": 99}, 422, "layer 99 is out of range: model 'minilm' has 6 layers"),
        ({"text": SENTENCE, "head": -1}, 422, "model.head is -1: expected a whole number from 0"),
        ({"text": "   "}, 422, "model.text is '   ': expected a sentence"),
        ({"text": "word " * 100}, 413, "the web explorer takes at most 64 (max_tokens)"),
        ({"text": "x" * 1001}, 413, "(max_text_chars)"),
        ({"text": SENTENCE, "colour": 1}, 422, "unknown key 'colour'"),
        ({"text": SENTENCE, "model": {}}, 422, "model.model is {}: expected one of"),
    ],
)
def test_bad_model_requests_name_the_problem(client, model_head, request_body, status, words):
    assert words in error_of(client.post("/api/model", json=request_body), status)


def test_a_request_names_one_source(client):
    body = {"input": SEED, "example": "seed", "model": {"text": SENTENCE}}
    assert "both an example and a model" in error_of(client.post("/api/explain", json=body), 422)


# -- a sentence through the toy layer --------------------------------------------------------


@pytest.mark.parametrize("d_model,num_heads,head", [(8, 2, 1), (16, 4, 3), (4, 1, 0)])
def test_a_toy_layer_head_matches_torch_multihead_attention(client, d_model, num_heads, head):
    torch = pytest.importorskip("torch")
    from selfattention.sources.layers import MultiHeadSelfAttention
    from selfattention.sources.pipeline import text_layer_trace

    request_body = {"text": "The cat sat on the mat.", "d_model": d_model, "num_heads": num_heads, "head": head}
    source = client.post("/api/text", json={**request_body, "seed": 3}).json()
    assert source["input"]["tokens"] == ["The", "cat", "sat", "on", "the", "mat", "."]
    assert source["provenance"]["layer"]["kind"] == "toy_layer" and source["provenance"]["head"] == head
    body = client.post("/api/trace", json=source["input"]).json()
    # the reference: PyTorch's own nn.MultiheadAttention with the same weights, on the same X
    x = torch.from_numpy(text_layer_trace("The cat sat on the mat.", d_model=d_model, num_heads=num_heads, seed=3).x)
    module = MultiHeadSelfAttention(d_model, num_heads, seed=3).to_torch(dtype=torch.float64)
    with torch.no_grad():
        _, weights = module(x, x, x, need_weights=True, average_attn_weights=False)  # (heads, L, L)
    np.testing.assert_allclose([s["weights"] for s in body["steps"]], weights[head].numpy(), rtol=1e-10, atol=1e-12)


def test_the_toy_layer_says_its_numbers_are_illustrative(client):
    words = client.post("/api/text", json={"text": "The cat sat", "lang": "en"}).json()["words"]
    assert words["title"] == 'From words to contextual vectors: "The cat sat"'
    assert any("Illustrative numbers, not a trained model" in line for line in words["intro"])
    options = client.get("/api/text").json()
    assert options["d_model"] == [4, 8, 16, 32, 64] and options["num_heads"] == [1, 2, 4, 8]


@pytest.mark.parametrize(
    "request_body,status,words",
    [
        ({"text": ""}, 422, "text is '': expected a sentence"),
        ({"text": "a", "d_model": 7}, 422, "d_model is 7: expected one of 4, 8, 16, 32, 64"),
        ({"text": "a", "d_model": 4, "num_heads": 8}, 422, "d_model 4 does not split into 8 heads"),
        ({"text": "a", "num_heads": 2, "head": 2}, 422, "head is 2: expected a head from 0 to 1"),
        ({"text": "a", "seed": -1}, 422, "seed is -1"),
        ({"text": "a", "lang": "xx"}, 422, "unknown language 'xx'"),
        ({"text": "a " * 65}, 413, "the text has 65 tokens: the web explorer takes at most 64 (max_tokens)"),
        ({"text": "a" * 1001}, 413, "(max_text_chars)"),
        ({"text": "a", "colour": 1}, 422, "unknown key 'colour'"),
    ],
)
def test_bad_text_requests_name_the_problem(client, request_body, status, words):
    assert words in error_of(client.post("/api/text", json=request_body), status)


# -- reliability: what the server refuses, it refuses before working ------------------------------


def post_routes(client) -> list[str]:
    return sorted(r.path for r in client.app.routes if isinstance(r, APIRoute) and "POST" in r.methods)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data"],
)
def test_bodies_not_sent_as_json_are_415(client, content_type):
    """A page on another site can send text/plain, forms and multipart without asking the
    browser first ("simple" requests), but not application/json: the API takes only JSON."""
    headers = {} if content_type is None else {"content-type": content_type}
    body = json.dumps({"input": SEED}).encode()
    for path in post_routes(client):
        message = error_of(client.post(path, content=body, headers=headers), 415)
        assert message.startswith("the request body is declared ") and "application/json" in message
    ok = client.post("/api/explain", content=body, headers={"content-type": "application/json; charset=utf-8"})
    assert ok.status_code == 200


LONE = '"\\ud800"'  # valid JSON, not valid Unicode


@pytest.mark.parametrize(
    "path,body,where",
    [
        (
            "/api/trace",
            '{"tokens": ["a", "b\\ud800"], "query": [[1], [2]], "key": [[1], [2]], "value": [[1], [2]]}',
            "tokens[1]",
        ),
        (
            "/api/explain",
            '{"input": {"tokens": ["\\udcff"], "query": [[1]], "key": [[1]], "value": [[1]]}}',
            "input.tokens[0]",
        ),
        ("/api/explain", '{"input": {"query": [[1]], "key": [[1]], "value": [[1]]}, "lang": ' + LONE + "}", "lang"),
        (
            "/api/report.html",
            '{"input": {"tokens": [' + LONE + '], "query": [[1]], "key": [[1]], "value": [[1]]}}',
            "input.tokens[0]",
        ),
        (
            "/api/heatmap.png",
            '{"input": {"key_tokens": [' + LONE + '], "query": [[1]], "key": [[1]], "value": [[1]]}}',
            "input.key_tokens[0]",
        ),
        ("/api/text", '{"text": "The cat \\udfff sat"}', "text"),
        ("/api/model", '{"text": "it was \\ud800 tired", "model": "minilm"}', "text"),
        (
            "/api/trace",
            '{"tok\\ud800ens": ["a"], "query": [[1]], "key": [[1]], "value": [[1]]}',
            "a key of the request body at the top",
        ),
    ],
)
def test_lone_surrogates_are_refused_naming_where(client, path, body, where):
    message = error_of(client.post(path, content=body.encode(), headers=JSON), 422)
    assert where in message and "lone surrogate U+D" in message and "expected valid Unicode text" in message
    assert client.post("/api/trace", json=SEED).status_code == 200  # and the server goes on


def test_a_long_sentence_is_refused_before_the_model_runs(client, model_head, monkeypatch):
    from selfattention.surfaces.server import sources

    def must_not_run(*args):
        raise AssertionError("the model ran on a sentence the explorer refuses")

    monkeypatch.setattr(sources, "_run_model_trace", must_not_run)
    before = len(sources._TRACES)
    for count in (70, 200, 450):
        words = error_of(client.post("/api/model", json={"text": "a " * count}), 413)
        assert f"the text has {count + 2} tokens of model 'minilm' (special tokens included)" in words
    assert len(sources._TRACES) == before


def test_the_model_cache_is_bounded_by_bytes_too(monkeypatch):
    from selfattention.surfaces.server.sources import BoundedCache, nbytes

    cache = BoundedCache(max_entries=100, max_bytes=10_000)
    for i in range(50):
        cache.put(i, np.zeros(300))  # 2400 bytes each: four fit
        assert cache.size_bytes <= 10_000
    assert len(cache) == 4 and cache.get(49) is not None and cache.get(45) is None
    trace = AttentionTrace.from_dict(client_free_trace())
    assert nbytes(trace) >= trace.query.nbytes + sum(s.products.nbytes for s in trace.steps)


def client_free_trace() -> dict:
    from selfattention import trace

    return trace(SEED["query"], SEED["key"], SEED["value"], tokens=SEED["tokens"]).to_dict()


def serve_app(monkeypatch, *args: str):
    """Run ``serve`` with uvicorn.run replaced: (the app it would serve, the command's output)."""
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(app))
    result = CliRunner().invoke(main, ["serve", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return calls[0], result.output


@pytest.mark.parametrize("host", ["127.0.0.2", "127.255.255.254", "::1", "localhost", "LOCALHOST"])
def test_every_loopback_address_is_local_with_the_guard_on(monkeypatch, host):
    if host == "::1" and not socket_has_ipv6():
        pytest.skip("no IPv6 loopback here")
    app, output = serve_app(monkeypatch, "--host", host, "--port", "0")
    assert "warning" not in output
    client = TestClient(app)
    shown = f"[{host}]" if ":" in host else host
    assert client.get("/api/info", headers={"host": f"{shown}:8000"}).status_code == 200
    assert client.get("/api/info", headers={"host": "localhost:8000"}).status_code == 200
    assert "answers only to" in error_of(client.get("/api/info", headers={"host": "evil.example"}), 400)


def test_a_public_address_warns_and_keeps_a_guard_the_user_extends(monkeypatch):
    app, output = serve_app(
        monkeypatch, "--host", "0.0.0.0", "--port", "0", "--allow-host", "Explorer.LAN", "--allow-host", "10.0.0.7"
    )
    assert output.startswith("warning: listening on 0.0.0.0: other machines on the network can open the explorer;")
    assert "explorer.lan, 10.0.0.7" in output and "(add names with --allow-host NAME)" in output
    client = TestClient(app)
    for name in ("explorer.lan:8000", "EXPLORER.lan", "10.0.0.7:8000", "127.0.0.1:8000"):
        assert client.get("/api/info", headers={"host": name}).status_code == 200, name
    message = error_of(client.get("/api/info", headers={"host": "rebound.attacker.example:8000"}), 400)
    assert message.endswith("(serve --allow-host NAME adds a name)")


@pytest.mark.parametrize("name", ["", "http://x", "a b", "user@host"])
def test_allow_host_takes_host_names(name):
    result = CliRunner().invoke(main, ["serve", "--allow-host", name, "--port", "0"])
    assert result.exit_code == 2 and "is not a host name: expected e.g. explorer.lan" in result.stderr


def socket_has_ipv6() -> bool:
    import socket

    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True
