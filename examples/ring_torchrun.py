"""Ring attention across processes or machines, started by torchrun (env:// initialisation).

On one machine, 2 processes:

    torchrun --standalone --nproc-per-node 2 examples/ring_torchrun.py --length 1000

Across 2 machines of 4 GPUs each (run on both; MASTER is the first machine's address):

    torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d --rdzv-endpoint MASTER:29500 \\
        examples/ring_torchrun.py --length 65536 --backend nccl

Every rank draws the same seeded inputs, keeps its rows, runs ring attention, and rank 0
gathers the rows and checks them against one process's attention (when --check is given and
the whole sequence fits in its memory).
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist

import selfattention as sa
from selfattention.distributed import ring_attention_stats, shard, unshard


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--length", type=int, default=1000)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--dim", type=int, default=16)
    parser.add_argument("--causal", action="store_true")
    parser.add_argument("--layout", choices=["contiguous", "zigzag"], default="contiguous")
    parser.add_argument("--backend", default="gloo")
    parser.add_argument("--check", action="store_true", help="rank 0 compares with one process's attention")
    args = parser.parse_args()

    dist.init_process_group(args.backend, init_method="env://", timeout=timedelta(seconds=60))
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device(f"cuda:{int(os.environ['LOCAL_RANK'])}") if args.backend == "nccl" else torch.device("cpu")
    rng = np.random.default_rng(0)
    whole = [rng.standard_normal((1, args.heads, args.length, args.dim)) for _ in range(3)]
    q, k, v = (torch.from_numpy(shard(x, rank, world, layout=args.layout)).to(device) for x in whole)
    output, stats = ring_attention_stats(q, k, v, is_causal=args.causal, layout=args.layout)
    rows = [None] * world if rank == 0 else None
    dist.gather_object(output.cpu().numpy(), rows, dst=0)
    print(
        f"rank {rank}/{world}: {stats.local_length} rows, compute {stats.compute_seconds:.4f} s,"
        f" wait {stats.wait_seconds:.4f} s, sent {stats.bytes_sent} bytes",
        flush=True,
    )
    if rank == 0 and args.check and rows is not None:
        reference = sa.scaled_dot_product_attention(*whole, is_causal=args.causal)
        difference = np.abs(unshard(rows, layout=args.layout) - reference).max()
        print(f"max abs difference from one process: {difference:.3g}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
