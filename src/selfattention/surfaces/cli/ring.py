"""``selfattention ring --world-size W --length N``: ring attention on W local processes.

:func:`selfattention.surfaces.ring_run.run_ring` does the work (processes on this machine,
loopback only); this module parses and prints.
"""

from __future__ import annotations

import click

from ...core.ring import LAYOUTS
from ...explain.ring import explain_ring
from ...record.ring import RingReport
from ..ring_run import DTYPES, MAX_LENGTH, MAX_WORLD_SIZE, run_ring
from .i18n import Command
from .output import Output, output_options

__all__ = ["EXAMPLES", "ring_command"]

EXAMPLES = """
\b
Examples:
  selfattention ring --world-size 3 --length 10 --causal
  selfattention ring --world-size 4 --length 1000 --heads 8 --dim 64 --format json
  selfattention ring --world-size 3 --length 12 --causal --layout zigzag --lang ko --plot ring.png
"""


@click.command("ring", cls=Command, epilog=EXAMPLES)
@click.option(
    "--world-size",
    "-w",
    type=click.IntRange(1, MAX_WORLD_SIZE),
    default=2,
    show_default=True,
    help="How many local processes (ranks) share the sequence.",
)
@click.option("--length", "-n", type=click.IntRange(1, MAX_LENGTH), default=8, show_default=True, help="Positions.")
@click.option("--heads", type=click.IntRange(min=1), default=1, show_default=True, help="Attention heads.")
@click.option("--dim", "-d", type=click.IntRange(min=1), default=4, show_default=True, help="Features per head.")
@click.option("--causal", is_flag=True, help="Each position sees only itself and the positions before it.")
@click.option("--dtype", type=click.Choice(DTYPES), default="float64", show_default=True)
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default="contiguous",
    show_default=True,
    help="How the sequence is split: consecutive runs, or zigzag chunks that even out causal work.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random inputs.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=1.0),
    default=60.0,
    show_default=True,
    help="Seconds a rank may wait for another before every rank stops.",
)
@output_options(
    RingReport,
    format_help="Output format (json is the report's data).",
    plot_help="Also draw the ranks x steps grid to FILE.png or FILE.svg.",
)
def ring_command(
    out: Output,
    world_size: int,
    length: int,
    heads: int,
    dim: int,
    causal: bool,
    dtype: str,
    layout: str,
    seed: int,
    timeout: float,
) -> None:
    """Ring attention on local processes, step by step, checked against one process.

    The sequence is split across WORLD_SIZE processes on this machine (torch.distributed,
    gloo, loopback only); key/value blocks travel around the ring while each process
    computes, and partial results are merged by log-sum-exp.
    """
    report = run_ring(
        world_size, length, heads, dim, causal=causal, dtype=dtype, layout=layout, seed=seed, timeout=timeout
    )
    out.write(report, explain_ring(report, out.lang, out.precision))
