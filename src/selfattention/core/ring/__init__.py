"""Ring attention: the sequence split across the ranks of ``torch.distributed``, key/value
blocks passed around the ring, partial results merged by log-sum-exp (the online softmax of
the blocked kernel). :mod:`.layout` says who holds what (pure), :mod:`.merge` computes and
merges partial results, :mod:`.attention` runs the ring. torch is imported on first use.
"""

from __future__ import annotations

from .attention import BLOCK_Q, MergeExample, RankStats, StepStats, ring_attention, ring_attention_stats
from .layout import LAYOUTS, BlockPair, Layout, block_pairs, layout_from_sizes, make_layout, split_sizes

__all__ = [
    "BLOCK_Q",
    "LAYOUTS",
    "BlockPair",
    "Layout",
    "MergeExample",
    "RankStats",
    "StepStats",
    "block_pairs",
    "layout_from_sizes",
    "make_layout",
    "ring_attention",
    "ring_attention_stats",
    "split_sizes",
]
