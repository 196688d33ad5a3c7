"""One exception family for everything the library refuses.

Every message names the argument, what was received and what was expected, so that a
surface (CLI, web server) can show it as it is. All of them subclass ``ValueError``:
``except ValueError`` catches every refusal of bad input.

The message is English. A refusal a learner meets often also carries a ``code`` and the
``params`` its message was made from, so that a surface can say it in the learner's language
(:func:`selfattention.explain.messages.say_error`); one without a code is shown as it is.

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
    """Base class of every error this library raises for bad input.

    >>> error = InputError("input file 'x.json' does not exist", code="file_not_found", path="x.json")
    >>> str(error), error.code, error.params
    ("input file 'x.json' does not exist", 'file_not_found', {'path': 'x.json'})
    """

    def __init__(self, message: str = "", /, *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code = code  # names the message in the catalogs of explain.messages (None: English only)
        self.params = params  # the values the message was made from


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
