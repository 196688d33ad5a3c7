"""The words beside a :class:`~selfattention.record.ring.RingReport`: a title, how the
sequence is split, every step of the ring (who holds which block, which blocks causality
skips), one log-sum-exp merge with its numbers, and the check against one process.

The plan is made here once, as statements (:mod:`.ring_statements`); the language phrases
them. Rings of more than :data:`MAX_STEPS_SHOWN` ranks are summarised by their first steps.

>>> from selfattention.core.ring import make_layout
>>> from selfattention.record.ring import RingReport
>>> report = RingReport(world_size=2, length=3, heads=1, dim=2, causal=False, dtype="float64",
...     layout=make_layout(3, 2), seed=0, max_abs_difference=0.0, per_rank=(), merge=None)
>>> explain_ring(report).title
'Ring attention: 3 positions on 2 ranks (1 head, d = 2, float64)'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..record.ring import RingReport
from . import get_language
from .ring_statements import RingCheck, RingHolding, RingLayout, RingMerge, RingStep, RingTitle

__all__ = ["MAX_STEPS_SHOWN", "RingExplanation", "explain_ring", "ring_statements"]

#: steps written out one by one; a longer ring shows its first steps and says how many more
MAX_STEPS_SHOWN = 8


@dataclass(frozen=True)
class RingExplanation:
    """Every word shown beside a ring report; renderers lay it out."""

    lang: str
    title: str
    layout: str
    steps: tuple[str, ...]
    merge: str | None
    check: str
    labels: dict[str, str]
    precision: int


def ring_statements(
    report: RingReport,
) -> tuple[RingTitle, RingLayout, tuple[RingStep, ...], RingMerge | None, RingCheck]:
    """What to say about a ring run, in no language yet."""
    title = RingTitle(report.world_size, report.length, report.heads, report.dim, report.causal, report.dtype)
    layout = RingLayout(report.layout.name, report.causal, report.layout.segments)
    steps = []
    for step in range(min(report.world_size, MAX_STEPS_SHOWN)):
        holdings = tuple(
            RingHolding(
                stats.rank, stats.steps[step].source, report.runs(stats.steps[step].source), stats.steps[step].work
            )
            for stats in report.per_rank
        )
        steps.append(RingStep(step + 1, report.world_size, holdings))
    merge = None
    if report.merge is not None:
        m = report.merge
        merge = RingMerge(
            rank=m.rank,
            step=m.step + 1,
            source=m.source,
            position=m.position,
            lse_before=m.lse_before,
            lse_block=m.lse_block,
            lse_after=m.lse_after,
            share_before=_share(m.lse_before, m.lse_after),
            share_block=_share(m.lse_block, m.lse_after),
            output_before=m.output_before,
            output_block=m.output_block,
            output_after=m.output_after,
        )
    check = RingCheck(report.world_size, report.dtype, report.max_abs_difference)
    return title, layout, tuple(steps), merge, check


def _share(lse: float, total: float) -> float:
    """e^(lse - total): the part of the merged weight a partial result keeps (0 for -inf)."""
    return 0.0 if math.isinf(lse) and lse < 0 else math.exp(lse - total)


def explain_ring(report: RingReport, lang: str = "en", precision: int = 4) -> RingExplanation:
    """Words for a ring report; ``precision`` is the decimals its numbers show."""
    language = get_language(lang)
    title, layout, steps, merge, check = ring_statements(report)
    lines = [language.ring_step(s, precision) for s in steps]
    if report.world_size > len(steps):
        lines.append(language.ring_labels()["more_steps"].format(count=report.world_size - len(steps)))
    return RingExplanation(
        lang=language.code,
        title=language.ring_title(title, precision),
        layout=language.ring_layout(layout, precision),
        steps=tuple(lines),
        merge=None if merge is None else language.ring_merge(merge, precision),
        check=language.ring_check(check, precision),
        labels={**language.labels, **language.ring_labels()},
        precision=precision,
    )
