"""TESTING.md cases 1-9 that test_kernels.py leaves out, for every kernel and "auto".

Block-boundary sizes, long unequal lengths, odd feature widths, fully masked rows inside one
block and across all blocks, q = k = v = 1e4 in every dtype, empty inputs with masks and
causal flags. Kernels that take block sizes as keywords (their parameter names contain
"block") are run directly at every size of TESTING.md; the others through the dispatcher.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import selfattention as sa
from reference_loop import batched_loop, dense_attention, loop_attention
from selfattention.core.kernels import IMPLEMENTATIONS, prepare_inputs

KERNELS = ["auto", *sorted(IMPLEMENTATIONS)]
RTOL, ATOL = 1e-10, 1e-12


def sdpa(*args: Any, implementation: str, **kwargs: Any) -> np.ndarray:
    return sa.scaled_dot_product_attention(*args, implementation=implementation, **kwargs)


def block_parameters(name: str) -> list[str]:
    """The keyword parameters of a kernel that set a block size (e.g. block_q, block_k)."""
    try:
        parameters = inspect.signature(IMPLEMENTATIONS[name]).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return []
    return [p for p in parameters if "block" in p]


BLOCKED = [name for name in sorted(IMPLEMENTATIONS) if block_parameters(name)]


def run_blocked(name: str, sizes: dict[str, int], *args: Any, **kwargs: Any) -> np.ndarray:
    inputs = prepare_inputs(*args, **kwargs)
    output, _ = IMPLEMENTATIONS[name](inputs, False, **sizes)
    return np.asarray(output)


def test_dense_reference_agrees_with_the_loop(rng):
    """The vectorised reference used for long sequences is itself checked against the loop."""
    q, k, v = rng.standard_normal((6, 5)), rng.standard_normal((9, 5)), rng.standard_normal((9, 3))
    mask = rng.random((6, 9)) > 0.4
    mask[2] = False
    for m in (None, mask, np.where(mask, rng.standard_normal((6, 9)), -np.inf)):
        for causal in (False, True):
            expected, _ = loop_attention(q, k, v, m, causal, 0.8)
            got = dense_attention(q, k, v, m, causal, 0.8)
            np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


# -- 1. block-boundary sizes and long, unequal lengths -------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("L,S", [(1, 147), (3, 799), (127, 513), (1023, 1024), (1024, 1023)])
@pytest.mark.parametrize("is_causal", [False, True])
def test_long_unequal_lengths(implementation, L, S, is_causal, rng):
    q, k, v = rng.standard_normal((L, 8)), rng.standard_normal((S, 8)), rng.standard_normal((S, 3))
    expected = dense_attention(q, k, v, is_causal=is_causal)
    got = sdpa(q, k, v, is_causal=is_causal, implementation=implementation)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


L_BLOCK, S_BLOCK = 33, 40
BLOCK_SIZES = sorted({1, 2, 3, 7, 16, 64, L_BLOCK - 1, L_BLOCK, L_BLOCK + 1, S_BLOCK - 1, S_BLOCK, S_BLOCK + 1, 1000})


def boundary_mask(rng: np.random.Generator, block: int) -> np.ndarray:
    """A random mask whose row 0 is fully blocked, whose row 1 has its first key block (of
    ``block`` keys) fully blocked but later keys open, and whose last row opens only its
    last key."""
    mask = rng.random((L_BLOCK, S_BLOCK)) > 0.3
    mask[0] = False  # fully masked across all blocks
    mask[1, : min(block, S_BLOCK - 1)] = False  # one whole block masked, the row is not
    mask[1, -1] = True
    mask[-1] = False
    mask[-1, -1] = True
    return mask


@pytest.mark.skipif(not BLOCKED, reason="no kernel takes block sizes yet")
@pytest.mark.parametrize("implementation", BLOCKED or ["none"])
@pytest.mark.parametrize("block", BLOCK_SIZES)
@pytest.mark.parametrize("kind", ["none", "bool", "float", "causal"])
def test_every_block_size(implementation, block, kind, rng):
    q, k = rng.standard_normal((2, L_BLOCK, 5)), rng.standard_normal((2, S_BLOCK, 5))
    v = rng.standard_normal((2, S_BLOCK, 3))
    mask = None if kind in ("none", "causal") else boundary_mask(rng, block)
    if kind == "float":
        mask = np.where(mask, rng.standard_normal(mask.shape), -np.inf)
    expected, _ = batched_loop(q, k, v, mask, kind == "causal")
    sizes = dict.fromkeys(block_parameters(implementation), block)
    got = run_blocked(implementation, sizes, q, k, v, mask, kind == "causal")
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    if mask is not None:
        assert (got[:, 0] == 0).all()  # the fully masked row is exactly 0, never NaN


@pytest.mark.skipif(not BLOCKED, reason="no kernel takes block sizes yet")
@pytest.mark.parametrize("implementation", BLOCKED or ["none"])
@pytest.mark.parametrize("query_block,key_block", [(1, 64), (64, 1), (7, 3), (3, 7), (16, 1000)])
def test_unequal_query_and_key_blocks(implementation, query_block, key_block, rng):
    names = block_parameters(implementation)
    if len(names) < 2:
        pytest.skip(f"{implementation} has one block size: {names}")
    q, k, v = (
        rng.standard_normal((L_BLOCK, 6)),
        rng.standard_normal((S_BLOCK, 6)),
        rng.standard_normal((S_BLOCK, 2)),
    )
    mask = boundary_mask(rng, key_block)
    sizes = {names[0]: query_block, names[1]: key_block}
    for causal in (False, True):
        expected, _ = loop_attention(q, k, v, mask, causal)
        got = run_blocked(implementation, sizes, q, k, v, mask, causal)
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.skipif(not BLOCKED, reason="no kernel takes block sizes yet")
@pytest.mark.parametrize("implementation", BLOCKED or ["none"])
@pytest.mark.parametrize("block", [1, 3, 16])
@pytest.mark.parametrize("poison", [1e6, np.nan, np.inf])
def test_poison_in_fully_masked_blocks(implementation, block, poison, rng):
    """A textbook online softmax leaks NaN through 0 * NaN and -inf - (-inf) when a whole
    block of keys is masked (pytorch #127055, flash-attention #334)."""
    q, k, v = (
        rng.standard_normal((L_BLOCK, 4)),
        rng.standard_normal((S_BLOCK, 4)),
        rng.standard_normal((S_BLOCK, 2)),
    )
    keep = np.ones(S_BLOCK, dtype=bool)
    keep[: 2 * block] = False  # the first two key blocks are entirely masked
    keep[-1] = False
    k2, v2 = k.copy(), v.copy()
    k2[~keep], v2[~keep] = poison, poison
    sizes = dict.fromkeys(block_parameters(implementation), block)
    clean = dense_attention(q, k, v, keep)
    got = run_blocked(implementation, sizes, q, k2, v2, keep)
    np.testing.assert_allclose(got, clean, rtol=RTOL, atol=ATOL)
    # and a row fully masked in every block stays exactly zero
    none = np.zeros((L_BLOCK, S_BLOCK), dtype=bool)
    assert (run_blocked(implementation, sizes, q, k2, v2, none) == 0).all()


# -- 3. masks whose batch dims only the value has ------------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("is_causal", [False, True])
def test_mask_batch_dims_from_the_value(implementation, is_causal, rng):
    """Regression (test_properties.py): the torch kernel failed ("output with shape [1, 1]
    doesn't match the broadcast shape [1, 1, 1]") when the mask had batch dims that q lacks."""
    q, k, v = rng.standard_normal((4, 3)), rng.standard_normal((2, 5, 3)), rng.standard_normal((3, 1, 5, 2))
    mask = rng.random((3, 2, 4, 5)) > 0.3
    mask[1, 0, 2] = False  # a fully masked row
    expected, _ = batched_loop(q, k, v, mask, is_causal)
    got = sdpa(q, k, v, attn_mask=mask, is_causal=is_causal, implementation=implementation)
    assert got.shape == (3, 2, 4, 2)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    tiny = sdpa(
        np.ones((1, 1)),
        np.ones((1, 1)),
        np.ones((1, 1, 1)),
        attn_mask=np.ones((1, 1, 1), bool),
        implementation=implementation,
    )
    assert tiny.shape == (1, 1, 1) and tiny[0, 0, 0] == 1.0


# -- 2. odd dimensions ---------------------------------------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("E", [1, 2, 3, 31, 59, 64, 111, 256])
def test_odd_feature_widths(implementation, E, rng):
    q, k, v = rng.standard_normal((5, E)), rng.standard_normal((6, E)), rng.standard_normal((6, 7))
    for causal in (False, True):
        expected, _ = loop_attention(q, k, v, is_causal=causal)
        np.testing.assert_allclose(
            sdpa(q, k, v, is_causal=causal, implementation=implementation),
            expected,
            rtol=RTOL,
            atol=ATOL,
        )


@pytest.mark.parametrize("implementation", KERNELS)
def test_one_key_gives_its_value(implementation, rng):
    q, k, v = (
        rng.standard_normal((2, 6, 4)),
        rng.standard_normal((2, 1, 4)),
        rng.standard_normal((2, 1, 3)),
    )
    out = sdpa(q, k, v, implementation=implementation)
    # weight 1 exactly in the formula; a kernel may round it (online softmax): TESTING.md's tolerance
    np.testing.assert_allclose(out, np.broadcast_to(v, out.shape), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("implementation", KERNELS)
def test_one_query(implementation, rng):
    q, k, v = (
        rng.standard_normal((1, 9)),
        rng.standard_normal((30, 9)),
        rng.standard_normal((30, 2)),
    )
    expected, _ = loop_attention(q, k, v)
    np.testing.assert_allclose(sdpa(q, k, v, implementation=implementation), expected, rtol=RTOL, atol=ATOL)


# -- 5. fully masked rows over a batch, with causal ----------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
def test_fully_masked_rows_with_causal_and_float_masks(implementation, rng):
    q, k, v = (
        rng.standard_normal((2, 3, 6, 4)),
        rng.standard_normal((2, 3, 8, 4)),
        rng.standard_normal((2, 3, 8, 5)),
    )
    mask = np.zeros((2, 1, 6, 8))
    mask[..., 3:] = -np.inf
    mask[0, 0, 2, :] = -np.inf  # row 2 of batch 0 blocks everything
    # causal: row 0 sees key 0 only, which the mask blocks in batch 1 -> fully masked there
    mask[1, 0, 0, 0] = -np.inf
    out = sdpa(q, k, v, attn_mask=mask, is_causal=True, implementation=implementation)
    expected, _ = batched_loop(q, k, v, mask, True)
    assert np.isfinite(out).all()
    assert (out[0, :, 2] == 0).all() and (out[1, :, 0] == 0).all()
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)


# -- 7. extreme values ---------------------------------------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("is_causal", [False, True])
def test_q_k_v_all_1e4(implementation, dtype, is_causal):
    """q.k = 1e8 * E overflows float16 (and exp of it everything): the output must be v."""
    q = k = v = np.full((2, 5, 3), 1e4, dtype)
    out = sdpa(q, k, v, is_causal=is_causal, implementation=implementation)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, v)


@pytest.mark.parametrize("implementation", KERNELS)
def test_float16_with_a_mask(implementation, rng):
    q, k = (
        (rng.standard_normal((2, 7, 16)) * 30).astype(np.float16),
        (rng.standard_normal((2, 9, 16)) * 30).astype(np.float16),
    )
    v = rng.standard_normal((2, 9, 4)).astype(np.float16)
    mask = rng.random((7, 9)) > 0.3
    mask[3] = False
    out = sdpa(q, k, v, attn_mask=mask, implementation=implementation)
    assert out.dtype == np.float16 and np.isfinite(out).all()
    expected, _ = batched_loop(q, k, v, mask)
    np.testing.assert_allclose(out.astype(np.float64), expected, atol=2e-3)
    assert (out[:, 3] == 0).all()


# -- 8. empty inputs -----------------------------------------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize(
    "shapes,mask_shape,expected",
    [
        (((0, 4, 3), (0, 5, 3), (0, 5, 2)), (4, 5), (0, 4, 2)),  # batch 0, with a mask
        (((2, 0, 4, 3), (2, 0, 5, 3), (2, 0, 5, 2)), None, (2, 0, 4, 2)),  # heads 0
        (((0, 3), (5, 3), (5, 2)), (0, 5), (0, 2)),  # L = 0, with a mask
        (((4, 3), (0, 3), (0, 2)), (4, 0), (4, 2)),  # S = 0, with a mask
        (((4, 3), (5, 3), (5, 0)), None, (4, 0)),  # Ev = 0
        (((3, 0, 3), (3, 0, 3), (3, 0, 2)), None, (3, 0, 2)),  # L = S = 0
    ],
)
@pytest.mark.parametrize("is_causal", [False, True])
def test_empty_inputs_with_masks_and_causal(implementation, shapes, mask_shape, expected, is_causal):
    mask = None if mask_shape is None else np.ones(mask_shape, dtype=bool)
    out = sdpa(
        *(np.ones(s) for s in shapes),
        attn_mask=mask,
        is_causal=is_causal,
        implementation=implementation,
    )
    assert out.shape == expected and out.dtype == np.float64
    assert (out == 0).all()


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_empty_inputs_keep_their_dtype(implementation, dtype):
    out = sdpa(
        np.ones((0, 3), dtype),
        np.ones((4, 3), dtype),
        np.ones((4, 2), dtype),
        implementation=implementation,
    )
    assert out.shape == (0, 2) and out.dtype == dtype


def test_empty_weights():
    assert sa.attention_weights(np.ones((0, 3)), np.ones((4, 3))).shape == (0, 4)
    assert (sa.attention_weights(np.ones((2, 3)), np.ones((0, 3)), is_causal=True) == 0).all()


# -- 9. determinism, over dtypes and masks -------------------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_deterministic_with_masks(implementation, dtype, rng):
    q, k, v = (rng.standard_normal((2, 4, 65, 16)).astype(dtype) for _ in range(3))
    mask = rng.random((2, 1, 65, 65)) > 0.5
    a = sdpa(q, k, v, attn_mask=mask, implementation=implementation)
    b = sdpa(q.copy(), k.copy(), v.copy(), attn_mask=mask.copy(), implementation=implementation)
    np.testing.assert_array_equal(a, b)
