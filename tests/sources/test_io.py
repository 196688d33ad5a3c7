# ruff: noqa: E501  (exact error messages are long lines, kept whole so they can be grepped)
"""Reading user input (selfattention.sources.vectors): every refusal, with its exact message.

Files, inline text and dicts, and the regressions the fuzzer (test_fuzz.py) found.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import selfattention as sa
from selfattention.sources import vectors as io

GOOD = {"query": [[1, 0], [0, 1]], "key": [[1, 0], [0, 1]], "value": [[1], [2]]}


def write(tmp_path: Path, content: str | bytes, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def refused(call, message: str, error: type[Exception] = sa.InputError) -> None:
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message
    assert isinstance(info.value, sa.SelfAttentionError)


# -- inline text -----------------------------------------------------------------------------


def test_parse_matrix_reads_rows_and_separators():
    np.testing.assert_array_equal(io.parse_matrix(" 1, 0 ;0 1; ", "query"), [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(io.parse_matrix("-1.5e-3\t2", "key"), [[-0.0015, 2.0]])


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "1,2;3",
            "query row 1 has 1 numbers but row 0 has 2: every row needs the same number of values",
        ),
        ("1,a", "query row 0, column 1 is 'a': expected a number"),
        ("nan,1", "query row 0, column 0 is 'nan': expected a finite number"),
        ("1;-inf", "query row 1, column 0 is '-inf': expected a finite number"),
        ("1e999", "query row 0, column 0 is '1e999': expected a finite number"),
        ("", 'query is empty: expected rows of numbers such as "1,0,1;0,1,1"'),
        (" ; ;", 'query is empty: expected rows of numbers such as "1,0,1;0,1,1"'),
        ("1;;2", "query row 1 is empty: expected numbers separated by commas"),
        (
            "1" * 5000,
            "query row 0, column 0 is '111111111111111111111111111111111111...: expected a finite number",
        ),
    ],
)
def test_parse_matrix_refusals(text, message):
    refused(lambda: io.parse_matrix(text, "query"), message)


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "tokens '' holds an empty token: expected names such as \"Acting,Machines\""),
        ("a,,b", "tokens 'a,,b' holds an empty token: expected names such as \"Acting,Machines\""),
    ],
)
def test_parse_tokens_refusals(text, message):
    refused(lambda: io.parse_tokens(text), message)


def test_parse_tokens_by_commas_or_spaces():
    assert io.parse_tokens("Acting, Machines") == ["Acting", "Machines"]
    assert io.parse_tokens("  the animal  it ") == ["the", "animal", "it"]


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "2,0",
            "mask row 0 holds '2': an inline mask takes 1 (may attend) or 0 (blocked); use an --input file"
            " for an additive float mask",
        ),
        (
            "1;0,1",
            "mask row 1 has 2 numbers but row 0 has 1: every row needs the same number of values",
        ),
        ("", "mask row 0 is empty: expected 1 (may attend) or 0 (blocked) entries"),
    ],
)
def test_parse_mask_refusals(text, message):
    refused(lambda: io.parse_mask(text), message)


def test_inline_mask_reads_1_as_may_attend():
    np.testing.assert_array_equal(io.parse_mask("1,0;true,F"), [[True, False], [True, False]])


# -- JSON documents --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change,message",
    [
        (
            {"query": [[1, 0], [1]]},
            "query row 1 has 1 numbers but row 0 has 2: every row needs the same number of values",
        ),
        ({"query": []}, "query is an empty list: expected a non-empty list of rows of numbers"),
        ({"key": [[1, "x"], [0, 1]]}, "key row 0, column 1 is 'x': expected a number"),
        ({"value": [[True], [2]]}, "value row 0, column 0 is True: expected a number"),
        ({"value": [[1], 2]}, "value row 1 is 2: expected a non-empty list of numbers"),
        (
            {"querry": [[1]]},
            "input has unknown key 'querry': expected some of tokens, key_tokens, query, key, value, mask, causal, scale",
        ),
        ({"causal": "yes"}, "causal is 'yes': expected true or false"),
        (
            {"scale": "0.5"},
            "scale is '0.5': expected a finite number (or leave it out for 1/sqrt(d))",
        ),
        ({"tokens": "a b"}, "tokens is 'a b': expected a list of strings"),
        ({"tokens": ["a", 2]}, "tokens entry 1 is 2: expected a string (a token's label)"),
        (
            {"mask": [[1, 0], [1, 1]]},
            "mask row 0, column 0 is the integer 1: write true/false for a boolean mask (true = may attend)"
            ' or floats such as 0.0 and "-inf" for an additive mask',
        ),
        (
            {"mask": [[True, 0.0], [True, True]]},
            "mask row 0, column 0 is True but others are numbers: use all true/false or all floats",
        ),
        (
            {"mask": [[0.0, "inf"], [0.0, 0.0]]},
            "mask row 0, column 1 is 'inf': expected true/false, a float or \"-inf\"",
        ),
        (
            {"mask": []},
            "mask is an empty list: expected rows (one per query) of true/false or floats",
        ),
        # regressions found by the fuzzer: integers beyond float's range crashed (OverflowError)
        (
            {"query": [[10**400, 0], [0, 1]]},
            "query row 0, column 0 is 1000000000000000000000000000000000000...: expected a finite number",
        ),
        (
            {"scale": 10**400},
            "scale is 1000000000000000000000000000000000000...: expected a finite number (or leave it out for 1/sqrt(d))",
        ),
    ],
)
def test_input_from_dict_refusals(change, message):
    refused(lambda: io.input_from_dict({**GOOD, **change}), message)


@pytest.mark.parametrize(
    "data,message",
    [
        (
            [1, 2],
            'input is a JSON list: expected an object with keys "query", "key", "value" and optionally "tokens", "mask", "causal", "scale"',
        ),
        ({"query": [[1]], "key": [[1]]}, 'input lacks "value": query, key and value are required'),
    ],
)
def test_input_from_dict_wrong_documents(data, message):
    refused(lambda: io.input_from_dict(data), message)


def test_deeply_nested_cells_are_refused():
    """Regression: echoing a cell nested 5000 deep raised RecursionError inside repr()."""
    cell: object = 1.0
    for _ in range(5000):
        cell = [cell]
    message = "query row 0, column 0 is a list nested too deeply to show: expected a number"
    refused(lambda: io.input_from_dict({**GOOD, "query": [[cell, 0], [0, 1]]}), message)


def test_input_from_dict_accepts_bool_and_additive_masks():
    a = io.input_from_dict({**GOOD, "mask": [[True, False], [True, True]]})
    assert a.mask is not None and a.mask.dtype == np.bool_
    b = io.input_from_dict({**GOOD, "mask": [[0.0, "-inf"], [0.5, 0.0]], "causal": True, "scale": 2})
    assert b.mask is not None
    np.testing.assert_array_equal(b.mask, [[0.0, -np.inf], [0.5, 0.0]])
    assert b.causal is True and b.scale == 2.0


@pytest.mark.parametrize(
    "change,error,message",
    [
        (
            {"tokens": ["a"]},
            sa.InputError,
            "tokens has 1 entries but there are 2 query positions (L): give one label each",
        ),
        (
            {"value": [[1]]},
            sa.ShapeError,
            "key has 2 positions but value has 1: key and value need one row per key position (S)",
        ),
        (
            {"key": [[1, 0, 0], [0, 1, 0]]},
            sa.ShapeError,
            "query has 2 features but key has 3: the last dimensions of query and key must match",
        ),
        (
            {"mask": [[True, False, True]]},
            sa.MaskError,
            "attn_mask has shape (1, 3), which does not broadcast to the scores' shape (2, 2) (..., L, S)",
        ),
    ],
)
def test_documents_that_parse_but_do_not_fit(change, error, message):
    data = io.input_from_dict({**GOOD, **change})
    refused(lambda: sa.trace(**data.trace_kwargs()), message, error)


def test_integer_masks_are_refused_by_the_api():
    refused(
        lambda: sa.scaled_dot_product_attention(
            np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 1)), attn_mask=np.array([[1, 0], [1, 1]])
        ),
        "attn_mask has dtype int64: expected bool (True = may attend) or float (added to the scores,"
        " -inf = blocked); convert 0/1 integers with mask.astype(bool)",
        sa.MaskError,
    )


# -- files -----------------------------------------------------------------------------------


def test_read_input_file_round_trip(tmp_path):
    path = write(tmp_path, json.dumps({**GOOD, "tokens": ["a", "b"], "causal": True}))
    data = io.read_input_file(path)
    np.testing.assert_array_equal(data.query, GOOD["query"])
    assert data.tokens == ["a", "b"] and data.causal is True


def test_read_input_file_with_a_byte_order_mark(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    np.testing.assert_array_equal(io.read_input_file(path).value, GOOD["value"])


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "is not valid JSON: Expecting value at line 1, column 1"),
        (
            '{"query": [[1,0]],}',
            "is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 19",
        ),
        ('{"query": [[NaN]]}', "holds NaN: expected finite numbers (JSON has no NaN or Infinity)"),
        (
            '{"query": [[-Infinity]]}',
            "holds -Infinity: expected finite numbers (JSON has no NaN or Infinity)",
        ),
        (b"\xff\xfe{\x00}\x00", "is not UTF-8 text (byte 0): expected a JSON file"),
        ('{"query": "é"}'.encode("latin-1"), "is not UTF-8 text (byte 11): expected a JSON file"),
        # regressions found by the fuzzer: these escaped as RecursionError and ValueError
        ("[" * 100_000, "nests too deeply: expected a JSON object of rows of numbers"),
        (
            '{"query": [[' + "1" * 5000 + "]]}",
            "holds a number with too many digits: expected numbers such as 0.25 or 1e-3",
        ),
        (
            '{"querry": 1}',
            "has unknown key 'querry': expected some of tokens, key_tokens, query, key, value, mask, causal, scale",
        ),
    ],
)
def test_read_input_file_refusals(tmp_path, content, message):
    path = write(tmp_path, content)
    refused(lambda: io.read_input_file(path), f"input file {str(path)!r} {message}")


def test_missing_file(tmp_path):
    path = tmp_path / "missing.json"
    refused(lambda: io.read_input_file(path), f"input file {str(path)!r} does not exist")


def test_a_folder_instead_of_a_file(tmp_path):
    refused(
        lambda: io.read_input_file(tmp_path),
        f"input file {str(tmp_path)!r} is a folder: expected a JSON file",
    )


def test_unreadable_file(tmp_path):
    path = write(tmp_path, json.dumps(GOOD))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 does not block reads (test_read_error_is_refused covers it)")
        refused(
            lambda: io.read_input_file(path),
            f"input file {str(path)!r} cannot be read: Permission denied",
        )
    finally:
        path.chmod(0o644)


def test_read_error_is_refused(tmp_path, monkeypatch):
    """The same refusal for a read that fails, whoever runs the tests (root reads 000 files)."""
    path = write(tmp_path, json.dumps(GOOD))

    def deny(self: Path, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", deny)
    refused(
        lambda: io.read_input_file(path),
        f"input file {str(path)!r} cannot be read: Permission denied",
    )


def test_file_name_too_long_is_refused(tmp_path):
    """Regression (fuzzer): Path.exists raised OSError for an over-long name."""
    path = tmp_path / ("a" * 5000)
    with pytest.raises(sa.InputError, match=r"cannot be read: File name too long$"):
        io.read_input_file(path)


def test_endless_input_is_read_only_up_to_the_limit(monkeypatch):
    """A device or pipe reports size 0: reading stops one byte past the limit."""
    monkeypatch.setattr(io, "MAX_INPUT_BYTES", 1000)
    refused(
        lambda: io.read_input_file("/dev/zero"),
        "input file '/dev/zero' holds more than 1000 bytes: at most 1000 are read",
    )


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "MAX_INPUT_BYTES", 10)
    path = write(tmp_path, json.dumps(GOOD))
    size = path.stat().st_size
    refused(
        lambda: io.read_input_file(path),
        f"input file {str(path)!r} is {size} bytes: at most 10 are read",
    )
