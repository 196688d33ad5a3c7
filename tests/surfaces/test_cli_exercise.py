"""selfattention exercise and selfattention check: exact lines, exit codes, the JSON forms."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from selfattention.surfaces.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_exercise_is_deterministic_by_seed_and_asks_every_step():
    first, again = run("exercise", "--seed", "7", "--causal"), run("exercise", "--seed", "7", "--causal")
    assert first.exit_code == 0 and first.output == again.output
    lines = first.output.splitlines()
    assert lines[0] == "Self-attention by hand: exercise 7"
    for expected in [
        "d = 3, so the scale is 1/sqrt(3) = 0.5774.",
        'Queries asked: q0 "We", q1 "love", q2 "math".',
        "1. Dot products q·k with every key: multiply elementwise, then add up.",
        "2. Scaled scores: each dot product times the scale.",
        "3. Weights: the softmax of each row of scaled scores, to 4 decimals.",
        "4. Output: each value vector times its weight, added up.",
        'q0 "We"    ______   ×          ×',
        'q0 "We"    ______   0          0',
    ]:
        assert expected in lines, expected
    assert run("exercise", "--seed", "8", "--causal").output != first.output


def test_exercise_json_is_the_exercise_object():
    doc = json.loads(run("exercise", "--seed", "3", "--tokens", "4", "--dim", "2", "--format", "json").output)
    ex = doc["exercise"]
    assert set(ex) == {"seed", "tokens", "query", "key", "value", "mask", "causal", "scale", "queries"}
    assert len(ex["tokens"]) == 4 and len(ex["query"][0]) == 2 and ex["mask"] is None
    assert ex["queries"] == [0, 1, 2, 3] and math.isclose(ex["scale"], 1 / math.sqrt(2))
    assert all(isinstance(x, int) for row in ex["query"] + ex["key"] + ex["value"] for x in row)
    masked = json.loads(run("exercise", "--level", "3", "--format", "json", "--queries", "0,2").output)["exercise"]
    assert all(isinstance(x, bool) for row in masked["mask"] for x in row) and masked["queries"] == [0, 2]


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_printable_worksheets_have_blanks_and_answers_add_the_key(fmt):
    blank = run("exercise", "--seed", "2", "--format", fmt).output
    key = run("exercise", "--seed", "2", "--format", fmt, "--answers").output
    assert ("______" in blank) if fmt == "markdown" else ('class="blank"' in blank)
    assert "______ |" not in key and 'class="blank"' not in key
    assert "0.5774" in blank


def test_check_right_wrong_and_bad_input(tmp_path):
    doc = json.loads(run("exercise", "--seed", "5", "--answers", "--format", "json").output)
    right = tmp_path / "right.json"
    right.write_text(json.dumps(doc))
    result = run("check", str(right))
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == (
        "All right: the dot products, the scaled scores, the weights and the output are correct to 4 decimals."
    )
    doc["answers"]["scaled_scores"] = doc["answers"]["dot_products"]
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(doc))
    result = run("check", str(wrong), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert (report["correct"], report["first_wrong"], report["mistake"]) == (False, "scaled_scores", "unscaled")
    assert [s["name"] for s in report["steps"]] == ["dot_products", "scaled_scores", "weights", "output"]
    assert {"name", "correct", "expected", "given"} <= set(report["steps"][1])
    assert "You left out the scale" in report["explanation"]
    korean = run("check", str(wrong), "--lang", "ko")
    assert korean.exit_code == 1 and "스케일링을 빠뜨렸습니다" in korean.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"exercise": {"tokens": ["a"]}, "answers": {}}')
    result = run("check", str(bad))
    assert result.exit_code == 2
    assert result.output == 'Error: exercise lacks "query": it needs seed, tokens, query, key, value, scale\n'
    result = run("check", str(tmp_path / "missing.json"))
    assert result.exit_code == 2 and "does not exist" in result.output
