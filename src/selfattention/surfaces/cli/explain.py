"""``selfattention explain``: your own vectors (or the seed's), step by step.

Q, K and V come from the seed's example by default, from ``--input FILE`` (JSON) or inline
(``--tokens/--query/--key/--value/--mask``); ``--causal``, ``--scale`` and ``--queries``
adjust what is computed and shown.
"""

from __future__ import annotations

from typing import Any

import click
import numpy as np

from ...core.limits import check_trace_budget
from ...explain import explain
from ...record.trace import AttentionTrace, trace
from ...render.document import MAX_QUERIES
from ...sources.examples import get_example
from ...sources.vectors import parse_mask, parse_matrix, parse_tokens, read_input_file
from .i18n import Command
from .output import Output, fail, output_options
from .queries import queries_option

__all__ = ["EXAMPLES", "build_trace", "explain_command"]

EXAMPLES = """
\b
Examples:
  selfattention explain                       # the seed's "Acting Machines", step by step
  selfattention explain --format markdown     # the same as Markdown
  selfattention explain --input my.json       # keys: tokens, query, key, value, mask, causal, scale
  selfattention explain --tokens "I am here" \\
      --query "1,0;0,1;1,1" --key "1,0;0,1;1,1" --value "1,2;3,4;5,6" --causal
  selfattention explain --queries Machines --precision 6
  selfattention explain --lang ko             # 한국어 설명
  selfattention explain --plot h.png          # also write a heatmap (.png or .svg)
  selfattention explain --format html -o report.html   # one offline page with the heatmap
  selfattention explain --format csv          # the weights, tokens as labels

A sentence: selfattention layer TEXT (a toy layer), selfattention model TEXT (a real model).
"""


@click.command("explain", cls=Command, epilog=EXAMPLES)
@click.option(
    "--input", "input_file", metavar="FILE.json", help="Read tokens, Q, K, V (and mask, causal, scale) from JSON."
)
@click.option("--tokens", help='Token names, e.g. "Acting,Machines" (or space-separated).')
@click.option("--query", "-q", "query", metavar="ROWS", help='Q, one row per token: "16,0,1;2.078,0,1".')
@click.option("--key", "-k", "key", metavar="ROWS", help="K, one row per key.")
@click.option("--value", "-v", "value", metavar="ROWS", help="V, one row per key (its own width).")
@click.option("--mask", metavar="ROWS", help='Boolean mask, 1 = may attend: "1,0;1,1".')
@click.option("--causal", is_flag=True, default=None, help="Each token sees only itself and earlier tokens.")
@click.option("--scale", type=float, show_default="1/sqrt(d)", help="Scale of the scores.")
@click.option(
    "--queries", metavar="LIST", help='Queries to expand: tokens or 0-based positions, e.g. "Machines" or "0,2".'
)
@output_options(
    AttentionTrace,
    format_help="Output format (json is the trace, csv its weights).",
    plot_help="Also write the heatmap of the weights to FILE.png or FILE.svg.",
)
def explain_command(
    out: Output,
    input_file: str | None,
    tokens: str | None,
    query: str | None,
    key: str | None,
    value: str | None,
    mask: str | None,
    causal: bool | None,
    scale: float | None,
    queries: str | None,
) -> None:
    """Explain self-attention step by step: dot products, scaling, softmax, weighted sum.

    With no input it explains the seed's example, "Acting Machines" with d = 3.
    """
    inputs = {"tokens": tokens, "query": query, "key": key, "value": value, "mask": mask}
    result = build_trace(input_file, inputs, causal, scale, queries, cap=out.for_people, out=out)
    overview = None
    if out.wants_overview(result):  # a few queries (chosen, or capped): the picture shows every row
        overview = build_trace(input_file, inputs, causal, scale, None, cap=False)
    out.write(result, explain(result, out.lang, out.precision), overview=overview)


def build_trace(
    input_file: str | None,
    inputs: dict[str, str | None],
    causal: bool | None,
    scale: float | None,
    queries: str | None,
    *,
    cap: bool,
    out: Output | None = None,
) -> AttentionTrace:
    """The one place that turns the input options into a trace. A document for people
    (``cap``) works out at most MAX_QUERIES queries unless --queries picks them; data
    formats (json, csv) hold every query."""
    inline = {name: inputs[name] for name in ("query", "key", "value") if inputs[name] is not None}
    given = {name: inputs[name] is not None for name in ("tokens", "mask")}  # "" is given, and refused
    if input_file and (inline or given["tokens"] or given["mask"]):
        fail(
            "give either --input FILE or inline --tokens/--query/--key/--value/--mask, not both",
            code="input_and_inline",
        )
    if input_file:
        kwargs = read_input_file(input_file).trace_kwargs()
    elif inline:
        missing = [f"--{n}" for n in ("query", "key", "value") if n not in inline]
        if missing:
            listed = ", ".join(missing)
            fail(f"--query, --key and --value go together: missing {listed}", code="qkv_together", missing=listed)
        kwargs = {name: parse_matrix(text, name) for name, text in inline.items() if text is not None}
        kwargs["tokens"] = parse_tokens(inputs["tokens"]) if inputs["tokens"] is not None else None
        kwargs["attn_mask"] = parse_mask(inputs["mask"]) if inputs["mask"] is not None else None
    else:
        if given["tokens"] or given["mask"]:
            fail("--tokens and --mask need --query, --key and --value (or an --input file)", code="tokens_need_qkv")
        kwargs = get_example("seed").trace_kwargs()
    if causal is not None:
        kwargs["is_causal"] = causal
    if scale is not None:
        kwargs["scale"] = scale
    if cap and queries is None and len(kwargs["query"]) > MAX_QUERIES:
        kwargs["queries"] = list(range(MAX_QUERIES))  # a page, not a book: the document says so in words
    if queries is not None:
        kwargs["queries"] = queries_option(queries)
    if out is not None:  # the output's size, from the shapes, before anything is computed
        query_len, d_head = _shape(kwargs["query"])
        key_len, d_value = _shape(kwargs["value"])
        count = query_len if kwargs.get("queries") is None else len(kwargs["queries"])
        check_trace_budget(count, key_len, d_head, d_value)  # what the trace holds, then what is written
        out.check_trace_size(count, query_len, key_len, d_head, d_value)
    return trace(**kwargs)


def _shape(rows: Any) -> tuple[int, int]:
    shape = np.shape(rows)
    return (int(shape[0]), int(shape[-1])) if len(shape) == 2 else (0, 0)  # trace() refuses other ranks
