"""What the explanation of a ring run says, without the words: one frozen record per kind.

:mod:`selfattention.explain.ring` decides which statements to make, with which numbers;
each language phrases them (``RingStep`` -> ``ring_step``) in
:mod:`selfattention.explain.languages`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RingCheck", "RingHolding", "RingLayout", "RingMerge", "RingStep", "RingTitle"]

Run = tuple[int, int]  # global positions [start, stop)


@dataclass(frozen=True)
class RingTitle:
    world_size: int
    length: int
    heads: int
    dim: int
    causal: bool
    dtype: str


@dataclass(frozen=True)
class RingLayout:
    """How the sequence is split: per rank, its runs of positions; ``layout`` names the split."""

    layout: str
    causal: bool
    runs: tuple[tuple[Run, ...], ...]


@dataclass(frozen=True)
class RingHolding:
    """At one step, rank ``rank`` holds the key/value block of rank ``source``; ``work`` is
    "full", "partial" (the causal diagonal cuts it) or "skipped" (no key visible)."""

    rank: int
    source: int
    runs: tuple[Run, ...]
    work: str


@dataclass(frozen=True)
class RingStep:
    """Step ``number`` (1-based) of ``steps``: what every rank holds and does."""

    number: int
    steps: int
    holdings: tuple[RingHolding, ...]


@dataclass(frozen=True)
class RingMerge:
    """One log-sum-exp merge of the running result of a query with a block's partial result."""

    rank: int
    step: int  # 1-based
    source: int
    position: int
    lse_before: float
    lse_block: float
    lse_after: float
    share_before: float  # e^(lse_before - lse_after)
    share_block: float  # e^(lse_block - lse_after)
    output_before: tuple[float, ...]
    output_block: tuple[float, ...]
    output_after: tuple[float, ...]


@dataclass(frozen=True)
class RingCheck:
    """The ranks' rows put together, against one process's attention in the same dtype."""

    world_size: int
    dtype: str
    difference: float
