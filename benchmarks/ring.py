"""Ring attention on local ranks: memory per rank, bytes sent, and how much of the
communication the compute hides; then a model of the time on W real devices.

For each world size W, every rank runs (in one set of W processes, gloo on the loopback):

1. the communication alone: W - 1 steps of ``batch_isend_irecv`` of its key/value block,
   no compute (``comm``);
2. ring attention (best of ``--repeat``): its compute time and the time it waited for
   transfers (``wait``). The share of the communication hidden by compute is
   1 - wait / comm (1 = fully hidden).

Memory per rank is counted, not sampled: q, k, v and o of N/W rows, two key/value blocks
(the one held, the one arriving) and one (BLOCK_Q, N/W) score tile, all O(N/W).

The model of W real devices takes this machine's compute rate (scores per second, from
W = 1) and a link of ``--bandwidth`` GB/s and ``--latency`` µs: each of the W steps costs
max(compute of one block, transfer of one block), the compute of a block being 1/W² of the
whole (non-causal). On this 2-core machine the W processes share 2 cores, so measured times
past W = 2 only show contention; the model is what W devices would do.

    PYTHONPATH=src python benchmarks/ring.py --length 4096 --heads 4 --dim 64 --worlds 1 2 4
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from selfattention.core.ring import BLOCK_Q, make_layout  # noqa: E402
from selfattention.distributed import run_local  # noqa: E402


def job(rank: int, world: int, length: int, heads: int, dim: int, causal: bool, repeat: int) -> dict[str, Any]:
    import torch
    import torch.distributed as dist

    from selfattention.distributed import ring_attention_stats, shard

    rng = np.random.default_rng(0)
    q, k, v = (
        torch.from_numpy(shard(rng.standard_normal((1, heads, length, dim)).astype(np.float32), rank, world))
        for _ in range(3)
    )
    kv = torch.cat([k, v], dim=-1).contiguous()
    layout = make_layout(length, world)
    # 1) communication alone
    dist.barrier()
    started = time.perf_counter()
    held = kv
    for step in range(world - 1):
        incoming = held.new_empty((1, heads, layout.local_length((rank - step - 1) % world), 2 * dim))
        ops = [
            dist.P2POp(dist.isend, held, (rank + 1) % world),
            dist.P2POp(dist.irecv, incoming, (rank - 1) % world),
        ]
        for request in dist.batch_isend_irecv(ops):
            request.wait()
        held = incoming
    comm = time.perf_counter() - started
    # 2) ring attention, best of repeat
    best = None
    for _ in range(repeat):
        dist.barrier()
        started = time.perf_counter()
        _, stats = ring_attention_stats(q, k, v, is_causal=causal)
        total = time.perf_counter() - started
        if best is None or total < best[0]:
            best = (total, stats)
    assert best is not None
    total, stats = best
    local = layout.local_length(rank)
    memory = (
        4 * heads * local * dim * 4  # q, k, v, o
        + 2 * stats.block_bytes  # the held block and the arriving one
        + min(BLOCK_Q, local) * max(layout.local_length(r) for r in range(world)) * heads * 4 * 3  # scores, exp
    )
    return {
        "rank": rank,
        "total": total,
        "compute": stats.compute_seconds,
        "wait": stats.wait_seconds,
        "comm": comm,
        "bytes_sent": stats.bytes_sent,
        "memory": memory,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--worlds", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--causal", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bandwidth", type=float, default=25.0, help="GB/s of the modelled link")
    parser.add_argument("--latency", type=float, default=10.0, help="µs per modelled transfer")
    parser.add_argument("--rate", type=float, help="G scores/s of a modelled device (default: this core's, measured)")
    args = parser.parse_args()
    n, h, d = args.length, args.heads, args.dim
    print(f"N = {n}, H = {h}, d = {d}, float32, {'causal' if args.causal else 'non-causal'}, gloo on loopback")
    print(f"{'W':>3} {'rows/rank':>9} {'memory/rank MiB':>15} {'sent/rank MiB':>13} {'time s':>7} "
          f"{'compute s':>9} {'comm alone s':>12} {'wait s':>7} {'hidden':>6}")  # fmt: skip
    rate = None
    for world in args.worlds:
        ranks = run_local(job, world, (n, h, d, args.causal, args.repeat), timeout=600, threads=1)
        worst = max(ranks, key=lambda r: r["total"])
        comm = max(r["comm"] for r in ranks)
        wait = max(r["wait"] for r in ranks)
        hidden = f"{1 - wait / comm:.0%}" if world > 1 and comm > 0 else "-"
        if world == 1:
            rate = n * n * h / worst["compute"]  # scores per second on one core
        print(
            f"{world:>3} {n // world:>9} {max(r['memory'] for r in ranks) / 2**20:>15.2f}"
            f" {max(r['bytes_sent'] for r in ranks) / 2**20:>13.2f} {worst['total']:>7.3f} {worst['compute']:>9.3f}"
            f" {comm:>12.4f} {wait:>7.4f} {hidden:>6}"
        )
    if args.rate:
        rate = args.rate * 1e9
    if rate is None:
        return
    print(f"\nModel: W devices at {rate / 1e9:.2f} G scores/s, a {args.bandwidth:g} GB/s link,"
          f" {args.latency:g} µs per transfer")  # fmt: skip
    print(f"{'W':>3} {'compute/step ms':>15} {'transfer/step ms':>16} {'time ms':>8} {'speed-up':>8} {'hidden':>6}")
    single = n * n * h / rate
    for world in (1, 2, 4, 8, 16, 32):
        compute = single / world**2
        block = (n / world) * h * 2 * d * 4
        transfer = block / (args.bandwidth * 1e9) + args.latency * 1e-6 if world > 1 else 0.0
        total = compute + (world - 1) * max(compute, transfer)
        hid = min(1.0, compute / transfer) if transfer else 1.0
        print(f"{world:>3} {compute * 1e3:>15.3f} {transfer * 1e3:>16.3f} {total * 1e3:>8.2f}"
              f" {single / total:>8.2f} {hid:>6.0%}")  # fmt: skip


if __name__ == "__main__":
    main()
