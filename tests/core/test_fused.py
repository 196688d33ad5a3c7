"""The fused kernel (the blocked kernel's tiles, its bounded path compiled and calling NumPy's
BLAS, and numba's compiled exponential), that exponential, and the BLAS it finds.

The kernel runs through every parametrised kernel test (test_kernels, test_kernel_edges,
test_properties, test_gqa, and all of test_blocked: every tile size, strip, mask and poison)
when numba is installed, because it is registered in IMPLEMENTATIONS; this file tests what is
its own: the exponential against NumPy's and an exact one, special values, several tiles in
float32 against TESTING.md's rule, a causal triangle and its bool mask agreeing bitwise, masks
the compiled path cannot read without a copy, heads and rows left to the blocked kernel's code,
shared key/value heads, calls from several threads, the cold start (numba's cache), a NumPy
whose BLAS it cannot call, and life without numba.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import selfattention as sa
from reference_loop import batched_loop
from selfattention.core.kernels import IMPLEMENTATIONS, blas, blocked, exponential, fused, prepare_inputs

NO_NUMBA = "numba is not installed (pip install 'selfattention[fast]'): no fused kernel to test"
needs_numba = pytest.mark.skipif("fused" not in IMPLEMENTATIONS, reason=NO_NUMBA)
SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src")


def compiled_exp(x: np.ndarray, shift: float = 0.0) -> np.ndarray:
    """exp(x - shift) by the compiled loop, x 1-d, as one row of a tile."""
    rows = x.reshape(1, -1).copy()
    exponential.compiled_exp_tile(x.dtype)(rows, rows.shape[1], np.array([shift], x.dtype))
    return rows[0]


def special_and_edge_values(dtype: type) -> np.ndarray:
    """inf, -inf, NaN, 0 and the inputs around overflow, the subnormal range and underflow,
    each with its neighbours one ulp away."""
    if dtype == np.float32:
        edges = [88.72283, 88.722839, 88.72284, -87.33654, -103.97208, -104.0, 0.0, 1e-30, 1.0]
    else:
        edges = [709.782712893384, 709.79, -708.3964, -745.1332191019411, -746.0, 0.0, 1e-300, 1.0]
    x = np.array([*edges, np.inf, -np.inf, np.nan], dtype)
    return np.concatenate([np.nextafter(x, dtype(np.inf)), x, np.nextafter(x, dtype(-np.inf))])


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_exp_is_numpys_to_two_ulp_with_the_same_special_values(dtype, rng):
    """Random inputs over the whole range and every edge: float64 within 2 ulp of NumPy's
    ``exp`` (itself within 0.5 ulp); float32 within 1.5 ulp of the exact value (NumPy's float32
    ``exp``: 2.5 ulp measured, so the two may differ by 4); inf, 0, subnormal and NaN exactly
    where NumPy has them."""
    top = 90.0 if dtype == np.float32 else 712.0
    bottom = -106.0 if dtype == np.float32 else -750.0
    x = np.concatenate([rng.uniform(bottom, top, 200_000), rng.uniform(-1, 1, 50_000)]).astype(dtype)
    x = np.concatenate([x, special_and_edge_values(dtype)])
    got = compiled_exp(x)
    with np.errstate(over="ignore", invalid="ignore"):
        expected = np.exp(x)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(expected))
    np.testing.assert_array_equal(got == 0, expected == 0)
    finite = np.isfinite(expected)
    ulps = np.abs(got[finite] - expected[finite]) / np.spacing(expected[finite])
    assert ulps.max() <= (4 if dtype == np.float32 else 2), f"{ulps.max()} ulp at x = {x[finite][ulps.argmax()]!r}"
    if dtype == np.float32:  # against the exact value: 1.4 ulp measured over [-100, 100]
        exact = np.exp(x[finite].astype(np.float64))
        normal = exact >= np.finfo(np.float32).tiny
        error = np.abs(got[finite][normal] - exact[normal]) / np.spacing(exact[normal].astype(np.float32))
        assert error.max() <= 1.5, f"{error.max()} ulp"


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_bounded_paths_exponential_is_the_compiled_one_over_its_range(dtype, rng):
    """The tile loop's exponential, written for the bounded path's range, gives the bits of
    the compiled exponential for every input up to 44 (float32; 354 in float64), -inf and NaN
    included, sums each row, and gives inf above 44.5 (355), so that the row is redone."""
    from selfattention.core.kernels import compiled_tiles

    top, inf_from = (43.9, 44.5) if dtype == np.float32 else (353.9, 355.0)
    x = np.concatenate(
        [rng.uniform(-120 if dtype == np.float32 else -760, top, 100_000), rng.uniform(-1, 1, 10_000)]
    ).astype(dtype)
    edges = special_and_edge_values(dtype)
    x = np.concatenate([x, edges[(edges <= top) | np.isnan(edges)]])
    rows = np.stack([x, np.where(np.isnan(x), 0, x)])  # the second row: its sum is a number
    total = np.zeros(2, dtype)
    ends = np.array([x.size, x.size], dtype=np.int64)
    compiled_tiles._exp_rows(rows, 0, 2, 0, ends, x.size, np.zeros(2, dtype), total)
    np.testing.assert_array_equal(rows, [compiled_exp(x), compiled_exp(np.where(np.isnan(x), 0, x))])
    assert np.isnan(total[0])
    np.testing.assert_allclose(total[1], rows[1].sum(dtype=np.float64), rtol=1e-5)
    above = np.array([inf_from, inf_from + 1, 2 * inf_from, np.inf], dtype).reshape(1, -1)
    total = np.zeros(1, dtype)
    compiled_tiles._exp_rows(above, 0, 1, 0, np.array([4], dtype=np.int64), 4, np.zeros(1, dtype), total)
    assert np.isposinf(above).all() and np.isposinf(total[0])


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_exp_subtracts_the_shift_row_by_row(dtype, rng):
    """exp(s - c) for each row's own c, only over the first ``width`` columns; a blocked key
    (-inf) gives exactly 0 whatever the shift."""
    rows = rng.standard_normal((3, 8)).astype(dtype)
    rows[1, 2] = -np.inf
    shift = np.array([0.0, 2.5, -1.0], dtype)
    before = rows.copy()
    exponential.compiled_exp_tile(np.dtype(dtype))(rows, 5, shift)
    expected = before.copy()
    exponential.numpy_exp_tile(expected, 5, shift)
    np.testing.assert_allclose(rows[:, :5], expected[:, :5], rtol=4 * np.finfo(dtype).eps)
    assert rows[1, 2] == 0
    np.testing.assert_array_equal(rows[:, 5:], before[:, 5:])  # past the width: untouched


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("is_causal", [False, True])
def test_several_tiles_match_the_loop(dtype, is_causal, rng):
    """Many tiles of the default size (L, S > 512), a bool mask with padded keys and a fully
    masked row, against the float64 loop: float64 to 1e-10; float32 within twice the error of
    the naive float32 maths (TESTING.md), floor 1e-6."""
    L, S, E = 700, 1100, 64
    q, k, v = (rng.standard_normal((2, n, E)).astype(dtype) for n in (L, S, S))
    mask = rng.random((L, S)) > 0.1
    mask[:, -37:] = False  # padding
    mask[5] = False  # a fully masked row
    got = sa.scaled_dot_product_attention(q, k, v, mask, is_causal, implementation="fused")
    rows = [0, 5, 6, 511, 512, L - 1]
    q64, k64, v64 = (a.astype(np.float64) for a in (q, k, v))
    row_mask = mask[rows] & (np.tri(L, S, dtype=bool)[rows] if is_causal else True)
    expected, _ = batched_loop(q64[:, rows], k64, v64, row_mask)
    assert (got[:, 5] == 0).all()
    if dtype == np.float64:
        np.testing.assert_allclose(got[:, rows], expected, rtol=1e-10, atol=1e-12)
        return
    scores = q[:, rows] @ np.swapaxes(k, -1, -2) / np.float32(np.sqrt(E))  # (2, 6, S)
    scores = np.where(row_mask, scores, np.float32(-np.inf))
    top = scores.max(-1, keepdims=True)
    weights = np.exp(scores - np.where(np.isneginf(top), 0, top))
    total = weights.sum(-1, keepdims=True)
    naive = (weights / np.where(total == 0, 1, total)) @ v
    naive_error = np.abs(naive - expected).max()
    assert np.abs(got[:, rows] - expected).max() <= 2 * naive_error + 1e-6


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("L,S", [(700, 700), (1100, 600), (300, 1300)])
def test_causal_and_the_lower_triangle_agree_bitwise_over_many_tiles(L, S, dtype, rng):
    """is_causal and the equivalent bool mask: the same strips, tiles and row ends give the
    same bits."""
    q, k, v = (rng.standard_normal((2, n, 32)).astype(dtype) for n in (L, S, S))
    tril = np.tri(L, S, dtype=bool)
    causal = sa.scaled_dot_product_attention(q, k, v, is_causal=True, implementation="fused")
    masked = sa.scaled_dot_product_attention(q, k, v, attn_mask=tril, implementation="fused")
    np.testing.assert_array_equal(causal, masked)
    rows = [r for r in (0, 255, 256, 511, 512, L - 1) if r < L]
    expected, _ = batched_loop(q[:, rows], k, v, tril[rows])
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(causal[:, rows], expected, rtol=tol, atol=tol)


@needs_numba
def test_shared_and_broadcast_heads_match_the_loop(rng):
    """Grouped key/value heads, a key broadcast over the batch and a value that is a
    transposed view: each head reads its own matrices, none is copied per head."""
    q = rng.standard_normal((2, 6, 300, 16))
    k = rng.standard_normal((3, 400, 16))  # broadcast over the batch of 2
    v = np.swapaxes(rng.standard_normal((2, 3, 8, 400)), -1, -2)  # (2, 3, 400, 8), not contiguous
    got = sa.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True, implementation="fused")
    k_full = np.repeat(np.broadcast_to(k, (2, 3, 400, 16)), 2, axis=1)  # each key head serves 2 query heads
    expected, _ = batched_loop(q, k_full, np.repeat(v, 2, axis=1), is_causal=True)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@needs_numba
@pytest.mark.parametrize("mask", [False, True])
def test_rows_and_heads_the_compiled_path_leaves_match_the_loop(mask, rng):
    """A row whose every score lies far below its bound (a query opposite to equal keys)
    underflows in the compiled path and is redone online; a head whose values come near the
    largest float goes to the blocked kernel's code whole; NaN in a query gives NaN in its row
    only. With and without a mask."""
    L, S = 600, 700
    k = np.tile(rng.standard_normal(16), (S, 1))  # equal keys: every weight is 1 / S
    q = rng.standard_normal((2, L, 16))
    q[0, 10] = -40 * k[0]  # scores far below the bound: the sum underflows
    q[0, 20] = np.nan
    v = rng.standard_normal((2, S, 4))
    v[1] *= 1e306  # near the largest float64: the whole head leaves the compiled path
    attn_mask = np.ones((L, S), dtype=bool) if mask else None
    got = sa.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, implementation="fused")
    mean = v.mean(axis=1, keepdims=True)  # (2, 1, 4)
    assert np.isnan(got[0, 20]).all()
    rows = np.arange(L) != 20
    np.testing.assert_allclose(got[0, rows], np.broadcast_to(mean[0], (L - 1, 4)), rtol=1e-10)
    np.testing.assert_allclose(got[1], np.broadcast_to(mean[1], (L, 4)), rtol=1e-10)


@needs_numba
def test_masks_the_compiled_loops_cannot_read_in_place_run_as_the_blocked_kernel(rng):
    """The compiled loops read a bool mask in place, as one flat array with each row's keys one
    after the other. A mask that is not (batch dimensions that cannot be merged: a transposed
    view; keys with a stride: a broadcast column or every other entry; rows read backwards)
    runs by the blocked kernel's code (with the compiled exponential), and nothing of L x S
    size is copied; a padding mask (2, 1, 1, S) is read as two rows of S."""
    q, k, v = (rng.standard_normal((2, 3, n, 16)) for n in (200, 300, 300))
    masks = {
        "transposed heads": np.swapaxes(rng.random((3, 2, 200, 300)) > 0.3, 0, 1),
        "one column": rng.random((200, 1)) > 0.3,
        "every other key": (rng.random((200, 600)) > 0.3)[:, ::2],
        "rows backwards": (rng.random((200, 300)) > 0.3)[::-1],
    }
    for name, mask in masks.items():
        mask[..., 0] = True  # no fully masked row: the loop's answer is the only reference
        inputs = prepare_inputs(q, k, v, mask)
        assert fused._mask_by_head(mask, inputs) is None, name
        got = sa.scaled_dot_product_attention(q, k, v, attn_mask=mask, implementation="fused")
        expected, _ = blocked.attention(inputs, exp_tile=exponential.compiled_exp_tile(np.dtype(np.float64)))
        np.testing.assert_array_equal(got, expected, err_msg=name)
        np.testing.assert_allclose(got, batched_loop(q, k, v, mask)[0], rtol=1e-10, atol=1e-12, err_msg=name)
    padding = rng.random((2, 1, 1, 300)) > 0.3
    flat, index, per_mask, per_row = fused._mask_by_head(padding, prepare_inputs(q, k, v, padding))
    assert flat.shape == (600,) and (per_mask, per_row) == (300, 0) and np.shares_memory(flat, padding)
    assert index.tolist() == [0, 0, 0, 1, 1, 1]
    np.testing.assert_array_equal(
        fused._head_mask(flat, index[4] * per_mask, per_row, 200, 300), padding[1, 0, [0] * 200]
    )


@needs_numba
@pytest.mark.parametrize("is_causal", [False, True])
def test_masks_read_in_place_match_the_loop(is_causal, rng):
    """Masks the compiled loops read in place, at their own strides: a window of a wider mask
    (rows 700 apart), one mask per batch broadcast over heads, a padding mask (one row per
    batch), and a mask shared by all; each matches the float64 loop, causal or not."""
    q, k, v = (rng.standard_normal((2, 3, n, 16)) for n in (600, 650, 650))
    masks = {
        "window": (rng.random((2, 3, 600, 700)) > 0.4)[..., 25:675],
        "per batch": rng.random((2, 1, 600, 650)) > 0.4,
        "padding": rng.random((2, 1, 1, 650)) > 0.4,
        "shared": rng.random((600, 650)) > 0.4,
    }
    for name, mask in masks.items():
        mask[..., 0] = True
        assert fused._mask_by_head(mask, prepare_inputs(q, k, v, mask, is_causal)) is not None, name
        got = sa.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal, implementation="fused")
        expected, _ = batched_loop(q, k, v, mask, is_causal=is_causal)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, err_msg=name)


@needs_numba
def test_calls_from_several_threads_at_once_give_the_same_bits(rng):
    """A web server calls the kernel from several threads at once; they share the kernel's kept
    threads, and each call's numbers are those it gives alone."""
    problems = []
    for i in range(6):
        q, k, v = (rng.standard_normal((4, n, 32)).astype(np.float32) for n in (300 + 50 * i, 400, 400))
        mask = rng.random((q.shape[1], 400)) > 0.2 if i % 2 else None
        problems.append({"query": q, "key": k, "value": v, "attn_mask": mask, "is_causal": i % 3 == 0})
    alone = [sa.scaled_dot_product_attention(**p, implementation="fused") for p in problems]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda p: sa.scaled_dot_product_attention(**p, implementation="fused"), problems * 3))
    for got, expected in zip(together, alone * 3, strict=True):
        np.testing.assert_array_equal(got, expected)


@needs_numba
def test_without_a_blas_to_call_the_bounded_path_runs_as_the_blocked_kernels(monkeypatch, rng):
    """A NumPy whose BLAS the compiled tiles cannot find: the fused kernel is the blocked
    kernel with the compiled exponential, bit for bit."""
    monkeypatch.setattr(fused, "_compiled_tiles", lambda: None)
    for mask in (None, rng.random((300, 500)) > 0.3):
        inputs = prepare_inputs(*(rng.standard_normal((2, n, 16)).astype(np.float32) for n in (300, 500, 500)), mask)
        got, _ = fused.attention(inputs)
        expected, _ = blocked.attention(inputs, exp_tile=exponential.compiled_exp_tile(np.dtype(np.float32)))
        np.testing.assert_array_equal(got, expected)


def test_numpys_blas_is_found_and_checked(monkeypatch):
    """NumPy's wheels ship OpenBLAS: its gemm is found under its prefixed name and computes
    what NumPy computes; a gemm that computes something else is refused."""
    pytest.importorskip("threadpoolctl")
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if config.get("name") != "scipy-openblas":
        pytest.skip(f"NumPy's BLAS here is {config.get('name')!r}, not the OpenBLAS of NumPy's wheels")
    gemm = blas.numpy_gemm()
    assert gemm is not None and gemm.int_bits == 64
    assert blas._agrees(gemm)
    # a gemm with the right signature that computes nothing (a Python callback: it cannot
    # write out of bounds, as a real function given the wrong types would)
    integer, pointer = ctypes.c_int64, ctypes.c_void_p
    idle = []
    for real in (ctypes.c_float, ctypes.c_double):
        types = (ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer, integer, real, pointer, integer)
        idle.append(ctypes.CFUNCTYPE(None, *types, pointer, integer, real, pointer, integer)(lambda *args: None))
    addresses = [ctypes.cast(function, ctypes.c_void_p).value for function in idle]
    assert not blas._agrees(blas.Gemm(sgemm=addresses[0], dgemm=addresses[1], int_bits=64))
    assert not blas._agrees(blas.Gemm(sgemm=gemm.sgemm, dgemm=addresses[1], int_bits=64))


@needs_numba
def test_fused_and_blocked_differ_by_rounding_only(rng):
    q, k, v = (rng.standard_normal((4, 600, 32)).astype(np.float32) for _ in range(3))
    fused = sa.scaled_dot_product_attention(q, k, v, implementation="fused")
    blocked = sa.scaled_dot_product_attention(q, k, v, implementation="blocked")
    np.testing.assert_allclose(fused, blocked, rtol=1e-5, atol=1e-6)


def run_python(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_import_selfattention_does_not_import_numba():
    """numba is optional and heavy (0.5 s to import): ``import selfattention`` and a small
    call (the reference kernel) leave it alone."""
    out = run_python(
        """
        import sys
        import numpy as np
        import selfattention as sa
        x = np.ones((4, 3))
        sa.scaled_dot_product_attention(x, x, x)
        print('numba' in sys.modules, 'llvmlite' in sys.modules)
        """
    )
    assert out.split() == ["False", "False"]


@needs_numba
@pytest.mark.slow
def test_second_cold_start_loads_the_compiled_code(tmp_path):
    """The first process compiles the exponential and the tile loops into numba's cache; the
    next one loads them."""
    code = """
        import numpy as np
        import selfattention as sa
        from selfattention.core.kernels import compiled, compiled_tiles
        x = np.ones((2, 600, 8), np.float32)
        sa.scaled_dot_product_attention(x, x, x, implementation="fused")
        for loop in (compiled.exp_tile32, compiled_tiles.bounded_blocks):
            print(sum(loop.stats.cache_misses.values()), sum(loop.stats.cache_hits.values()))
        """
    first = run_python(code, NUMBA_CACHE_DIR=str(tmp_path))
    second = run_python(code, NUMBA_CACHE_DIR=str(tmp_path))
    assert first.split() == ["1", "0", "2", "0"]  # compiled: bounded_blocks for float32 and float64
    assert second.split() == ["0", "1", "0", "2"]  # loaded


def test_fused_without_numba_says_what_to_install(monkeypatch):
    monkeypatch.delitem(IMPLEMENTATIONS, "fused", raising=False)
    x = np.ones((2, 3))
    with pytest.raises(sa.SelfAttentionError, match=r"needs numba: pip install 'selfattention\[fast\]'"):
        sa.scaled_dot_product_attention(x, x, x, implementation="fused")
    monkeypatch.setattr(exponential.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(sa.SelfAttentionError, match="needs numba"):
        exponential.compiled_exp_tile(np.dtype(np.float32))
    big = np.ones((1, 600, 4))  # auto falls back to the blocked kernel
    np.testing.assert_allclose(sa.scaled_dot_product_attention(big, big, big), big)


def test_auto_goes_on_without_a_numba_that_cannot_load(monkeypatch, rng):
    """numba installed but broken (a release that does not support this NumPy): ``auto``
    warns once and uses the blocked kernel; ``implementation="fused"`` says what to do."""
    from selfattention.core import kernels

    monkeypatch.setattr(exponential, "compiled_available", lambda: True)  # as if installed
    monkeypatch.setattr(kernels.fused, "compiled_available", lambda: True)
    monkeypatch.setitem(IMPLEMENTATIONS, "fused", kernels.fused.attention)
    monkeypatch.setitem(sys.modules, "selfattention.core.kernels.compiled", None)  # its import fails
    monkeypatch.delattr(kernels, "compiled", raising=False)
    exponential.compiled_loops.cache_clear()
    try:
        q, k, v = (rng.standard_normal((2, 600, 8)) for _ in range(3))
        with pytest.warns(RuntimeWarning, match="numba is installed but could not be loaded"):
            got = sa.scaled_dot_product_attention(q, k, v)
        blocked = sa.scaled_dot_product_attention(q, k, v, implementation="blocked")
        np.testing.assert_array_equal(got, blocked)
        with pytest.raises(sa.SelfAttentionError, match="installed but could not be loaded"):
            sa.scaled_dot_product_attention(q, k, v, implementation="fused")
    finally:
        exponential.compiled_loops.cache_clear()  # the next test loads the real one again
