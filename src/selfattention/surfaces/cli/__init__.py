"""The command line: parse, call the library, print. No maths and no prose of its own.

One module per command: ``explain`` (vectors: the seed's, a file's or inline), ``layer`` (a
sentence through a toy multi-head layer), ``model`` (one head of a real model), ``heads``
(every head of a real model), ``generate`` (greedy generation, a head traced per step),
``ring`` (ring attention on local processes), ``serve`` (the web explorer), ``exercise`` (a
worksheet to work by hand) and ``check`` (grade the answers to one). The output options they share
live in :mod:`.output`; the old spellings of ``explain`` with a sentence in :mod:`.legacy`.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ... import __version__
from .check import check_command
from .exercise import exercise_command
from .explain import explain_command
from .generate import generate_command
from .heads import heads_command
from .i18n import Group
from .layer import layer_command
from .legacy import translate
from .model import model_command
from .ring import ring_command
from .serve import serve_command

__all__ = ["main"]

_NOTE = "selfattention.legacy_note"


class Commands(Group):
    """The command group; ``explain`` with a sentence (the old spelling) runs ``layer`` or
    ``model`` and, when it succeeds, says so in one note on stderr."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name == "explain":
            moved = translate(rest, _value_options(self))
            if moved is not None:
                name, rest, ctx.meta[_NOTE] = moved
                command = self.commands[name]
        return name, command, rest

    def invoke(self, ctx: click.Context) -> Any:
        result = super().invoke(ctx)
        if _NOTE in ctx.meta:
            click.echo(ctx.meta[_NOTE], err=True)
        return result


def _value_options(group: click.Group) -> set[str]:
    """Every option name of the commands that takes a value, and the old --text."""
    names = {"--text"}
    for command in group.commands.values():
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag:
                names.update(param.opts)
    return names


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="selfattention")
def main() -> None:
    """Compute, inspect and understand self-attention."""


for _command in (
    explain_command,
    layer_command,
    model_command,
    heads_command,
    generate_command,
    serve_command,
    exercise_command,
    check_command,
    ring_command,
):
    main.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
