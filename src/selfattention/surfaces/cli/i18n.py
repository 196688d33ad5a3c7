"""The command line in the learner's language: under ``--lang ko`` (or a Korean locale) the
``Error:`` lines, click's own usage errors and ``--help`` are Korean too; English stays
byte for byte what click writes.

The language is read off the command line before click parses it (:func:`scan_language`),
so that a parsing error ("No such option") is already said in it, and held in a context
variable while the command runs (:func:`speaking`). Click writes its own words through
gettext; :func:`install` routes them through the language's catalog (:mod:`.help_ko`) while
that language is spoken, and through gettext as before otherwise. :class:`Command` and
:class:`Group` write the help of commands and options from the same catalog. A refusal of the
library is said with :func:`selfattention.explain.messages.say_error`.
"""

from __future__ import annotations

import contextvars
import copy
import inspect
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import click

from ...explain import available_languages, default_language
from . import help_ko

__all__ = ["Command", "Group", "install", "language", "scan_language", "speaking"]

#: per language: the module with its CLICK, COMMANDS, OPTIONS, DEFAULTS and GROUP words
CATALOGS: Mapping[str, ModuleType] = {"ko": help_ko}

_LANGUAGE: contextvars.ContextVar[str] = contextvars.ContextVar("selfattention_cli_language", default="en")


def language() -> str:
    """The language the running command speaks ("en" outside a command)."""
    return _LANGUAGE.get()


def scan_language(args: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """The language a command line asks for, before click parses it: its last ``--lang X``
    or ``--lang=X`` (before a ``--``), else the locale's (LC_ALL, LC_MESSAGES, LANG).

    >>> scan_language(["explain", "--lang", "ko", "--bogus"], {}), scan_language(["-h"], {"LANG": "ko_KR.UTF-8"})
    ('ko', 'ko')
    >>> scan_language(["explain", "--lang=en"], {"LANG": "ko_KR.UTF-8"}), scan_language(["--lang", "xx"], {})
    ('en', 'en')
    """
    chosen = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            chosen = args[i + 1]
        elif arg.startswith("--lang="):
            chosen = arg.partition("=")[2]
    return chosen if chosen in available_languages() else default_language(environ)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Run a command in ``lang``: click's words and the help come from its catalog."""
    install()
    token = _LANGUAGE.set(lang)
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


# -- click's own words --------------------------------------------------------------------------

#: the modules of click that write words through gettext, under the names they import it as
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils")


def _catalog() -> ModuleType | None:
    return CATALOGS.get(language())


def _make_gettext(original: Callable[[str], str]) -> Callable[[str], str]:
    def translated(message: str) -> str:
        catalog = _catalog()
        if catalog is None:
            return original(message)
        words: dict[str, str] = catalog.CLICK
        return words.get(message, message)

    translated.selfattention = True  # type: ignore[attr-defined]
    return translated


def _make_ngettext(original: Callable[[str, str, int], str]) -> Callable[[str, str, int], str]:
    def translated(singular: str, plural: str, n: int) -> str:
        catalog = _catalog()
        if catalog is None:
            return original(singular, plural, n)
        message = singular if n == 1 else plural
        words: dict[str, str] = catalog.CLICK
        return words.get(message, message)

    translated.selfattention = True  # type: ignore[attr-defined]
    return translated


def install() -> None:
    """Route click's gettext calls through :func:`language`'s catalog (once; English and
    code outside our commands get gettext's answer, as before)."""
    for name in _CLICK_MODULES:
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        current = getattr(module, "_", None)
        if callable(current) and not getattr(current, "selfattention", False):
            module._ = _make_gettext(current)  # type: ignore[attr-defined]
        plural = getattr(module, "ngettext", None)
        if callable(plural) and not getattr(plural, "selfattention", False):
            module.ngettext = _make_ngettext(plural)  # type: ignore[attr-defined]


def _words(message: str) -> str:
    catalog = _catalog()
    return message if catalog is None else catalog.CLICK.get(message, message)


# -- help ---------------------------------------------------------------------------------------


class _Localized(click.Command):
    """Help in the spoken language: the command's text, its options' help and its epilog."""

    def _help(self) -> help_ko.CommandHelp | None:
        catalog = _catalog()
        return None if catalog is None or self.name is None else catalog.COMMANDS.get(self.name)

    def _text(self) -> str | None:
        catalog = _catalog()
        if catalog is not None and isinstance(self, click.Group):
            return str(catalog.GROUP)
        words = self._help()
        return None if words is None else words.help

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """Click makes the help option once and keeps it: it is made in English (its help is
        said in the spoken language when the options are written), never in the language of
        whichever command ran first."""
        token = _LANGUAGE.set("en")
        try:
            return super().get_help_option(ctx)
        finally:
            _LANGUAGE.reset(token)

    def get_short_help_str(self, limit: int = 45) -> str:
        text = self._text()
        if text is None:
            return super().get_short_help_str(limit)
        return text.split("\n\n")[0].strip()

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        text = self._text()
        if text is None:
            super().format_help_text(ctx, formatter)
            return
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(text)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        words = self._help()
        if words is None or _catalog() is None:
            super().format_epilog(ctx, formatter)
            return
        if words.epilog:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(inspect.cleandoc(words.epilog))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        catalog = _catalog()
        if catalog is None:
            super().format_options(ctx, formatter)
            return
        words = self._help()
        own = words.options if words is not None else {}
        records = []
        for param in self.get_params(ctx):
            if isinstance(param, click.Argument):
                continue
            shown = copy.copy(param)  # the help in this language; the parameter itself is untouched
            if isinstance(shown, click.Option):
                name = param.name or ""
                shown.help = own.get(name) or catalog.OPTIONS.get(name) or catalog.CLICK.get(param.help, param.help)
                if isinstance(shown.show_default, str):
                    shown.show_default = catalog.DEFAULTS.get(shown.show_default, shown.show_default)
            record = shown.get_help_record(ctx)
            if record is not None:
                records.append(record)
        if records:
            with formatter.section(_words("Options")):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class Command(_Localized):
    """A command whose help follows the spoken language (``@click.command(cls=Command)``)."""


class Group(_Localized, click.Group):
    """The command group: its help, and its commands' short help, in the spoken language."""

    def main(self, args: Sequence[str] | None = None, **kwargs: Any) -> Any:  # type: ignore[override]
        """Run in the language the command line asks for, found before parsing."""
        given = list(sys.argv[1:] if args is None else args)
        with speaking(scan_language(given)):
            return super().main(args, **kwargs)
