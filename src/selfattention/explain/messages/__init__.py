"""Refusals in the learner's language.

A refusal's message is English (``str(error)``). One that a learner meets often also carries
a ``code`` and the ``params`` it was made from (:class:`selfattention.core.errors.SelfAttentionError`);
a language's catalog here (``ko``: :mod:`.ko`) holds a template per code, filled in with the
same params. A refusal without a code, or whose code a catalog lacks, is shown in English:
nothing is lost, it is only untranslated. Words only: which refusal to raise is decided where
it is raised.

>>> from selfattention.core.errors import InputError
>>> error = InputError("input file 'x.json' does not exist", code="file_not_found", path="x.json")
>>> say_error(error, "en")
"input file 'x.json' does not exist"
>>> say_error(error, "ko")
"입력 파일이 없습니다: 'x.json'"
>>> error_line(error, "ko")
"오류: 입력 파일이 없습니다: 'x.json'"
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import ko

__all__ = ["CATALOGS", "ERROR_PREFIX", "error_line", "say", "say_error"]

#: per language: code -> template (str.format with the refusal's params)
CATALOGS: Mapping[str, Mapping[str, str]] = {"ko": ko.ERRORS}
#: per language: words a template's ``{what}`` param is translated with ("query" -> "쿼리")
_WORDS: Mapping[str, Mapping[str, str]] = {"ko": ko.WORDS}
#: how an error line starts, per language ("Error: ...", as click writes it)
ERROR_PREFIX: Mapping[str, str] = {"en": "Error", "ko": ko.ERROR_PREFIX}


def say(code: str | None, lang: str, english: str, /, **params: Any) -> str:
    """The message of ``code`` in ``lang`` with ``params``; ``english`` when the language has
    no template for it (English itself, a new code not translated yet)."""
    template = CATALOGS.get(lang, {}).get(code or "")
    if template is None:
        return english
    words = _WORDS.get(lang, {})
    if isinstance(params.get("what"), str):
        params = {**params, "what": words.get(params["what"], params["what"])}
    return template.format(**params)


def say_error(error: BaseException, lang: str) -> str:
    """A refusal's message in ``lang`` (its English message when it has no code there)."""
    return say(getattr(error, "code", None), lang, str(error), **getattr(error, "params", {}))


def error_line(error: BaseException, lang: str) -> str:
    """The whole line a command line prints: ``Error: ...`` or ``오류: ...``."""
    return f"{ERROR_PREFIX.get(lang, 'Error')}: {say_error(error, lang)}"
