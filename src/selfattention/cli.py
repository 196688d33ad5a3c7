"""The command line: parse, call the library, print. No maths and no prose of its own."""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from . import __version__
from .errors import SelfAttentionError
from .examples import get_example
from .explain import available_languages, default_language, explain
from .io import parse_mask, parse_matrix, parse_tokens, read_input_file, write_file
from .render import FORMATS, render
from .render.pictures import write_heatmap
from .render.plot import plot_format
from .trace import AttentionTrace, trace

EXPLAIN_EXAMPLES = """
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
"""

#: with --queries, the picture shows the whole matrix (queries outlined) up to this many tokens
MAX_OVERVIEW = 256


class CliError(click.ClickException):
    """A refusal shown as ``Error: ...`` with exit code 2, never a traceback."""

    exit_code = 2


def fail(message: str) -> NoReturn:
    raise CliError(message)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="selfattention")
def main() -> None:
    """Compute, inspect and understand self-attention."""


@main.command(epilog=EXPLAIN_EXAMPLES)
@click.option(
    "--input", "input_file", metavar="FILE.json", help="Read tokens, Q, K, V (and mask, causal, scale) from JSON."
)
@click.option("--tokens", help='Token names, e.g. "Acting,Machines" (or space-separated).')
@click.option("--query", "-q", "query", metavar="ROWS", help='Q, one row per token: "16,0,1;2.078,0,1".')
@click.option("--key", "-k", "key", metavar="ROWS", help="K, one row per key.")
@click.option("--value", "-v", "value", metavar="ROWS", help="V, one row per key (its own width).")
@click.option("--mask", metavar="ROWS", help='Boolean mask, 1 = may attend: "1,0;1,1".')
@click.option("--causal", is_flag=True, default=None, help="Each token sees only itself and earlier tokens.")
@click.option("--scale", type=float, help="Scale of the scores (default 1/sqrt(d)).")
@click.option(
    "--queries", metavar="LIST", help='Queries to expand: tokens or 0-based positions, e.g. "Machines" or "0,2".'
)
@click.option(
    "--format", "-f", "format_", type=click.Choice(FORMATS), default="text", show_default=True,
    help="Output format (json is the trace).",
)
@click.option(
    "--precision", type=click.IntRange(0, 15), default=4, show_default=True, help="Decimal places shown (display only)."
)
@click.option(
    "--lang", type=click.Choice(sorted(available_languages())), default=None,
    help="Language of the explanation  [default: ko when LC_ALL/LC_MESSAGES/LANG is Korean, else en].",
)
@click.option("--plot", metavar="FILE", help="Also write the heatmap of the weights to FILE.png or FILE.svg.")
@click.option("--output", "-o", metavar="FILE", help="Write to FILE instead of the terminal.")
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
def explain_command(**options: Any) -> None:
    """Explain self-attention step by step: dot products, scaling, softmax, weighted sum.

    With no input it explains the seed's example, "Acting Machines" with d = 3.
    """
    try:
        lang = options["lang"] or default_language()
        plot, output, force = options["plot"], options["output"], options["force"]
        check_outputs(plot, output, force)
        result = build_trace(options)
        explanation = explain(result, lang, options["precision"])
        overview = None
        if options["queries"] and (plot or options["format_"] == "html") and len(result.tokens) <= MAX_OVERVIEW:
            overview = build_trace({**options, "queries": None})
        link = None
        if plot:
            written = write_heatmap(result, explanation, plot, force=force, overview=overview)
            click.echo(f"wrote {written}", err=True)
            base = os.path.dirname(os.path.abspath(output)) if output else os.getcwd()
            link = os.path.relpath(os.path.abspath(plot), base)
        text = render(result, explanation, options["format_"], picture=link, overview=overview)
        emit(text, output, force)
    except SelfAttentionError as error:
        fail(str(error))


main.add_command(explain_command, name="explain")


@main.command("serve")
@click.option("--host", default="127.0.0.1", help="Address to listen on (this machine only by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
def serve_command(host: str, port: int) -> None:
    """Open the web explorer: the seed's example, your own vectors, every step, in your browser."""
    try:
        import uvicorn

        from .server.app import LOCAL_HOSTS, create_app
    except ImportError as error:
        fail(f"selfattention serve needs the web extra ({error.name} is missing): pip install 'selfattention[web]'")
    local = host in LOCAL_HOSTS
    if not local:
        click.echo(f"warning: listening on {host}: other machines on the network can open the explorer", err=True)
    shown = "[::1]" if host == "::1" else host
    click.echo(f"selfattention explorer on http://{shown}:{port}/ (Ctrl+C stops it)", err=True)
    # on localhost, refuse requests that name another host (a DNS rebinding page)
    uvicorn.run(create_app(list(LOCAL_HOSTS) if local else None), host=host, port=port, log_level="warning")


def build_trace(options: dict[str, Any]) -> AttentionTrace:
    """The one place that turns the CLI's input options into a trace."""
    inline = {name: options[name] for name in ("query", "key", "value") if options[name] is not None}
    if options["input_file"] and (inline or options["tokens"] or options["mask"]):
        fail("give either --input FILE or inline --tokens/--query/--key/--value/--mask, not both")
    if options["input_file"]:
        data = read_input_file(options["input_file"])
        kwargs = data.trace_kwargs()
    elif inline:
        missing = [f"--{n}" for n in ("query", "key", "value") if n not in inline]
        if missing:
            fail(f"--query, --key and --value go together: missing {', '.join(missing)}")
        kwargs = {name: parse_matrix(text, name) for name, text in inline.items()}
        kwargs["tokens"] = parse_tokens(options["tokens"]) if options["tokens"] else None
        kwargs["attn_mask"] = parse_mask(options["mask"]) if options["mask"] else None
    else:
        if options["tokens"] or options["mask"]:
            fail("--tokens and --mask need --query, --key and --value (or an --input file)")
        kwargs = get_example("seed").trace_kwargs()
    if options["causal"] is not None:
        kwargs["is_causal"] = options["causal"]
    if options["scale"] is not None:
        kwargs["scale"] = options["scale"]
    if options["queries"]:
        kwargs["queries"] = parse_queries(options["queries"])
    return trace(**kwargs)


def parse_queries(text: str) -> list[int | str]:
    """ "0,2" -> [0, 2]; "it" -> ["it"]: positions are 0-based, anything else is a token."""
    parts = [p.strip() for p in text.split(",")]
    return [int(p) if p.lstrip("-").isdigit() else p for p in parts if p]


def check_outputs(plot: str | None, output: str | None, force: bool) -> None:
    """Refuse before any work: a picture that is not .png/.svg, the same file twice, and
    (without --force) files that exist."""
    if plot:
        plot_format(plot)
        if output and os.path.abspath(plot) == os.path.abspath(output):
            fail(f"--plot and --output are the same file {plot!r}: give two names")
    for path in (plot, output):
        if not path:
            continue
        folder = os.path.dirname(path)
        if folder and not os.path.isdir(folder):
            fail(f"output folder {folder!r} does not exist")
        if os.path.exists(path) and not force and not os.path.isdir(path):
            fail(f"output file {path!r} exists: pass --force to overwrite it")


def emit(text: str, output: str | None, force: bool) -> None:
    if output:
        path = write_file(output, text, force=force)
        click.echo(f"wrote {path}", err=True)
    else:
        click.echo(text, nl=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
