"""The old spellings of this release keep working: ``explain TEXT`` and ``explain --text TEXT``
run ``layer TEXT``, ``explain TEXT --model NAME`` runs ``model TEXT``; the output is the new
command's, byte for byte, and stderr says so in exactly one note."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from selfattention.surfaces.cli import main

SENTENCE = "The animal didn't cross the street because it was too tired"
LATER = "(the old spelling will be removed in a later release)"
LAYER_NOTE = f"note: 'selfattention explain TEXT' is now 'selfattention layer TEXT' {LATER}"
TEXT_NOTE = f"note: 'selfattention explain --text TEXT' is now 'selfattention layer TEXT' {LATER}"
MODEL_NOTE = f"note: 'selfattention explain TEXT --model NAME' is now 'selfattention model TEXT --model NAME' {LATER}"


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize(
    "old,new,note",
    [
        (["explain", SENTENCE], ["layer", SENTENCE], LAYER_NOTE),
        (
            ["explain", SENTENCE, "--query", "it", "--head", "1"],
            ["layer", SENTENCE, "--query", "it", "--head", "1"],
            LAYER_NOTE,
        ),
        (
            ["explain", "--heads", "4", "--text", SENTENCE, "--d-model", "8", "-f", "markdown", "--causal"],
            ["layer", SENTENCE, "--heads", "4", "--d-model", "8", "-f", "markdown", "--causal"],
            TEXT_NOTE,
        ),
        (
            ["explain", f"--text={SENTENCE}", "-fjson", "--seed", "3"],
            ["layer", SENTENCE, "-fjson", "--seed", "3"],
            TEXT_NOTE,
        ),
        (["explain", "-q", "x", "--", "-x y"], ["layer", "-q", "x", "--", "-x y"], LAYER_NOTE),  # a TEXT after --
    ],
)
def test_old_layer_spellings_give_the_new_commands_output_and_one_note(old, new, note):
    before, after = run(*old), run(*new)
    assert before.exit_code == after.exit_code == 0, before.output
    assert before.stdout == after.stdout and before.stdout
    assert after.stderr == ""
    assert before.stderr == note + "\n"


def test_the_note_comes_after_the_files_written(tmp_path):
    out = tmp_path / "walk.md"
    result = run("explain", SENTENCE, "-f", "markdown", "-o", str(out))
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [f"wrote {out}", LAYER_NOTE]
    assert out.read_text().startswith("# From words to contextual vectors")


def test_a_refused_old_spelling_prints_one_error_line_only():
    """Refusals stay one ``Error: ...`` line: the note comes only with a result."""
    result = run("explain", "   ")
    assert result.exit_code == 2
    assert result.stderr == "Error: text '   ' is empty: expected at least one word\n"
    result = run("explain", SENTENCE, "--layer", "3")  # --layer goes with --model
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]  # click's own words (they vary between versions)
    assert last.startswith("Error: No such option") and "--layer" in last
    assert "note:" not in result.output


def test_vectors_are_explain_itself_without_a_note():
    result = run("explain", "--queries", "Machines", "--causal")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.count("1. Dot products") == 1


@pytest.mark.model
def test_old_model_spelling_gives_the_model_commands_output_and_one_note(tiny_bert):
    from tiny_models import SENTENCE as MODEL_SENTENCE

    args = ["--model", tiny_bert, "--layer", "1", "--head", "2", "--query", "it"]
    before, after = run("explain", MODEL_SENTENCE, *args), run("model", MODEL_SENTENCE, *args)
    assert before.exit_code == after.exit_code == 0, before.output
    assert before.stdout == after.stdout and "layer 1, head 2" in before.stdout
    assert before.stderr == MODEL_NOTE + "\n" and after.stderr == ""
    json_before = run("explain", "--text", MODEL_SENTENCE, "--model", tiny_bert, "--queries", "0,it", "-f", "json")
    json_after = run("model", MODEL_SENTENCE, "--model", tiny_bert, "--queries", "0,it", "-f", "json")
    assert json_before.stdout == json_after.stdout
    assert json_before.stderr.count("note: ") == 1
