"""One exception family for everything the library refuses.

Every message names the argument, what was received and what was expected, so that a
surface (CLI, web server) can show it as it is. All of them subclass ``ValueError``:
``except ValueError`` catches every refusal of bad input.

>>> try:
...     raise ShapeError("query has 3 features but key has 4: the last dimensions must match")
... except ValueError as error:
...     print(error)
query has 3 features but key has 4: the last dimensions must match
"""

from __future__ import annotations

from typing import Any

__all__ = ["InputError", "LimitError", "MaskError", "MissingExtraError", "SelfAttentionError", "ShapeError", "shown"]


class SelfAttentionError(ValueError):
    """Base class of every error this library raises for bad input."""


class ShapeError(SelfAttentionError):
    """Arrays whose shapes, ranks or sizes do not fit together."""


class MaskError(SelfAttentionError):
    """A mask of the wrong dtype, shape or content."""


class InputError(SelfAttentionError):
    """User data (a file, inline text, a request) that cannot be read as asked."""


class LimitError(SelfAttentionError):
    """A request larger than the chosen path can hold; the message suggests one that can."""


class MissingExtraError(SelfAttentionError, ImportError):
    """An optional part (plots, torch, ...) needs a package that is not installed; the
    message names the extra to install, e.g. ``pip install 'selfattention[plot]'``."""


def shown(x: Any, limit: int = 40) -> str:
    """``repr(x)``, shortened for a message: a 5000-digit number is not echoed whole."""
    try:
        text = repr(x)
    except RecursionError:  # a list nested thousands deep (built in Python, not from JSON)
        return f"a {type(x).__name__} nested too deeply to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."
