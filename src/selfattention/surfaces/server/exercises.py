"""The exercise tab's API: ``POST /api/exercise`` draws a worksheet, ``POST /api/check``
grades answers to it. The same documents as ``selfattention exercise --format json`` and
``selfattention check --format json``; the words come from the language modules.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ...core.errors import InputError, shown
from ...explain import get_language
from ...explain.checker import check_answers, read_check_document
from ...explain.exercise import check_document, explain_check, explain_exercise
from ...sources.exercises import Worksheet, generate_exercise
from .payload import parse_body
from .schemas import ERROR_RESPONSES

__all__ = ["PAGE_LABELS", "add_exercises"]

#: the labels the exercise tab shows (the language modules define them)
PAGE_LABELS = (
    "page_tab_explore",
    "page_tab_exercise",
    "page_new_exercise",
    "page_check_answers",
    "page_show_answers",
    "page_diagnosis",
    "page_seed",
    "page_tokens",
    "page_causal",
    "exercise_name",
    "check_right",
    "check_wrong",
)


def _int(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(
            f"{name} is {shown(value)}: expected a whole number",
            code="request_field_not_whole_number",
            field=name,
            value=shown(value),
        )
    return value


def _lang(body: dict[str, Any]) -> str:
    lang = body.get("lang", "en")
    if not isinstance(lang, str):
        raise InputError(
            f"lang is {shown(lang)}: expected a language code such as 'en' or 'ko'",
            code="exercise_lang_not_code",
            value=shown(lang),
        )
    get_language(lang)
    return lang


def add_exercises(app: FastAPI, read_body: Callable[[Request], Awaitable[bytes]]) -> None:
    @app.post("/api/exercise", tags=["exercises"], responses=ERROR_RESPONSES)
    async def exercise(request: Request) -> JSONResponse:
        """A new exercise: ``{"seed", "tokens", "dim", "causal", "level", "lang"}`` (all optional) ->
        ``{"exercise": ..., "answers": ..., "words": ..., "labels": ...}``."""
        body = parse_body(await read_body(request))
        if not isinstance(body, dict):
            raise InputError("the request body must be a JSON object", code="request_body_not_object")
        causal = body.get("causal", False)
        if not isinstance(causal, bool):
            raise InputError(
                f"causal is {shown(causal)}: expected true or false",
                code="request_causal_not_boolean",
                value=shown(causal),
            )
        lang = _lang(body)
        ex = generate_exercise(
            _int(body, "seed", 0),
            _int(body, "tokens", 3),
            _int(body, "dim", 3),
            causal=causal,
            level=_int(body, "level", 1),
        )
        sheet = Worksheet.of(ex, answers=True)
        words = explain_exercise(sheet, lang)
        labels = get_language(lang).labels
        return JSONResponse(
            {
                **sheet.to_dict(),
                "words": {"title": words.title, "intro": list(words.intro), "steps": words.steps},
                "labels": {name: labels[name] for name in PAGE_LABELS if name in labels},
            }
        )

    @app.post("/api/check", tags=["exercises"], responses=ERROR_RESPONSES)
    async def check(request: Request) -> JSONResponse:
        """Grade ``{"exercise": ..., "answers": ..., "lang"}``: the check document of
        ``selfattention check --format json``."""
        body = parse_body(await read_body(request))
        if not isinstance(body, dict):
            raise InputError("the request body must be a JSON object", code="request_body_not_object")
        lang = _lang(body)
        exercise, answers = read_check_document(body)
        result = check_answers(exercise, answers)
        words = explain_check(result, lang)
        return JSONResponse({**check_document(result, words), "step_names": words.step_names})
