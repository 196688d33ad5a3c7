"""Labels of a trace's positions and the choice of the queries to trace, checked.

A label is shown in every table and title, so it must be one visible line; a query is asked
for by position or by token text, and a wrong one is refused with the choices listed. Where
tokens are named for people, :func:`distinct` tells repeated ones apart by their position.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np

from ..core.errors import InputError

__all__ = ["POSITION_MARK", "distinct", "labels", "pick_queries"]

#: a repeated token is named with this mark and its position: "the@5"
POSITION_MARK = "@"


def distinct(tokens: Sequence[str]) -> tuple[str, ...]:
    """The tokens as people read them in explanations, tables and figures: one that occurs
    more than once is told apart by its position (counted from 0), a unique one stays as it is.

    >>> distinct(["the", "cat", "saw", "the", "dog"])
    ('the@0', 'cat', 'saw', 'the@3', 'dog')
    """
    seen: dict[str, int] = {}
    for token in tokens:
        seen[token] = seen.get(token, 0) + 1
    return tuple(f"{t}{POSITION_MARK}{i}" if seen[t] > 1 else t for i, t in enumerate(tokens))


#: whose positions labels name ("query" or "key"): what a message calls them, and their dimension
_POSITIONS = {"query": ("query positions (L)", "L"), "key": ("key positions (S)", "S")}


def labels(given: Sequence[str] | None, count: int, name: str, side: str) -> tuple[str, ...]:
    """The labels of ``count`` positions: ``given`` checked (one visible name each), or
    t0, t1, ... when None (positions count from 0). ``name`` names them in messages, and
    ``side`` ("query" or "key") says whose positions they label.

    >>> labels(None, 2, "tokens", "query")
    ('t0', 't1')
    """
    what, dim = _POSITIONS[side]
    if given is None:
        return tuple(f"t{i}" for i in range(count))
    if isinstance(given, str):
        raise InputError(
            f"{name} is one string: expected a list of {count} strings, one per {what}",
            code="labels_one_string",
            name=name,
            count=count,
            what=side,
            dim=dim,
        )
    result = tuple(str(t) for t in given)
    if len(result) != count:
        raise InputError(
            f"{name} has {len(result)} entries but there are {count} {what}: give one label each",
            code="labels_wrong_count",
            name=name,
            entries=len(result),
            count=count,
            what=side,
            dim=dim,
        )
    for i, label in enumerate(result):
        if any(unicodedata.category(c) == "Cc" for c in label):  # a newline breaks every table and title
            raise InputError(
                f"{name} entry {i} is {label!r}: a label holds a control character (newline, tab, ...);"
                " expected a visible name such as 'NL'",
                code="label_control_char",
                name=name,
                entry=i,
                label=label,
            )
    return result


def pick_queries(queries: Sequence[int | str] | None, tokens: tuple[str, ...]) -> list[int]:
    """The query positions to trace, in the order asked, each once: by 0-based position
    (negative counts from the end) or by token text (its first match); all when None.

    >>> pick_queries(["b", -1, 1], ("a", "b", "c"))
    [1, 2]
    """
    query_len = len(tokens)
    if queries is None:
        return list(range(query_len))
    if isinstance(queries, (str, int)):
        queries = [queries]
    picked: list[int] = []
    for raw in queries:
        if isinstance(raw, str):
            if raw not in tokens:
                listing = ", ".join(f"{i}:{t}" for i, t in enumerate(tokens[:_LISTED]))
                if len(tokens) > _LISTED:  # a message stays one readable line
                    listing += f", ... ({len(tokens) - _LISTED} more)"
                raise InputError(
                    f"query {raw!r} is not among the tokens: {listing}",
                    code="query_not_found",
                    query=raw,
                    listing=listing,
                )
            raw = tokens.index(raw)
        if isinstance(raw, bool) or not isinstance(raw, (int, np.integer)):
            raise InputError(
                f"queries holds {raw!r}: expected query positions (integers) or tokens",
                code="queries_bad_item",
                value=raw,
            )
        i = int(raw) + query_len if raw < 0 else int(raw)
        if not 0 <= i < query_len:
            from_end = f" (or {-query_len} to -1, counted from the end)" if raw < 0 else ""
            raise InputError(
                f"query position {raw} is out of range: there are {query_len} queries,"
                f" positions 0 to {query_len - 1}{from_end}",
                code="query_out_of_range_from_end" if raw < 0 else "query_out_of_range",
                position=raw,
                count=query_len,
                last=query_len - 1,
                first=-query_len,
            )
        if i not in picked:
            picked.append(i)
    return picked


#: at most this many tokens are listed in a message
_LISTED = 20
