"""An independent float64 reference: scaled dot-product attention as plain Python loops,
written from the formula, sharing no code with the package."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def loop_attention(
    query: Any,
    key: Any,
    value: Any,
    mask: Any = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One sequence and head: query (L, E), key (S, E), value (S, Ev); mask (L, S) bool
    (True = attend) or float (added). Returns output (L, Ev) and weights (L, S)."""
    q = [[float(x) for x in row] for row in np.asarray(query, dtype=np.float64)]
    k = [[float(x) for x in row] for row in np.asarray(key, dtype=np.float64)]
    v = [[float(x) for x in row] for row in np.asarray(value, dtype=np.float64)]
    L, S = len(q), len(k)
    Ev = np.asarray(value).shape[-1]
    E = np.asarray(query).shape[-1]
    if scale is None:
        scale = 1.0 / math.sqrt(E)
    m = None if mask is None else np.broadcast_to(np.asarray(mask), (L, S))
    out = np.zeros((L, Ev))
    weights = np.zeros((L, S))
    for i in range(L):
        scores = []
        for j in range(S):
            blocked = False
            s = sum(q[i][e] * k[j][e] for e in range(E)) * scale
            if m is not None:
                if m.dtype == bool:
                    blocked = not bool(m[i, j])
                else:
                    blocked = float(m[i, j]) == -math.inf
                    s = s + float(m[i, j])
            if is_causal and j > i:
                blocked = True
            scores.append(None if blocked else s)
        live = [s for s in scores if s is not None]
        if not live:
            continue  # fully masked: weights 0, output 0
        top = max(live)
        exps = [0.0 if s is None else math.exp(s - top) for s in scores]
        total = sum(exps)
        for j in range(S):
            weights[i, j] = exps[j] / total
            if exps[j] > 0:
                for c in range(Ev):
                    out[i, c] += weights[i, j] * v[j][c]
    return out, weights


def batched_loop(
    query: Any, key: Any, value: Any, mask: Any = None, is_causal: bool = False, scale: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The loop over every leading (batch, head) index, after broadcasting."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (query, key, value))
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    L, S = q.shape[-2], k.shape[-2]
    m = None
    if mask is not None:
        m = np.broadcast_to(np.asarray(mask), (*batch, L, S))
    out = np.zeros((*batch, L, v.shape[-1]))
    w = np.zeros((*batch, L, S))
    for idx in np.ndindex(*batch):
        qi = np.broadcast_to(q, (*batch, *q.shape[-2:]))[idx]
        ki = np.broadcast_to(k, (*batch, *k.shape[-2:]))[idx]
        vi = np.broadcast_to(v, (*batch, *v.shape[-2:]))[idx]
        out[idx], w[idx] = loop_attention(qi, ki, vi, None if m is None else m[idx], is_causal, scale)
    return out, w


def dense_attention(
    query: Any,
    key: Any,
    value: Any,
    mask: Any = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> np.ndarray:
    """The same formula vectorised in float64 for sizes the loop is too slow for (L, S ~ 1000).
    Independent of the package; checked against :func:`loop_attention` in test_kernels.py.
    Masked keys are dropped (never multiplied), so poison in them cannot leak; unmasked
    inputs must be finite (non-finite keys and values are read as 0)."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (query, key, value))
    L, S = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    allowed = np.ones((L, S), dtype=bool)
    offsets = np.zeros((L, S))
    if mask is not None:
        m = np.asarray(mask)
        if m.dtype == bool:
            allowed = allowed & m
        else:
            allowed = allowed & ~np.isneginf(m)
            offsets = np.where(np.isneginf(m), 0.0, m)
    if is_causal:
        allowed = allowed & (np.arange(S)[None, :] <= np.arange(L)[:, None])
    allowed = np.broadcast_to(allowed, np.broadcast_shapes(allowed.shape, offsets.shape, (*q.shape[:-1], S)))
    clean_k = np.where(np.isfinite(k), k, 0.0)
    scores = (q @ np.swapaxes(clean_k, -1, -2)) * scale + offsets
    scores = np.where(allowed, scores, -np.inf)
    top = scores.max(-1, keepdims=True)
    top = np.where(np.isneginf(top), 0.0, top)
    e = np.where(allowed, np.exp(scores - top), 0.0)
    total = e.sum(-1, keepdims=True)
    w = e / np.where(total == 0, 1.0, total)
    clean_v = np.where(np.isfinite(v), v, 0.0)
    return w @ clean_v
