"""CSV: the weight matrix with token labels, for a spreadsheet or pandas.

One row per traced query (its token first), one column per key (the header names the keys).
Weights are written at full precision (``repr`` of the float: it reads back exactly); the
corner cell says which way the table reads, in the explanation's language.

Tokens are always text, never formulas: a token cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (which a spreadsheet would evaluate, e.g. ``=1+1`` or
``@SUM(A1)``) is written with a single quote before it, as OWASP recommends against CSV
injection: ``-1`` is written ``'-1``. Weights are numbers and are written as they are.

>>> from selfattention import explain, trace, seed_example
>>> t = trace(**seed_example().trace_kwargs())
>>> print(to_csv(t, explain(t)).splitlines()[0])
query \\ key,Acting,Machines
>>> text_cell("=1+1"), text_cell("@x"), text_cell("it")
("'=1+1", "'@x", 'it')
"""

from __future__ import annotations

import csv
import io

from ..explain import Explanation
from ..record.trace import AttentionTrace

__all__ = ["text_cell", "to_csv"]

#: first characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_csv(trace: AttentionTrace, explanation: Explanation) -> str:
    labels = explanation.labels
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([text_cell(f"{labels['query']} \\ {labels['key']}"), *map(text_cell, trace.key_tokens)])
    for step in trace.steps:
        writer.writerow([text_cell(step.token), *(repr(float(w)) for w in step.weights)])
    return buffer.getvalue()


def text_cell(text: str) -> str:
    """A token as a CSV cell that no spreadsheet evaluates (module docstring)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
