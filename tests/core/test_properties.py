"""Hypothesis properties of every kernel (TESTING.md case 10, plus masks and dtypes).

Each property runs on every kernel of ``selfattention.core.kernels.IMPLEMENTATIONS`` and on
``"auto"``, so a kernel joins these tests when it is registered. Shapes are random,
including broadcast batch/head dimensions; masks are boolean or additive and broadcast from
any of their allowed shapes; causal flags and dtypes (float64, float32, float16) vary.

Tolerances (TESTING.md): float64 agrees with the independent loop of ``reference_loop.py``
to rtol 1e-10 and atol 1e-12 (times the size of V, so that inputs scaled by 10 are held to
the same relative standard). float32 and float16 are held to FlashAttention's rule: the error
against the float64 loop is at most twice the error of the naive maths done at that precision,
plus a floor (1e-6 for float32, 1e-3 for float16, times the size of V).

The "ci" Hypothesis profile of conftest.py keeps this file reproducible and bounded.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import selfattention as sa
from reference_loop import batched_loop
from selfattention.core.kernels import IMPLEMENTATIONS, prepare_inputs

pytestmark = pytest.mark.slow

KERNELS = ["auto", *sorted(IMPLEMENTATIONS)]
RTOL, ATOL = 1e-10, 1e-12
FLOOR = {np.float32: 1e-6, np.float16: 1e-3}

# -- strategies ----------------------------------------------------------------------------

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def problems(
    draw: Any,
    dtypes: tuple[Any, ...] = (np.float64,),
    masks: bool = True,
    causal: bool = True,
    max_len: int = 7,
) -> dict[str, Any]:
    """Query, key, value with mutually broadcast batch/head dims, an optional mask that
    broadcasts to the scores, a causal flag, an optional scale and a dtype."""
    dtype = draw(st.sampled_from(dtypes))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=2, max_side=3))
    L, S = draw(st.integers(1, max_len)), draw(st.integers(1, max_len))
    E, Ev = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    q_batch, k_batch, v_batch = batch.input_shapes
    elements = finite if dtype == np.float64 else st.floats(-4, 4, width=16)
    q = draw(hnp.arrays(np.float64, (*q_batch, L, E), elements=elements)).astype(dtype)
    k = draw(hnp.arrays(np.float64, (*k_batch, S, E), elements=elements)).astype(dtype)
    v = draw(hnp.arrays(np.float64, (*v_batch, S, Ev), elements=elements)).astype(dtype)
    mask = None
    if masks and draw(st.booleans()):
        target = (*batch.result_shape, L, S)
        drop = draw(st.integers(0, len(batch.result_shape)))  # leading dims left out
        shape = tuple(n if draw(st.booleans()) else 1 for n in target[drop:])
        if draw(st.booleans()):
            mask = draw(hnp.arrays(np.bool_, shape))
        else:
            offsets = st.one_of(st.just(-math.inf), st.floats(-5, 5, width=64))
            mask = draw(hnp.arrays(np.float64, shape, elements=offsets))
    return {
        "query": q,
        "key": k,
        "value": v,
        "attn_mask": mask,
        "is_causal": causal and draw(st.booleans()),
        "scale": draw(st.one_of(st.none(), st.floats(0.01, 3.0))),
    }


def run(implementation: str, problem: dict[str, Any]) -> np.ndarray:
    return sa.scaled_dot_product_attention(**problem, implementation=implementation)


def kernel_weights(implementation: str, problem: dict[str, Any]) -> np.ndarray:
    """The kernel's own weights where it returns them, else the library's weights."""
    if implementation != "auto":
        inputs = prepare_inputs(*(problem[n] for n in ("query", "key", "value", "attn_mask", "is_causal", "scale")))
        _, weights = IMPLEMENTATIONS[implementation](inputs, True)
        if weights is not None:
            return np.asarray(weights)
    args = {n: problem[n] for n in ("query", "key", "attn_mask", "is_causal", "scale")}
    # the weights know no value: give the query the batch dims the value brings
    q, v = problem["query"], problem["value"]
    batch = np.broadcast_shapes(q.shape[:-2], problem["key"].shape[:-2], v.shape[:-2])
    args["query"] = np.broadcast_to(q, (*batch, *q.shape[-2:]))
    return sa.attention_weights(**args)


def naive(problem: dict[str, Any]) -> np.ndarray:
    """The textbook maths done at the inputs' own precision (FlashAttention's yardstick)."""
    q, k, v = problem["query"], problem["key"], problem["value"]
    dtype = q.dtype
    scale = problem["scale"] if problem["scale"] is not None else 1 / math.sqrt(q.shape[-1])
    with np.errstate(all="ignore"):
        s = np.matmul(q, np.swapaxes(k, -1, -2)) * dtype.type(scale)  # (..., L, S)
        mask = problem["attn_mask"]
        if mask is not None:
            s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask.astype(dtype)
        if problem["is_causal"]:
            s = np.where(sa.causal_mask(s.shape[-2], s.shape[-1]), s, -np.inf)
        top = s.max(-1, keepdims=True)
        e = np.exp(s - np.where(np.isneginf(top), 0, top).astype(dtype))
        w = e / np.where(e.sum(-1, keepdims=True) == 0, 1, e.sum(-1, keepdims=True)).astype(dtype)
        return np.matmul(w.astype(dtype), v)


def v_size(v: np.ndarray) -> float:
    return max(1.0, float(np.abs(v.astype(np.float64)).max(initial=0.0)))


# -- agreement with the float64 loop -------------------------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems())
def test_float64_matches_the_loop(implementation, problem):
    expected, _ = batched_loop(**{("mask" if n == "attn_mask" else n): x for n, x in problem.items()})
    got = run(implementation, problem)
    assert got.dtype == np.float64 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL * v_size(problem["value"]))


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems(dtypes=(np.float32, np.float16)))
def test_lower_precision_within_twice_naive_error(implementation, problem):
    dtype = problem["query"].dtype.type
    exact, _ = batched_loop(**{("mask" if n == "attn_mask" else n): x for n, x in problem.items()})
    got = run(implementation, problem)
    assert got.dtype == dtype and got.shape == exact.shape
    naive_error = np.abs(naive(problem).astype(np.float64) - exact).max(initial=0.0)
    error = np.abs(got.astype(np.float64) - exact).max(initial=0.0)
    assert error <= 2 * naive_error + FLOOR[dtype] * v_size(problem["value"])


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems())
def test_weights_match_the_loop(implementation, problem):
    _, expected = batched_loop(**{("mask" if n == "attn_mask" else n): x for n, x in problem.items()})
    weights = kernel_weights(implementation, problem)
    np.testing.assert_allclose(weights, np.broadcast_to(expected, weights.shape), rtol=RTOL, atol=ATOL)


@given(problem=problems(), data=st.data())
def test_trace_matches_the_loop(problem, data):
    """trace() does the maths again, one query at a time: it must agree too (2-D inputs)."""
    q, k, v = (problem[n].reshape(-1, *problem[n].shape[-2:])[0] for n in ("query", "key", "value"))
    mask = problem["attn_mask"]
    if mask is not None:
        mask = np.broadcast_to(mask, (*mask.shape[:-2], q.shape[0], k.shape[0])).reshape(-1, q.shape[0], k.shape[0])[0]
    queries = data.draw(st.none() | st.lists(st.integers(0, q.shape[0] - 1), min_size=1, unique=True))
    t = sa.trace(q, k, v, attn_mask=mask, is_causal=problem["is_causal"], scale=problem["scale"], queries=queries)
    out, weights = batched_loop(q, k, v, mask, problem["is_causal"], problem["scale"])
    rows = list(range(q.shape[0])) if queries is None else queries
    assert list(t.query_indices) == rows
    np.testing.assert_allclose(t.weights, weights[rows], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(t.outputs, out[rows], rtol=RTOL, atol=ATOL * v_size(v))
    for step in t.steps:  # each step is what its name says
        np.testing.assert_allclose(step.dot_products, k @ step.query, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(step.weighted_values.sum(0), step.output, rtol=RTOL, atol=ATOL * v_size(v))


@given(problem=problems(dtypes=(np.float64, np.float32)))
def test_torch_tensors_in_give_the_same_numbers(problem):
    """torch tensors given to the library (the torch kernel's own entry) agree with the loop."""
    torch = pytest.importorskip("torch")
    tensors = {
        n: (torch.from_numpy(np.ascontiguousarray(x)) if isinstance(x, np.ndarray) else x) for n, x in problem.items()
    }
    out = sa.scaled_dot_product_attention(**tensors)
    assert isinstance(out, torch.Tensor) and out.dtype == tensors["query"].dtype
    exact, _ = batched_loop(**{("mask" if n == "attn_mask" else n): x for n, x in problem.items()})
    got = out.numpy().astype(np.float64)
    if problem["query"].dtype == np.float64:
        np.testing.assert_allclose(got, exact, rtol=RTOL, atol=ATOL * v_size(problem["value"]))
    else:
        naive_error = np.abs(naive(problem).astype(np.float64) - exact).max(initial=0.0)
        assert np.abs(got - exact).max(initial=0.0) <= 2 * naive_error + FLOOR[np.float32] * v_size(problem["value"])


# -- the properties of TESTING.md case 10 (no mask) ------------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems(dtypes=(np.float64, np.float32, np.float16), masks=False, causal=False))
def test_weights_are_a_distribution(implementation, problem):
    weights = kernel_weights(implementation, problem).astype(np.float64)
    assert (weights >= 0).all()
    tolerance = {np.float64: 1e-12, np.float32: 1e-5, np.float16: 1e-2}[problem["query"].dtype.type]
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=tolerance * weights.shape[-1])


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems(dtypes=(np.float64, np.float32, np.float16), masks=False, causal=False))
def test_outputs_lie_within_the_value_columns(implementation, problem):
    out = run(implementation, problem).astype(np.float64)  # (..., L, Ev)
    v = np.broadcast_to(problem["value"], (*out.shape[:-2], *problem["value"].shape[-2:]))
    v = v.astype(np.float64)
    low, high = v.min(-2, keepdims=True), v.max(-2, keepdims=True)  # (..., 1, Ev)
    slack = {np.float64: 1e-12, np.float32: 1e-5, np.float16: 2e-3}[problem["query"].dtype.type]
    slack *= v_size(problem["value"])
    assert (out >= low - slack).all() and (out <= high + slack).all()


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems(masks=False, causal=False), data=st.data())
def test_permuting_keys_and_values_together_changes_nothing(implementation, problem, data):
    S = problem["key"].shape[-2]
    order = np.array(data.draw(st.permutations(range(S))))
    permuted = {
        **problem,
        "key": problem["key"][..., order, :],
        "value": problem["value"][..., order, :],
    }
    np.testing.assert_allclose(
        run(implementation, permuted),
        run(implementation, problem),
        rtol=RTOL,
        atol=ATOL * v_size(problem["value"]),
    )


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems(masks=False, causal=False), data=st.data())
def test_permuting_queries_permutes_outputs(implementation, problem, data):
    L = problem["query"].shape[-2]
    order = np.array(data.draw(st.permutations(range(L))))
    permuted = {**problem, "query": problem["query"][..., order, :]}
    np.testing.assert_allclose(
        run(implementation, permuted),
        run(implementation, problem)[..., order, :],
        rtol=RTOL,
        atol=ATOL * v_size(problem["value"]),
    )


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems(masks=False, causal=False))
def test_default_scale_is_one_over_sqrt_e(implementation, problem):
    E = problem["query"].shape[-1]
    default = run(implementation, {**problem, "scale": None})
    explicit = run(implementation, {**problem, "scale": 1 / math.sqrt(E)})
    np.testing.assert_array_equal(default, explicit)
    expected, _ = batched_loop(problem["query"], problem["key"], problem["value"], scale=1 / math.sqrt(E))
    np.testing.assert_allclose(default, expected, rtol=RTOL, atol=ATOL * v_size(problem["value"]))


@pytest.mark.parametrize("implementation", KERNELS)
@given(
    problem=problems(dtypes=(np.float64, np.float32), masks=False, causal=False),
    split=st.integers(1, 5),
)
def test_orthogonal_queries_and_keys_give_the_mean_of_v(implementation, problem, split):
    # queries live in the first `split` features and keys in the rest: every q.k is exactly 0
    q, k = problem["query"], problem["key"]
    width = split + k.shape[-1]
    q = np.concatenate([q[..., :1].repeat(split, -1), np.zeros((*q.shape[:-1], k.shape[-1]), q.dtype)], -1)
    k = np.concatenate([np.zeros((*k.shape[:-1], split), k.dtype), k], -1)
    assert q.shape[-1] == k.shape[-1] == width
    out = run(implementation, {**problem, "query": q, "key": k})
    mean = problem["value"].astype(np.float64).mean(-2, keepdims=True)  # (..., 1, Ev)
    expected = np.broadcast_to(mean, out.shape)
    tolerance = 1e-12 if q.dtype == np.float64 else 1e-6
    np.testing.assert_allclose(out, expected, rtol=0, atol=tolerance * v_size(problem["value"]))


# -- masks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems(dtypes=(np.float64, np.float32, np.float16)))
def test_blocked_keys_get_exactly_zero_and_blocked_rows_give_zero(implementation, problem):
    weights = kernel_weights(implementation, problem)
    L, S = weights.shape[-2:]
    allowed = np.ones(weights.shape, dtype=bool)
    mask = problem["attn_mask"]
    if mask is not None:
        allowed &= mask if mask.dtype == bool else ~np.isneginf(mask)
    if problem["is_causal"]:
        allowed &= sa.causal_mask(L, S)
    assert (weights[~allowed] == 0).all()
    out = run(implementation, problem)
    fully_masked = ~allowed.any(-1)  # (..., L); weights have no value batch dims
    assert (weights[fully_masked] == 0).all()
    fully_masked = np.broadcast_to(fully_masked, out.shape[:-1])
    assert np.isfinite(out).all()
    assert (out[fully_masked] == 0).all()


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems(), poison=st.sampled_from([1e6, -1e6, np.nan, np.inf]), data=st.data())
def test_poisoned_blocked_keys_change_nothing(implementation, problem, poison, data):
    S = problem["key"].shape[-2]
    blocked = np.array(data.draw(st.lists(st.booleans(), min_size=S, max_size=S)))
    keep = ~blocked  # (S,) a padding mask, combined with the drawn one
    mask = problem["attn_mask"]
    if mask is None:
        combined = keep
    elif mask.dtype == bool:
        combined = mask & keep
    else:
        combined = np.where(keep, mask, -np.inf)
    clean = run(implementation, {**problem, "attn_mask": combined})
    k, v = problem["key"].copy(), problem["value"].copy()
    k[..., blocked, :] = poison
    v[..., blocked, :] = poison
    poisoned = run(implementation, {**problem, "key": k, "value": v, "attn_mask": combined})
    np.testing.assert_array_equal(poisoned, clean)


# -- determinism ---------------------------------------------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
@settings(max_examples=15)
@given(problem=problems(dtypes=(np.float64, np.float32, np.float16)))
def test_the_same_call_twice_is_bitwise_equal(implementation, problem):
    np.testing.assert_array_equal(run(implementation, problem), run(implementation, problem))


# -- issue #12: overflow, hidden NaN, grouped heads -------------------------------------------


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems(), power=st.integers(505, 511))
def test_scaling_q_and_k_against_the_scale_changes_nothing(implementation, problem, power):
    """q and k times c = 2^power and the scale over c^2: the scores are the same numbers, but
    the textbook q.k (up to 600 c^2 > 1e308) overflows before the scale; PyTorch scales first."""
    E = problem["query"].shape[-1]
    scale = problem["scale"] if problem["scale"] is not None else 1 / math.sqrt(E)
    c = 2.0**power
    big = {**problem, "query": problem["query"] * c, "key": problem["key"] * c, "scale": scale / c**2}
    got = run(implementation, big)
    expected, _ = batched_loop(
        **{("mask" if n == "attn_mask" else n): x for n, x in {**problem, "scale": scale}.items()}
    )
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL * v_size(problem["value"]))


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems(), below=st.integers(0, 3))
def test_values_near_the_largest_float_give_the_scaled_answer(implementation, problem, below):
    """Values m 2^(1023 - below) with m in [0.5, 1), all within a factor 2^(below + 1) of the
    largest float: the output is 2^(1023 - below) times the output for m, although the sum of
    any two such values (the blocked kernel's running sums) exceeds the largest float."""
    v = problem["value"]
    m = 0.5 + np.abs(v) / (2 * float(np.abs(v).max()) + 1.0)  # in [0.5, 1)
    power = 1023 - below
    got = run(implementation, {**problem, "value": np.ldexp(m, power)})
    expected, _ = batched_loop(**{("mask" if n == "attn_mask" else n): x for n, x in {**problem, "value": m}.items()})
    assert np.isfinite(got).all()
    np.testing.assert_allclose(np.ldexp(got, -power), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=problems(), logit=st.sampled_from([1.0, 1e3, 1e5]), data=st.data())
def test_nan_in_a_value_shows_wherever_its_key_may_be_attended(implementation, problem, logit, data):
    """NaN in value (j, c): output (i, c) is NaN exactly where query i may attend to key j,
    even when key j's weight underflows to 0 (large logits), as in PyTorch; elsewhere the
    output is the output with that value set to 0."""
    v = problem["value"].copy()
    S, Ev = v.shape[-2:]
    j, c = data.draw(st.integers(0, S - 1)), data.draw(st.integers(0, Ev - 1))
    E = problem["query"].shape[-1]
    scaled = {**problem, "scale": logit * (problem["scale"] or 1 / math.sqrt(E))}
    v[..., j, c] = 0.0
    clean = run(implementation, {**scaled, "value": v})
    v[..., j, c] = np.nan
    got = run(implementation, {**scaled, "value": v})
    L = got.shape[-2]
    allowed = np.ones((L, S), dtype=bool)
    mask = problem["attn_mask"]
    if mask is not None:
        allowed = allowed & (mask if mask.dtype == bool else ~np.isneginf(mask))
    if problem["is_causal"]:
        allowed = allowed & sa.causal_mask(L, S)
    sees = np.broadcast_to(allowed[..., j], got.shape[:-1])  # (..., L): query i may attend to key j
    assert np.isnan(got[..., c][sees]).all()
    finite_rows = np.isfinite(clean)
    np.testing.assert_allclose(got[..., c][~sees], clean[..., c][~sees], rtol=RTOL, atol=ATOL * v_size(v))
    others = np.ones(Ev, dtype=bool)
    others[c] = False
    np.testing.assert_allclose(got[..., others], clean[..., others], rtol=RTOL, atol=ATOL * v_size(v))
    assert finite_rows.all()


@st.composite
def grouped_problems(draw: Any) -> dict[str, Any]:
    """Query (B?, Hq, L, E), key and value (B?, Hk, S, *) with Hq a multiple of Hk, a mask
    with 1 or Hq heads (or none), a causal flag and a scale."""
    heads_k, group = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    heads_q = heads_k * group
    batch = draw(st.sampled_from([(), (2,)]))
    L, S, E, Ev = (draw(st.integers(1, n)) for n in (6, 6, 5, 3))
    q = draw(hnp.arrays(np.float64, (*batch, heads_q, L, E), elements=finite))
    k = draw(hnp.arrays(np.float64, (*batch, heads_k, S, E), elements=finite))
    v = draw(hnp.arrays(np.float64, (*batch, heads_k, S, Ev), elements=finite))
    mask = None
    if draw(st.booleans()):
        shape = draw(st.sampled_from([(L, S), (1, L, S), (heads_q, L, S), (*batch, heads_q, 1, S)]))
        mask = draw(hnp.arrays(np.bool_, shape))
    return {
        "query": q,
        "key": k,
        "value": v,
        "attn_mask": mask,
        "is_causal": draw(st.booleans()),
        "scale": draw(st.one_of(st.none(), st.floats(0.01, 3.0))),
        "group": group,
    }


@pytest.mark.parametrize("implementation", KERNELS)
@given(problem=grouped_problems())
def test_grouped_heads_equal_repeated_heads(implementation, problem):
    """enable_gqa=True is the same as repeating each key/value head for its group of query heads."""
    group = problem.pop("group")
    got = run(implementation, {**problem, "enable_gqa": True})
    k, v = (np.repeat(problem[n], group, axis=-3) for n in ("key", "value"))
    expected, weights = batched_loop(
        problem["query"], k, v, problem["attn_mask"], problem["is_causal"], problem["scale"]
    )
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL * v_size(problem["value"]))
    if implementation == "auto":
        args = {n: problem[n] for n in ("query", "key", "attn_mask", "is_causal", "scale")}
        np.testing.assert_allclose(sa.attention_weights(**args, enable_gqa=True), weights, rtol=RTOL, atol=ATOL)
