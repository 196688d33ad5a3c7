"""The command line's output lines, compared exactly."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

import selfattention as sa
from reference_loop import loop_attention
from selfattention.surfaces.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_explain_seed_prints_all_four_steps_and_the_eight_figures():
    result = run("explain")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for expected in [
        "1. Dot products q0·k for every key: multiply elementwise, then add up.",
        "   q0·k0 (Acting)   = 16×1 + 0×0 + 1×1 = 17",
        "   q0·k1 (Machines) = 16×0 + 0×1 + 1×1 = 1",
        "2. Multiply by the scale 0.5774 = 1/sqrt(3) to keep the scores in a stable range.",
        "   17 × 0.5774 = 9.815",
        "3. Softmax: subtract the largest score, take exp, divide by the sum.",
        "   exp(9.815 - 9.815)  = 1",
        "   sum                 = 1.0001",
        "   weights[Acting]     = 1 / 1.0001      = 0.9999",
        "   weights[Machines]   = 0.0001 / 1.0001 = 0.0001",
        "4. Multiply each value vector by its weight and add them up.",
        "   output             = [1.0002, 2.9998, 4]",
        "   weights[Acting]      = 1 / 1.3013      = 0.7685",
        "   weights[Machines]    = 0.3013 / 1.3013 = 0.2315",
        "   output             = [1.463, 2.537, 4]",
    ]:
        assert expected in lines, expected
    assert result.output.count("1. Dot products") == 2  # both tokens as the query
    assert "The whole matrix at once" in result.output


def test_inline_vectors_with_causal_and_queries():
    result = run(
        "explain",
        "--tokens",
        "a b c",
        "-q",
        "1,0;0,1;1,1",
        "-k",
        "1,0;0,1;1,1",
        "-v",
        "1,2;3,4;5,6",
        "--causal",
        "--queries",
        "b",
        "--precision",
        "6",
    )
    assert result.exit_code == 0
    _, weights = loop_attention(
        np.array([[1, 0], [0, 1], [1, 1.0]]),
        np.array([[1, 0], [0, 1], [1, 1.0]]),
        np.array([[1, 2], [3, 4], [5, 6.0]]),
        is_causal=True,
    )
    lines = result.output.splitlines()
    assert f"   weights[a]  = 0.330238 / 1 = {weights[1, 0]:.6f}" in lines or any(
        line.startswith("   weights[a]") and line.endswith(f"{weights[1, 0]:.6f}") for line in lines
    )
    assert any(line.startswith("   weights[c]") and line.endswith("= 0") for line in lines)
    assert "(blocked)" in result.output
    assert result.output.count("1. Dot products") == 1


def test_json_format_is_the_trace(tmp_path):
    result = run("explain", "--format", "json")
    t = sa.AttentionTrace.from_json(result.output)
    ex = sa.seed_example()
    assert t == sa.trace(**ex.trace_kwargs())
    assert json.loads(result.output)["tokens"] == ["Acting", "Machines"]


def test_input_file_and_markdown(tmp_path):
    path = tmp_path / "in.json"
    path.write_text(
        json.dumps(
            {
                "tokens": ["x", "y"],
                "query": [[1, 0], [0, 1]],
                "key": [[1, 0], [0, 1]],
                "value": [[1], [2]],
                "mask": [[True, False], [True, True]],
                "scale": 1.0,
            }
        )
    )
    result = run("explain", "--input", str(path), "--format", "markdown")
    assert result.exit_code == 0
    assert '## Self-attention with "y" as the query (q1)' in result.output
    assert "| x | 1 | 0 |" in result.output  # the weights table: x attends only to itself


def test_precision_changes_display_only():
    a = run("explain", "--format", "json").output
    b = run("explain", "--format", "json", "--precision", "1").output
    assert a == b
    short = run("explain", "--precision", "2").output
    assert "   output            = [1, 3, 4]" in short.splitlines()


def test_output_file_is_written_and_not_overwritten(tmp_path):
    out = tmp_path / "report.md"
    assert run("explain", "-f", "markdown", "-o", str(out)).exit_code == 0
    first = out.read_text()
    assert first.startswith("# Self-attention")
    out.write_text("mine")
    result = CliRunner().invoke(main, ["explain", "-o", str(out)])
    assert result.exit_code == 2 and "exists: pass --force to overwrite it" in result.output
    assert out.read_text() == "mine"
    assert run("explain", "-f", "markdown", "-o", str(out), "--force").exit_code == 0
    assert out.read_text() == first


def test_help_shows_examples():
    result = run("explain", "--help")
    assert "selfattention explain --input my.json" in result.output
    assert "--precision" in result.output


def test_markdown_keeps_html_in_tokens_as_text():
    result = run(
        "explain",
        "--tokens",
        "<script>x</script>,a|b",
        "-q",
        "1,0;0,1",
        "-k",
        "1,0;0,1",
        "-v",
        "1;2",
        "--format",
        "markdown",
    )
    assert result.exit_code == 0
    outside_code = result.output.split("```")[::2]  # the parts that Markdown renders
    assert all("<script>" not in part for part in outside_code)
    assert "&lt;script&gt;x&lt;/script&gt;" in outside_code[0]
    assert "a\\|b" in result.output
