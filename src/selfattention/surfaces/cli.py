"""The command line: parse, call the library, print. No maths and no prose of its own."""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from typing import Any, NoReturn

import click

from .. import __version__
from ..core.errors import SelfAttentionError
from ..explain import available_languages, default_language, explain
from ..explain.layer import explain_layer
from ..record.trace import AttentionTrace, trace
from ..render import FORMATS, render
from ..render.document import MAX_QUERIES
from ..render.layer import LAYER_FORMATS, layer_heads_figure, render_layer
from ..render.pictures import heatmap_figure
from ..render.plot import plot_format
from ..sources.examples import get_example
from ..sources.models import DEFAULT_MODEL, MODELS, model_trace, rank_heads
from ..sources.pipeline import text_layer_trace
from ..sources.vectors import parse_mask, parse_matrix, parse_tokens, read_input_file
from .files import save_figure, write_file

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
  selfattention explain "The animal didn't cross the street because it was too tired." \\
      --model minilm --layer 3 --head 1 --query it     # a real model's head, step by step
  selfattention explain "The animal didn't cross the street because it was too tired" --query it
  selfattention explain --text "The cat sat" --heads 2 --d-model 8 --seed 0 --causal --head 1
"""

HEADS_EXAMPLES = """
\b
Examples:
  selfattention heads "The animal didn't cross the street because it was too tired." --query it --key animal
  selfattention heads "The animal didn't cross the street because it was too tired." --query it --top 12
  selfattention heads "The animal didn't cross the street because it was too tired." --query it --plot heads.png
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
    "--text",
    "text_option",
    metavar="TEXT",
    help="TEXT as an option. Without --model, TEXT walks through a toy layer: tokens, embeddings, positions,"
    " Q/K/V, heads.",
)
@click.option("--heads", type=click.IntRange(1, 64), help="Toy layer: number of heads (default 2).")
@click.option("--d-model", "d_model", type=click.IntRange(1, 1024), help="Toy layer: model width (default 8).")
@click.option("--seed", type=int, help="Toy layer: seed of the toy embeddings and weights (default 0).")
@click.option(
    "--input", "input_file", metavar="FILE.json", help="Read tokens, Q, K, V (and mask, causal, scale) from JSON."
)
@click.option("--tokens", help='Token names, e.g. "Acting,Machines" (or space-separated).')
@click.option(
    "--query",
    "-q",
    "query",
    metavar="ROWS",
    help='Q, one row per token: "16,0,1;2.078,0,1". With a text: the query token to expand, e.g. "it".',
)
@click.option("--key", "-k", "key", metavar="ROWS", help="K, one row per key.")
@click.option("--value", "-v", "value", metavar="ROWS", help="V, one row per key (its own width).")
@click.option("--mask", metavar="ROWS", help='Boolean mask, 1 = may attend: "1,0;1,1".')
@click.option("--causal", is_flag=True, default=None, help="Each token sees only itself and earlier tokens.")
@click.option("--scale", type=float, help="Scale of the scores (default 1/sqrt(d)).")
@click.option(
    "--queries", metavar="LIST", help='Queries to expand: tokens or 0-based positions, e.g. "Machines" or "0,2".'
)
@click.option(
    "--format",
    "-f",
    "format_",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format (json is the trace).",
)
@click.option(
    "--precision", type=click.IntRange(0, 15), default=4, show_default=True, help="Decimal places shown (display only)."
)
@click.option(
    "--lang",
    type=click.Choice(sorted(available_languages())),
    default=None,
    help="Language of the explanation  [default: ko when LC_ALL/LC_MESSAGES/LANG is Korean, else en].",
)
@click.option("--plot", metavar="FILE", help="Also write the heatmap of the weights to FILE.png or FILE.svg.")
@click.option("--output", "-o", metavar="FILE", help="Write to FILE instead of the terminal.")
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
# real models (selfattention.sources.models): TEXT goes to the model, --query is then the query word
@click.argument("text", required=False)
@click.option(
    "--model",
    metavar="NAME|DIR",
    help=f"Run TEXT through a real model ({', '.join(MODELS)} or a local folder); --query WORD: the query token.",
)
@click.option("--layer", type=int, help="With --model: the layer, 0-based (default 0).")
@click.option("--head", type=int, help="With TEXT: the head to expand, 0-based (default 0).")
def explain_command(**options: Any) -> None:
    """Explain self-attention step by step: dot products, scaling, softmax, weighted sum.

    With no input it explains the seed's example, "Acting Machines" with d = 3.
    """
    try:
        if options["text_option"] is not None:
            if options["text"] is not None:
                fail("give the text once: as TEXT or as --text, not both")
            options["text"] = options["text_option"]
        toy = [f"--{n.replace('_', '-')}" for n in ("heads", "d_model", "seed") if options[n] is not None]
        if options["model"] and toy:
            fail(f"the toy layer's options ({', '.join(toy)}) do not apply to --model")
        if not options["model"] and options["layer"] is not None:
            fail("TEXT and --layer go with --model, e.g. --model minilm --layer 3 --head 1 --query it")
        if not options["model"] and options["text"] is not None:
            emit(explain_text(options), options["output"], options["force"])
            return
        for name in ("heads", "d_model", "seed", "head"):
            if options[name] is not None and not options["model"]:
                fail(f"--{name.replace('_', '-')} applies to a text: give it as TEXT or --text")
        lang = options["lang"] or default_language()
        plot, output, force = options["plot"], options["output"], options["force"]
        check_outputs(plot, output, force)
        build = build_model_trace if options["model"] else build_trace
        result = build(options)
        explanation = explain(result, lang, options["precision"])
        overview = None
        # a few queries (chosen, or capped at MAX_QUERIES): the picture still shows the whole matrix
        picked = options["queries"] or (options["model"] and options["query"]) or not result.is_complete
        if picked and (plot or options["format_"] == "html") and len(result.tokens) <= MAX_OVERVIEW:
            every = {"queries": None, **({"query": None} if options["model"] else {})}
            builder = build_model_trace if options["model"] else build_trace
            overview = builder({**options, **every}, cap=False)
        link = None
        if plot:
            written = save_figure(heatmap_figure(result, explanation, overview), plot, force=force)
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
    check_listen(host, port)
    local = host in LOCAL_HOSTS
    if not local:
        click.echo(f"warning: listening on {host}: other machines on the network can open the explorer", err=True)
    shown = "[::1]" if host == "::1" else host
    click.echo(f"selfattention explorer on http://{shown}:{port}/ (Ctrl+C stops it)", err=True)
    # on localhost, refuse requests that name another host (a DNS rebinding page)
    try:
        uvicorn.run(create_app(list(LOCAL_HOSTS) if local else None), host=host, port=port, log_level="warning")
    except SystemExit as error:  # uvicorn exits 1 or 3 when it cannot start (after its own log line)
        if error.code:
            fail(f"the server could not start on {shown}:{port} (see the line above)")
        raise


def check_listen(host: str, port: int) -> None:
    """Refuse, before starting the server, a host that is not an address of this machine and a
    port that is taken, in one line each (uvicorn would log and exit with code 3)."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as error:
        fail(f"--host {host!r} is not a known address ({error}): expected e.g. 127.0.0.1 or localhost")
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            fail(f"cannot listen on {host}:{port} ({error.strerror}): choose another --port or --host")


def build_model_trace(options: dict[str, Any], cap: bool = True) -> AttentionTrace:
    """--model: TEXT through a real model's head; --query (or --queries) names the query token(s).
    A document (``cap``) shows at most MAX_QUERIES queries unless they are named."""
    if not options["text"]:
        fail('--model needs the TEXT to run, e.g. selfattention explain "The animal was tired." --model minilm')
    given = {"input": options["input_file"], **{n: options[n] for n in ("tokens", "key", "value", "mask", "scale")}}
    clash = [f"--{name}" for name, value in given.items() if value is not None]
    clash += ["--causal"] if options["causal"] is not None else []
    if clash:
        fail(f"--model builds Q, K and V from TEXT: drop {', '.join(clash)}")
    queries: list[int | str] | None = None
    if options["query"] is not None and options["queries"]:
        fail("give --query WORD or --queries LIST, not both")
    if options["query"] is not None:
        queries = [options["query"]]
    elif options["queries"] is not None:
        queries = queries_option(options["queries"])
    result = model_trace(
        options["text"], options["model"], layer=options["layer"] or 0, head=options["head"] or 0, queries=queries
    )
    document = options["format_"] in ("text", "markdown", "html")
    if cap and document and queries is None and len(result.steps) > MAX_QUERIES:
        result = dataclasses.replace(result, steps=result.steps[:MAX_QUERIES])  # the document says so in words
    return result


@main.command(name="heads", epilog=HEADS_EXAMPLES)
@click.argument("text")
@click.option(
    "--query",
    "-q",
    "query",
    required=True,
    metavar="WORD",
    help="The query token: a word (its first occurrence) or a 0-based position.",
)
@click.option("--key", "-k", "key", metavar="WORD", help="Rank heads by the weight from the query to this token.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, metavar="NAME|DIR", help="A model name or folder.")
@click.option("--top", type=click.IntRange(min=0), default=0, help="Show only the first N heads (0 = all).")
@click.option(
    "--format", "-f", "format_", type=click.Choice(("text", "markdown", "json")), default="text", show_default=True
)
@click.option("--precision", type=click.IntRange(0, 15), default=4, show_default=True, help="Decimal places shown.")
@click.option(
    "--lang",
    type=click.Choice(sorted(available_languages())),
    default=None,
    help="Language  [default: ko when LC_ALL/LC_MESSAGES/LANG is Korean, else en].",
)
@click.option("--output", "-o", metavar="FILE", help="Write to FILE instead of the terminal.")
@click.option("--plot", metavar="FILE", help="Also draw the layers x heads grid to FILE.png or FILE.svg.")
@click.option("--force", is_flag=True, help="Overwrite --output (and --plot) if it exists.")
def heads_command(**options: Any) -> None:
    """Every layer x head of a real model: where does the query token look?

    With --key, heads are ranked by the weight from the query to the key; without, each head
    lists its heaviest keys. Heads that mostly look at [CLS], [SEP] or the first token are flagged.
    """
    from ..explain import get_language
    from ..render.heads import heads_figure, render_heads

    try:
        lang = options["lang"] or default_language()
        check_outputs(options["plot"], options["output"], options["force"])
        report = rank_heads(options["text"], options["query"], _word(options["key"]), options["model"])
        if options["top"]:
            report = dataclasses.replace(report, rows=report.rows[: options["top"]])
        labels = get_language(lang).labels
        if options["plot"]:
            written = save_figure(heads_figure(report, labels, lang), options["plot"], force=options["force"])
            click.echo(f"wrote {written}", err=True)
        text = render_heads(report, labels, options["format_"], options["precision"])
        emit(text, options["output"], options["force"])
    except SelfAttentionError as error:
        fail(str(error))


def _word(text: str | None) -> int | str | None:
    """A token as typed: a word, or a 0-based position when it is a number."""
    if text is not None and re.fullmatch(r"-?[0-9]+", text.strip()):  # ASCII: int("²") fails
        return int(text)
    return text


def build_trace(options: dict[str, Any], cap: bool = True) -> AttentionTrace:
    """The one place that turns the CLI's input options into a trace. A document for people
    (``cap``, text/markdown/html) works out at most MAX_QUERIES queries unless --queries
    picks them; data formats (json, csv) hold every query."""
    inline = {name: options[name] for name in ("query", "key", "value") if options[name] is not None}
    given = {name: options[name] is not None for name in ("tokens", "mask")}  # "" is given, and refused
    if options["input_file"] and (inline or given["tokens"] or given["mask"]):
        fail("give either --input FILE or inline --tokens/--query/--key/--value/--mask, not both")
    if options["input_file"]:
        data = read_input_file(options["input_file"])
        kwargs = data.trace_kwargs()
    elif inline:
        missing = [f"--{n}" for n in ("query", "key", "value") if n not in inline]
        if missing:
            fail(f"--query, --key and --value go together: missing {', '.join(missing)}")
        kwargs = {name: parse_matrix(text, name) for name, text in inline.items()}
        kwargs["tokens"] = parse_tokens(options["tokens"]) if given["tokens"] else None
        kwargs["attn_mask"] = parse_mask(options["mask"]) if given["mask"] else None
    else:
        if given["tokens"] or given["mask"]:
            fail("--tokens and --mask need --query, --key and --value (or an --input file)")
        kwargs = get_example("seed").trace_kwargs()
    if options["causal"] is not None:
        kwargs["is_causal"] = options["causal"]
    if options["scale"] is not None:
        kwargs["scale"] = options["scale"]
    document = options["format_"] in ("text", "markdown", "html")
    if cap and document and options["queries"] is None and len(kwargs["query"]) > MAX_QUERIES:
        kwargs["queries"] = list(range(MAX_QUERIES))  # a page, not a book: the document says so in words
    if options["queries"] is not None:
        kwargs["queries"] = queries_option(options["queries"])
    return trace(**kwargs)


def queries_option(text: str) -> list[int | str]:
    """--queries, refused when it names no query (an empty trace would show nothing)."""
    queries = parse_queries(text)
    if not queries:
        fail(f'--queries {text!r} names no query: expected tokens or 0-based positions such as "0,2"')
    return queries


def explain_text(options: dict[str, Any]) -> str:
    """Text mode: the sentence through the toy layer, the chosen head and queries expanded."""
    text = options["text"]
    for name in ("input_file", "tokens", "key", "value", "mask", "scale"):
        if options[name] is not None:
            flag = "--input" if name == "input_file" else f"--{name}"
            fail(f"{flag} does not apply to a text: the toy layer makes Q, K and V from the words itself")
    if options["format_"] not in LAYER_FORMATS:
        fail(f"--format {options['format_']} is not available for a text: choose one of {', '.join(LAYER_FORMATS)}")
    check_outputs(options["plot"], options["output"], options["force"])
    expand: list[int | str] = parse_queries(options["queries"]) if options["queries"] else []
    if options["query"] is not None:
        expand += parse_queries(options["query"])
    layer_trace = text_layer_trace(
        text,
        d_model=8 if options["d_model"] is None else options["d_model"],
        num_heads=2 if options["heads"] is None else options["heads"],
        seed=0 if options["seed"] is None else options["seed"],
        is_causal=bool(options["causal"]),
        queries=expand or None,
    )
    head = 0 if options["head"] is None else options["head"]
    lang = options["lang"] or default_language()
    explanation = explain_layer(layer_trace, lang, options["precision"], head=head, queries=expand or None)
    link = None
    if options["plot"]:
        written = save_figure(layer_heads_figure(layer_trace, explanation), options["plot"], force=options["force"])
        click.echo(f"wrote {written}", err=True)
        base = os.path.dirname(os.path.abspath(options["output"])) if options["output"] else os.getcwd()
        link = os.path.relpath(os.path.abspath(options["plot"]), base)
    return render_layer(layer_trace, explanation, options["format_"], picture=link)


def parse_queries(text: str) -> list[int | str]:
    """ "0,2" -> [0, 2]; "it" -> ["it"]: positions are 0-based, anything else is a token."""
    parts = [p.strip() for p in text.split(",")]
    # ASCII digits only: "²".isdigit() is True but int("²") fails
    return [int(p) if re.fullmatch(r"-?[0-9]+", p) else p for p in parts if p]


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
