"""Reading and checking user input (files, inline flags, requests), and writing files safely.

Every refusal is an :class:`~selfattention.core.errors.InputError` (a ``ValueError``) whose
message names the field, what it got and what it expects.

An input document is a JSON object::

    {"tokens": ["Acting", "Machines"],
     "query": [[16, 0, 1], [2.078, 0, 1]],
     "key":   [[1, 0, 1], [0, 1, 1]],
     "value": [[1, 3, 4], [3, 1, 4]],
     "mask": [[true, true], [false, true]],   // optional: true = may attend
     "causal": false,                         // optional
     "scale": 0.5}                            // optional, default 1/sqrt(d)

``mask`` is boolean (``true`` = may attend) or additive: floats such as ``0.0`` and the string
``"-inf"`` (blocked). Plain integers are refused rather than guessed at.

Text (tokens, sentences, request fields) must be valid Unicode. Bytes that are not UTF-8 (on
the command line Python carries them as the surrogates U+DC80..U+DCFF) and lone surrogates
(a JSON ``"\\ud800"``) are refused by :func:`valid_text`, naming where and at which character;
they are never shown with replacement characters, so a token is always the text that was given.

>>> parse_matrix("1,0,1; 0,1,1", "query").tolist()
[[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]
>>> parse_tokens("Acting Machines")
['Acting', 'Machines']
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core.errors import InputError, shown

__all__ = [
    "VectorInput",
    "input_from_dict",
    "parse_mask",
    "parse_matrix",
    "parse_tokens",
    "read_input_file",
    "read_json_document",
    "valid_text",
]

MAX_INPUT_BYTES = 64 * 1024 * 1024
_KEYS = ("tokens", "key_tokens", "query", "key", "value", "mask", "causal", "scale")


@dataclass(frozen=True)
class VectorInput:
    """Q, K, V given directly, with optional tokens, mask, causal flag and scale."""

    query: NDArray[np.float64]
    key: NDArray[np.float64]
    value: NDArray[np.float64]
    tokens: list[str] | None = None
    key_tokens: list[str] | None = None
    mask: NDArray[Any] | None = None
    causal: bool = False
    scale: float | None = None

    def trace_kwargs(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "key": self.key,
            "value": self.value,
            "tokens": self.tokens,
            "key_tokens": self.key_tokens,
            "attn_mask": self.mask,
            "is_causal": self.causal,
            "scale": self.scale,
        }


def valid_text(text: str, where: str, *, from_bytes: bool = True) -> str:
    """``text`` when it is valid Unicode (it encodes as UTF-8), else an :class:`InputError`
    naming ``where`` and the first bad character. With ``from_bytes`` (text decoded from
    bytes with ``surrogateescape``, as Python does for the command line) U+DC80..U+DCFF are
    named as the bytes they carry; in JSON every surrogate is a lone one.

    >>> valid_text("Acting", "tokens entry 1")
    'Acting'
    >>> for text in ("ab\\udcff", "\\ud800"):
    ...     try:
    ...         valid_text(text, "--tokens", from_bytes=text != "\\ud800")
    ...     except InputError as error:
    ...         print(error)
    --tokens holds the byte 0xff at character 3, which is not UTF-8: expected UTF-8 text
    --tokens holds a lone surrogate U+D800 at character 1: expected valid Unicode text
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        point = ord(text[error.start])
        if from_bytes and 0xDC80 <= point <= 0xDCFF:  # a byte that was not UTF-8, carried by surrogateescape
            byte = f"0x{point - 0xDC00:02x}"
            raise InputError(
                f"{where} holds the byte {byte} at character {error.start + 1}, which is not UTF-8:"
                " expected UTF-8 text",
                code="text_byte_not_utf8",
                where=where,
                byte=byte,
                position=error.start + 1,
            ) from None
        surrogate = f"U+{point:04X}"
        raise InputError(
            f"{where} holds a lone surrogate {surrogate} at character {error.start + 1}: expected valid Unicode text",
            code="text_lone_surrogate",
            where=where,
            surrogate=surrogate,
            position=error.start + 1,
        ) from None
    return text


def parse_number(text: str, where: str, **cell: Any) -> float:
    """A number typed by a person; ``cell`` (name, row, column) says where, for a refusal
    in another language (explain.messages)."""
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"{where} is {shown(text)}: expected a number", code="not_a_number", value=shown(text), **cell
        ) from None
    if not math.isfinite(value):
        raise InputError(
            f"{where} is {shown(text)}: expected a finite number", code="not_finite", value=shown(text), **cell
        )
    return value


def parse_matrix(text: str, name: str) -> NDArray[np.float64]:
    """Rows separated by ``;``, numbers by ``,`` or spaces: ``"1,0,1;0,1,1"``."""
    rows_text = [row.strip() for row in text.strip().strip(";").split(";")]
    if not text.strip() or not any(rows_text):
        raise InputError(
            f'{name} is empty: expected rows of numbers such as "1,0,1;0,1,1"', code="matrix_empty", name=name
        )
    rows = []
    for r, row in enumerate(rows_text):
        cells = _cells(row, name, r)
        if not cells:
            raise InputError(
                f"{name} row {r} is empty: expected numbers separated by commas", code="row_empty", name=name, row=r
            )
        at = {"name": name, "row": r}
        rows.append([parse_number(c, f"{name} row {r}, column {i}", **at, column=i) for i, c in enumerate(cells)])
    return _rectangular(rows, name)


def _cells(row: str, name: str, r: int, *, mask: bool = False) -> list[str]:
    """The entries of row ``r`` of ``name`` inline (a mask's when ``mask``), split by commas or
    spaces; an empty entry between two commas ("1,,0") is refused rather than silently dropped."""
    parts = row.split(",")
    expected = "1 (may attend) or 0 (blocked)" if mask else "a number"
    for i, part in enumerate(parts[1:-1], start=1):
        if not part.strip():
            raise InputError(
                f"{name} row {r}, column {i} is empty (two commas in a row): expected {expected}",
                code="inline_mask_cell_empty" if mask else "inline_cell_empty",
                name=name,
                row=r,
                column=i,
            )
    return row.replace(",", " ").split()


def parse_tokens(text: str) -> list[str]:
    """Tokens separated by commas, or by spaces when there is no comma."""
    valid_text(text, "tokens")
    parts = text.split(",") if "," in text else text.split()
    tokens = [t.strip() for t in parts]
    if not tokens or any(not t for t in tokens):
        raise InputError(
            f'tokens {shown(text)} holds an empty token: expected names such as "Acting,Machines"',
            code="inline_token_empty",
            text=shown(text),
        )
    return tokens


def parse_mask(text: str) -> NDArray[np.bool_]:
    """A boolean mask inline: rows by ``;``, entries 1/0 or true/false (1 = may attend)."""
    words = {"1": True, "0": False, "true": True, "false": False, "t": True, "f": False}
    rows = []
    for r, row in enumerate(text.strip().strip(";").split(";")):
        cells = _cells(row, "mask", r, mask=True)
        if not cells:
            raise InputError(
                f"mask row {r} is empty: expected 1 (may attend) or 0 (blocked) entries",
                code="inline_mask_row_empty",
                row=r,
            )
        try:
            rows.append([words[c.lower()] for c in cells])
        except KeyError as error:
            raise InputError(
                f"mask row {r} holds {shown(error.args[0])}: an inline mask takes 1 (may attend) or 0"
                " (blocked); use an --input file for an additive float mask",
                code="inline_mask_entry",
                row=r,
                value=shown(error.args[0]),
            ) from None
    return _rectangular(rows, "mask").astype(bool)


def input_from_dict(data: Any, source: str = "input") -> VectorInput:
    """Check a parsed JSON document (see the module docstring) and build a VectorInput."""
    if not isinstance(data, dict):
        raise InputError(
            f"{source} is a JSON {type(data).__name__}: expected an object with keys"
            ' "query", "key", "value" and optionally "tokens", "mask", "causal", "scale"',
            code="input_not_object",
            source=source,
            kind=type(data).__name__,
        )
    if data.get("format") == "selfattention.trace":  # the natural mistake: feeding back a trace
        raise InputError(
            f"{source} is a trace (what explain --format json and /api/trace return), not an input:"
            " an input holds query, key, value and optionally tokens, key_tokens, mask, causal, scale;"
            " read a trace back in Python with AttentionTrace.from_json",
            code="input_is_a_trace",
            source=source,
        )
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        keys = ", ".join(_KEYS)
        raise InputError(
            f"{source} has unknown key {shown(unknown[0])}: expected some of {keys}",
            code="input_unknown_key",
            source=source,
            key=shown(unknown[0]),
            keys=keys,
        )
    missing = [k for k in ("query", "key", "value") if k not in data]
    if missing:
        raise InputError(
            f'{source} lacks "{missing[0]}": query, key and value are required',
            code="input_missing_key",
            source=source,
            key=missing[0],
        )
    query, key, value = (_json_matrix(data[k], k) for k in ("query", "key", "value"))
    tokens = _json_tokens(data.get("tokens"), "tokens")
    key_tokens = _json_tokens(data.get("key_tokens"), "key_tokens")
    causal = data.get("causal", False)
    if not isinstance(causal, bool):
        raise InputError(
            f"causal is {shown(causal)}: expected true or false", code="input_causal_not_bool", value=shown(causal)
        )
    scale = data.get("scale")
    bad_scale = isinstance(scale, bool) or not isinstance(scale, (int, float)) or not _finite(scale)
    if scale is not None and bad_scale:
        raise InputError(
            f"scale is {shown(scale)}: expected a finite number (or leave it out for 1/sqrt(d))",
            code="input_scale_not_finite",
            value=shown(scale),
        )
    mask = _json_mask(data["mask"]) if data.get("mask") is not None else None
    return VectorInput(query, key, value, tokens, key_tokens, mask, causal, None if scale is None else float(scale))


def read_input_file(path: str | os.PathLike[str]) -> VectorInput:
    return input_from_dict(read_json_document(path), f"input file {str(path)!r}")


def read_json_document(path: str | os.PathLike[str]) -> Any:
    """A JSON file read safely: size-limited, UTF-8, finite numbers; every refusal an InputError."""
    p = Path(path)
    try:
        exists, is_dir = p.exists(), p.is_dir()
    except (OSError, ValueError) as error:  # a name too long, a NUL byte, ...
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(
            f"input file {shown(str(p))} cannot be read: {reason}",
            code="file_unreadable",
            path=shown(str(p)),
            reason=reason,
        ) from None
    if not exists:
        raise InputError(f"input file {str(p)!r} does not exist", code="file_not_found", path=str(p))
    if is_dir:
        raise InputError(f"input file {str(p)!r} is a folder: expected a JSON file", code="file_is_folder", path=str(p))
    try:
        size = p.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(
                f"input file {str(p)!r} is {size} bytes: at most {MAX_INPUT_BYTES} are read",
                code="file_too_large",
                path=str(p),
                size=size,
                limit=MAX_INPUT_BYTES,
            )
        with p.open("rb") as stream:  # at most one byte past the limit: /dev/zero never ends
            raw = stream.read(MAX_INPUT_BYTES + 1)
        if len(raw) > MAX_INPUT_BYTES:
            limit = MAX_INPUT_BYTES
            raise InputError(
                f"input file {str(p)!r} holds more than {limit} bytes: at most {limit} are read",
                code="file_longer_than_limit",
                path=str(p),
                limit=limit,
            )
    except OSError as error:
        raise InputError(
            f"input file {str(p)!r} cannot be read: {error.strerror}",
            code="file_unreadable",
            path=repr(str(p)),
            reason=error.strerror,
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"input file {str(p)!r} is not UTF-8 text (byte {error.start}): expected a JSON file",
            code="file_not_utf8",
            path=str(p),
            byte=error.start,
        ) from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise InputError(
            f"input file {str(p)!r} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            code="bad_json",
            path=str(p),
            reason=error.msg,
            line=error.lineno,
            column=error.colno,
        ) from None
    except _NonFinite as error:
        raise InputError(
            f"input file {str(p)!r} holds {error}: expected finite numbers (JSON has no NaN or Infinity)",
            code="file_not_finite",
            path=str(p),
            constant=str(error),
        ) from None
    except RecursionError:
        raise InputError(
            f"input file {str(p)!r} nests too deeply: expected a JSON object of rows of numbers",
            code="file_nests_too_deeply",
            path=str(p),
        ) from None
    except ValueError:  # Python refuses integers of more than 4300 digits
        raise InputError(
            f"input file {str(p)!r} holds a number with too many digits: expected numbers such as 0.25 or 1e-3",
            code="file_number_too_long",
            path=str(p),
        ) from None
    return data


# -- helpers ---------------------------------------------------------------------------


class _NonFinite(ValueError):
    """NaN, Infinity or -Infinity in a JSON document (Python's json reads them; JSON has none)."""


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(name)


def _rectangular(rows: list[list[Any]], name: str) -> NDArray[Any]:
    width = len(rows[0])
    for r, row in enumerate(rows):
        if len(row) != width:
            raise InputError(
                f"{name} row {r} has {len(row)} numbers but row 0 has {width}: every row needs"
                " the same number of values",
                code="ragged_rows",
                name=name,
                row=r,
                count=len(row),
                width=width,
            )
    return np.array(rows, dtype=float)


def _json_matrix(raw: Any, name: str) -> NDArray[np.float64]:
    if not isinstance(raw, list) or not raw:
        raise InputError(
            f"{name} is {_kind(raw)}: expected a non-empty list of rows of numbers",
            code="json_matrix_not_rows",
            name=name,
            value=shown(raw),
        )
    rows = []
    for r, row in enumerate(raw):
        if not isinstance(row, list) or not row:
            raise InputError(
                f"{name} row {r} is {_kind(row)}: expected a non-empty list of numbers",
                code="json_row_not_numbers",
                name=name,
                row=r,
                value=shown(row),
            )
        cells = []
        for c, cell in enumerate(row):
            if isinstance(cell, bool) or not isinstance(cell, (int, float)):
                at = {"name": name, "row": r, "column": c, "value": shown(cell)}
                raise InputError(
                    f"{name} row {r}, column {c} is {shown(cell)}: expected a number", code="not_a_number", **at
                )
            if not _finite(cell):
                at = {"name": name, "row": r, "column": c, "value": shown(cell)}
                raise InputError(
                    f"{name} row {r}, column {c} is {shown(cell)}: expected a finite number", code="not_finite", **at
                )
            cells.append(float(cell))
        rows.append(cells)
    return _rectangular(rows, name)


def _json_tokens(raw: Any, name: str) -> list[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise InputError(
            f"{name} is {_kind(raw)}: expected a list of strings",
            code="json_tokens_not_list",
            name=name,
            value=shown(raw),
        )
    for i, t in enumerate(raw):
        if not isinstance(t, str):
            raise InputError(
                f"{name} entry {i} is {_kind(t)}: expected a string (a token's label)",
                code="json_token_not_string",
                name=name,
                entry=i,
                value=shown(t),
            )
        valid_text(t, f"{name} entry {i}", from_bytes=False)
    return list(raw)


def _json_mask(raw: Any) -> NDArray[Any]:
    if not isinstance(raw, list) or not raw or not all(isinstance(r, list) and r for r in raw):
        raise InputError(
            f"mask is {_kind(raw)}: expected rows (one per query) of true/false or floats",
            code="json_mask_not_rows",
            value=shown(raw),
        )
    cells = [c for row in raw for c in row]
    if all(isinstance(c, bool) for c in cells):
        return _rectangular(raw, "mask").astype(bool)
    converted = []
    for r, row in enumerate(raw):
        out = []
        for c, cell in enumerate(row):
            if isinstance(cell, bool):
                raise InputError(
                    f"mask row {r}, column {c} is {shown(cell)} but others are numbers:"
                    " use all true/false or all floats",
                    code="json_mask_mixed",
                    row=r,
                    column=c,
                    value=shown(cell),
                )
            if isinstance(cell, int):
                raise InputError(
                    f"mask row {r}, column {c} is the integer {shown(cell)}: write true/false for a boolean mask"
                    ' (true = may attend) or floats such as 0.0 and "-inf" for an additive mask',
                    code="json_mask_integer",
                    row=r,
                    column=c,
                    value=shown(cell),
                )
            if cell == "-inf":
                out.append(-math.inf)
            elif isinstance(cell, float) and math.isfinite(cell):
                out.append(cell)
            else:
                raise InputError(
                    f'mask row {r}, column {c} is {shown(cell)}: expected true/false, a float or "-inf"',
                    code="json_mask_entry",
                    row=r,
                    column=c,
                    value=shown(cell),
                )
        converted.append(out)
    return _rectangular(converted, "mask")


def _finite(x: int | float) -> bool:
    """True for a number that is finite as a float (a huge JSON integer is not)."""
    try:
        return math.isfinite(x)
    except OverflowError:  # an int beyond float's range
        return False


def _kind(x: Any) -> str:
    if isinstance(x, list):
        return "an empty list" if not x else "a list"
    return f"{x!r}" if len(repr(x)) < 40 else f"a {type(x).__name__}"
