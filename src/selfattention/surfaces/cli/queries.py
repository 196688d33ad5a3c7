"""How the commands read the tokens they are given: a word, or a 0-based position when it
is a number (ASCII digits only: ``"²".isdigit()`` is True but ``int("²")`` fails).

>>> parse_queries("0, it,-1"), word("7"), word("it")
([0, 'it', -1], 7, 'it')
"""

from __future__ import annotations

import re
from typing import overload

from .output import fail

__all__ = ["parse_queries", "queries_option", "word"]

_POSITION = re.compile(r"-?[0-9]+")


@overload
def word(text: str) -> int | str: ...
@overload
def word(text: None) -> None: ...
def word(text: str | None) -> int | str | None:
    """A token as typed: a word, or a 0-based position when it is a number."""
    if text is not None and _POSITION.fullmatch(text.strip()):
        return int(text)
    return text


def parse_queries(text: str) -> list[int | str]:
    """ "0,2" -> [0, 2]; "it" -> ["it"]; empty entries are skipped."""
    parts = [p.strip() for p in text.split(",")]
    return [int(p) if _POSITION.fullmatch(p) else p for p in parts if p]


def queries_option(text: str) -> list[int | str]:
    """--queries, refused when it names no query (an empty trace would show nothing)."""
    queries = parse_queries(text)
    if not queries:
        fail(
            f'--queries {text!r} names no query: expected tokens or 0-based positions such as "0,2"',
            code="queries_empty",
            text=text,
        )
    return queries
