"""The PyTorch kernel on torch tensors: tensors out, autograd kept, the library's rules kept."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import selfattention as sa
from reference_loop import batched_loop

torch = pytest.importorskip("torch")
F = torch.nn.functional
RTOL, ATOL = 1e-10, 1e-12


def randn(*shape, dtype=torch.float64, requires_grad=False, seed=0):
    g = torch.Generator().manual_seed(seed + sum(shape))
    return torch.randn(*shape, generator=g, dtype=dtype).requires_grad_(requires_grad)


def test_import_selfattention_needs_no_torch():
    code = (
        "import sys, numpy as np, selfattention as sa\n"
        "x = np.ones((2, 3))\n"
        "sa.scaled_dot_product_attention(x, x, x)\n"
        "sa.MultiHeadSelfAttention(4, 2, seed=0)(np.ones((3, 4)))\n"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_registered_in_the_dispatcher():
    assert "torch" in sa.core.kernels.IMPLEMENTATIONS


@pytest.mark.parametrize("implementation", ["auto", "torch"])
def test_tensors_in_tensors_out_with_autograd(implementation):
    q, k, v = randn(2, 3, 5, 4, requires_grad=True), randn(2, 3, 6, 4, seed=1), randn(2, 3, 6, 2, seed=2)
    out = sa.scaled_dot_product_attention(q, k, v, implementation=implementation)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64 and out.device == q.device
    assert out.requires_grad and out.shape == (2, 3, 5, 2)
    expected, _ = batched_loop(q.detach().numpy(), k.numpy(), v.numpy())
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=RTOL, atol=ATOL)
    out.sum().backward()
    assert q.grad is not None and torch.isfinite(q.grad).all()


@pytest.mark.parametrize("kind", ["none", "bool", "float", "causal", "bool+causal"])
def test_matches_torch_sdpa(kind):
    q, k, v = randn(2, 2, 6, 8), randn(2, 2, 6, 8, seed=1), randn(2, 2, 6, 3, seed=2)
    g = torch.Generator().manual_seed(3)
    mask = None
    if kind.startswith("bool"):
        mask = torch.rand(2, 1, 6, 6, generator=g) > 0.3
        mask[..., 0] = True  # PyTorch's own SDPA gives NaN for fully masked rows
    elif kind == "float":
        mask = torch.randn(6, 6, generator=g, dtype=torch.float64)
    causal = kind.endswith("causal")
    if causal and mask is not None:
        expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask & torch.ones(6, 6, dtype=torch.bool).tril())
    else:
        expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
    got = sa.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
    torch.testing.assert_close(got, expected, rtol=RTOL, atol=ATOL)


def test_fully_masked_rows_are_zero_with_finite_gradients():
    q, k, v = (randn(2, 4, 3, requires_grad=True, seed=s) for s in range(3))
    mask = torch.ones(2, 4, 4, dtype=torch.bool)
    mask[0, 1] = False  # one row blocked
    mask[1] = False  # every row of a batch entry blocked
    for m in (mask, torch.where(mask, 0.0, float("-inf")).double()):
        out = sa.scaled_dot_product_attention(q, k, v, attn_mask=m)
        assert torch.isfinite(out).all()
        assert (out[0, 1] == 0).all() and (out[1] == 0).all()
        weights = sa.attention_weights(q, k, attn_mask=m)
        assert (weights[0, 1] == 0).all() and (weights[1] == 0).all()
        out.square().sum().backward()
        for t in (q, k, v):
            assert torch.isfinite(t.grad).all()
            t.grad = None


def test_masked_nan_keys_and_values_are_ignored_on_tensors():
    q, k, v = randn(4, 8), randn(9, 8, seed=1), randn(9, 3, seed=2)
    keep = torch.tensor([True, True, False, True, False, False, True, True, False])
    clean = sa.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    k2, v2 = k.clone(), v.clone()
    k2[~keep] = float("nan")
    v2[~keep] = float("inf")
    torch.testing.assert_close(sa.scaled_dot_product_attention(q, k2, v2, attn_mask=keep), clean, rtol=0, atol=0)
    k3 = k.clone()
    k3[0, 0] = float("nan")  # an unmasked NaN still shows
    assert torch.isnan(sa.scaled_dot_product_attention(q, k3, v, attn_mask=keep)).all()


def test_weights_on_tensors_match_softmax():
    q, k = randn(3, 5, 4), randn(3, 7, 4, seed=1)
    expected = torch.softmax(q @ k.transpose(-1, -2) / 2.0, dim=-1)
    torch.testing.assert_close(sa.attention_weights(q, k), expected, rtol=RTOL, atol=ATOL)


def test_half_precision_on_cpu_is_computed_in_float32():
    k = (randn(6, 64, dtype=torch.float32) * 60).half()
    q, v = k[:4].clone(), randn(6, 8, seed=1).half()
    out = sa.scaled_dot_product_attention(q, k, v)
    assert out.dtype == torch.float16 and torch.isfinite(out).all()
    expected, _ = batched_loop(q.double().numpy(), k.double().numpy(), v.double().numpy())
    np.testing.assert_allclose(out.double().numpy(), expected, atol=2e-3)


def test_empty_inputs_on_tensors():
    out = sa.scaled_dot_product_attention(torch.ones(4, 3), torch.ones(0, 3), torch.ones(0, 2))
    assert out.shape == (4, 2) and (out == 0).all()


@pytest.mark.parametrize("mask_kind", ["bool", "float", "causal", "fully_masked"])
def test_gradcheck_float64(mask_kind):
    q = randn(2, 3, 4, requires_grad=True)
    k, v = randn(2, 4, 4, requires_grad=True, seed=1), randn(2, 4, 2, requires_grad=True, seed=2)
    mask, causal = None, False
    if mask_kind == "bool":
        mask = torch.tensor([[True, False, True, True], [True, True, False, False], [False, True, True, True]])
    elif mask_kind == "float":
        mask = torch.tensor([[0.0, -1.0, float("-inf"), 0.5]]).double().expand(3, 4)
    elif mask_kind == "causal":
        causal = True
    else:
        mask = torch.tensor([[True, True, False, False], [False, False, False, False], [True, False, True, True]])

    def f(q, k, v):
        return sa.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal, implementation="torch")

    assert torch.autograd.gradcheck(f, (q, k, v), eps=1e-6, atol=1e-8)


def test_gradcheck_weights_with_causal():
    q, k = randn(3, 4, requires_grad=True), randn(5, 4, requires_grad=True, seed=1)
    assert torch.autograd.gradcheck(lambda q, k: sa.attention_weights(q, k, is_causal=True), (q, k))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_tensors_stay_on_the_device():
    q, k, v = (randn(2, 4, 16, 8, seed=s).cuda() for s in range(3))
    mask = torch.ones(16, 16, dtype=torch.bool, device="cuda").tril()
    mask[3] = False
    out = sa.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert out.device.type == "cuda" and (out[:, :, 3] == 0).all()
    expected, _ = batched_loop(q.cpu().numpy(), k.cpu().numpy(), v.cpu().numpy(), mask.cpu().numpy())
    np.testing.assert_allclose(out.cpu().numpy(), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "call,error,message",
    [
        (
            lambda: sa.scaled_dot_product_attention(
                torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 3), implementation="reference"
            ),
            sa.SelfAttentionError,
            "implementation 'reference' takes NumPy arrays but torch tensors were given: use"
            ' implementation="torch" (or "auto"), or pass tensor.detach().cpu().numpy()',
        ),
        (
            lambda: sa.scaled_dot_product_attention(torch.ones(2, 3), np.ones((2, 3)), torch.ones(2, 3)),
            sa.ShapeError,
            "key is a ndarray but another input is a torch tensor: give query, key and value as all torch"
            " tensors or all arrays",
        ),
        (
            lambda: sa.scaled_dot_product_attention(torch.ones(3), torch.ones(2, 3), torch.ones(2, 3)),
            sa.ShapeError,
            "query has shape (3,): expected at least 2 dimensions (..., L, E)",
        ),
        (
            lambda: sa.scaled_dot_product_attention(torch.ones(2, 3), torch.ones(2, 4), torch.ones(2, 3)),
            sa.ShapeError,
            "query has 3 features but key has 4: the last dimensions of query and key must match",
        ),
        (
            lambda: sa.scaled_dot_product_attention(
                torch.ones(2, 3, dtype=torch.complex64), torch.ones(2, 3), torch.ones(2, 3)
            ),
            sa.ShapeError,
            "query has dtype torch.complex64: expected real numbers (float or int)",
        ),
        (
            lambda: sa.scaled_dot_product_attention(
                torch.ones(5, 3), torch.ones(4, 3), torch.ones(4, 2), attn_mask=torch.ones(3, 3, dtype=torch.bool)
            ),
            sa.MaskError,
            "attn_mask has shape (3, 3), which does not broadcast to the scores' shape (5, 4) (..., L, S)",
        ),
        (
            lambda: sa.scaled_dot_product_attention(
                torch.ones(5, 3), torch.ones(4, 3), torch.ones(4, 2), attn_mask=torch.ones(5, 4, dtype=torch.int64)
            ),
            sa.MaskError,
            "attn_mask has dtype torch.int64: expected bool (True = may attend) or float (added to the scores,"
            " -inf = blocked); convert 0/1 integers with mask.bool()",
        ),
        (
            lambda: sa.scaled_dot_product_attention(
                torch.ones(5, 3), torch.ones(4, 3), torch.ones(4, 2), attn_mask=torch.full((5, 4), float("nan"))
            ),
            sa.MaskError,
            "attn_mask holds NaN or +inf: a float mask is added to the scores, so it may hold finite numbers and"
            " -inf (blocked) only",
        ),
    ],
)
def test_bad_tensor_input(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message
