"""CSV: the weight matrix with token labels, for a spreadsheet or pandas.

One row per traced query (its token first), one column per key (the header names the keys).
Weights are written at full precision (``repr`` of the float: it reads back exactly); the
corner cell says which way the table reads, in the explanation's language.

>>> from selfattention import explain, trace, seed_example
>>> t = trace(**seed_example().trace_kwargs())
>>> print(to_csv(t, explain(t)).splitlines()[0])
query \\ key,Acting,Machines
"""

from __future__ import annotations

import csv
import io

from ..explain import Explanation
from ..record.trace import AttentionTrace

__all__ = ["to_csv"]


def to_csv(trace: AttentionTrace, explanation: Explanation) -> str:
    labels = explanation.labels
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f"{labels['query']} \\ {labels['key']}", *trace.key_tokens])
    for step in trace.steps:
        writer.writerow([step.token, *(repr(float(w)) for w in step.weights)])
    return buffer.getvalue()
