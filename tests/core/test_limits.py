"""Limits: sizes that would not fit are refused from their shapes, before anything is
allocated, with a message that names a path that can; the CLI caps what it prints and
says so in words."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import selfattention as sa
from selfattention.core import limits
from selfattention.explain.languages.en import LANGUAGE as EN
from selfattention.explain.plan import MAX_KEYS
from selfattention.render.document import MAX_MATRIX, MAX_QUERIES
from selfattention.surfaces.cli import main

HUGE = 100_000  # a 100k x 100k float64 score matrix is 74.5 GiB: allocating it would fail


def long_inputs(n: int, d: int = 1) -> tuple[np.ndarray, ...]:
    """Tiny arrays (n x d) whose score matrix is n x n."""
    rng = np.random.default_rng(n)
    return rng.standard_normal((n, d)), rng.standard_normal((n, d)), rng.standard_normal((n, d))


def test_reference_kernel_refuses_a_score_matrix_beyond_its_budget():
    q, k, v = long_inputs(HUGE)
    with pytest.raises(sa.LimitError) as info:
        sa.scaled_dot_product_attention(q, k, v, implementation="reference")
    assert str(info.value) == (
        "the reference kernel would build a (100000, 100000) score matrix of float64 (74.5 GiB),"
        " above its budget of 1 GiB (selfattention.core.limits.MAX_SCORE_BYTES): use"
        ' implementation="blocked", which holds one block of scores at a time, or trace a few'
        " queries (trace(queries=...), --queries on the command line)"
    )


def test_the_budget_counts_batch_heads_and_the_compute_dtype(monkeypatch):
    q, k, v = (np.ones((2, 3, 4, 5), np.float16) for _ in range(3))
    exact = 2 * 3 * 4 * 4 * 4  # float16 is computed in float32: 4 bytes a score
    monkeypatch.setattr(limits, "MAX_SCORE_BYTES", exact)
    sa.scaled_dot_product_attention(q, k, v, implementation="reference")  # exactly at the budget
    monkeypatch.setattr(limits, "MAX_SCORE_BYTES", exact - 1)
    with pytest.raises(
        sa.LimitError,
        match=r"a \(2, 3, 4, 4\) score matrix of float32 \(384 B\), above its budget of 383 B",
    ):
        sa.scaled_dot_product_attention(q, k, v, implementation="reference")


def test_attention_weights_refuses_beyond_the_budget():
    q, k, _ = long_inputs(HUGE)
    with pytest.raises(sa.LimitError) as info:
        sa.attention_weights(q, k)
    assert str(info.value) == (
        "attention_weights would build a (100000, 100000) score matrix of float64 (74.5 GiB),"
        " above its budget of 1 GiB (selfattention.core.limits.MAX_SCORE_BYTES): ask for the weights"
        " of fewer queries at a time, or trace a few (trace(queries=...), --queries on the"
        " command line)"
    )


def test_trace_refuses_every_query_of_a_long_sequence_but_traces_a_few():
    q, k, v = long_inputs(HUGE)
    with pytest.raises(sa.LimitError) as info:
        sa.trace(q, k, v)
    assert str(info.value) == (
        "tracing 100000 queries of 100000 keys (d = 1) would store 80,000,200,000 numbers"
        " (596 GiB in float64), above the trace budget of 67,108,864"
        " (selfattention.core.limits.MAX_TRACE_NUMBERS): trace a few queries with"
        " trace(queries=[...]) (--queries on the command line), or compute the outputs alone"
        ' with scaled_dot_product_attention(..., implementation="blocked")'
    )
    t = sa.trace(q, k, v, queries=[0, HUGE - 1])
    assert t.query_indices == (0, HUGE - 1)
    np.testing.assert_allclose(t.steps[1].weights.sum(), 1.0, rtol=1e-12)


def test_tracing_a_few_queries_never_builds_the_whole_matrix():
    """Regression: trace() built an (L, S) zero mask and an (L, S) causal mask per query, so
    two queries of a 100k-token sequence asked for 74.5 GiB."""
    q, k, v = long_inputs(HUGE)
    keep = np.ones(HUGE, dtype=bool)
    keep[::2] = False  # a padding mask (S,), broadcast to (L, S) as a view
    t = sa.trace(q, k, v, attn_mask=keep, is_causal=True, queries=[2, HUGE - 1])
    assert (t.steps[0].weights == [0, 1, 0] + [0] * (HUGE - 3)).all()  # key 1 only
    assert (t.steps[1].weights[::2] == 0).all()
    np.testing.assert_allclose(t.steps[1].weights.sum(), 1.0, rtol=1e-12)


def test_trace_budget_boundary(monkeypatch):
    q, k, v = long_inputs(10, 3)
    per_query = 10 * (3 + 3 + 6) + 3 + 3
    monkeypatch.setattr(limits, "MAX_TRACE_NUMBERS", 10 * per_query)
    assert len(sa.trace(q, k, v).steps) == 10
    monkeypatch.setattr(limits, "MAX_TRACE_NUMBERS", 10 * per_query - 1)
    with pytest.raises(sa.LimitError, match="tracing 10 queries of 10 keys"):
        sa.trace(q, k, v)
    assert len(sa.trace(q, k, v, queries=range(9)).steps) == 9


# -- the command line ------------------------------------------------------------------------


def document(tmp_path, n: int, d: int = 2) -> str:
    q, k, v = long_inputs(n, d)
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"query": q.tolist(), "key": k.tolist(), "value": v.tolist()}))
    return str(path)


def test_cli_refuses_a_trace_too_large_with_a_hint(tmp_path):
    path = document(tmp_path, 3000, 1)  # 3000 queries x 3000 keys x 8 numbers > the budget
    result = CliRunner().invoke(main, ["explain", "--input", path, "--format", "json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: tracing 3000 queries of 3000 keys (d = 1) would store 72,006,000 numbers")
    assert "--queries on the command line" in result.stderr and result.stderr.count("\n") == 1


def test_cli_caps_expanded_queries_and_says_so(tmp_path):
    n = MAX_QUERIES + 9
    path = document(tmp_path, n)
    result = CliRunner().invoke(main, ["explain", "--input", path])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    headings = [line for line in lines if line.startswith("Self-attention with ")]
    assert len(headings) == MAX_QUERIES
    note = EN.labels["queries_shown"].format(shown=MAX_QUERIES, total=n)
    assert (
        note == f"Worked out below: {MAX_QUERIES} of the {n} queries; pick others with --queries (queries= in Python)."
    )
    assert " ".join(result.stdout.split()).count(note) == 1  # wrapped to the terminal width
    keys = EN.labels["keys_shown"].format(shown=MAX_KEYS, total=n)
    assert lines.count(keys) == MAX_QUERIES  # once per expanded query
    assert f"Q, K, V (first {MAX_MATRIX} of {n})" in lines
    assert "The whole matrix at once" not in result.stdout


def test_cli_expands_the_queries_asked_for_beyond_the_cap(tmp_path):
    n = MAX_QUERIES + 9
    path = document(tmp_path, n)
    wanted = ",".join(str(i) for i in range(n))
    result = CliRunner().invoke(main, ["explain", "--input", path, "--queries", wanted, "--format", "markdown"])
    assert result.exit_code == 0
    assert sum(line.startswith("## Self-attention with ") for line in result.stdout.splitlines()) == n
    matrix = EN.labels["matrix_omitted"].format(limit=MAX_MATRIX, total=n)
    assert matrix == f"The whole-matrix view is drawn for up to {MAX_MATRIX} tokens; this input has {n}."
    assert matrix in result.stdout
    assert "Worked out below" not in result.stdout


def test_cli_json_is_never_capped(tmp_path):
    n = MAX_QUERIES + 9
    result = CliRunner().invoke(main, ["explain", "--input", document(tmp_path, n), "--format", "json"])
    assert result.exit_code == 0
    assert len(sa.AttentionTrace.from_json(result.stdout).steps) == n


def test_unknown_query_lists_at_most_20_tokens(tmp_path):
    result = CliRunner().invoke(main, ["explain", "--input", document(tmp_path, 500), "--queries", "nope"])
    assert result.exit_code == 2
    listed = ", ".join(f"{i}:t{i}" for i in range(20))  # the default labels count from 0 too
    assert result.stderr == f"Error: query 'nope' is not among the tokens: {listed}, ... (480 more)\n"


def test_small_inputs_show_everything():
    result = CliRunner().invoke(main, ["explain"])
    assert result.exit_code == 0
    for label in ("queries_shown", "keys_shown", "matrix_omitted"):
        fixed = EN.labels[label].split("{")[0] or EN.labels[label].split("}")[-1]
        assert fixed.strip() and fixed.strip() not in result.stdout
    assert "The whole matrix at once" in result.stdout


def test_cli_caps_the_queries_of_a_model_trace_too(tiny_bert):
    from tiny_models import SENTENCE

    text = f"{SENTENCE} {SENTENCE}"  # more tokens than MAX_QUERIES
    whole = CliRunner().invoke(main, ["explain", text, "--model", tiny_bert, "--format", "json"])
    total = len(sa.AttentionTrace.from_json(whole.stdout).tokens)
    assert total > MAX_QUERIES
    assert len(sa.AttentionTrace.from_json(whole.stdout).steps) == total  # data is never capped
    result = CliRunner().invoke(main, ["explain", text, "--model", tiny_bert])
    assert result.exit_code == 0, result.output
    assert sum(line.startswith("Self-attention with ") for line in result.stdout.splitlines()) == MAX_QUERIES
    assert EN.labels["queries_shown"].format(shown=MAX_QUERIES, total=total) in " ".join(result.stdout.split())
    empty = CliRunner().invoke(main, ["explain", text, "--model", tiny_bert, "--queries", ","])
    assert empty.exit_code == 2
    assert empty.stderr == "Error: --queries ',' names no query: expected tokens or 0-based positions such as \"0,2\"\n"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_titles_quote_at_most_12_tokens(tmp_path, lang):
    result = CliRunner().invoke(main, ["explain", "--input", document(tmp_path, 500), "--lang", lang])
    assert result.exit_code == 0
    title = result.stdout.splitlines()[0]
    assert " ".join(f"t{i}" for i in range(12)) + " … (500)" in title
    assert "t12" not in title
