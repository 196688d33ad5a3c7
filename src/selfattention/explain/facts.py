r"""Facts about a trace, computed once, from which the plan (:mod:`.plan`) decides what to say.

Per query: the keys ranked by weight, the share kept on itself, the entropy of the weight
row :math:`H = -\sum_j w_j \ln w_j` and the effective number of keys :math:`e^H`, which value
vector contributes most to the output, and which value vector the output is closest to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..record.trace import AttentionTrace, QueryTrace

__all__ = ["KeyWeight", "QueryFacts", "query_facts", "trace_facts"]


@dataclass(frozen=True)
class KeyWeight:
    index: int
    token: str
    weight: float


@dataclass(frozen=True)
class QueryFacts:
    index: int
    token: str
    ranked: tuple[KeyWeight, ...]  # allowed keys, heaviest first
    allowed_count: int
    self_weight: float | None  # None when the query has no key of its own (cross-attention)
    entropy: float  # nats, over the allowed keys
    max_entropy: float  # ln(allowed keys): the entropy of a uniform row
    effective_keys: float  # exp(entropy): 1 = one key, allowed_count = uniform
    dominant_value: KeyWeight | None  # key whose weighted value is largest (by norm)
    dominant_share: float  # its share of the summed weighted-value norms
    closest_value: KeyWeight | None  # key whose value vector is nearest the output

    @property
    def fully_masked(self) -> bool:
        return self.allowed_count == 0

    @property
    def top(self) -> KeyWeight | None:
        return self.ranked[0] if self.ranked else None


def _row_norms(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """Euclidean norm of each row, scaled first so that finite rows of huge numbers (1e300)
    give finite norms instead of inf (whose ratios would be NaN)."""
    biggest = float(np.abs(rows).max()) if rows.size else 0.0
    scale = biggest if 0 < biggest < np.inf else 1.0
    norms: NDArray[np.float64] = scale * np.linalg.norm(rows / scale, axis=1)  # (S,)
    return norms


def query_facts(trace: AttentionTrace, step: QueryTrace) -> QueryFacts:
    """The facts of one query; its tokens are named as people read them (a repeated token
    with its position, "the@5": :attr:`AttentionTrace.key_names`)."""
    keys = trace.key_names
    weights = step.weights.astype(np.float64)
    allowed = np.flatnonzero(step.allowed)
    order = sorted(allowed, key=lambda j: (-weights[j], j))
    ranked = tuple(KeyWeight(int(j), keys[j], float(weights[j])) for j in order)
    self_attention = trace.tokens == trace.key_tokens and step.index < len(keys)
    positive = weights[weights > 0]
    entropy = float(-(positive * np.log(positive)).sum()) if positive.size else 0.0
    norms = _row_norms(step.weighted_values.astype(np.float64))  # (S,)
    total = float(norms.sum())
    dominant = closest = None
    share = 0.0
    if ranked:
        j = int(np.argmax(np.where(step.allowed, norms, -1.0)))
        dominant = KeyWeight(j, keys[j], float(weights[j]))
        relative = norms / norms.max() if total > 0 else norms  # (S,): no overflow in the sum
        share = float(relative[j] / relative.sum()) if total > 0 else 0.0
        distance = _row_norms(trace.value.astype(np.float64) - step.output)  # (S,)
        c = int(np.argmin(np.where(step.allowed, distance, np.inf)))
        closest = KeyWeight(c, keys[c], float(weights[c]))
    return QueryFacts(
        index=step.index,
        token=trace.query_names[step.index],
        ranked=ranked,
        allowed_count=int(allowed.size),
        self_weight=float(weights[step.index]) if self_attention else None,
        entropy=max(entropy, 0.0),
        max_entropy=math.log(allowed.size) if allowed.size else 0.0,
        effective_keys=math.exp(max(entropy, 0.0)) if ranked else 0.0,
        dominant_value=dominant,
        dominant_share=share,
        closest_value=closest,
    )


def trace_facts(trace: AttentionTrace) -> tuple[QueryFacts, ...]:
    return tuple(query_facts(trace, step) for step in trace.steps)
