"""The record of one ring attention run on local ranks: who held which block at each step,
what each rank spent computing and waiting, the bytes it sent, one log-sum-exp merge, and
how far the result is from one process's attention.

Built by :func:`selfattention.distributed.run_ring`; explained by
:mod:`selfattention.explain.ring`; rendered by :mod:`selfattention.render.ring`.

>>> from selfattention.core.ring import make_layout
>>> report = RingReport(world_size=2, length=3, heads=1, dim=2, causal=True, dtype="float64",
...     layout=make_layout(3, 2), seed=0, max_abs_difference=0.0, per_rank=(), merge=None)
>>> report.holder(step=1, rank=0), report.to_dict()["steps"]
(1, [])
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from ..core.ring import Layout, MergeExample, RankStats

__all__ = ["RingReport"]


@dataclass(frozen=True)
class RingReport:
    """One run: its sizes, the layout, every rank's :class:`RankStats` and the check."""

    world_size: int
    length: int
    heads: int
    dim: int
    causal: bool
    dtype: str
    layout: Layout
    seed: int
    max_abs_difference: float  # against one process's attention in the same dtype
    per_rank: tuple[RankStats, ...]
    merge: MergeExample | None  # one merge of the last rank's last query (None with one rank)

    def holder(self, step: int, rank: int) -> int:
        """The rank whose key/value block rank ``rank`` holds at ``step``."""
        return (rank - step) % self.world_size

    def runs(self, rank: int) -> tuple[tuple[int, int], ...]:
        """The global positions [start, stop) of rank ``rank``'s block."""
        return self.layout.segments[rank]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: sizes, ``per_rank`` totals and ``steps`` (per step, what each rank did)."""
        per_rank = []
        for stats in self.per_rank:
            row = asdict(stats)
            row.pop("steps")
            row.pop("merge")
            row.pop("world_size")
            row["positions"] = [list(run) for run in self.runs(stats.rank)]
            per_rank.append(row)
        steps = []
        for step in range(len(self.per_rank[0].steps) if self.per_rank else 0):
            ranks = []
            for stats in self.per_rank:
                s = stats.steps[step]
                ranks.append(
                    {
                        "rank": stats.rank,
                        "holds": s.source,
                        "positions": [list(run) for run in self.runs(s.source)],
                        "work": s.work,
                        "scores": s.scores,
                        "compute_seconds": s.compute_seconds,
                        "wait_seconds": s.wait_seconds,
                    }
                )
            steps.append({"step": step, "ranks": ranks})
        return {
            "world_size": self.world_size,
            "length": self.length,
            "heads": self.heads,
            "dim": self.dim,
            "causal": self.causal,
            "dtype": self.dtype,
            "layout": self.layout.name,
            "seed": self.seed,
            "max_abs_difference": self.max_abs_difference,
            "per_rank": per_rank,
            "steps": steps,
            "merge": None if self.merge is None else asdict(self.merge),
        }

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
