"""How numbers are shown to people. Display only: the trace keeps full precision.

Numbers are rounded to ``precision`` decimal places with trailing zeros dropped, the way the
seed prints them (0.9999, 1.463, 4). A non-zero number too small for that many places is
shown in scientific notation rather than as a misleading 0, and so is one of
:data:`LARGE` or more rather than as hundreds of digits.

>>> fmt(1.4630451), fmt(4.0), fmt(9.73e-05), fmt(9.73e-07), fmt(-float("inf"))
('1.463', '4', '0.0001', '9.73e-07', '-inf')
>>> fmt(123456789.0), fmt(1e308), fmt(-6.6667e20)
('123456789', '1e+308', '-6.67e+20')
>>> fmt_vector([1.00019, 2.99980, 4.0])
'[1.0002, 2.9998, 4]'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

__all__ = ["fmt", "fmt_cell", "fmt_factor", "fmt_percent", "fmt_row", "fmt_terms", "fmt_vector"]


#: from this size on a number is shown in scientific notation (2**53: past it float64
#: integers are no longer exact, so more digits would be noise)
LARGE = 2.0**53


def fmt(x: Any, precision: int = 4) -> str:
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if abs(x) < 0.5 * 10.0**-precision or abs(x) >= LARGE:
        mantissa, exponent = f"{x:.{max(precision - 2, 0)}e}".split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{exponent}"
    text = f"{x:.{precision}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_cell(x: Any, precision: int = 4) -> str:
    """A number in a heatmap's cell: never scientific notation. A non-zero number too small
    for ``precision`` places is "≈0" (the steps beside the picture show its value; exactly 0
    stays "0"), one of :data:`LARGE` or more is written out whole. The page's heatmap does the
    same (static/format.js, ``fmtCell``).

    >>> fmt_cell(0.0049, 2), fmt_cell(1e-16), fmt_cell(-3e-9), fmt_cell(0.0), fmt_cell(0.2315), fmt_cell(1e17)
    ('≈0', '≈0', '≈0', '0', '0.2315', '100000000000000000')
    """
    x = float(x)
    if math.isfinite(x) and x != 0 and abs(x) < 0.5 * 10.0**-precision:
        return "≈0"
    if math.isfinite(x) and abs(x) >= LARGE:
        return f"{x:.0f}"
    return fmt(x, precision)


#: vectors longer than this are shown by their first and last entries (display only)
MAX_VECTOR_ITEMS = 8


def fmt_vector(values: Iterable[Any], precision: int = 4, limit: int | None = MAX_VECTOR_ITEMS) -> str:
    """A vector for people; past ``limit`` entries the middle ones become "…".

    >>> fmt_vector(range(32))
    '[0, 1, 2, 3, 4, 5, …, 30, 31]'
    """
    items = [fmt(v, precision) for v in values]
    if limit is not None and len(items) > limit:
        items = [*items[: limit - 2], "…", *items[-2:]]
    return "[" + ", ".join(items) + "]"


def fmt_percent(x: float, precision: int = 2) -> str:
    """A share as a percentage.

    >>> fmt_percent(0.76848), fmt_percent(0.99990)
    ('76.85%', '99.99%')
    """
    return f"{fmt(100 * x, precision)}%"


def fmt_factor(x: Any, precision: int = 4) -> str:
    """A factor of a product: a negative one in parentheses, so that 0.23×(-0.34) reads as one term.

    >>> fmt_factor(-0.34), fmt_factor(2.0)
    ('(-0.34)', '2')
    """
    text = fmt(x, precision)
    return f"({text})" if text.startswith("-") else text


def fmt_terms(factors: Iterable[tuple[Any, Any]], precision: int = 4) -> str:
    """A sum of products written out: ``a×b + c×(d)``.

    >>> fmt_terms([(1, 2), (0.23, -0.34), (-1, 3)])
    '1×2 + 0.23×(-0.34) + (-1)×3'
    """
    return " + ".join(f"{fmt_factor(a, precision)}×{fmt_factor(b, precision)}" for a, b in factors)


def fmt_row(values: Iterable[float | None], precision: int = 4) -> str:
    """A row of a learner's answers, with ``×`` for a blocked (not graded) entry.

    >>> fmt_row([0.25, None, 1.0])
    '[0.25, ×, 1]'
    """
    return "[" + ", ".join("×" if x is None else fmt(x, precision) for x in values) + "]"
