"""``selfattention ring``: local ranks, checked against one process, explained step by step."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("torch")

import selfattention as sa
from selfattention.surfaces.cli import main


def run(*args: str):
    return CliRunner().invoke(main, ["ring", *args], catch_exceptions=False)


def test_text_explains_each_step_and_one_merge():
    result = run("--world-size", "3", "--length", "10", "--causal")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Ring attention: 10 positions on 3 ranks (1 head, d = 4, float64, causal)"
    text = " ".join(result.output.split())  # the paragraphs are wrapped
    for expected in [
        "rank 0 holds positions 0-3; rank 1 holds positions 4-6; rank 2 holds positions 7-9.",
        "Step 1 of 3: rank 0 has the block of rank 0 (positions 0-3), partly masked (causal);",
        "Step 2 of 3: rank 0 has the block of rank 2 (positions 7-9), skipped: all masked;"
        " rank 1 has the block of rank 0 (positions 0-3);",
        "rank 2 has the block of rank 0 (positions 0-3). Every rank has seen every key.",
        "One merge, rank 2 at step 2, the query at position 9:",
    ]:
        assert expected in text, expected
    difference = float(text.split("by at most ")[1].rstrip("."))
    assert difference <= 1e-12
    header = next(line for line in lines if "compute (s)" in line).split()
    assert header[:2] == ["rank", "positions"]
    # bytes: rank 0 sends its own block (4 rows) and rank 2's (3 rows) of keys and values (4 + 4 float64)
    row0 = next(line for line in lines if line.split()[:2] == ["0", "0-3"]).split()
    assert row0[4:7] == [str((4 + 3) * 8 * 8), str((3 + 3) * 8 * 8), str(4 * 8 * 8)]


def test_merge_numbers_are_the_log_sum_exp_of_the_report(tmp_path: Path):
    result = run("-w", "2", "-n", "5", "--heads", "2", "--dim", "3", "--format", "json")
    report = json.loads(result.output)
    assert report["world_size"] == 2 and report["length"] == 5
    assert report["max_abs_difference"] <= 1e-12
    assert [r["rank"] for r in report["per_rank"]] == [0, 1]
    assert [r["positions"] for r in report["per_rank"]] == [[[0, 3]], [[3, 5]]]
    assert report["per_rank"][0]["bytes_sent"] == 2 * 3 * (3 + 3) * 8  # (heads, rows, E + Ev) float64
    assert [[h["holds"] for h in s["ranks"]] for s in report["steps"]] == [[0, 1], [1, 0]]
    m = report["merge"]
    assert m["lse_after"] == pytest.approx(np.logaddexp(m["lse_before"], m["lse_block"]), abs=1e-12)
    share = np.exp(m["lse_before"] - m["lse_after"])
    mixed = share * np.array(m["output_before"]) + (1 - share) * np.array(m["output_block"])
    np.testing.assert_allclose(m["output_after"], mixed, atol=1e-12)
    # the merged row is the single-process attention of that query over keys 0..4
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, 2, 5, 3)) for _ in range(3))
    np.testing.assert_allclose(m["output_after"], sa.scaled_dot_product_attention(q, k, v)[0, 0, m["position"]])


def test_korean_zigzag_float32_with_a_plot(tmp_path: Path):
    picture = tmp_path / "ring.png"
    result = run("-w", "2", "-n", "7", "--causal", "--layout", "zigzag", "--dtype", "float32", "--lang", "ko")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("링 어텐션: 위치 7개를 랭크 2개에 나눠서")
    text = " ".join(result.output.split())
    assert "랭크 0: 위치 0-1, 6; 랭크 1: 위치 2-3, 4-5." in text and "log-sum-exp 합치기 한 번" in text
    pytest.importorskip("matplotlib")
    result = run("-w", "2", "-n", "4", "--plot", str(picture), "--format", "markdown")
    assert result.exit_code == 0 and picture.stat().st_size > 1000
    assert "![" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--world-size", "0"], "Invalid value for '--world-size'"),
        (["--length", "0"], "Invalid value for '--length'"),
        (["--dtype", "float16"], "Invalid value for '--dtype'"),
        (["--layout", "spiral"], "Invalid value for '--layout'"),
    ],
)
def test_bad_options_are_refused_before_any_process_starts(args: list[str], message: str):
    result = run(*args)
    assert result.exit_code == 2 and message in result.output


@pytest.mark.slow
def test_the_torchrun_example_runs_as_several_local_processes():
    """README's torchrun script, env:// initialisation, as 2 processes on this machine."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    command += [str(root / "examples" / "ring_torchrun.py"), "--length", "101", "--causal", "--layout", "zigzag"]
    result = subprocess.run([*command, "--check"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    difference = float(result.stdout.split("max abs difference from one process: ")[1].split()[0])
    assert difference <= 1e-12
