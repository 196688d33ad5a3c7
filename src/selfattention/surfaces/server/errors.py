"""Every refusal the server gives, as one JSON shape in the asker's language.

The body is ``{"error": "...", "code": "..."}``: ``error`` is the sentence a person reads,
``code`` names the refusal for a program (``null`` where there is none). The sentence is in
the language the request's ``Accept-Language`` header prefers among the explanation's
languages (the page sends its own), English otherwise; the words come from
:mod:`selfattention.explain.messages`, as on the command line.

>>> preferred_language("ko-KR,ko;q=0.9,en;q=0.8"), preferred_language("fr, en;q=0.5"), preferred_language("")
('ko', 'en', 'en')
>>> preferred_language("en;q=0.4, ko;q=0.7"), preferred_language("ko;q=0")
('ko', 'en')
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ...core.errors import LimitError, SelfAttentionError
from ...explain import available_languages
from ...explain.messages import say_error

__all__ = ["Refusal", "add_error_handlers", "error_response", "preferred_language"]


class Refusal(SelfAttentionError):
    """A refusal of the request itself (its type, its path), with the HTTP status to answer."""

    def __init__(self, status: int, message: str, /, *, code: str, **params: Any) -> None:
        super().__init__(message, code=code, **params)
        self.status = status


def preferred_language(header: str) -> str:
    """The language of the explanation that an ``Accept-Language`` header prefers (its highest
    ``q``, the first one on a tie), "en" when it names none of them."""
    known = available_languages()
    best, best_q = "en", 0.0
    for part in header.split(","):
        tag, _, rest = part.strip().partition(";")
        q = 1.0
        if rest.strip().startswith("q="):
            try:
                q = float(rest.strip()[2:])
            except ValueError:
                continue  # a malformed weight: that part is ignored, as browsers do
        code = tag.strip().split("-")[0].lower()
        if code in known and q > best_q:
            best, best_q = code, q
    return best


def error_response(request: Request, error: SelfAttentionError) -> JSONResponse:
    """The JSON answer to ``error``, said in the request's language: its own status for a
    :class:`Refusal`, 413 for a limit, 422 for any other refusal."""
    status = error.status if isinstance(error, Refusal) else 413 if isinstance(error, LimitError) else 422
    lang = preferred_language(request.headers.get("accept-language", ""))
    return JSONResponse({"error": say_error(error, lang), "code": error.code}, status_code=status)


def add_error_handlers(app: FastAPI) -> None:
    """Refusals become 4xx JSON in the asker's language; a bug becomes a 500 that says so."""

    @app.exception_handler(SelfAttentionError)
    async def refused(request: Request, error: SelfAttentionError) -> JSONResponse:
        return error_response(request, error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        # starlette's own: a path or method that is not served
        if error.status_code in (404, 405):
            where = f"{request.method} {request.url.path}"
            english = f"{where} is not served here: the page is at /, the API under /api/ (described in /openapi.json)"
            return error_response(request, Refusal(error.status_code, english, code="not_served", where=where))
        return JSONResponse({"error": str(error.detail), "code": None}, status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        reason = str(first.get("msg", "invalid"))
        refusal = Refusal(422, f"{where}: {reason}", code="request_invalid", where=where, reason=reason)
        return error_response(request, refusal)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:  # pragma: no cover
        # a bug, not the user's fault: still JSON, and the tests send garbage to find these
        name = type(error).__name__
        return error_response(
            request, Refusal(500, f"internal error ({name}): please report it", code="internal_error", name=name)
        )
