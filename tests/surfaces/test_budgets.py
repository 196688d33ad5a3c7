"""Small inputs, huge outputs: every trace (the layer trace too) and every output format is
bounded, checked from the shapes before anything is computed, and a refusal says what fits.

The budgets are module attributes of :mod:`selfattention.core.limits`; the tests lower them so
that the inputs stay small, then check that what the message says fits does fit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import selfattention as sa
from selfattention.core import limits
from selfattention.sources.layers import MultiHeadSelfAttention
from selfattention.surfaces.cli import main
from selfattention.surfaces.server.sources import nbytes
from tiny_models import SENTENCE

FORMATS = ["json", "csv", "text", "markdown", "html"]


def fitting(message: str) -> int:
    found = re.search(r"at most (\d+) (queries|tokens) fit", message) or re.search(r"at most (\d+) tokens", message)
    assert found, message
    return int(found.group(1))


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def document(tmp_path: Path, n: int, d: int) -> str:
    rng = np.random.default_rng(0)
    rows = {name: rng.integers(-9, 9, (n, d)).astype(float).tolist() for name in ("query", "key", "value")}
    path = tmp_path / "input.json"
    path.write_text(json.dumps(rows))
    return str(path)


# -- the layer trace -----------------------------------------------------------------------------


def test_the_layer_trace_budget_counts_every_head_and_says_how_many_queries_fit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_TRACE_NUMBERS", 30_000)
    layer = MultiHeadSelfAttention(8, 2, seed=0)
    x = np.random.default_rng(0).normal(size=(60, 8))
    with pytest.raises(sa.LimitError) as info:
        layer.trace(x)  # each head alone would fit: 60 x 60 x 14 = 50k numbers for both
    message = str(info.value)
    assert message.startswith("tracing 60 queries in each of 2 heads of 60 keys (d_model = 8) would store")
    fit = fitting(message)
    traced = layer.trace(x, queries=range(fit))
    assert nbytes(traced) // 8 <= 30_000  # the estimate holds what the trace really stores
    with pytest.raises(sa.LimitError, match="above the trace budget"):
        layer.trace(x, queries=range(fit + 1))


def test_the_layer_score_limit_does_not_suggest_queries(monkeypatch):
    """The layer computes every head's whole matrix whichever queries are traced: --queries
    cannot help, so the message says how many tokens fit instead."""
    monkeypatch.setattr(limits, "MAX_SCORE_BYTES", 2 * 8 * 40 * 40)
    text = " ".join(f"w{i}" for i in range(50))
    result = run("layer", text, "--heads", "2", "--d-model", "4", "--queries", "0")
    assert result.exit_code == 2 and "--queries" not in result.stderr and "queries=" not in result.stderr
    assert result.stderr.startswith("Error: the layer computes the whole score matrix of each of its 2 heads")
    fit = fitting(result.stderr)
    assert fit == 40 and "shorten the text to at most 40 tokens, or use fewer heads" in result.stderr
    short = " ".join(f"w{i}" for i in range(fit))
    assert run("layer", short, "--heads", "2", "--d-model", "4").exit_code == 0


@pytest.mark.parametrize("format", ["json", "text", "markdown", "html"])
def test_the_layer_output_is_bounded_before_anything_is_computed(monkeypatch, format):
    monkeypatch.setattr(limits, "MAX_OUTPUT_BYTES", 600_000)

    def never(*args, **kwargs):
        raise AssertionError("the layer was computed before its output was checked")

    text = " ".join(f"w{i}" for i in range(120))
    positions = ",".join(map(str, range(120)))
    with monkeypatch.context() as patched:
        patched.setattr("selfattention.surfaces.cli.layer.text_layer_trace", never)
        result = run("layer", text, "--d-model", "8", "--heads", "2", "--queries", positions, "--format", format)
    assert result.exit_code == 2, result.output
    assert f"Error: the {format} output of 120 queries would be about" in result.stderr
    fit = fitting(result.stderr)
    result = run(
        "layer", text, "--d-model", "8", "--heads", "2", "--queries", ",".join(map(str, range(fit))), "-f", format
    )
    assert result.exit_code == 0, result.output
    assert len(result.stdout.encode()) <= 600_000


# -- every output format of a trace -------------------------------------------------------------


@pytest.mark.parametrize("format", FORMATS)
def test_a_small_file_cannot_ask_for_a_huge_output(tmp_path, monkeypatch, format):
    """A 42 KB file gave a 422 MB JSON: the output is estimated from the shapes and refused
    before the trace is computed, naming how many queries fit; those fit."""
    monkeypatch.setattr(limits, "MAX_OUTPUT_BYTES", 600_000)
    path = document(tmp_path, 200, 3)
    everything = ",".join(map(str, range(200)))

    def never(*args, **kwargs):
        raise AssertionError("the trace was computed before its output was checked")

    with monkeypatch.context() as patched:
        patched.setattr("selfattention.surfaces.cli.explain.trace", never)
        result = run("explain", "--input", path, "--queries", everything, "--format", format)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"Error: the {format} output of 200 queries would be about")
    assert result.stderr.count("\n") == 1 and "pick them with --queries" in result.stderr
    fit = fitting(result.stderr)
    result = run("explain", "--input", path, "--queries", ",".join(map(str, range(fit))), "--format", format)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.encode()) <= 600_000


def test_the_real_sizes_stay_within_the_estimates(tmp_path):
    """The estimates are upper bounds: what is written is never larger."""
    from selfattention.surfaces.cli.output import Output

    for n, d in ((10, 2), (40, 5), (80, 8), (40, 32)):
        path = document(tmp_path, n, d)
        for format in FORMATS:
            result = run("explain", "--input", path, "--queries", ",".join(map(str, range(n))), "--format", format)
            assert result.exit_code == 0
            out = Output(format, 4, "en", None, None, False)
            written = len(result.stdout.encode())
            with pytest.raises(sa.LimitError):
                limits_patched(out, written, n, n, d)


def limits_patched(out, written: int, queries: int, keys: int, d: int) -> None:
    """The estimate for ``out`` against a budget just under what was written: refused."""
    saved = limits.MAX_OUTPUT_BYTES
    limits.MAX_OUTPUT_BYTES = written - 1
    try:
        out.check_trace_size(queries, queries, keys, d, d)
    finally:
        limits.MAX_OUTPUT_BYTES = saved


def test_a_model_output_is_checked_before_it_is_written(tiny_bert, monkeypatch, tmp_path):
    monkeypatch.setattr(limits, "MAX_OUTPUT_BYTES", 20_000)
    out = tmp_path / "out.json"
    result = run("model", SENTENCE, "--model", tiny_bert, "--format", "json", "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert "Error: the json output of" in result.stderr and "pick them with --queries" in result.stderr
    fit = fitting(result.stderr)
    result = run("model", SENTENCE, "--model", tiny_bert, "--queries", ",".join(map(str, range(fit))), "-f", "json")
    assert result.exit_code == 0 and len(result.stdout.encode()) <= 20_000
