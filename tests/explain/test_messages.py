"""Refusals in the learner's language (explain.messages): every code raised has its Korean
words, every template is filled in from the params of the refusal, and English is untouched."""

from __future__ import annotations

import ast
import functools
import string
from pathlib import Path

import numpy as np
import pytest

import selfattention as sa
from selfattention.core.errors import InputError
from selfattention.explain.messages import CATALOGS, error_line, say, say_error
from selfattention.explain.messages import ko as korean

SRC = Path(sa.__file__).parent


#: codes the command line takes from a table (surfaces/cli/output.py, _PATH_OPTIONS)
TABLED = {"input_empty": {"option"}, "model_empty": {"option"}}


@functools.cache
def parsed() -> dict[str, ast.Module]:
    """Every module of the package, parsed once, by its path under the package."""
    return {
        str(path.relative_to(SRC)): ast.parse(path.read_text(encoding="utf-8")) for path in sorted(SRC.rglob("*.py"))
    }


@functools.cache
def refusal_classes() -> frozenset[str]:
    """The names of every class in the SelfAttentionError family defined in the package."""
    bases: dict[str, set[str]] = {}
    for tree in parsed().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
    family = {"SelfAttentionError"}
    while grown := {name for name, parents in bases.items() if parents & family} - family:
        family |= grown
    return frozenset(family)


def refusal(call: ast.Call) -> bool:
    """A refusal is made here: an error of the family, or the command line's ``fail``."""
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    return name == "fail" or name in refusal_classes()


def raised_codes() -> dict[str, set[str]]:
    """Every literal ``code=...`` given to a refusal in the package, with the params given beside it."""
    found: dict[str, set[str]] = {code: set(params) for code, params in TABLED.items()}
    for tree in parsed().values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not refusal(node):
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            if "code" not in keywords:
                continue
            value = keywords["code"]
            codes = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]  # a if c else b
            params = set(keywords) - {"code"}
            if any(k.arg is None for k in node.keywords):  # **params: the names are given elsewhere
                params.add("*")
            for code in codes:
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    found.setdefault(code.value, set()).update(params)
    return found


def uncoded_refusals(module: str) -> list[int]:
    """Lines of ``module`` that make a refusal without a code."""
    return [
        node.lineno
        for node in ast.walk(parsed()[module])
        if isinstance(node, ast.Call) and refusal(node) and not any(k.arg in ("code", None) for k in node.keywords)
    ]


SOURCES = sorted(str(path.relative_to(SRC)) for path in SRC.rglob("*.py"))


@pytest.mark.parametrize("module", SOURCES)
def test_every_refusal_carries_a_code_so_that_it_can_be_said_in_korean(module):
    uncoded = uncoded_refusals(module)
    assert not uncoded, f"{module}: refusals without code= on lines {uncoded}"


def test_every_code_raised_has_korean_words_and_every_template_is_used():
    raised = raised_codes()
    assert len(raised) >= 20
    assert set(raised) == set(korean.ERRORS), set(raised) ^ set(korean.ERRORS)


@pytest.mark.parametrize("code", sorted(korean.ERRORS))
def test_each_template_names_only_params_its_refusal_gives(code):
    given = raised_codes()[code]
    names = {field for _, field, _, _ in string.Formatter().parse(korean.ERRORS[code]) if field}
    if "*" not in given:
        assert names <= given, (code, names - given)


def test_english_is_the_message_itself_and_a_code_without_words_stays_english():
    error = InputError("query position 9 is out of range", code="query_out_of_range", position=9, count=2, last=1)
    assert say_error(error, "en") == str(error)
    assert say_error(error, "ko") == "쿼리 위치가 범위를 벗어났습니다: 9. 쿼리는 2개이고, 위치는 0부터 1까지입니다"
    assert say("no_such_code", "ko", "as it was") == "as it was"
    assert say_error(InputError("no code here"), "ko") == "no code here"
    assert error_line(InputError("x"), "en") == "Error: x" and error_line(InputError("x"), "ko") == "오류: x"
    assert set(CATALOGS) == {"ko"}


def test_library_refusals_carry_their_code_and_params():
    with pytest.raises(sa.ShapeError) as caught:
        sa.scaled_dot_product_attention(np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 1)))
    assert caught.value.code == "feature_mismatch" and caught.value.params == {"query": 3, "key": 4}
    assert say_error(caught.value, "ko").startswith("query의 특성(feature)은 3개, key의 특성은 4개입니다")
    with pytest.raises(sa.InputError) as caught:
        sa.trace(np.eye(2), np.eye(2), np.eye(2), tokens=["a", "b"], queries=["c"])
    assert say_error(caught.value, "ko") == "토큰에 없는 쿼리입니다: 'c'. 토큰: 0:a, 1:b"
