"""The blocked kernel against an independent float64 loop and the reference (TESTING.md),
at every block boundary, on both of its paths (online and bounded)."""

from __future__ import annotations

import subprocess
import sys
import threading
import tracemalloc

import numpy as np
import pytest

import selfattention as sa
from reference_loop import batched_loop, loop_attention
from selfattention.core import kernels
from selfattention.core.kernels import IMPLEMENTATIONS, blocked, fused, prepare_inputs, reference, threads

RTOL, ATOL = 1e-10, 1e-12
METHODS = ["online", "bounded"]


TILE_KERNELS = [
    "blocked",
    pytest.param(
        "fused",
        marks=pytest.mark.skipif(
            "fused" not in IMPLEMENTATIONS, reason="numba is not installed (pip install 'selfattention[fast]')"
        ),
    ),
]


@pytest.fixture(params=TILE_KERNELS)
def run(request):
    """run(q, k, v, mask, is_causal, scale, need_weights, block_q=..., ...) -> (out, weights) by
    the blocked kernel, then by the fused one (the same tiles, with the bounded path compiled)."""
    kernel = IMPLEMENTATIONS[request.param]

    def run(q, k, v, mask=None, is_causal=False, scale=None, need_weights=False, **kwargs):
        inputs = prepare_inputs(q, k, v, mask, is_causal, scale)
        return kernel(inputs, need_weights, **kwargs)

    return run


def randn(rng, *shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


L_SMALL, S_SMALL = 19, 23


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("block", [1, 2, 3, 7, 16, 64, L_SMALL - 1, L_SMALL, L_SMALL + 1, 1000])
def test_block_sizes_match_loop(block, is_causal, method, rng, run):
    q, k, v = randn(rng, L_SMALL, 5), randn(rng, S_SMALL, 5), randn(rng, S_SMALL, 3)
    expected, expected_w = loop_attention(q, k, v, is_causal=is_causal)
    for block_q, block_k in [(block, block), (block, 7), (5, block)]:
        out, weights = run(q, k, v, is_causal=is_causal, need_weights=True, block_q=block_q, block_k=block_k)
        np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(weights, expected_w, rtol=RTOL, atol=ATOL)
        out, _ = run(q, k, v, is_causal=is_causal, block_q=block_q, block_k=block_k, method=method)
        np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("L,S", [(1, 147), (3, 799), (127, 513), (1023, 1024), (1024, 1023)])
def test_unequal_lengths_match_reference(L, S, is_causal, method, rng):
    q, k, v = randn(rng, L, 3), randn(rng, S, 3), randn(rng, S, 2)
    inputs = prepare_inputs(q, k, v, None, is_causal)
    expected, _ = reference.attention(inputs)
    for block_q, block_k in [(None, None), (100, 128), (L - 1 or 1, S + 1)]:
        out, _ = blocked.attention(inputs, block_q=block_q, block_k=block_k, method=method)
        np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)
    if L * S <= 1000:  # the loop is slow; it checks the short ones independently
        np.testing.assert_allclose(out, loop_attention(q, k, v, is_causal=is_causal)[0], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("mask_shape", [(9,), (6, 9), (2, 1, 1, 9), (2, 3, 6, 9), (1, 3, 1, 9)])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_masks_per_tile_match_loop(kind, mask_shape, is_causal, rng, run):
    q, k, v = randn(rng, 2, 3, 6, 4), randn(rng, 2, 3, 9, 4), randn(rng, 2, 3, 9, 2)
    keep = rng.random(mask_shape) > 0.3
    mask = keep if kind == "bool" else np.where(keep, rng.standard_normal(mask_shape), -np.inf)
    full = np.broadcast_to(mask, (2, 3, 6, 9))  # a stride-0 view
    expected, expected_w = batched_loop(q, k, v, full, is_causal)
    for m in (mask, full):
        for block_q, block_k in [(1, 1), (2, 4), (6, 9), (7, 10)]:
            out, weights = run(q, k, v, m, is_causal, need_weights=True, block_q=block_q, block_k=block_k)
            np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(weights, expected_w, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("block_k", [1, 3, 4, 16])
def test_fully_masked_rows_inside_a_block_and_across_all_blocks(block_k, rng, run):
    L, S = 6, 16
    q, k, v = randn(rng, L, 4), randn(rng, S, 4), randn(rng, S, 3)
    mask = rng.random((L, S)) > 0.4
    mask[:, -1] = True
    mask[1] = False  # fully masked across every block
    mask[2, :12] = False  # the first blocks of row 2 are fully masked: -inf - (-inf) must not happen
    mask[3, 4:] = False  # ...and here the later ones
    expected, expected_w = loop_attention(q, k, v, mask)
    for m in (mask, np.where(mask, 0.0, -np.inf)):
        out, weights = run(q, k, v, m, need_weights=True, block_q=4, block_k=block_k)
        assert np.isfinite(out).all() and np.isfinite(weights).all()
        assert (out[1] == 0).all() and (weights[1] == 0).all()
        np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(weights, expected_w, rtol=RTOL, atol=ATOL)
    # a batch entry whose every row is blocked
    out, _ = run(np.stack([q, q]), k, v, np.stack([mask, np.zeros_like(mask)]), block_q=2, block_k=block_k)
    assert (out[1] == 0).all()


@pytest.mark.parametrize("poison", [1e6, np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("block_k", [1, 3, 8])
def test_poisoned_masked_keys_and_values_change_nothing(poison, block_k, rng, run):
    q, k, v = randn(rng, 5, 6), randn(rng, 8, 6), randn(rng, 8, 3)
    keep = np.array([True, False, True, True, False, False, True, False])
    clean, _ = run(q, k, v, keep, block_q=2, block_k=block_k)
    k2, v2 = k.copy(), v.copy()
    k2[~keep], v2[~keep] = poison, poison
    for mask in (keep, np.where(keep, 0.0, -np.inf)):
        out, _ = run(q, k2, v2, mask, block_q=2, block_k=block_k)
        np.testing.assert_array_equal(out, clean)
        out, weights = run(q, k2, v2, mask, need_weights=True, block_q=2, block_k=block_k)
        np.testing.assert_allclose(out, clean, rtol=RTOL, atol=ATOL)  # the online path
        assert (weights[:, ~keep] == 0).all()
    # causal: the keys after each query are masked too, and may hold anything
    x = randn(rng, 7, 6)
    base, _ = run(x, x, x, is_causal=True, block_q=3, block_k=block_k)
    for i in range(7):
        y = x.copy()
        y[i + 1 :] = poison
        out, _ = run(y, y, y, is_causal=True, block_q=3, block_k=block_k)
        np.testing.assert_array_equal(out[: i + 1], base[: i + 1])


def test_unmasked_nan_shows_as_nan(rng, run):
    q, k, v = randn(rng, 6, 4), randn(rng, 9, 4), randn(rng, 9, 2)
    k[4, 1] = np.nan
    for method in METHODS:
        out, _ = run(q, k, v, block_q=4, block_k=3, method=method)
        assert np.isnan(out).all()
    v[2, 0] = np.nan
    out, _ = run(q, randn(rng, 9, 4), v, block_q=4, block_k=3)
    assert np.isnan(out[:, 0]).all() and np.isfinite(out[:, 1]).all()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scale", [1e-3, 1.0, 5.0, 100.0])
def test_logit_scales_and_loose_bounds(scale, method, rng, run):
    """Large scores, and rows whose scores all lie far below the Cauchy-Schwarz bound
    (the bounded path shifts them into underflow and must redo them)."""
    q, k, v = randn(rng, 9, 4), randn(rng, 11, 4), randn(rng, 11, 3)
    k[:, 0] = -np.abs(k[:, 0]) * 30  # q[0] . k is very negative for every key
    q[0] = [30.0, 0.0, 0.0, 0.0]
    expected, _ = loop_attention(q, k, v, scale=scale)
    for block_q, block_k in [(1, 2), (4, 5), (9, 11)]:
        out, _ = run(q, k, v, scale=scale, block_q=block_q, block_k=block_k, method=method)
        np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("method", METHODS)
def test_causal_prefix_is_bitwise_unchanged_by_later_tokens(method, rng, run):
    """Later tokens 100x larger may switch other rows to another path; the prefix's rows
    depend only on the keys they see."""
    x = randn(rng, 40, 8)
    for block_q, block_k in [(None, None), (16, 8), (7, 3)]:
        base, _ = run(x, x, x, is_causal=True, block_q=block_q, block_k=block_k, method=method)
        y = x.copy()
        y[25:] = randn(rng, 15, 8) * 100
        changed, _ = run(y, y, y, is_causal=True, block_q=block_q, block_k=block_k, method=method)
        np.testing.assert_array_equal(changed[:25], base[:25])


@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("block", [(1, 1), (16, 16), (64, 16), (None, None)])
def test_float32_error_within_twice_naive(block, is_causal, rng, run):
    """FlashAttention's rule on inputs scaled by 5 (the bounded path shifts them) and by 1."""
    for factor in (1.0, 5.0):
        q, k, v = (
            (randn(rng, 2, 64, 32) * factor).astype(np.float32),
            (randn(rng, 2, 80, 32) * factor).astype(np.float32),
            randn(rng, 2, 80, 16).astype(np.float32),
        )
        exact, _ = batched_loop(q, k, v, is_causal=is_causal)
        s = (q @ np.swapaxes(k, -1, -2)) / np.float32(np.sqrt(32))
        if is_causal:
            s = np.where(np.tri(64, 80, dtype=bool), s, np.float32(-np.inf))
        w = np.exp(s - s.max(-1, keepdims=True))
        naive = (w / w.sum(-1, keepdims=True)) @ v
        for method in METHODS:
            out, _ = run(q, k, v, is_causal=is_causal, block_q=block[0], block_k=block[1], method=method)
            assert out.dtype == np.float32
            assert np.abs(out - exact).max() <= 2 * np.abs(naive - exact).max() + 1e-6


def test_extreme_equal_inputs_give_v_exactly(run):
    q = k = v = np.full((4, 3), 1e4, np.float32)
    for method in METHODS:
        out, _ = run(q, k, v, block_q=3, block_k=2, method=method)
        np.testing.assert_array_equal(out, v)


def test_empty_and_single_key(rng, run):
    for q, k, v, shape in [
        (np.ones((0, 4, 3)), np.ones((0, 5, 3)), np.ones((0, 5, 2)), (0, 4, 2)),
        (np.ones((0, 3)), np.ones((5, 3)), np.ones((5, 2)), (0, 2)),
        (np.ones((4, 3)), np.ones((0, 3)), np.ones((0, 2)), (4, 2)),
    ]:
        out, weights = run(q, k, v, need_weights=True)
        assert out.shape == shape and (out == 0).all()
        assert weights is not None and weights.shape == (*shape[:-1], k.shape[-2])
    q, k, v = randn(rng, 6, 3), randn(rng, 1, 3), randn(rng, 1, 4)
    out, _ = run(q, k, v, block_q=4)
    np.testing.assert_allclose(out, np.broadcast_to(v, (6, 4)), rtol=RTOL)


def test_bad_block_sizes_and_method(run):
    q = np.ones((2, 2))
    with pytest.raises(sa.SelfAttentionError, match="block sizes must be >= 1"):
        run(q, q, q, block_q=0)
    with pytest.raises(sa.SelfAttentionError, match="method is 'fast'"):
        run(q, q, q, method="fast")


#: what "auto" uses above its threshold: the fused kernel when numba is installed
LARGE = "fused" if "fused" in IMPLEMENTATIONS else "blocked"


def test_auto_chooses_blocked_for_large_score_matrices(monkeypatch):
    small = prepare_inputs(np.ones((2, 4, 3)), np.ones((2, 5, 3)), np.ones((2, 5, 1)))
    assert kernels._choose("auto", small, False) is IMPLEMENTATIONS["reference"]
    monkeypatch.setattr(kernels, "AUTO_BLOCKED_MIN_SCORES", 2 * 4 * 5 - 1)
    monkeypatch.setattr(kernels, "AUTO_FUSED_MIN_SCORES", 2 * 4 * 5 - 1)
    assert kernels._choose("auto", small, False) is IMPLEMENTATIONS[LARGE]
    monkeypatch.delitem(IMPLEMENTATIONS, "fused", raising=False)  # numba missing: the blocked kernel
    assert kernels._choose("auto", small, False) is IMPLEMENTATIONS["blocked"]
    monkeypatch.setattr(kernels, "AUTO_BLOCKED_MIN_SCORES", 2 * 4 * 5)
    assert kernels._choose("auto", small, False) is IMPLEMENTATIONS["reference"]


def test_memory_stays_bounded_on_long_sequences(rng):
    """L = S = 4096: the score matrix alone would be 64 MiB in float32."""
    n, E = 4096, 4
    q, k, v = (randn(rng, n, E, dtype=np.float32) for _ in range(3))
    inputs = prepare_inputs(q, k, v, None, True)
    tracemalloc.start()
    try:
        out, _ = blocked.attention(inputs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    rows = [0, 2047, 4095]
    expected, _ = reference.attention(prepare_inputs(q[rows], k, v, np.arange(n)[None, :] <= np.array(rows)[:, None]))
    np.testing.assert_allclose(out[rows], expected, rtol=1e-5, atol=1e-6)


def test_trace_of_a_few_queries_in_a_long_sequence_needs_no_l_by_s_array(rng):
    n, E = 100_000, 2
    q, k, v = randn(rng, n, E), randn(rng, n, E), randn(rng, n, 1)
    picked = [0, 54_321, n - 1]
    tracemalloc.start()
    try:
        t = sa.trace(q, k, v, is_causal=True, queries=picked)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the trace keeps Q, K, V and, per query, (S, E) products and (S,) rows: about 30 MB here
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.1f} MiB"  # an L x S float64 array is 80 GB
    rows = np.arange(n)[None, :] <= np.array(picked)[:, None]  # (3, S): the causal rows
    expected, _ = blocked.attention(prepare_inputs(q[picked], k, v, rows), block_k=4096)
    np.testing.assert_allclose(t.outputs, expected, rtol=1e-10, atol=1e-12)
    assert t.steps[0].weights[0] == 1.0 and (t.steps[0].weights[1:] == 0).all()


def test_scaled_dot_product_attention_accepts_blocked(rng):
    q, k, v = randn(rng, 2, 3, 5, 4), randn(rng, 2, 3, 7, 4), randn(rng, 2, 3, 7, 2)
    expected, _ = batched_loop(q, k, v, is_causal=True)
    got = sa.scaled_dot_product_attention(q, k, v, is_causal=True, implementation="blocked")
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


def test_import_and_explain_do_not_import_torch():
    code = (
        "import sys\n"
        "import selfattention\n"
        "from selfattention.surfaces.cli import main\n"
        "assert 'torch' not in sys.modules, 'import selfattention imported torch'\n"
        "try:\n"
        "    main(['explain'])\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "assert 'torch' not in sys.modules, 'explain imported torch'\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("ok")


@pytest.mark.parametrize("kernel", ["blocked", "fused"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("is_causal", [False, True])
def test_threads_change_nothing(is_causal, dtype, kernel, monkeypatch, rng):
    """Query blocks shared among threads give the same bits as one thread (the fused kernel's
    compiled exponential included: each element depends on that element only)."""
    pytest.importorskip("threadpoolctl")
    if kernel not in IMPLEMENTATIONS:
        pytest.skip("numba is not installed (pip install 'selfattention[fast]'): no fused kernel")
    monkeypatch.setattr(blocked, "PARALLEL_MIN_SCORES", 0)
    monkeypatch.setattr(fused, "PARALLEL_MIN_SCORES", 0)
    q, k, v = randn(rng, 2, 3, 37, 8, dtype=dtype), randn(rng, 2, 3, 41, 8, dtype=dtype), randn(rng, 2, 3, 41, 5)
    mask = rng.random((37, 41)) > 0.2
    for m in (None, mask):
        inputs = prepare_inputs(q, k, v.astype(dtype), m, is_causal)
        one, _ = IMPLEMENTATIONS[kernel](inputs, False, block_q=5, block_k=8, threads=1)
        for workers in (2, 3):
            many, _ = IMPLEMENTATIONS[kernel](inputs, False, block_q=5, block_k=8, threads=workers)
            np.testing.assert_array_equal(many, one)
        if dtype == np.float64:  # float32 parity: the kernels' tests (TESTING.md's rule)
            expected, _ = batched_loop(q, k, v, m, is_causal)
            np.testing.assert_allclose(one, expected, rtol=RTOL, atol=ATOL)
    assert threads.worker_count(2, 10, 10**9, blocked.PARALLEL_MIN_SCORES) == 2
    monkeypatch.setattr(threads, "threadpoolctl_installed", lambda: False)
    assert threads.worker_count(2, 10, 10**9, blocked.PARALLEL_MIN_SCORES) == 1
    with pytest.raises(sa.SelfAttentionError, match="threads is 0"):
        blocked.attention(prepare_inputs(q, k, v), threads=0)


@pytest.mark.parametrize("strip", [1, 2, 3, 5])
def test_causal_diagonal_strips_match_loop(strip, monkeypatch, rng, run):
    """The bounded path cuts each causal diagonal tile into strips of rows, each stopping
    at its last row's key: outputs match the loop with masks, fully masked rows, poisoned
    keys after each query, and the prefix stays bitwise unchanged by later tokens."""
    monkeypatch.setattr(blocked, "CAUSAL_STRIP", strip)
    monkeypatch.setattr(fused, "STRIP", strip)
    q, k, v = randn(rng, L_SMALL, 5), randn(rng, S_SMALL, 5), randn(rng, S_SMALL, 3)
    mask = rng.random((L_SMALL, S_SMALL)) > 0.3
    mask[[0, 6, 11]] = False  # fully masked rows
    for m in (None, mask):
        expected, _ = loop_attention(q, k, v, m, is_causal=True)
        for block_q, block_k in [(7, 7), (16, 5), (L_SMALL, S_SMALL), (5, 16), (12, 23)]:
            out, _ = run(q, k, v, m, is_causal=True, block_q=block_q, block_k=block_k, method="bounded")
            np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)
    x = randn(rng, 40, 8)
    for block_q, block_k in [(16, 8), (12, 32), (40, 40)]:
        base, _ = run(x, x, x, is_causal=True, block_q=block_q, block_k=block_k)
        for i in (3, 17, 30):
            y = x.copy()
            y[i + 1 :] = np.nan
            out, _ = run(y, y, y, is_causal=True, block_q=block_q, block_k=block_k)
            np.testing.assert_array_equal(out[: i + 1], base[: i + 1])
        y = x.copy()
        y[25:] = randn(rng, 15, 8) * 100
        changed, _ = run(y, y, y, is_causal=True, block_q=block_q, block_k=block_k)
        np.testing.assert_array_equal(changed[:25], base[:25])


@pytest.mark.parametrize("way", ["OpenBLAS's own functions", "threadpoolctl"])
def test_blas_one_thread_holds_numpys_blas_to_one_thread_and_gives_it_back(way, monkeypatch):
    """Inside the hold NumPy's BLAS has one thread, as threadpoolctl reads it; overlapping
    holds from other threads share it, and the last one out restores the count from before,
    whether set through OpenBLAS's own functions (NumPy's wheels) or threadpoolctl."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    library = threads.numpy_blas()
    if library is None:
        pytest.skip("NumPy's BLAS is not one threadpoolctl finds in NumPy's folder")
    if way == "threadpoolctl":
        monkeypatch.setattr(threads, "_openblas_thread_count", lambda: None)
    elif threads._openblas_thread_count() is None:
        pytest.skip(f"NumPy's BLAS here is {library.internal_api} ({library.threading_layer}), not a pthreads OpenBLAS")

    def count():
        return next(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["filepath"] == library.filepath)

    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = count()
        assert before == 2
        entered, leave = threading.Event(), threading.Event()
        seen = []

        def other():
            with threads.blas_one_thread():
                entered.set()
                leave.wait(10)
                seen.append(count())

        worker = threading.Thread(target=other)
        worker.start()
        assert entered.wait(10)
        with threads.blas_one_thread():
            assert count() == 1
        assert count() == 1  # the other thread still holds it
        leave.set()
        worker.join(10)
        assert seen == [1]
        assert count() == before


def test_blas_one_thread_without_threadpoolctl(monkeypatch, rng):
    """Without threadpoolctl the kernels run as they are, BLAS keeping its own threads."""
    monkeypatch.setattr(threads, "blas_controller", lambda: None)
    monkeypatch.setattr(threads, "_openblas_thread_count", lambda: None)
    with threads.blas_one_thread():
        pass
    q, k, v = randn(rng, 2, 9, 4), randn(rng, 2, 11, 4), randn(rng, 2, 11, 3)
    expected, _ = batched_loop(q, k, v, is_causal=True)
    got = sa.scaled_dot_product_attention(q, k, v, is_causal=True)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_auto_on_both_sides_of_its_threshold_matches_loop(dtype, rng):
    """auto picks the reference kernel below its threshold (AUTO_FUSED_MIN_SCORES with numba,
    AUTO_BLOCKED_MIN_SCORES without) and the fused or blocked one above it (threaded, BLAS held
    to one thread): both agree with the float64 loop."""
    heads, E = 4, 8
    threshold = kernels.AUTO_FUSED_MIN_SCORES if LARGE == "fused" else kernels.AUTO_BLOCKED_MIN_SCORES
    for n in (int((threshold / heads) ** 0.5) + d for d in (-3, 3)):
        q, k, v = (randn(rng, heads, n, E, dtype=dtype) for _ in range(3))
        inputs = prepare_inputs(q, k, v, None, True)
        small = heads * n * n <= threshold
        assert kernels._choose("auto", inputs, False) is IMPLEMENTATIONS["reference" if small else LARGE]
        got = sa.scaled_dot_product_attention(q, k, v, is_causal=True)
        rows = [0, n // 2, n - 1]
        expected, _ = batched_loop(
            q[:, rows].astype(np.float64), k.astype(np.float64), v.astype(np.float64), np.tri(n, dtype=bool)[rows]
        )
        if dtype == np.float64:
            np.testing.assert_allclose(got[:, rows], expected, rtol=RTOL, atol=ATOL)
            continue
        # float32: at most 2x the error of the naive float32 maths (TESTING.md), floor 1e-6
        scores = q[:, rows] @ np.swapaxes(k, -1, -2) / np.float32(np.sqrt(E))  # (H, 3, S)
        scores = np.where(np.tri(n, dtype=bool)[rows], scores, np.float32(-np.inf))
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        naive = (weights / weights.sum(-1, keepdims=True)) @ v  # (H, 3, Ev)
        assert np.abs(got[:, rows] - expected).max() <= 2 * np.abs(naive - expected).max() + 1e-6
