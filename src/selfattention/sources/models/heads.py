"""Every head of every layer at once: where does one query token look?

For a text, a query token and (optionally) a key token, :func:`rank_heads` computes each
head's row for the query from one captured forward pass (checked against the model's own, as
in :mod:`.tracing`). With a key, heads are ranked by the weight from the query to the key; without one, each
head lists its heaviest keys. A head is flagged as looking at the *sink* when at least
:data:`SINK_SHARE` of the query's weight goes to special tokens ([CLS], [SEP], ...) or to the
first token: many heads park their attention there when they have nothing to do.
:func:`top_heads` keeps the heads that matter most: by that weight with a key, and without one
by the weight of the query's heaviest key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ...record.labels import distinct
from .loader import check_before_loading, encode, load_model, run_model, tokens_of
from .registry import DEFAULT_MODEL
from .tracing import find_token, head_attention

__all__ = ["SINK_SHARE", "HeadRow", "HeadsReport", "rank_heads", "top_heads"]

#: a head whose query row puts at least this share on special tokens or the first token is flagged
SINK_SHARE = 0.5


@dataclass(frozen=True)
class HeadRow:
    layer: int
    head: int
    weight: float | None  # query -> key, when a key is asked for
    top_keys: tuple[tuple[int, float], ...]  # (key position, weight), heaviest first
    sink_share: float  # weight on special tokens and the first token
    is_sink: bool


@dataclass(frozen=True, eq=False)
class HeadsReport:
    model: str
    text: str
    tokens: tuple[str, ...]
    query_index: int
    key_index: int | None
    sink_positions: tuple[int, ...]  # special tokens and the first token
    weights: NDArray[np.float64]  # (layers, heads, seq): the query's row in every head
    rows: tuple[HeadRow, ...]  # ranked by weight (with a key) or in layer, head order
    max_abs_difference: float  # largest ours-vs-model difference over every head
    tolerance: float
    top: int | None = None  # rows holds the top N heads (top_heads), ranked, of head_count

    @property
    def names(self) -> tuple[str, ...]:
        """``tokens`` as people read them: a repeated token with its position ("the@5")."""
        return distinct(self.tokens)

    @property
    def query_token(self) -> str:
        return self.tokens[self.query_index]

    @property
    def key_token(self) -> str | None:
        return None if self.key_index is None else self.tokens[self.key_index]

    @property
    def head_count(self) -> int:
        """Every head of every layer (``rows`` may hold fewer when cut with ``--top``)."""
        return int(self.weights.shape[0] * self.weights.shape[1])

    @property
    def grid(self) -> NDArray[np.float64]:
        """(layers, heads): weight from query to key, or the largest weight without a key."""
        if self.key_index is not None:
            grid: NDArray[np.float64] = self.weights[:, :, self.key_index]
            return grid
        return np.asarray(self.weights.max(axis=-1), dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "text": self.text,
            "tokens": list(self.tokens),
            "query": {"index": self.query_index, "token": self.query_token},
            "key": None if self.key_index is None else {"index": self.key_index, "token": self.key_token},
            "sink_positions": list(self.sink_positions),
            "top": self.top,
            "check": {"max_abs_difference": self.max_abs_difference, "tolerance": self.tolerance},
            "heads": [
                {
                    "layer": r.layer,
                    "head": r.head,
                    "weight": r.weight,
                    "top_keys": [{"index": j, "token": self.tokens[j], "weight": w} for j, w in r.top_keys],
                    "sink_share": r.sink_share,
                    "is_sink": r.is_sink,
                }
                for r in self.rows
            ],
        }


def rank_heads(
    text: str,
    query: int | str,
    key: int | str | None = None,
    model: str = DEFAULT_MODEL,
    top: int = 3,
) -> HeadsReport:
    """Rank every layer x head by the weight from ``query`` to ``key`` (or list top keys).

    >>> r = rank_heads("The animal didn't cross the street because it was too tired.",
    ...                query="it", key="animal")
    >>> [(row.layer, row.head) for row in r.rows[:2]]
    [(3, 1), (5, 11)]
    """
    check_before_loading(model)
    loaded = load_model(model)
    tokens = tokens_of(loaded, encode(loaded, text)["input_ids"][0].tolist())
    i = find_token(tokens, query, "query")
    j = None if key is None else find_token(tokens, key, "key")
    run = run_model(loaded, text, rows=[i])  # the model's own weights: the query's row only
    arch = loaded.architecture
    sink = np.array(run.special, copy=True)  # (seq,)
    sink[0] = True
    weights = np.zeros((arch.num_layers, arch.num_heads, len(run.tokens)))  # (layers, heads, seq)
    worst, tolerance = 0.0, 0.0
    for layer in range(arch.num_layers):
        for head in range(arch.num_heads):
            attention = head_attention(loaded, run, layer, head)
            weights[layer, head] = attention.weights[0]
            worst, tolerance = max(worst, attention.max_difference), attention.tolerance
    rows = []
    for layer in range(arch.num_layers):
        for head in range(arch.num_heads):
            row = weights[layer, head]  # (seq,)
            order = np.argsort(-row, kind="stable")[:top]
            share = float(row[sink].sum())
            rows.append(
                HeadRow(
                    layer=layer,
                    head=head,
                    weight=None if j is None else float(row[j]),
                    top_keys=tuple((int(k), float(row[k])) for k in order),
                    sink_share=share,
                    is_sink=share >= SINK_SHARE,
                )
            )
    if j is not None:
        rows.sort(key=lambda r: (-(r.weight or 0.0), r.layer, r.head))
    return HeadsReport(
        model=loaded.name,
        text=text,
        tokens=run.tokens,
        query_index=i,
        key_index=j,
        sink_positions=tuple(int(p) for p in np.flatnonzero(sink)),
        weights=weights,
        rows=tuple(rows),
        max_abs_difference=worst,
        tolerance=tolerance,
    )


def top_heads(report: HeadsReport, count: int) -> HeadsReport:
    """The ``count`` heads that matter most, heaviest first: with a key, those with the
    largest weight from the query to the key (the report's order); without one, those whose
    heaviest key takes the largest weight of the query (each row names that key first).

    >>> import numpy as np
    >>> rows = tuple(HeadRow(0, h, None, ((h, w),), 0.0, False) for h, w in enumerate((0.3, 0.9, 0.5)))
    >>> report = HeadsReport("m", "a b c", ("a", "b", "c"), 0, None, (0,), np.zeros((1, 3, 3)), rows, 0.0, 1e-5)
    >>> [r.head for r in top_heads(report, 2).rows], top_heads(report, 2).top
    ([1, 2], 2)
    """
    rows = report.rows
    if report.key_index is None:  # rank by the weight of each head's heaviest key
        rows = tuple(sorted(rows, key=lambda r: (-(r.top_keys[0][1] if r.top_keys else 0.0), r.layer, r.head)))
    return replace(report, rows=rows[:count], top=count)
