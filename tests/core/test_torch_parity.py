"""Our kernels against torch.nn.functional.scaled_dot_product_attention in float64."""

from __future__ import annotations

import numpy as np
import pytest

import selfattention as sa
from selfattention.core.kernels import IMPLEMENTATIONS

torch = pytest.importorskip("torch")
F = torch.nn.functional


def torch_sdpa(q, k, v, mask=None, is_causal=False, scale=None):
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    return F.scaled_dot_product_attention(
        t(q), t(k), t(v), attn_mask=None if mask is None else t(mask), is_causal=is_causal, scale=scale
    ).numpy()


@pytest.mark.parametrize("implementation", sorted(IMPLEMENTATIONS))
@pytest.mark.parametrize("shape", [(1, 1, 4, 4, 8), (2, 3, 5, 7, 16), (3, 2, 7, 5, 3), (1, 4, 1, 9, 64)])
@pytest.mark.parametrize("kind", ["none", "bool", "float", "causal"])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_matches_torch(implementation, shape, kind, scale):
    B, H, L, S, E = shape
    rng = np.random.default_rng(hash((shape, kind)) % 2**32)
    q, k, v = (
        rng.standard_normal((B, H, L, E)),
        rng.standard_normal((B, H, S, E)),
        rng.standard_normal((B, H, S, E + 2)),
    )
    mask = None
    if kind == "bool":
        mask = rng.random((B, 1, L, S)) > 0.3
        mask[..., 0] = True  # torch's math path gives NaN for fully masked rows; keep one key
    elif kind == "float":
        mask = rng.standard_normal((L, S))
    causal = kind == "causal"
    expected = torch_sdpa(q, k, v, mask, causal, scale)
    got = sa.scaled_dot_product_attention(
        q, k, v, attn_mask=mask, is_causal=causal, scale=scale, implementation=implementation
    )
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_weights_match_torch_softmax():
    rng = np.random.default_rng(1)
    q, k = rng.standard_normal((2, 6, 5)), rng.standard_normal((2, 8, 5))
    mask = rng.random((6, 8)) > 0.2
    mask[:, 0] = True
    scores = torch.from_numpy(q) @ torch.from_numpy(k).transpose(-1, -2) / np.sqrt(5)
    scores = scores.masked_fill(~torch.from_numpy(mask), float("-inf"))
    np.testing.assert_allclose(
        sa.attention_weights(q, k, attn_mask=mask), torch.softmax(scores, -1).numpy(), rtol=1e-10, atol=1e-12
    )
