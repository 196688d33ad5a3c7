"""Errors and help in the chosen language (issue #14, item 6): under ``--lang ko`` (given
anywhere on the line) or a Korean locale, ``Error:`` lines, click's own usage errors and
``--help`` are Korean; English stays as it was (tests/surfaces/test_cli_errors.py)."""

from __future__ import annotations

import json
import re

import click
import pytest
from click.testing import CliRunner

from selfattention.surfaces.cli import help_ko, main
from selfattention.surfaces.cli.i18n import language

INLINE = ["--query", "1,0;0,1", "--key", "1,0;0,1", "--value", "1;2"]
KOREAN = {"LANG": "ko_KR.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
ENGLISH = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env or ENGLISH)


def error_line(result) -> str:
    """The last line on stderr: the one that says what is wrong."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    return result.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["explain", "--input", "nope.json"], "오류: 입력 파일이 없습니다: 'nope.json'"),
        (
            ["explain", "--queries", "9"],
            "오류: 쿼리 위치가 범위를 벗어났습니다: 9. 쿼리는 2개이고, 위치는 0부터 1까지입니다",
        ),
        (
            ["explain", "--queries", "-3"],
            "오류: 쿼리 위치가 범위를 벗어났습니다: -3. 쿼리는 2개이고, 위치는 0부터 1까지"
            " (끝에서 세면 -2부터 -1까지)입니다",
        ),
        (["explain", "--queries", "zz"], "오류: 토큰에 없는 쿼리입니다: 'zz'. 토큰: 0:Acting, 1:Machines"),
        (["explain", "-q", "1,a", "-k", "1,2", "-v", "1"], "오류: query의 0번 행 1번 열이 숫자가 아닙니다: 'a'"),
        (["explain", "-q", "nan", "-k", "1", "-v", "1"], "오류: query의 0번 행 0번 열이 유한한 숫자가 아닙니다: 'nan'"),
        (
            ["explain", "-q", "1,2;3", "-k", "1,2", "-v", "1"],
            "오류: query의 1번 행에는 숫자가 1개, 0번 행에는 2개 있습니다: 모든 행의 값 개수가 같아야 합니다",
        ),
        (
            ["explain", "-q", "1,0", "-k", "1", "-v", "1"],
            "오류: query의 특성(feature)은 2개, key의 특성은 1개입니다: query와 key의 마지막 차원이 같아야 합니다",
        ),
        (["explain", "-q", "1,0"], "오류: --query, --key, --value는 함께 주어야 합니다. 빠진 것: --key, --value"),
        (
            ["explain", "--tokens", "a,b"],
            "오류: --tokens와 --mask에는 --query, --key, --value(또는 --input 파일)가 필요합니다",
        ),
        (
            ["explain", "--queries", ","],
            "오류: --queries에 쿼리가 없습니다: ','. 토큰이나 0부터 센 위치를 주세요. 예: \"0,2\"",
        ),
        (
            ["explain", "--plot", "h.png", "-o", "h.png"],
            "오류: --plot과 --output이 같은 파일입니다: 'h.png'. 서로 다른 이름을 주세요",
        ),
        # click's own refusals
        (["explain", "--bogus"], "오류: 그런 옵션은 없습니다: '--bogus'."),
        (
            ["explain", "--format", "pdf"],
            "오류: '--format' / '-f'의 값이 올바르지 않습니다: 'pdf'은(는) 고를 수 없습니다:"
            " 'text', 'markdown', 'json', 'html', 'csv' 중 하나를 고르세요.",
        ),
        (["layer"], "오류: 빠진 인자: 'TEXT'."),
        (["explain", "--precision"], "오류: 옵션 '--precision'에는 값이 필요합니다."),
        (
            ["explain", "--precision", "99"],
            "오류: '--precision'의 값이 올바르지 않습니다: 99은(는) 범위 0<=x<=15 밖입니다.",
        ),
        (["nosuchcommand"], "오류: 그런 명령은 없습니다: 'nosuchcommand'."),
    ],
)
def test_error_lines_are_korean_under_lang_ko(args, line):
    assert error_line(run(args[0], "--lang", "ko", *args[1:])) == line


def test_lang_anywhere_on_the_line_and_the_locale_choose_the_language(tmp_path):
    # --lang after the bad option: the line is read for --lang before click parses it
    assert error_line(run("explain", "--bogus", "--lang", "ko")) == "오류: 그런 옵션은 없습니다: '--bogus'."
    assert error_line(run("explain", "--bogus", "--lang=ko")) == "오류: 그런 옵션은 없습니다: '--bogus'."
    # a Korean locale without --lang
    assert error_line(run("explain", "--input", "nope.json", env=KOREAN)) == "오류: 입력 파일이 없습니다: 'nope.json'"
    # --lang en wins over the locale, and English is as it was
    english = run("explain", "--input", "nope.json", "--lang", "en", env=KOREAN)
    assert english.stderr == "Error: input file 'nope.json' does not exist\n"
    assert run("explain", "--bogus").stderr.splitlines()[-1] == "Error: No such option '--bogus'."
    assert language() == "en"  # nothing is left behind after a command


def test_files_and_json_errors_are_korean(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"query": [[1, 0]], "key": [[1, 0]]', encoding="utf-8")
    with pytest.raises(json.JSONDecodeError) as parsed:
        json.loads(bad.read_text(encoding="utf-8"))
    where = f"{parsed.value.lineno}번째 줄 {parsed.value.colno}번째 글자 ({parsed.value.msg})"
    assert error_line(run("explain", "--input", str(bad), "--lang", "ko")) == (
        f"오류: 입력 파일이 올바른 JSON이 아닙니다: {str(bad)!r}, {where}"
    )
    assert error_line(run("explain", "--input", str(tmp_path), "--lang", "ko")) == (
        f"오류: 입력 파일 자리에 폴더가 있습니다: {str(tmp_path)!r}. JSON 파일을 주세요"
    )
    out = tmp_path / "out.txt"
    out.write_text("mine", encoding="utf-8")
    assert error_line(run("explain", "-o", str(out), "--lang", "ko")) == (
        f"오류: 출력 파일이 이미 있습니다: {str(out)!r}. 덮어쓰려면 --force를 주세요"
    )
    assert out.read_text(encoding="utf-8") == "mine"
    sheet = tmp_path / "sheet.json"
    sheet.write_text(json.dumps({"answers": {}}), encoding="utf-8")
    result = run("check", str(tmp_path / "none.json"), "--lang", "ko")
    assert result.stderr == f"오류: 입력 파일이 없습니다: {str(tmp_path / 'none.json')!r}\n"


def test_a_library_refusal_is_said_in_korean_too():
    """A refusal raised by the library (here the kernels' check of scale), not by the command
    line itself, is said in Korean too (a code without Korean words stays English:
    tests/explain/test_messages.py)."""
    result = run("explain", "-q", "1,0;0,1", "-k", "1,0;0,1", "-v", "1;2", "--scale", "inf", "--lang", "ko")
    assert error_line(result) == "오류: scale이 유한한 숫자가 아닙니다: inf. 유한한 숫자를 주세요"


# -- --help -------------------------------------------------------------------------------------


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def letters(text: str) -> str:
    """Text without its spaces: a help text as written, whatever the wrapping did to it."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", sorted(main.commands))
def test_help_is_korean_in_a_korean_locale(name):
    command = main.commands[name]
    english = letters(run(name, "--help").stdout)
    result = run(name, "--help", env=KOREAN)
    assert result.exit_code == 0, result.output
    korean = words(result.stdout)
    assert korean.startswith("사용법:") and " 옵션: " in korean and "이 도움말을 보이고 끝냅니다." in korean
    assert "Usage:" not in korean and "Options:" not in korean and "Show this message" not in korean
    assert words(help_ko.COMMANDS[name].help) in korean
    for param in command.params:
        if not isinstance(param, click.Option) or not param.help:
            continue
        assert param.name in help_ko.COMMANDS[name].options or param.name in help_ko.OPTIONS, (name, param.name)
        assert letters(param.help) in english  # the English help was there ...
        assert letters(param.help)[:24] not in letters(korean), (name, param.name)  # ... and is not any more
    assert "[기본값:" in korean or name in ("serve",)


def test_help_under_lang_ko_whatever_ran_before():
    """Click makes the help option once; its help follows each run's language, not the first's."""
    korean = run("check", "--help", "--lang", "ko").stdout
    english = run("check", "--help").stdout
    again = run("check", "--help", "--lang", "ko").stdout
    assert "이 도움말을 보이고 끝냅니다." in korean and "이 도움말을 보이고 끝냅니다." in again
    assert "Show this message and exit." in english and "이 도움말" not in english
    assert words(run("explain", "--lang", "ko", "--help").stdout).startswith("사용법:")


def test_the_group_help_and_its_commands_are_korean_in_a_korean_locale():
    result = run("--help", env=KOREAN)
    text = result.stdout
    assert result.exit_code == 0
    assert text.startswith("사용법:") and "셀프 어텐션을 계산하고, 들여다보고, 이해합니다." in text
    assert "명령:" in text and "  explain   셀프 어텐션을 단계별로 설명합니다" in text
    assert "Compute, inspect" not in text
    assert run("--help").stdout.startswith("Usage:")  # and English without it


def test_english_help_is_as_click_writes_it():
    text = run("explain", "--help").stdout
    assert text.startswith("Usage: ") and "\nOptions:\n" in text
    assert "Read tokens, Q, K, V (and mask, causal, scale) from JSON." in words(text)
    assert "[default: (ko when LC_ALL/LC_MESSAGES/LANG is Korean, else en)]" in words(text)
