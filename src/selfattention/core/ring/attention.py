r"""Ring attention over ``torch.distributed``: each rank holds a part of the sequence, key and
value blocks travel around the ring, partial results merge by log-sum-exp.

With W ranks, rank r holds its queries, keys and values (``layout``: one contiguous run, or
two zig-zag chunks, see :mod:`.layout`). For s = 0 .. W - 1:

1. post the sends of the held key/value block to rank r + 1 and the receive of the next one
   from rank r - 1 (``dist.batch_isend_irecv``; none at the last step);
2. compute the queries against the held block, the block of rank (r - s) mod W, pair by pair
   of runs, skipping the pairs that causality masks entirely (:func:`.layout.block_pairs`),
   in tiles of at most ``block_q`` query rows, and merge each into the running (o, lse)
   (:func:`.merge.merge`);
3. wait for the transfers: the time spent here is communication the compute did not hide.

Every rank ends with the exact attention of its queries over the whole sequence. Memory per
rank: its own q, k, v, o (N/W rows), two key/value blocks (the held one and the one arriving)
and one (block_q, N/W) score tile: O(N/W) for a fixed tile. Each rank sends W - 1 blocks.
The same code runs on gloo (CPU) and NCCL (GPUs): tensors stay on their device.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, MaskError, SelfAttentionError, ShapeError
from ..kernels.inputs import default_scale
from ..kernels.torch import import_torch, is_tensor
from .layout import LAYOUTS, Layout, block_pairs, layout_from_sizes, make_layout
from .merge import block_attention, merge

__all__ = ["BLOCK_Q", "MergeExample", "RankStats", "StepStats", "ring_attention", "ring_attention_stats"]

#: query rows per score tile: a (BLOCK_Q, N/W) tile bounds the extra memory per rank
BLOCK_Q = 512


@dataclass(frozen=True)
class StepStats:
    """What one rank did at one step of the ring."""

    step: int
    source: int  # the rank whose key/value block was held
    work: str  # "full", "partial" (some pairs skipped or cut by the diagonal) or "skipped"
    scores: int  # scores computed (a diagonal pair computes its whole tile)
    compute_seconds: float
    wait_seconds: float


@dataclass(frozen=True)
class MergeExample:
    """The numbers of one log-sum-exp merge: a query row's running result before it, the held
    block's partial result, and the merged result (first batch entry)."""

    rank: int
    step: int
    source: int
    position: int  # global position of the query
    lse_before: float
    lse_block: float
    lse_after: float
    output_before: tuple[float, ...]
    output_block: tuple[float, ...]
    output_after: tuple[float, ...]


@dataclass(frozen=True)
class RankStats:
    """What one rank did in one call: time computing and waiting, bytes moved, memory held."""

    rank: int
    world_size: int
    local_length: int
    compute_seconds: float
    wait_seconds: float
    bytes_sent: int
    bytes_received: int
    block_bytes: int  # the largest key/value block held (two are held while one arrives)
    steps: tuple[StepStats, ...]
    merge: MergeExample | None


def ring_attention(
    query: Any,
    key: Any,
    value: Any,
    *,
    is_causal: bool = False,
    scale: float | None = None,
    key_padding_mask: Any = None,
    group: Any = None,
    layout: str = "contiguous",
    block_q: int = BLOCK_Q,
) -> Any:
    """This rank's rows of softmax(Q K^T * scale + mask) V over the whole sequence.

    Call it on every rank of ``group`` (default: the whole world) with the rank's own rows:
    query (..., L_r, E), key (..., L_r, E), value (..., L_r, Ev), L_r the rank's share of the
    sequence (:func:`selfattention.distributed.shard` cuts it). ``layout="contiguous"``:
    the ranks hold consecutive runs in rank order, of any lengths; ``"zigzag"``: the chunks
    of :func:`~.layout.make_layout`. ``key_padding_mask``: bool (L_r,) or (batch, L_r),
    **True = may attend** (this library's convention; ``nn.MultiheadAttention``'s
    key_padding_mask is the opposite: pass ``~mask``). ``is_causal``: top-left, as PyTorch,
    over global positions. A query that may attend to no key gets output 0.

    Returns the output (..., L_r, Ev) in the inputs' dtype; see :func:`ring_attention_stats`
    for the timings and bytes as well.
    """
    return ring_attention_stats(
        query,
        key,
        value,
        is_causal=is_causal,
        scale=scale,
        key_padding_mask=key_padding_mask,
        group=group,
        layout=layout,
        block_q=block_q,
    )[0]


def ring_attention_stats(
    query: Any,
    key: Any,
    value: Any,
    *,
    is_causal: bool = False,
    scale: float | None = None,
    key_padding_mask: Any = None,
    group: Any = None,
    layout: str = "contiguous",
    block_q: int = BLOCK_Q,
) -> tuple[Any, RankStats]:
    """:func:`ring_attention` and this rank's :class:`RankStats`."""
    torch = import_torch()
    dist = torch.distributed
    if not (dist.is_available() and dist.is_initialized()):
        raise SelfAttentionError(
            "ring_attention runs under torch.distributed: call torch.distributed.init_process_group on every"
            " rank first (torchrun does it with init_method='env://'), or use selfattention.distributed.run_local",
            code="ring_needs_distributed",
        )
    if layout not in LAYOUTS:
        choices = ", ".join(repr(n) for n in LAYOUTS)
        raise InputError(
            f"layout is {layout!r}: expected one of {choices}",
            code="ring_unknown_layout",
            layout=layout,
            choices=choices,
        )
    if block_q < 1:
        raise InputError(
            f"block_q is {block_q}: expected at least 1 query row per tile",
            code="ring_block_q_not_positive",
            block_q=block_q,
        )
    q, k, v, mask, out_dtype = _check(torch, query, key, value, key_padding_mask)
    rank, world = dist.get_rank(group), dist.get_world_size(group)
    scale = (default_scale(q.shape[-1]) if q.shape[-1] else 1.0) if scale is None else float(scale)
    plan = _layout(torch, dist, group, layout, k.shape[-2], world, q.device)

    # 1) the held block: keys and values packed side by side (one message), the mask beside them
    kv = torch.cat([k, v], dim=-1).contiguous()  # (..., L_r, E + Ev)
    E = k.shape[-1]
    held_mask = None if mask is None else mask.to(torch.uint8).contiguous()  # (lead..., L_r): gloo sends no bool
    output = q.new_zeros((*torch.broadcast_shapes(q.shape[:-2], v.shape[:-2]), q.shape[-2], v.shape[-1]))
    lse = torch.full((*output.shape[:-1], 1), float("-inf"), dtype=q.dtype, device=q.device)  # (..., L_r, 1)
    send_to = _global(dist, group, (rank + 1) % world)
    recv_from = _global(dist, group, (rank - 1) % world)
    steps: list[StepStats] = []
    example: MergeExample | None = None
    sent = received = 0
    block_bytes = kv.numel() * kv.element_size()
    for step in range(world):
        source = (rank - step) % world
        # 2) post the transfer of the held block, then compute while it travels
        requests, incoming, incoming_mask = [], None, None
        if step + 1 < world:
            nxt = (rank - step - 1) % world
            shape = (*kv.shape[:-2], plan.local_length(nxt), kv.shape[-1])
            incoming = kv.new_empty(shape)
            ops = [dist.P2POp(dist.isend, kv, send_to, group), dist.P2POp(dist.irecv, incoming, recv_from, group)]
            if held_mask is not None:
                incoming_mask = held_mask.new_empty((*held_mask.shape[:-1], plan.local_length(nxt)))
                ops += [
                    dist.P2POp(dist.isend, held_mask, send_to, group),
                    dist.P2POp(dist.irecv, incoming_mask, recv_from, group),
                ]
            requests = dist.batch_isend_irecv(ops)
            sent += sum(op.tensor.numel() * op.tensor.element_size() for op in ops[::2])
            received += sum(op.tensor.numel() * op.tensor.element_size() for op in ops[1::2])
            block_bytes = max(block_bytes, incoming.numel() * incoming.element_size())
        started = time.perf_counter()
        pairs = block_pairs(plan, rank, source, is_causal)
        key_block, value_block = kv[..., :E], kv[..., E:]
        for pair in pairs:
            for r0 in range(pair.query_rows[0], pair.query_rows[1], block_q):
                r1 = min(r0 + block_q, pair.query_rows[1])
                allowed = _allowed(torch, pair, r0, r1, held_mask, q.device)
                k0, k1 = pair.key_rows
                part = block_attention(
                    torch, q[..., r0:r1, :], key_block[..., k0:k1, :], value_block[..., k0:k1, :], scale, allowed
                )  # o (..., r1 - r0, Ev), lse (..., r1 - r0, 1)
                before = (output[..., r0:r1, :], lse[..., r0:r1, :])
                merged = merge(*before, *part)
                if example is None and step > 0 and r0 <= plan.local_length(rank) - 1 < r1:
                    example = _example(rank, step, source, plan, r0, before, part, merged)
                output[..., r0:r1, :], lse[..., r0:r1, :] = merged
        computed = time.perf_counter() - started
        # 3) whatever of the transfer the compute did not hide is spent waiting here
        started = time.perf_counter()
        for request in requests:
            request.wait()
        waited = time.perf_counter() - started
        steps.append(
            StepStats(step, source, _work(plan, rank, source, pairs), sum(p.scores for p in pairs), computed, waited)
        )
        if incoming is not None:
            kv, held_mask = incoming, incoming_mask
    stats = RankStats(
        rank=rank,
        world_size=world,
        local_length=plan.local_length(rank),
        compute_seconds=sum(s.compute_seconds for s in steps),
        wait_seconds=sum(s.wait_seconds for s in steps),
        bytes_sent=sent,
        bytes_received=received,
        block_bytes=block_bytes,
        steps=tuple(steps),
        merge=example,
    )
    return output.to(out_dtype), stats


def _check(torch: Any, query: Any, key: Any, value: Any, key_padding_mask: Any) -> tuple[Any, Any, Any, Any, Any]:
    """The inputs in one compute dtype, and the padding mask as (lead..., L_r) bool."""
    for name, t in {"query": query, "key": key, "value": value}.items():
        if not is_tensor(t):
            raise ShapeError(
                f"{name} is a {type(t).__name__}: ring_attention takes torch tensors",
                code="ring_not_tensor",
                name=name,
                type=type(t).__name__,
            )
        if t.ndim < 2:
            raise ShapeError(
                f"{name} has shape {tuple(t.shape)}: expected (..., positions, features)",
                code="ring_too_few_dims",
                name=name,
                shape=tuple(t.shape),
            )
        if not t.is_floating_point():
            raise ShapeError(
                f"{name} has dtype {t.dtype}: expected a floating-point tensor",
                code="ring_not_float",
                name=name,
                dtype=str(t.dtype),
            )
    if not query.shape[-2] == key.shape[-2] == value.shape[-2]:
        raise ShapeError(
            f"query, key and value hold {query.shape[-2]}, {key.shape[-2]} and {value.shape[-2]} positions: each"
            " rank holds the same positions of all three (self-attention)",
            code="ring_positions_differ",
            query=query.shape[-2],
            key=key.shape[-2],
            value=value.shape[-2],
        )
    if query.shape[-1] != key.shape[-1]:
        raise ShapeError(
            f"query has {query.shape[-1]} features but key has {key.shape[-1]}: the last dimensions of query"
            " and key must match",
            code="feature_mismatch",
            query=query.shape[-1],
            key=key.shape[-1],
        )
    if key.shape[:-2] != value.shape[:-2]:
        raise ShapeError(
            f"key has leading dimensions {tuple(key.shape[:-2])} but value has {tuple(value.shape[:-2])}:"
            " they travel together and must match",
            code="ring_lead_dims_differ",
            key=tuple(key.shape[:-2]),
            value=tuple(value.shape[:-2]),
        )
    dtype = torch.promote_types(torch.promote_types(query.dtype, key.dtype), value.dtype)
    out_dtype = dtype
    if dtype in (torch.float16, torch.bfloat16) and query.device.type == "cpu":
        dtype = torch.float32  # as the other kernels: half precision is computed in float32 on the CPU
    q, k, v = (t.to(dtype) for t in (query, key, value))
    mask = key_padding_mask
    if mask is not None:
        if not is_tensor(mask):
            mask = torch.as_tensor(mask)
        length = key.shape[-2]
        if mask.dtype != torch.bool:
            raise MaskError(
                f"key_padding_mask has dtype {mask.dtype}: expected bool, True = may attend (the opposite of"
                " nn.MultiheadAttention's key_padding_mask: pass ~mask)",
                code="ring_padding_mask_dtype",
                dtype=str(mask.dtype),
            )
        if mask.ndim == 2 and key.ndim >= 3 and mask.shape[0] == key.shape[0] and mask.shape[1] == length:
            mask = mask.reshape(mask.shape[0], *([1] * (key.ndim - 3)), length)  # (batch, 1.., L_r)
        elif tuple(mask.shape) != (length,):
            batch = key.shape[0] if key.ndim >= 3 else "none"
            raise MaskError(
                f"key_padding_mask has shape {tuple(mask.shape)}: expected ({length},) or (batch, {length}) with"
                f" batch = key.shape[0] = {batch}",
                code="ring_padding_mask_shape",
                shape=tuple(mask.shape),
                length=length,
                batch=batch,
            )
        mask = mask.to(q.device)
    return q, k, v, mask, out_dtype


def _layout(torch: Any, dist: Any, group: Any, name: str, local: int, world: int, device: Any) -> Layout:
    """Every rank's share, gathered once, checked against the layout."""
    mine = torch.tensor([local], dtype=torch.int64, device=device)
    gathered = [torch.zeros_like(mine) for _ in range(world)]
    dist.all_gather(gathered, mine, group=group)
    sizes = [int(t.item()) for t in gathered]
    if name == "contiguous":
        return layout_from_sizes(sizes)
    plan = make_layout(sum(sizes), world, name)
    expected = [plan.local_length(r) for r in range(world)]
    if sizes != expected:
        raise InputError(
            f"the ranks hold {sizes} positions but the zigzag layout of {sum(sizes)} positions on {world} ranks"
            f" gives them {expected}: cut the inputs with selfattention.distributed.shard(x, rank, world_size,"
            " layout='zigzag')",
            code="ring_layout_mismatch",
            sizes=sizes,
            total=sum(sizes),
            world=world,
            expected=expected,
        )
    return plan


def _global(dist: Any, group: Any, group_rank: int) -> int:
    return group_rank if group is None else int(dist.get_global_rank(group, group_rank))


def _allowed(torch: Any, pair: Any, r0: int, r1: int, held_mask: Any, device: Any) -> Any:
    """(..., r1 - r0, m) bool or None: the causal triangle of a diagonal pair and the held padding mask."""
    k0, k1 = pair.key_rows
    allowed = None
    if pair.kind == "diagonal":
        query_pos = torch.arange(r0, r1, device=device) - pair.query_rows[0] + pair.query_start
        key_pos = torch.arange(k1 - k0, device=device) + pair.key_start
        allowed = key_pos[None, :] <= query_pos[:, None]  # (r1 - r0, m): top-left causal
    if held_mask is not None:
        padding = held_mask[..., None, k0:k1].bool()  # (lead..., 1, m)
        allowed = padding if allowed is None else allowed & padding
    return allowed


def _work(plan: Layout, rank: int, source: int, pairs: list[Any]) -> str:
    if not pairs:
        return "skipped"
    whole = plan.local_length(rank) * plan.local_length(source)
    full = all(p.kind == "full" for p in pairs) and sum(p.scores for p in pairs) == whole
    return "full" if full else "partial"


def _example(
    rank: int, step: int, source: int, plan: Layout, r0: int, before: Any, part: Any, merged: Any
) -> MergeExample:
    """The numbers of the merge of the rank's last query row (first batch entry)."""
    row = plan.local_length(rank) - 1 - r0

    def vector(t: Any) -> tuple[float, ...]:
        return tuple(float(x) for x in t.reshape(-1, *t.shape[-2:])[0, row].tolist())

    def scalar(t: Any) -> float:
        return float(t.reshape(-1, *t.shape[-2:])[0, row, 0])

    return MergeExample(
        rank=rank,
        step=step,
        source=source,
        position=int(plan.positions(rank)[-1]),
        lse_before=scalar(before[1]),
        lse_block=scalar(part[1]),
        lse_after=scalar(merged[1]),
        output_before=vector(before[0]),
        output_block=vector(part[0]),
        output_after=vector(merged[0]),
    )
