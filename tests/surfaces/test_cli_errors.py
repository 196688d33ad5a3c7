# ruff: noqa: E501  (exact error messages are long lines, kept whole so they can be grepped)
"""Bad input on the command line: one ``Error: ...`` line on stderr, exit code 2, nothing on
stdout, never a traceback. Inline flags and files, with the exact messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import selfattention as sa
from selfattention.surfaces.cli import main

GOOD = {"query": [[1, 0], [0, 1]], "key": [[1, 0], [0, 1]], "value": [[1], [2]]}
SRC = str(Path(__file__).resolve().parents[1] / "src")


def refused(args: list[str], message: str, command: str = "explain") -> None:
    result = CliRunner().invoke(main, [command, *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr == f"Error: {message}\n"
    assert "Traceback" not in result.output


INLINE = ["--query", "1,0;0,1", "--key", "1,0;0,1", "--value", "1;2"]


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["-q", "1,2;3", "-k", "1,2", "-v", "1"],
            "query row 1 has 1 numbers but row 0 has 2: every row needs the same number of values",
        ),
        (
            ["-q", "1,2", "-k", "1,2,3", "-v", "1"],
            "query has 2 features but key has 3: the last dimensions of query and key must match",
        ),
        (
            ["-q", "1,2", "-k", "1,2;3,4", "-v", "1"],
            "key has 2 positions but value has 1: key and value need one row per key position (S)",
        ),
        (["-q", "1,a", "-k", "1,2", "-v", "1"], "query row 0, column 1 is 'a': expected a number"),
        (
            ["-q", "nan", "-k", "1", "-v", "1"],
            "query row 0, column 0 is 'nan': expected a finite number",
        ),
        (
            ["-q", "1", "-k", "inf", "-v", "1"],
            "key row 0, column 0 is 'inf': expected a finite number",
        ),
        (
            ["-q", "", "-k", "1", "-v", "1"],
            'query is empty: expected rows of numbers such as "1,0,1;0,1,1"',
        ),
        (
            [*INLINE, "--tokens", "a,b,c"],
            "tokens has 3 entries but there are 2 query positions (L): give one label each",
        ),
        (
            [*INLINE, "--tokens", "a,,b"],
            "tokens 'a,,b' holds an empty token: expected names such as \"Acting,Machines\"",
        ),
        (
            [*INLINE, "--mask", "2,0;1,1"],
            "mask row 0 holds '2': an inline mask takes 1 (may attend) or 0 (blocked); use an --input file for an additive float mask",
        ),
        (
            [*INLINE, "--mask", "1,0,1;1,1,1"],
            "attn_mask has shape (2, 3), which does not broadcast to the scores' shape (2, 2) (..., L, S)",
        ),
        (
            ["-q", "1,,0;0,1", "-k", "1,0;0,1", "-v", "1;2"],
            "query row 0, column 1 is empty (two commas in a row): expected a number",
        ),
        (
            [*INLINE, "--mask", "1,1;1,,1"],
            "mask row 1, column 1 is empty (two commas in a row): expected 1 (may attend) or 0 (blocked)",
        ),
        ([*INLINE, "--tokens", ""], "tokens '' holds an empty token: expected names such as \"Acting,Machines\""),
        ([*INLINE, "--mask", ""], "mask row 0 is empty: expected 1 (may attend) or 0 (blocked) entries"),
        ([*INLINE, "--scale", "nan"], "scale is nan: expected a finite number"),
        ([*INLINE, "--queries", "c"], "query 'c' is not among the tokens: 0:t0, 1:t1"),
        (
            [*INLINE, "--queries", "5"],
            "query position 5 is out of range: there are 2 queries, positions 0 to 1",
        ),
        (
            [*INLINE, "--queries", "-3"],
            "query position -3 is out of range: there are 2 queries, positions 0 to 1 (or -2 to -1, counted"
            " from the end)",
        ),
        (["-q", "1", "-k", "1"], "--query, --key and --value go together: missing --value"),
        (
            ["--tokens", "a"],
            "--tokens and --mask need --query, --key and --value (or an --input file)",
        ),
        (
            [*INLINE, "--input", "x.json"],
            "give either --input FILE or inline --tokens/--query/--key/--value/--mask, not both",
        ),
        # regressions found by the fuzzer
        (["--queries", "²"], "query '²' is not among the tokens: 0:Acting, 1:Machines"),
        (
            ["--queries", ","],
            "--queries ',' names no query: expected tokens or 0-based positions such as \"0,2\"",
        ),
    ],
)
def test_inline_refusals(args, message):
    refused(args, message)


@pytest.mark.parametrize(
    "content,message",
    [
        (
            json.dumps({**GOOD, "query": [[1, 0], [1]]}),
            "query row 1 has 1 numbers but row 0 has 2: every row needs the same number of values",
        ),
        (
            json.dumps({**GOOD, "value": [[1]]}),
            "key has 2 positions but value has 1: key and value need one row per key position (S)",
        ),
        (
            json.dumps({**GOOD, "tokens": ["a"]}),
            "tokens has 1 entries but there are 2 query positions (L): give one label each",
        ),
        (
            json.dumps({**GOOD, "key": [[1, "x"], [0, 1]]}),
            "key row 0, column 1 is 'x': expected a number",
        ),
        (
            json.dumps({**GOOD, "mask": [[1, 0], [1, 1]]}),
            'mask row 0, column 0 is the integer 1: write true/false for a boolean mask (true = may attend) or floats such as 0.0 and "-inf" for an additive mask',
        ),
        (
            json.dumps({**GOOD, "query": []}),
            "query is an empty list: expected a non-empty list of rows of numbers",
        ),
    ],
)
def test_file_content_refusals(tmp_path, content, message):
    path = tmp_path / "in.json"
    path.write_text(content)
    refused(["--input", str(path)], message)


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "is not valid JSON: Expecting value at line 1, column 1"),
        (
            "{",
            "is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2",
        ),
        ('{"query": [[NaN]]}', "holds NaN: expected finite numbers (JSON has no NaN or Infinity)"),
        (
            '{"query": [[Infinity]]}',
            "holds Infinity: expected finite numbers (JSON has no NaN or Infinity)",
        ),
        (b"\xff\xfe{\x00}\x00", "is not UTF-8 text (byte 0): expected a JSON file"),
        (
            '{"querry": [[1]]}',
            "has unknown key 'querry': expected some of tokens, key_tokens, query, key, value, mask, causal, scale",
        ),
        (
            "[1]",
            'is a JSON list: expected an object with keys "query", "key", "value" and optionally "tokens", "mask", "causal", "scale"',
        ),
        ("[" * 50_000, "nests too deeply: expected a JSON object of rows of numbers"),
    ],
)
def test_file_refusals(tmp_path, content, message):
    path = tmp_path / "in.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    refused(["--input", str(path)], f"input file {str(path)!r} {message}")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.json"
    refused(["--input", str(path)], f"input file {str(path)!r} does not exist")


def test_folder_instead_of_a_file(tmp_path):
    refused(
        ["--input", str(tmp_path)],
        f"input file {str(tmp_path)!r} is a folder: expected a JSON file",
    )


def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.json"
    path.write_text(json.dumps(GOOD))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip(
                "running as root: chmod 000 does not block reads (test_io.test_read_error_is_refused covers the path)"
            )
        refused(["--input", str(path)], f"input file {str(path)!r} cannot be read: Permission denied")
    finally:
        path.chmod(0o644)


def test_output_folder_missing_and_output_is_a_folder(tmp_path):
    missing = tmp_path / "no" / "out.txt"
    refused(["--output", str(missing)], f"output folder {str(missing.parent)!r} does not exist")
    refused(["--output", str(tmp_path)], f"output {str(tmp_path)!r} is a folder: expected a file name")


def test_a_real_process_prints_one_line_and_exits_2(tmp_path):
    """Outside CliRunner too: the installed entry point, a real stderr, no traceback."""
    path = tmp_path / "bad.json"
    path.write_text('{"query": [[1, 2], [3]], "key": [[1, 0]], "value": [[1]]}')
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-m", "selfattention", "explain", "--input", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert (
        done.stderr == "Error: query row 1 has 1 numbers but row 0 has 2: every row needs the same number of values\n"
    )


# -- real-model arguments: regressions found by test_fuzz.py ---------------------------------


def test_model_name_too_long_for_a_path():
    """Path.is_dir raised OSError (File name too long) for a 300-character --model."""
    result = CliRunner().invoke(main, ["model", "The animal.", "--model", "a" * 300])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith(f"Error: unknown model {'a' * 300!r}: expected one of the names ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["heads", "model"])
def test_non_ascii_digits_as_a_model_query(tiny_bert, command):
    """int("²") crashed: "²".isdigit() is True. It is a word, and not among the tokens."""
    from tiny_models import SENTENCE

    args = [command, SENTENCE, "--model", tiny_bert, "--query", "²"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith("Error: query '²' is not among the tokens: 0:[CLS] 1:the 2:animal")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["heads", "model"])
def test_a_query_position_names_the_same_token_as_its_word(tiny_bert, command):
    """--query 10 is position 10 ("it" after [CLS]), as the help says, not a word "10"."""
    from tiny_models import SENTENCE

    by_word, by_position = (
        CliRunner().invoke(main, [command, SENTENCE, "--model", tiny_bert, "--query", query]) for query in ("it", "10")
    )
    assert by_word.exit_code == 0, by_word.output
    assert by_position.stdout == by_word.stdout and '"it"' in by_word.stdout


def test_negative_seed_for_the_toy_layer():
    """Regression (fuzzer): numpy's bare ValueError escaped as a traceback."""
    refused(["The cat sat", "--seed", "-1"], "seed is -1: expected a non-negative integer (or None)", "layer")
    from selfattention.sources.layers import MultiHeadSelfAttention

    with pytest.raises(sa.InputError, match=r"^seed is -1: expected a non-negative integer \(or None\)$"):
        MultiHeadSelfAttention(4, 2, seed=-1)


def test_serve_refuses_a_taken_port_and_an_unknown_host_in_one_line():
    pytest.importorskip("uvicorn")
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 2  # uvicorn alone logs and exits 3
    assert f"Error: cannot listen on 127.0.0.1:{port} (" in result.output
    assert "choose another --port or --host" in result.output
    result = CliRunner().invoke(main, ["serve", "--host", "no-such-host.invalid", "--port", "8000"])
    assert result.exit_code == 2
    assert "Error: --host 'no-such-host.invalid' is not a known address" in result.output


def test_a_trace_fed_back_as_input_is_named_for_what_it_is(tmp_path):
    written = CliRunner().invoke(main, ["explain", "--format", "json"]).stdout
    path = tmp_path / "trace.json"
    path.write_text(written, encoding="utf-8")
    refused(
        ["--input", str(path)],
        f"input file {str(path)!r} is a trace (what explain --format json and /api/trace return), not an"
        " input: an input holds query, key, value and optionally tokens, key_tokens, mask, causal, scale;"
        " read a trace back in Python with AttentionTrace.from_json",
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["layer", "The \udcffcat"],
            "TEXT holds the byte 0xff at character 5, which is not UTF-8: expected UTF-8 text",
        ),
        (
            ["layer", "The cat", "--query", "\udcfe"],
            "--query holds the byte 0xfe at character 1, which is not UTF-8: expected UTF-8 text",
        ),
        (
            ["explain", "--tokens", "a,\udcff", *INLINE],
            "--tokens holds the byte 0xff at character 3, which is not UTF-8: expected UTF-8 text",
        ),
        (
            ["explain", "--queries", "\ud800"],
            "--queries holds a lone surrogate U+D800 at character 1: expected valid Unicode text",
        ),
        (
            ["model", "it \udcff", "--model", "minilm"],
            "TEXT holds the byte 0xff at character 4, which is not UTF-8: expected UTF-8 text",
        ),
        (
            ["heads", "it", "--query", "it", "--key", "\udcc3"],
            "--key holds the byte 0xc3 at character 1, which is not UTF-8: expected UTF-8 text",
        ),
        (["explain", "--input", ""], "--input is empty: expected a JSON file name"),
        (["model", "it", "--model", ""], "--model is empty: expected a model name or a local Hugging Face folder"),
        (
            ["heads", "it", "--query", "it", "--model", " "],
            "--model is empty: expected a model name or a local Hugging Face folder",
        ),
        (["generate", "it", "--model", ""], "--model is empty: expected a model name or a local Hugging Face folder"),
        (
            ["generate", "a \udcffb"],
            "PROMPT holds the byte 0xff at character 3, which is not UTF-8: expected UTF-8 text",
        ),
    ],
)
def test_undecodable_bytes_are_refused_naming_the_option(args, message):
    """Python carries bytes that are not UTF-8 on the command line as U+DC80..U+DCFF; printed,
    they were a traceback. Empty file and model names were silently ignored."""
    refused(args[1:], message, command=args[0])


def test_undecodable_bytes_from_a_real_command_line_and_a_file(tmp_path):
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src, "LC_ALL": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-m", "selfattention", "layer", b"The \xffcat"], capture_output=True, env=env, timeout=120
    )
    assert result.returncode == 2 and result.stdout == b""
    assert result.stderr == b"Error: TEXT holds the byte 0xff at character 5, which is not UTF-8: expected UTF-8 text\n"
    path = tmp_path / "lone.json"
    path.write_text('{"tokens": ["a", "\\ud800"], "query": [[1], [2]], "key": [[1], [2]], "value": [[1], [2]]}')
    refused(
        ["--input", str(path)],
        "tokens entry 1 holds a lone surrogate U+D800 at character 1: expected valid Unicode text",
    )
