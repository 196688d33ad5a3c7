"""Issue #12, the kernel items: finite answers stay finite, an underflowed weight hides no
NaN, masked NaN keys give finite gradients, and odd arguments get a clear refusal.

Every case runs on every kernel of ``IMPLEMENTATIONS`` and on ``"auto"``, and the blocked
kernel's two paths (bounded and online) are forced one at a time. The references are
PyTorch's own ``torch.nn.functional.scaled_dot_product_attention`` and the float64 loop.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest

import selfattention as sa
from reference_loop import loop_attention
from selfattention.core.kernels import IMPLEMENTATIONS, prepare_inputs

torch = pytest.importorskip("torch")
F = torch.nn.functional

KERNELS = ["auto", *sorted(IMPLEMENTATIONS)]
BLOCKED_PATHS = [("online", 7), ("bounded", 7), ("online", 512), ("bounded", 512)]


def torch_sdpa(q: np.ndarray, k: np.ndarray, v: np.ndarray, **kwargs: Any) -> np.ndarray:
    tensors = {n: torch.from_numpy(np.ascontiguousarray(x)) for n, x in kwargs.items() if isinstance(x, np.ndarray)}
    rest = {n: x for n, x in kwargs.items() if not isinstance(x, np.ndarray)}
    q_t, k_t, v_t = (torch.from_numpy(np.ascontiguousarray(x)) for x in (q, k, v))
    return F.scaled_dot_product_attention(q_t, k_t, v_t, **tensors, **rest).numpy()


def all_ways(q: np.ndarray, k: np.ndarray, v: np.ndarray, **kwargs: Any) -> dict[str, np.ndarray]:
    """The output of every kernel, and of each blocked path with small and default tiles."""
    results = {name: sa.scaled_dot_product_attention(q, k, v, **kwargs, implementation=name) for name in KERNELS}
    inputs = prepare_inputs(q, k, v, kwargs.get("attn_mask"), kwargs.get("is_causal", False), kwargs.get("scale"))
    for kernel in ("blocked", "fused"):  # the fused kernel takes the same paths (when numba is installed)
        if kernel not in IMPLEMENTATIONS:
            continue
        for method, block in BLOCKED_PATHS:
            out, _ = IMPLEMENTATIONS[kernel](inputs, method=method, block_q=block, block_k=block)
            results[f"{kernel}-{method}-{block}"] = out
    return results


def within_tolerance(got: np.ndarray, expected: np.ndarray, naive_error: float = 0.0) -> None:
    """TESTING.md: float64 to rtol 1e-10; float32 within twice the naive error plus 1e-6 (times |v|)."""
    assert np.isfinite(got).all()
    if got.dtype == np.float64:
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12 * float(np.abs(expected).max()))
    else:
        size = max(1.0, float(np.abs(expected).max()))
        error = float(np.abs(got.astype(np.float64) - expected).max())
        assert error <= 2 * naive_error + 1e-6 * size, (error, naive_error)


# -- 3. finite answers computed as NaN or inf ---------------------------------------------------


CASES = [None, "bool", "causal"]


@pytest.mark.parametrize("masking", CASES)
def test_scores_that_overflow_only_before_the_scale_float64(masking):
    """q = k = 1e200 and scale 1e-300: q.k = 1e400 overflows, the scaled score 1e100 does not."""
    q = np.full((3, 4), 1e200)
    q[1] *= -0.5
    v = np.array([[1.0, 2.0], [3.0, 4.0], [-1.0, 5.0]])
    kwargs: dict[str, Any] = {"scale": 1e-300}
    if masking == "bool":
        kwargs["attn_mask"] = np.array([[True, False, True], [True, True, False], [False, True, True]])
    elif masking == "causal":
        kwargs["is_causal"] = True
    expected = torch_sdpa(q, q, v, **kwargs)
    assert np.isfinite(expected).all()
    for name, got in all_ways(q, q, v, **kwargs).items():
        assert np.isfinite(got).all(), name
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("masking", CASES)
def test_scores_that_overflow_only_before_the_scale_float32(masking, rng):
    """float32 values near 1e20 with scale 1e-39: q.k ~ 1e41 overflows float32, the scores (~ 1) do not."""
    q = (rng.uniform(0.5, 1.0, (5, 8)) * 1e20).astype(np.float32)
    k = (rng.uniform(0.5, 1.0, (6, 8)) * 1e20).astype(np.float32)
    v = rng.standard_normal((6, 3)).astype(np.float32)
    kwargs: dict[str, Any] = {"scale": 1e-39}
    if masking == "bool":
        kwargs["attn_mask"] = rng.random((5, 6)) > 0.4
        kwargs["attn_mask"][:, 0] = True
    elif masking == "causal":
        kwargs["is_causal"] = True
    exact = torch_sdpa(q.astype(np.float64), k.astype(np.float64), v.astype(np.float64), **kwargs)
    in_float32 = torch_sdpa(q, k, v, **kwargs)
    assert np.isfinite(in_float32).all()
    # the yardstick: the textbook q.k overflows float32, so the textbook maths on q and k
    # each times sqrt(scale) in float32, and PyTorch's float32 answer
    root = np.float32(np.sqrt(kwargs["scale"]))
    scores = (q * root) @ (k * root).T
    if "attn_mask" in kwargs:
        scores = np.where(kwargs["attn_mask"], scores, -np.inf)
    if kwargs.get("is_causal"):
        scores = np.where(np.tril(np.ones(scores.shape, bool)), scores, -np.inf)
    e = np.exp(scores - scores.max(-1, keepdims=True))
    naive = (e / e.sum(-1, keepdims=True)) @ v
    naive_error = max(float(np.abs(a.astype(np.float64) - exact).max()) for a in (in_float32, naive))
    for got in all_ways(q, k, v, **kwargs).values():
        within_tolerance(got, exact, naive_error)


@pytest.mark.parametrize("dtype,big,S", [(np.float64, 1e308, 6), (np.float64, 1e307, 300), (np.float32, 1e37, 200)])
@pytest.mark.parametrize("masking", CASES)
def test_values_near_the_largest_float(dtype, big, S, masking, rng):
    """Weighted sums of values near the largest float: the running sums must not overflow."""
    q = rng.standard_normal((S // 2 + 1, 4)).astype(dtype)
    k = rng.standard_normal((S, 4)).astype(dtype)
    v = (rng.uniform(0.2, 1.0, (S, 3)) * big).astype(dtype)
    v[::3, 1] *= -1
    kwargs: dict[str, Any] = {}
    if masking == "bool":
        kwargs["attn_mask"] = rng.random((q.shape[0], S)) > 0.3
        kwargs["attn_mask"][:, -1] = True
    elif masking == "causal":
        kwargs["is_causal"] = True
    expected = torch_sdpa(q, k, v, **kwargs)
    assert np.isfinite(expected).all()
    exact = torch_sdpa(*(a.astype(np.float64) for a in (q, k, v)), **kwargs)
    naive_error = float(np.abs(expected.astype(np.float64) - exact).max())
    for name, got in all_ways(q, k, v, **kwargs).items():
        assert np.isfinite(got).all(), name
        within_tolerance(got, exact, naive_error)


# -- 4. a NaN hidden by an underflowed weight ----------------------------------------------------


def underflow_case(dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Key 1's weight is exp(-2e4) = 0 exactly; its value holds NaN in column 0, inf in column 2."""
    q = np.array([[100.0, 0.0], [50.0, 1.0]], dtype)
    k = np.array([[100.0, 0.0], [-100.0, 0.0], [0.0, 1.0]], dtype)
    v = np.array([[1.0, 2.0, 3.0], [np.nan, 5.0, np.inf], [7.0, 8.0, 9.0]], dtype)
    return q, k, v


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_underflowed_weight_hides_no_nan(dtype):
    q, k, v = underflow_case(dtype)
    expected = torch_sdpa(q, k, v, scale=1.0)
    assert np.isnan(expected[:, 0]).all() and np.isfinite(expected[:, 1]).all()
    for name, got in all_ways(q, k, v, scale=1.0).items():
        assert np.isnan(got[:, [0, 2]]).all(), name  # NaN and inf show as NaN (the README's NaN policy)
        np.testing.assert_array_equal(got[:, 1], expected[:, 1], err_msg=name)


def test_a_masked_key_still_hides_its_nan():
    q, k, v = underflow_case()
    mask = np.array([True, False, True])
    outputs = all_ways(q, k, v, scale=1.0, attn_mask=mask)
    expected = torch_sdpa(q, k[[0, 2]], v[[0, 2]], scale=1.0)
    for name, got in outputs.items():
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0, err_msg=name)
    causal = all_ways(q, k, v, scale=1.0, is_causal=True)  # query 0 sees key 0 only, query 1 sees key 1
    for name, got in causal.items():
        assert np.isfinite(got[0]).all() and np.isnan(got[1, [0, 2]]).all(), name


# -- 5. gradients with a masked NaN key ----------------------------------------------------------


@pytest.mark.parametrize("masking", ["bool", "float", "causal"])
def test_masked_nan_key_gives_finite_gradients_equal_to_a_zero_key(masking):
    g = torch.Generator().manual_seed(0)
    q = torch.randn(3, 4, generator=g, dtype=torch.float64)
    k = torch.randn(4, 4, generator=g, dtype=torch.float64)
    v = torch.randn(4, 2, generator=g, dtype=torch.float64)
    mask, causal = None, False
    if masking == "bool":
        mask = torch.tensor([True, True, False, True]).expand(3, 4)
    elif masking == "float":
        mask = torch.tensor([0.0, -0.5, float("-inf"), 0.25], dtype=torch.float64).expand(3, 4)
    else:
        causal = True  # with L = 3 < S = 4, key 3 is masked for every query
    bad = 2 if masking != "causal" else 3
    grads = []
    for fill in (float("nan"), float("inf"), 0.0):
        qq, kk, vv = (t.clone().requires_grad_(True) for t in (q, k, v))
        with torch.no_grad():
            kk[bad] = fill
            vv[bad] = fill
        out = sa.scaled_dot_product_attention(qq, kk, vv, attn_mask=mask, is_causal=causal, implementation="torch")
        assert torch.isfinite(out).all()
        (out * torch.arange(1.0, 3.0, dtype=torch.float64)).sum().backward()
        grads.append([t.grad for t in (qq, kk, vv)])
    for poisoned in grads[:2]:
        for got, expected in zip(poisoned, grads[2], strict=True):
            assert torch.isfinite(got).all()
            torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("masking", ["bool", "causal"])
def test_gradcheck_with_a_masked_nan_key(masking):
    g = torch.Generator().manual_seed(1)
    q = torch.randn(3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    v = torch.randn(4, 2, generator=g, dtype=torch.float64, requires_grad=True)
    k = torch.randn(4, 4, generator=g, dtype=torch.float64)
    k[3] = float("nan")
    mask = torch.tensor([True, True, True, False]) if masking == "bool" else None

    def f(q: Any, v: Any) -> Any:
        return sa.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=masking == "causal")

    assert torch.autograd.gradcheck(f, (q, v), eps=1e-6, atol=1e-8)


# -- 10. odd arguments get a clear refusal --------------------------------------------------------


def call(entry: str, q: Any, k: Any, v: Any, **kwargs: Any) -> Any:
    if entry == "sdpa":
        return sa.scaled_dot_product_attention(q, k, v, **kwargs)
    if entry == "weights":
        return sa.attention_weights(q, k, **kwargs)
    return sa.trace(q, k, v, **kwargs)


ENTRIES = ["sdpa", "weights", "trace"]
X = np.eye(2)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(
    "scale,message",
    [
        (10**400, r"scale is 1000.*: expected a finite number \(it is beyond float64's range\)"),
        ("2", r"scale is '2' \(str\): expected a real number"),
        (True, r"scale is True \(bool\): expected a real number"),
        (np.bool_(False), r"scale is .*False.* \(bool_?\): expected a real number"),
        ([0.5], r"scale is \[0.5\] \(list\): expected a real number"),
        (float("inf"), "scale is inf: expected a finite number"),
    ],
)
def test_bad_scales_are_refused(entry, scale, message):
    with pytest.raises(sa.ShapeError, match=message):
        call(entry, X, X, X, scale=scale)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("scale", [2, np.float32(0.5), np.int64(3), 0.25])
def test_real_scales_are_taken(entry, scale):
    out = call(entry, X, X, X, scale=scale)
    weights = out.weights if entry == "trace" else sa.attention_weights(X, X, scale=float(scale))
    _, expected = loop_attention(X, X, X, scale=float(scale))
    np.testing.assert_allclose(weights, expected, rtol=1e-12)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("argument", ["query", "key", "value"])
@pytest.mark.parametrize(
    "bad,message",
    [
        (np.eye(2, dtype=np.longdouble), "has dtype float128: expected real numbers of float16, float32 or float64"),
        (np.eye(2, dtype=np.complex128), "has dtype complex128: expected real numbers"),
        (np.eye(2).astype("timedelta64[s]"), r"has dtype timedelta64\[s\]: expected real numbers"),
        (np.array([[datetime.datetime(2024, 1, 1)] * 2] * 2, dtype="datetime64[s]"), "has dtype datetime64"),
        (np.ma.masked_array(np.eye(2), mask=[[0, 1], [0, 0]]), "is a NumPy masked array: its mask would be"),
    ],
)
def test_odd_arrays_are_refused(entry, argument, bad, message):
    if np.dtype(bad.dtype) == np.longdouble and np.finfo(np.longdouble).bits == 64:
        pytest.skip("longdouble is float64 on this platform")
    if entry == "weights" and argument == "value":
        return  # attention_weights takes no value
    args = {"query": X, "key": X, "value": X, argument: bad}
    with pytest.raises(sa.ShapeError, match=f"^{argument} {message}"):
        call(entry, args["query"], args["key"], args["value"])


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_masked_array_as_mask_is_refused(entry):
    mask = np.ma.masked_array(np.ones((2, 2), bool), mask=[[0, 1], [0, 0]])
    with pytest.raises(sa.MaskError, match="attn_mask is a NumPy masked array: its own mask would be silently lost"):
        call(entry, X, X, X, attn_mask=mask)
