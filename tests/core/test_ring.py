"""Ring attention: layouts, the log-sum-exp merge, and the ring itself on local ranks (gloo),
against the single-process kernels (TESTING.md's tolerances)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import selfattention as sa  # noqa: E402
from ring_jobs import CASES, all_cases, echo, fail_on, inputs  # noqa: E402
from selfattention.core.errors import SelfAttentionError  # noqa: E402
from selfattention.core.ring import block_pairs, make_layout, split_sizes  # noqa: E402
from selfattention.core.ring.merge import block_attention, merge  # noqa: E402
from selfattention.distributed import RankFailed, ring_attention, run_local, shard, unshard  # noqa: E402

# -- layouts (pure) --------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 1, 3, 7, 10, 13])
@pytest.mark.parametrize("world", [1, 2, 3, 4])
@pytest.mark.parametrize("name", ["contiguous", "zigzag"])
def test_layout_covers_every_position_once(length: int, world: int, name: str) -> None:
    layout = make_layout(length, world, name)
    positions = np.concatenate([layout.positions(r) for r in range(world)])
    assert sorted(positions.tolist()) == list(range(length))
    x = np.arange(length * 2).reshape(length, 2)
    assert np.array_equal(unshard([shard(x, r, world, layout=name) for r in range(world)], layout=name), x)


def test_split_sizes_and_zigzag_balance() -> None:
    assert split_sizes(10, 4) == (3, 3, 2, 2)
    layout = make_layout(16, 4, "zigzag")
    work = [sum(p.scores for s in range(4) for p in block_pairs(layout, r, s, True)) for r in range(4)]
    assert len(set(work)) == 1  # zigzag: every rank computes the same number of scores
    contiguous = make_layout(16, 4)
    skipped = [sum(not block_pairs(contiguous, r, s, True) for s in range(4)) for r in range(4)]
    assert skipped == [3, 2, 1, 0]  # rank r skips the blocks after its own


# -- one block and the merge (torch, one process) ----------------------------------------------


def test_merging_blocks_equals_whole_attention(rng: np.random.Generator) -> None:
    q, k, v = (torch.from_numpy(rng.standard_normal((2, 5, 3))) for _ in range(3))
    out, lse = block_attention(torch, q, k[:, :2], v[:, :2], 0.5, None)
    for j0, j1 in [(2, 4), (4, 5)]:
        out, lse = merge(out, lse, *block_attention(torch, q, k[:, j0:j1], v[:, j0:j1], 0.5, None))
    expected = sa.scaled_dot_product_attention(q.numpy(), k.numpy(), v.numpy(), scale=0.5)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)
    scores = q.numpy() @ k.numpy().transpose(0, 2, 1) * 0.5
    np.testing.assert_allclose(lse.numpy()[..., 0], np.log(np.exp(scores).sum(-1)), rtol=1e-12)


def test_fully_masked_blocks_merge_to_zero_without_nan() -> None:
    q = k = v = torch.ones(1, 2, 2, dtype=torch.float64)
    blocked = torch.zeros(2, 2, dtype=torch.bool)
    out, lse = block_attention(torch, q, k, v, 1.0, blocked)
    assert torch.equal(out, torch.zeros_like(out)) and bool(torch.isneginf(lse).all())
    out, lse = merge(out, lse, out, lse)
    assert torch.equal(out, torch.zeros_like(out)) and bool(torch.isneginf(lse).all())


def test_ring_attention_needs_a_process_group() -> None:
    x = torch.ones(2, 2)
    with pytest.raises(SelfAttentionError, match="init_process_group"):
        ring_attention(x, x, x)


# -- the ring on local ranks: one set of 4 processes for every case ------------------------------


@pytest.fixture(scope="module")
def ring_outputs() -> list[dict[str, np.ndarray]]:
    return run_local(all_cases, 4, timeout=60)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c.name for c in CASES])
def test_ring_equals_one_process(ring_outputs: list[dict[str, np.ndarray]], index: int) -> None:
    case = CASES[index]
    q, k, v, mask = inputs(case, index)
    attn_mask = None if mask is None else mask[:, None, None, :]  # (batch, 1, 1, key_pos)
    pieces = [ring_outputs[r][case.name] for r in range(case.world_size)]
    got = unshard(pieces, layout=case.layout)
    assert got.dtype == np.dtype(case.dtype)
    reference = sa.scaled_dot_product_attention(q, k, v, attn_mask, is_causal=case.causal, implementation="reference")
    assert not np.isnan(got).any()
    if case.dtype == "float64":
        np.testing.assert_allclose(got, reference, rtol=1e-10, atol=1e-12)
    else:  # TESTING.md: at most twice the naive float32 error, plus a floor
        naive = sa.scaled_dot_product_attention(
            *(x.astype(np.float32) for x in (q, k, v)), attn_mask, is_causal=case.causal, implementation="reference"
        )
        assert np.abs(got - reference).max() <= 2 * np.abs(naive - reference).max() + 1e-6
    if case.padding == "rows":
        assert np.array_equal(got[1], np.zeros_like(got[1]))  # every row fully masked: 0, not NaN
        if case.causal:
            assert np.array_equal(got[0, :, 0], np.zeros_like(got[0, :, 0]))
    again = unshard([ring_outputs[r][case.name + "-again"] for r in range(case.world_size)], layout=case.layout)
    assert np.array_equal(got, again)  # deterministic


def test_run_local_returns_results_in_rank_order() -> None:
    assert run_local(echo, 2, ("hi",), timeout=20) == [(0, 2, "hi"), (1, 2, "hi")]


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("raise", "rank 1 of 2 failed: RuntimeError: boom on purpose; the other ranks were stopped"),
        ("exit", "rank 1 of 2 exited with code 3 before it finished; the other ranks were stopped"),
        ("hang", "rank 0 of 2 failed: .*; the other ranks were stopped"),
    ],
)
def test_a_failing_rank_stops_every_rank_with_one_message(how: str, message: str) -> None:
    with pytest.raises(RankFailed, match=message) as error:
        run_local(fail_on, 2, (1, how), timeout=3)
    assert "\n" not in str(error.value)
