"""The JSON form of the records: arrays as nested lists, non-finite numbers as strings.

JSON has no NaN or infinity, so ``inf``, ``-inf`` and ``nan`` are written as the strings
"inf", "-inf" and "nan"; every document stays valid JSON for every reader, and reading it
back gives every bit of every float (Python writes the shortest text that reads back exactly).

>>> encode(np.array([[1.5, -np.inf]]))
[[1.5, '-inf']]
>>> decode_array([[1.5, "-inf"]], np.dtype(np.float32))
array([[ 1.5, -inf]], dtype=float32)
>>> same(np.array([np.nan]), np.array([np.nan]))
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["decode_array", "decode_floats", "encode", "same"]


def encode(x: Any) -> Any:
    """Arrays and floats to JSON-able values; non-finite floats to "inf"/"-inf"/"nan".
    Anything else (an int, a string, a bool) is returned as it is."""
    if isinstance(x, np.ndarray):
        if x.dtype == np.bool_:
            return x.tolist()
        return [encode(item) for item in x] if x.ndim > 1 else [_encode_float(float(f)) for f in x]
    if isinstance(x, (float, np.floating)):
        return _encode_float(float(x))
    if isinstance(x, np.integer):
        return int(x)
    return x


def _encode_float(x: float) -> float | str:
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def decode_floats(raw: Any) -> Any:
    """Nested lists of numbers (and "inf", "-inf", "nan") as nested lists of numbers; raises
    ValueError naming the first entry that is not a number."""
    if isinstance(raw, list):
        return [decode_floats(item) for item in raw]
    if isinstance(raw, str):
        if raw not in ("inf", "-inf", "nan"):
            raise ValueError(f"{raw!r} is not a number")
        return float(raw)
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"{raw!r} is not a number")
    return raw


def decode_array(raw: Any, dtype: np.dtype[Any]) -> NDArray[Any]:
    """:func:`encode`'s form of an array back to an array of ``dtype``."""
    return np.array(decode_floats(raw), dtype=dtype)


def same(a: Any, b: Any) -> bool:
    """Equality of record fields: arrays equal in shape, dtype and every value (NaN equals
    NaN), tuples item by item, anything else by ``==``."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
