"""The output options every command shares, and what they do, in one place.

``--format`` (the choices are the formats the command's record supports, from
:func:`selfattention.render.formats`), ``--precision``, ``--lang``, ``--plot``,
``-o/--output`` and ``--force``. :func:`output_options` adds them to a command and hands it
one :class:`Output`; bad outputs (a picture that is not .png/.svg, the same file twice, a
file that exists) are refused before any work, and a library refusal becomes one
``Error: ...`` line with exit code 2. :meth:`Output.write` draws the picture and writes the
text, both through :mod:`selfattention.surfaces.files`, and says ``wrote PATH`` on stderr.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import click

from ...core.errors import SelfAttentionError
from ...core.limits import check_output_budget, trace_numbers
from ...explain import available_languages, default_language
from ...explain.messages import say, say_error
from ...explain.plan import MAX_TERMS
from ...record.trace import AttentionTrace
from ...render import draw, formats, render
from ...render.formats import DATA_FORMATS
from ...render.plot import plot_format
from ...sources.vectors import valid_text
from ..files import check_output, save_figure, write_file
from .i18n import language

__all__ = ["MAX_OVERVIEW", "CliError", "Output", "check_texts", "fail", "output_options", "relay"]

#: with some queries picked, the picture shows the whole matrix (those queries outlined) up to this many tokens
MAX_OVERVIEW = 256


class CliError(click.ClickException):
    """A refusal shown as ``Error: ...`` (``오류: ...`` in Korean) with exit code 2, never a traceback."""

    exit_code = 2


def fail(message: str, /, *, code: str | None = None, **params: Any) -> NoReturn:
    """Refuse with ``message`` (English), or with the spoken language's words for ``code``
    (:mod:`selfattention.explain.messages`) filled in with ``params``."""
    raise CliError(say(code, language(), message, **params))


def relay(error: SelfAttentionError, lang: str) -> NoReturn:
    """Refuse with a library refusal, said in ``lang`` by the code and params it was raised
    with (its English message when it has no code)."""
    raise CliError(say_error(error, lang))


@dataclass(frozen=True)
class Output:
    """Where a command's result goes and how it looks."""

    format: str
    precision: int
    lang: str
    plot: str | None
    output: str | None
    force: bool

    @property
    def for_people(self) -> bool:
        """A document (text, Markdown, HTML) rather than data (json, csv, which hold every query)."""
        return self.format not in DATA_FORMATS

    def wants_overview(self, trace: AttentionTrace) -> bool:
        """A picture (--plot, html) of some of a trace's queries shows the whole matrix, up
        to :data:`MAX_OVERVIEW` tokens: a learner who asked about one token still sees every row."""
        picture = bool(self.plot) or self.format == "html"
        return picture and not trace.is_complete and len(trace.tokens) <= MAX_OVERVIEW

    def check(self) -> None:
        """Refuse before any work: a picture that is not .png/.svg, the same file twice, a
        missing folder and (without --force) files that exist."""
        if self.plot:
            plot_format(self.plot)
            if self.output and os.path.realpath(self.plot) == os.path.realpath(self.output):
                message = f"--plot and --output are the same file {self.plot!r}: give two names"
                fail(message, code="same_file", path=self.plot)
        for option, path in (("--plot", self.plot), ("--output", self.output)):
            if path is not None and not path.strip():
                fail(
                    f"{option} is empty: expected a file name (leave {option} out to write nothing there)",
                    code="option_empty",
                    option=option,
                )
            if path:
                check_output(path, self.force)

    def check_trace_size(self, queries: int, query_len: int, key_len: int, d_head: int, d_value: int) -> None:
        """Refuse, from the shapes, a trace whose output in --format would pass
        :data:`~selfattention.core.limits.MAX_OUTPUT_BYTES` (json holds every number, csv
        every weight; a document shows at most 16 keys of each query, html with its picture).
        The estimates are upper bounds of what is written (tests/surfaces/test_budgets.py)."""
        fixed = (query_len + key_len) * NUMBER_BYTES  # the tokens
        if self.format == "json":
            per_query = trace_numbers(key_len, d_head, d_value) * NUMBER_BYTES
            fixed += (query_len * d_head + key_len * (d_head + d_value)) * NUMBER_BYTES
        elif self.format == "csv":
            per_query = key_len * NUMBER_BYTES
        else:
            per_query = _document_bytes(key_len, d_head + d_value, self.format)
            fixed += DOCUMENT_BYTES + (PICTURE_BYTES if self.format == "html" else 0)
        check_output_budget(f"the {self.format} output", queries, per_query, fixed, fewer=_FEWER, otherwise=_OTHERWISE)

    def check_layer_size(self, queries: int, tokens: int, num_heads: int, d_model: int) -> None:
        """As :meth:`check_trace_size`, for a layer trace of ``tokens`` tokens."""
        d_head = d_model // max(num_heads, 1)
        if self.format == "json":
            fixed = (4 * d_model * d_model + 12 * tokens * d_model) * NUMBER_BYTES
            per_query = num_heads * trace_numbers(tokens, d_head, d_head) * NUMBER_BYTES
        else:
            fixed = DOCUMENT_BYTES + num_heads * PICTURE_BYTES // 4 + tokens * min(d_model, 24) * NUMBER_BYTES
            per_query = _document_bytes(tokens, 2 * d_head, self.format)
            per_query += num_heads * min(tokens, SHOWN_KEYS) * NUMBER_BYTES
        check_output_budget(f"the {self.format} output", queries, per_query, fixed, fewer=_FEWER, otherwise=_OTHERWISE)

    def write(self, record: Any, explanation: Any, *, overview: AttentionTrace | None = None) -> None:
        """Draw ``record``'s picture to --plot (linked from the document), then write the
        record in --format to --output or the terminal."""
        link = None
        if self.plot:
            written = save_figure(draw(record, explanation, overview=overview), self.plot, force=self.force)
            click.echo(f"wrote {written}", err=True)
            base = os.path.dirname(os.path.abspath(self.output)) if self.output else os.getcwd()
            link = os.path.relpath(os.path.abspath(self.plot), base)
        text = render(record, explanation, self.format, picture=link, overview=overview)
        if self.output:
            click.echo(f"wrote {write_file(self.output, text, force=self.force)}", err=True)
        else:
            click.echo(text, nl=False)


#: options that name files or folders (any bytes the file system takes are fine there), what
#: an empty one should have named, and the code of that refusal
_PATH_OPTIONS = {
    "input_file": ("a JSON file name", "input_empty"),
    "model": ("a model name or a local Hugging Face folder", "model_empty"),
}


def check_texts(options: dict[str, Any]) -> None:
    """Refuse text options holding bytes that are not UTF-8 (``$'\\xff'``): one Error line
    naming the option and the character, never a traceback when the text is printed. An
    empty file or model name (``--input ""``) is refused rather than ignored."""
    for param in click.get_current_context().command.params:
        value = options.get(param.name or "")
        if not isinstance(value, str):
            continue
        label = next((o for o in param.opts if o.startswith("--")), (param.name or "").upper())
        if param.name in _PATH_OPTIONS:
            if not value.strip():
                expected, code = _PATH_OPTIONS[param.name]
                fail(f"{label} is empty: expected {expected}", code=code, option=label)
        else:
            valid_text(value, label)


#: bytes a number takes when written out (a float64's repr, its separator and indentation)
NUMBER_BYTES = 32
#: keys a document shows per query
SHOWN_KEYS = 16
#: the markup around one term of a dot product in HTML (<span class="term">...</span>)
SPAN_BYTES = 40
#: a document's own words (title, introduction, the whole-matrix overview), and an html picture
DOCUMENT_BYTES = 40_000
PICTURE_BYTES = 400_000
_FEWER = "pick them with --queries"
_OTHERWISE = "use fewer tokens or narrower vectors"


def _document_bytes(key_len: int, widths: int, format: str) -> int:
    """About how much of a document (text, Markdown, HTML) one query fills at most: its four
    steps for up to SHOWN_KEYS keys, each showing up to 24 numbers of the vectors. HTML marks
    the same text up, and puts each written-out term of a dot product in its own span (at most
    MAX_TERMS and the rest, so that a long sum wraps: render/html.py)."""
    text = 3000 + min(key_len, SHOWN_KEYS) * (100 + 25 * min(widths, 24))
    if format == "html":
        return 2 * text + min(key_len, SHOWN_KEYS) * (MAX_TERMS + 1) * SPAN_BYTES
    return text


LANG_DEFAULT = "ko when LC_ALL/LC_MESSAGES/LANG is Korean, else en"


def output_options(record: type, *, format_help: str, plot_help: str | None) -> Callable[[Callable[..., None]], Any]:
    """Add the output options to a command (put it right above the function, below the
    command's own options) and call the command with ``out=Output(...)`` instead of them.
    A record with no picture (``plot_help=None``) gets no ``--plot``."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def run(**options: Any) -> None:
            names = ("format", "precision", "lang", "plot", "output", "force")
            out = Output(**{name: options.pop(name, None) for name in names})
            try:
                check_texts(options)
                out.check()
                command(out=out, **options)
            except SelfAttentionError as error:
                relay(error, out.lang)

        shown = [
            click.option(
                "--format",
                "-f",
                "format",
                type=click.Choice(formats(record)),
                default="text",
                show_default=True,
                help=format_help,
            ),
            click.option(
                "--precision",
                type=click.IntRange(0, 15),
                default=4,
                show_default=True,
                help="Decimal places shown (display only).",
            ),
            click.option(
                "--lang",
                type=click.Choice(sorted(available_languages())),
                default=default_language,
                show_default=LANG_DEFAULT,
                help="Language of the explanation.",
            ),
            click.option("--output", "-o", metavar="FILE", help="Write to FILE instead of the terminal."),
            click.option("--force", is_flag=True, help="Overwrite --output and --plot if they exist."),
        ]
        if plot_help is not None:
            shown.insert(3, click.option("--plot", metavar="FILE", help=plot_help))
        for option in reversed(shown):
            run = option(run)
        return run

    return decorate
