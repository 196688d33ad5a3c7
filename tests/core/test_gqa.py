"""Grouped-query attention (``enable_gqa=True``) on every kernel, against PyTorch's own
``scaled_dot_product_attention(..., enable_gqa=True)`` and the float64 loop."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest

import selfattention as sa
from reference_loop import batched_loop
from selfattention.core.kernels import IMPLEMENTATIONS, blocked, prepare_inputs

torch = pytest.importorskip("torch")
F = torch.nn.functional

KERNELS = ["auto", *sorted(IMPLEMENTATIONS)]
RTOL, ATOL = 1e-10, 1e-12


def torch_gqa(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: Any = None, is_causal: bool = False) -> np.ndarray:
    t = {n: torch.from_numpy(np.ascontiguousarray(x)) for n, x in (("q", q), ("k", k), ("v", v))}
    m = None if mask is None else torch.from_numpy(np.ascontiguousarray(mask))
    return F.scaled_dot_product_attention(
        t["q"], t["k"], t["v"], attn_mask=m, is_causal=is_causal, enable_gqa=True
    ).numpy()


def repeat_heads(x: np.ndarray, group: int) -> np.ndarray:
    """The definition: query head h uses key/value head h // group."""
    return np.repeat(x, group, axis=-3)


def case(
    rng: np.random.Generator, B: int = 2, Hq: int = 6, Hk: int = 2, L: int = 5, S: int = 7
) -> tuple[np.ndarray, ...]:
    q = rng.standard_normal((B, Hq, L, 8))
    k = rng.standard_normal((B, Hk, S, 8))
    v = rng.standard_normal((B, Hk, S, 3))
    return q, k, v


MASKS = [None, "bool (L, S)", "bool (Hq, L, S)", "float (B, 1, L, S)", "bool (B, Hq, L, S)"]


def make_mask(kind: str | None, rng: np.random.Generator, B: int, Hq: int, L: int, S: int) -> np.ndarray | None:
    if kind is None:
        return None
    dtype, shape_text = kind.split(" ", 1)
    sizes = {"B": B, "Hq": Hq, "L": L, "S": S, "1": 1}
    shape = tuple(sizes[n] for n in shape_text.strip("()").split(", "))
    allowed = rng.random(shape) > 0.3
    allowed[..., 0] = True  # PyTorch's own kernel gives NaN for fully masked rows
    if dtype == "bool":
        return allowed
    return np.where(allowed, rng.standard_normal(shape), -np.inf)


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("mask_kind", MASKS)
@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("heads", [(6, 2), (4, 1), (3, 3)])
def test_matches_torch_enable_gqa(implementation, mask_kind, is_causal, heads, rng):
    Hq, Hk = heads
    q, k, v = case(rng, Hq=Hq, Hk=Hk)
    mask = make_mask(mask_kind, rng, 2, Hq, 5, 7)
    if is_causal and mask is not None:
        return  # PyTorch refuses a mask with is_causal
    got = sa.scaled_dot_product_attention(q, k, v, mask, is_causal, enable_gqa=True, implementation=implementation)
    assert got.shape == (2, Hq, 5, 3)
    np.testing.assert_allclose(got, torch_gqa(q, k, v, mask, is_causal), rtol=RTOL, atol=ATOL)
    group = Hq // Hk
    expected, _ = batched_loop(q, repeat_heads(k, group), repeat_heads(v, group), mask, is_causal)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("is_causal", [False, True])
def test_mask_with_causal_and_weights(implementation, is_causal, rng):
    q, k, v = case(rng)
    mask = make_mask("bool (Hq, L, S)", rng, 2, 6, 5, 7)
    got = sa.scaled_dot_product_attention(q, k, v, mask, is_causal, enable_gqa=True, implementation=implementation)
    expected, weights = batched_loop(q, repeat_heads(k, 3), repeat_heads(v, 3), mask, is_causal)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        sa.attention_weights(q, k, mask, is_causal, enable_gqa=True), weights, rtol=RTOL, atol=ATOL
    )
    if implementation != "auto":
        inputs = prepare_inputs(q, k, v, mask, is_causal, None, True)
        _, kernel_weights = IMPLEMENTATIONS[implementation](inputs, True)
        if kernel_weights is not None:
            np.testing.assert_allclose(inputs.ungroup(kernel_weights), weights, rtol=RTOL, atol=ATOL)


def test_torch_tensors_in(rng):
    q, k, v = (torch.from_numpy(a) for a in case(rng))
    mask = torch.from_numpy(make_mask("bool (Hq, L, S)", rng, 2, 6, 5, 7))
    got = sa.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
    assert isinstance(got, torch.Tensor) and got.shape == (2, 6, 5, 3)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
    torch.testing.assert_close(got, expected, rtol=RTOL, atol=ATOL)
    weights = sa.attention_weights(q, k, attn_mask=mask, enable_gqa=True)
    _, loop_weights = batched_loop(q.numpy(), repeat_heads(k.numpy(), 3), repeat_heads(v.numpy(), 3), mask.numpy())
    np.testing.assert_allclose(weights.numpy(), loop_weights, rtol=RTOL, atol=ATOL)


def test_torch_gradcheck_with_groups():
    g = torch.Generator().manual_seed(0)
    q = torch.randn(4, 3, 2, generator=g, dtype=torch.float64, requires_grad=True)
    k = torch.randn(2, 3, 2, generator=g, dtype=torch.float64, requires_grad=True)
    v = torch.randn(2, 3, 2, generator=g, dtype=torch.float64, requires_grad=True)

    def f(q: Any, k: Any, v: Any) -> Any:
        return sa.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)

    assert torch.autograd.gradcheck(f, (q, k, v), eps=1e-6, atol=1e-8)


@pytest.mark.parametrize("implementation", KERNELS)
def test_without_enable_gqa_unequal_heads_do_not_broadcast(implementation, rng):
    q, k, v = case(rng)
    with pytest.raises(sa.ShapeError, match="do not broadcast"):
        sa.scaled_dot_product_attention(q, k, v, implementation=implementation)


@pytest.mark.parametrize("entry", ["sdpa", "weights", "sdpa-torch"])
@pytest.mark.parametrize(
    "shapes,error,message",
    [
        (((6, 5, 8), (4, 7, 8), (4, 7, 3)), sa.ShapeError, "query has 6 heads and key/value have 4: with enable_gqa"),
        (((5, 8), (7, 8), (7, 3)), sa.ShapeError, r"query has shape \(5, 8\): enable_gqa=True needs a heads"),
        (((6, 5, 8), (2, 7, 8), (3, 7, 3)), sa.ShapeError, "key has 2 heads but value has 3"),
    ],
)
def test_refusals_name_both_head_counts(entry, shapes, error, message):
    q, k, v = (np.ones(s) for s in shapes)
    if entry == "weights" and "value" in message:
        return
    if entry == "sdpa-torch":
        q, k, v = (torch.from_numpy(a) for a in (q, k, v))
    with pytest.raises(error, match=message):
        if entry == "weights":
            sa.attention_weights(q, k, enable_gqa=True)
        else:
            sa.scaled_dot_product_attention(q, k, v, enable_gqa=True)


def test_a_mask_with_other_heads_is_refused():
    q, k, v = np.ones((6, 5, 8)), np.ones((2, 7, 8)), np.ones((2, 7, 3))
    with pytest.raises(sa.MaskError, match="with 2 heads on dim -3: expected 1 or the query's 6 heads"):
        sa.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((2, 5, 7), bool), enable_gqa=True)
    with pytest.raises(sa.ShapeError, match="enable_gqa is 'yes': expected True or False"):
        sa.scaled_dot_product_attention(q, k, v, enable_gqa="yes")  # type: ignore[arg-type]


def test_blocked_memory_stays_linear_with_groups(rng):
    """8 query heads share 2 key/value heads, L = S = 2048: no score matrix, no copied keys."""
    n, E = 2048, 4
    q = rng.standard_normal((8, n, E)).astype(np.float32)
    k, v = (rng.standard_normal((2, n, E)).astype(np.float32) for _ in range(2))
    inputs = prepare_inputs(q, k, v, None, True, None, True)
    tracemalloc.start()
    try:
        out, _ = blocked.attention(inputs, threads=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < out.nbytes + 4 * 2**20, f"peak {peak / 2**20:.1f} MiB"  # one (n, n) float32 head is 16 MiB
    rows = [0, 1000, n - 1]
    got = inputs.ungroup(out)[5][rows]
    expected, _ = batched_loop(q[5][rows], k[5 // 4], v[5 // 4], np.arange(n)[None, :] <= np.array(rows)[:, None])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
