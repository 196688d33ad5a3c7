"""Schemathesis against the explorer's OpenAPI document: generated requests, valid and
invalid, never get a 5xx, and every answer matches its documented status, type and schema.
Bounded: a few dozen examples per endpoint, no shrinking, no example database."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
pytest.importorskip("schemathesis", reason="schemathesis is not installed")

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from selfattention.surfaces.server import create_app

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@pytest.fixture(scope="module", autouse=True)
def _model_loaded() -> None:
    """Load the models once before the generated requests: a first load takes tens of seconds
    on a busy machine, past the client's 10 s read timeout, and is not what a request costs
    (SmolLM2 answers /api/generate, whose model defaults to it)."""
    from selfattention.surfaces.server import features

    if features.has_models():
        from selfattention.sources.models import load_model
        from selfattention.surfaces.server.sources import decoder_names, model_names

        for name in model_names():
            if name == "minilm" or name in decoder_names():
                load_model(name)


# a request over a documented limit (maxItems, maxLength) is refused with 413, naming the limit
schema.config.checks.negative_data_rejection.expected_statuses = [
    *schema.config.checks.negative_data_rejection.expected_statuses,
    "413",
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


# the endpoints that draw a picture or run a real model cost tens of milliseconds a call:
# they get fewer examples so that the run stays bounded
SLOW = r"^/api/(model|model/layer|heads|generate|text/layer|heatmap\.png|report\.html)$"


def check(case, timeout: float = 10) -> None:
    response = case.call_and_validate(checks=CHECKS, timeout=timeout)
    if response.status_code >= 400:
        body = response.json()
        assert list(body) == ["error", "code"] and body["error"], body


BOUNDED = {
    "deadline": None,
    "database": None,
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": list(HealthCheck),
}


@schema.exclude(path_regex=SLOW).parametrize()
@settings(max_examples=30, **BOUNDED)
def test_api_conforms_to_its_schema(case):
    check(case)


@schema.include(path_regex=SLOW).parametrize()
@settings(max_examples=5, **BOUNDED)
def test_slow_endpoints_conform_to_their_schema(case):
    # a generation of 16 SmolLM2 tokens (each row recomputed without the cache too) takes
    # well over the client's usual 10 s on a busy 2-core machine: its time is not under test
    check(case, timeout=300)
