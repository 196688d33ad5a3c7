"""The refusals of surfaces/, render/ and explain/ in Korean (issue #14, item 6): each is
raised through the public API, the command line or the server's own functions, and its
Korean words are the code's template filled in; the English message stays as it was."""

from __future__ import annotations

import json
import os
import socket
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import selfattention as sa
from selfattention.core.errors import SelfAttentionError, shown
from selfattention.explain.checker import read_check_document
from selfattention.explain.layer import explain_layer
from selfattention.explain.messages import say_error
from selfattention.render import draw, formats, render
from selfattention.render.plot import figure_bytes, heads_grid, heatmap, plot_format, trace_heatmap, traces_grid
from selfattention.sources.exercises import Worksheet, generate_exercise
from selfattention.surfaces.cli import main
from selfattention.surfaces.files import check_output, write_file
from selfattention.surfaces.ranks import run_local
from selfattention.surfaces.ring_run import run_ring

ENGLISH_LOCALE = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
KOREAN_LOCALE = {"LANG": "ko_KR.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def refused(call, *args, **kwargs) -> SelfAttentionError:
    """The refusal ``call(*args, **kwargs)`` raises."""
    with pytest.raises(SelfAttentionError) as caught:
        call(*args, **kwargs)
    return caught.value


def said(error: SelfAttentionError) -> tuple[str, str]:
    """(English, Korean) of a refusal; a refusal met here always has Korean words."""
    korean = say_error(error, "ko")
    assert error.code is not None and korean != str(error), error
    return str(error), korean


def error_line(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(main, list(args), env=env or ENGLISH_LOCALE)
    assert result.exit_code == 2, result.output
    return result.stderr.splitlines()[-1]


def seed_trace() -> sa.AttentionTrace:
    return sa.trace(**sa.seed_example().trace_kwargs())


# -- the command line -----------------------------------------------------------------------------


def test_a_library_refusal_under_an_output_option_is_said_in_korean(tmp_path):
    plot = str(tmp_path / "h.txt")
    assert error_line("explain", "--plot", plot) == (
        f"Error: plot file {plot!r} has extension .txt: expected a name ending in .png or .svg"
    )
    assert error_line("explain", "--plot", plot, "--lang", "ko") == (
        f"오류: plot 파일의 확장자(.txt)가 맞지 않습니다: {plot!r}. .png나 .svg로 끝나는 이름을 주세요"
    )
    folder = str(tmp_path)
    assert error_line("explain", "-o", folder, "--lang", "ko") == (
        f"오류: 출력 자리에 폴더가 있습니다: {folder!r}. 파일 이름을 주세요"
    )


def test_check_says_a_wrong_answer_file_in_korean(tmp_path):
    document = Worksheet.of(generate_exercise(0, 2, 2), answers=False).to_dict()
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"exercise": document["exercise"], "answers": {"weights": [["x", 0.5]] * 2}}))
    assert error_line("check", str(path)) == "Error: answers weights row 0 entry 0 is 'x': expected a number"
    assert error_line("check", str(path), "--lang", "ko") == (
        "오류: answers weights의 0번 행 0번 열이 숫자가 아닙니다: 'x'"
    )
    path.write_text(json.dumps({"answers": {}}))
    assert error_line("check", str(path), "--lang", "ko") == (
        '오류: JSON 객체에 "exercise"(selfattention exercise가 쓰는 그대로)와 "answers"가 있어야 합니다'
    )


def test_generate_says_a_library_refusal_in_korean():
    assert error_line("generate", "Hi", "--model", "nope", "--lang", "ko").startswith(
        "오류: 알 수 없는 모델입니다: 'nope'. 이름 "
    )


def test_serve_refuses_in_the_locale_language(monkeypatch):
    pytest.importorskip("uvicorn", reason="the web extra is not installed")
    assert error_line("serve", "--allow-host", "a b", env=KOREAN_LOCALE) == (
        "오류: --allow-host 값이 호스트 이름이 아닙니다: 'a b'. 예: explorer.lan 또는 192.168.1.5"
    )
    assert error_line("serve", "--host", "no.such.host.invalid", env=KOREAN_LOCALE).startswith(
        "오류: --host 값이 알려진 주소가 아닙니다: 'no.such.host.invalid' ("
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = error_line("serve", "--port", str(port), env=KOREAN_LOCALE)
    assert line.startswith(f"오류: 이 주소에서 연결을 받을 수 없습니다: 127.0.0.1:{port} (")
    assert line.endswith("). 다른 --port나 --host를 고르세요")
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert error_line("serve", env=KOREAN_LOCALE) == (
        "오류: selfattention serve에는 web extra가 필요합니다. 없는 패키지: uvicorn."
        " 설치: pip install 'selfattention[web]'"
    )


# -- files written --------------------------------------------------------------------------------


def test_file_refusals(tmp_path):
    assert said(refused(check_output, tmp_path, force=True)) == (
        f"output {str(tmp_path)!r} is a folder: expected a file name",
        f"출력 자리에 폴더가 있습니다: {str(tmp_path)!r}. 파일 이름을 주세요",
    )
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    assert say_error(refused(check_output, link, force=True), "ko") == (
        f"출력 자리에 폴더가 있습니다: {str(link)!r}. 파일 이름을 주세요"
    )
    (tmp_path / "plain").write_text("x")
    under_a_file = tmp_path / "plain" / "out.txt"
    english, korean = said(refused(write_file, under_a_file, "text"))
    assert english == f"output file {shown(str(under_a_file))} cannot be written: Not a directory"
    assert korean == f"출력 파일을 쓸 수 없습니다: {shown(str(under_a_file))} (Not a directory)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_nobody_reads(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert said(refused(write_file, fifo, "text", force=True)) == (
        f"output {str(fifo)!r} is a FIFO that nobody reads: start its reader first, or write to a file",
        f"출력이 아무도 읽지 않는 FIFO입니다: {str(fifo)!r}. 읽는 쪽을 먼저 시작하거나 파일에 쓰세요",
    )


# -- local ranks and the ring's run ---------------------------------------------------------------


def test_rank_and_ring_refusals():
    assert said(refused(run_local, print, 0)) == (
        "world_size is 0: expected at least 1 rank",
        "world_size는 랭크 1개 이상이어야 합니다: 0",
    )
    assert say_error(refused(run_local, print, 1, timeout=0), "ko") == "timeout은 양수(초)여야 합니다: 0"
    assert said(refused(run_ring, 99, 4)) == (
        "world size is 99: expected 1 to 16 local ranks",
        "world size는 로컬 랭크 1개부터 16개까지여야 합니다: 99",
    )
    assert say_error(refused(run_ring, 1, 0), "ko") == "length는 위치 1개부터 16384개까지여야 합니다: 0"
    assert say_error(refused(run_ring, 1, 4, 0, 2), "ko") == "heads와 dim은 각각 1 이상이어야 합니다: heads 0, dim 2"
    assert say_error(refused(run_ring, 1, 4, dtype="int8"), "ko") == (
        "dtype은 float32, float64 중 하나여야 합니다: 'int8'"
    )
    assert say_error(refused(run_ring, 1, 4, layout="spiral"), "ko").startswith("layout은 contiguous, ")


def test_a_rank_that_exits_is_said_in_korean():
    pytest.importorskip("torch")
    from ring_jobs import fail_on

    assert said(refused(run_local, fail_on, 2, (1, "exit"), timeout=3)) == (
        "rank 1 of 2 exited with code 3 before it finished; the other ranks were stopped",
        "랭크 2개 중 1번 랭크가 끝나기 전에 종료되었습니다(종료 코드 3). 다른 랭크는 멈추었습니다",
    )


# -- web requests ---------------------------------------------------------------------------------


def test_request_body_refusals():
    pytest.importorskip("fastapi")
    from selfattention.surfaces.server.payload import MAX_BODY_BYTES, explain_options, parse_body

    assert said(refused(parse_body, b"  ")) == (
        "the request body is empty: expected a JSON object",
        "요청 본문이 비어 있습니다: JSON 객체를 주세요",
    )
    assert say_error(refused(parse_body, b'{"a": \xff}'), "ko") == (
        "요청 본문이 UTF-8 텍스트가 아닙니다(6번 바이트): JSON 객체를 주세요"
    )
    assert said(refused(parse_body, b'{"a": }')) == (
        "the request body is not valid JSON: Expecting value at line 1, column 7",
        "요청 본문이 올바른 JSON이 아닙니다: 1번째 줄 7번째 글자 (Expecting value)",
    )
    assert say_error(refused(parse_body, b'{"a": NaN}'), "ko") == (
        "요청 본문에 유한하지 않은 숫자가 있습니다: NaN. 유한한 숫자를 주세요(JSON에는 NaN도 Infinity도 없습니다)"
    )
    assert say_error(refused(parse_body, b"[" * 100_000), "ko") == (
        "요청 본문이 너무 깊이 중첩되어 있습니다: JSON 객체를 주세요"
    )
    assert say_error(refused(parse_body, b"1" * 400), "ko") == (
        "요청 본문에 너무 긴 정수가 있습니다: 400자리. 64비트 float에 들어가는 숫자를 주세요"
    )
    assert say_error(refused(parse_body, b" " * (MAX_BODY_BYTES + 1)), "ko") == (
        f"요청 본문이 {MAX_BODY_BYTES + 1}바이트입니다: 최대 {MAX_BODY_BYTES}바이트입니다 (max_body_bytes)"
    )
    seed = {"query": [[1]], "key": [[1]], "value": [[2]]}
    assert said(refused(explain_options, [])) == (
        'the request body is a JSON list: expected an object such as {"input": {"tokens": ..., "query": ...}}',
        '요청이 JSON list입니다: {"input": {"tokens": ..., "query": ...}} 같은 객체를 주세요',
    )
    assert say_error(refused(explain_options, {"inputs": seed}), "ko") == (
        "요청에 알 수 없는 키가 있습니다: 'inputs'. 쓸 수 있는 키: input, example, model, lang, precision, temperature"
    )
    assert say_error(refused(explain_options, {}), "ko") == (
        '요청에 "input"이 없습니다: tokens, query, key, value가 든 객체를 주세요'
    )
    assert say_error(refused(explain_options, {"input": seed, "precision": 99}), "ko") == (
        "precision 값은 0부터 15까지의 정수여야 합니다: 99"
    )
    assert said(refused(explain_options, {"input": seed, "temperature": 0})) == (
        "temperature is 0: expected a number from 0.01 to 100 (1 = the plain scale; above 1 flattens the"
        " softmax, below 1 sharpens it)",
        "temperature 값은 0.01부터 100까지의 숫자여야 합니다: 0 (1은 보통의 scale이고, 1보다 크면 softmax가"
        " 평평해지고 1보다 작으면 뾰족해집니다)",
    )
    assert say_error(refused(explain_options, {"input": seed, "lang": 3}), "ko") == (
        'lang 값은 "en" 같은 언어 코드여야 합니다: 3'
    )
    assert say_error(refused(explain_options, {"input": seed, "example": "seed", "model": {}}), "ko") == (
        "요청에 example, model이 함께 있습니다: 벡터는 한 출처에서만 옵니다"
    )


def test_the_server_answers_a_request_refusal_in_the_language_asked():
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from selfattention.surfaces.server import create_app

    client = TestClient(create_app())
    body = {"input": {"query": [[1]], "key": [[1]], "value": [[1]]}, "precision": 99}
    korean = client.post("/api/explain", json=body, headers={"Accept-Language": "ko"})
    english = client.post("/api/explain", json=body)
    assert korean.status_code == english.status_code == 422
    assert korean.json() == {
        "error": "precision 값은 0부터 15까지의 정수여야 합니다: 99",
        "code": "request_precision_out_of_range",
    }
    assert english.json()["error"] == "precision is 99: expected an integer from 0 to 15"


def test_web_limits_are_said_in_korean():
    pytest.importorskip("fastapi")
    from selfattention.sources.vectors import input_from_dict
    from selfattention.surfaces.server.limits import check_input, check_text

    wide = input_from_dict({"query": [[1.0] * 65], "key": [[1.0] * 65], "value": [[1.0]]})
    assert said(refused(check_input, wide)) == (
        "the input has 65 query/key features (E): the web explorer takes at most 64 (max_dim);"
        " use the Python API or the command line for larger inputs",
        "입력의 query/key 특성(E)이 너무 많습니다: 65개. 웹 탐색기는 최대 64개까지 받습니다(max_dim)."
        " 더 큰 입력에는 Python API나 명령줄을 쓰세요",
    )
    long = input_from_dict({"query": [[1.0]] * 65, "key": [[1.0]], "value": [[1.0]]})
    assert say_error(refused(check_input, long), "ko").startswith("입력의 query 위치(L)가 너무 많습니다: 65개.")
    huge = input_from_dict({"query": [[1.0, 2e100]], "key": [[1.0, 1.0]], "value": [[1.0]]})
    assert said(refused(check_input, huge)) == (
        "query row 0, column 1 is 2e+100: the web explorer takes numbers up to 1e+100 in size (max_abs_value),"
        " so that q * k cannot overflow",
        "query의 0번 행 1번 열이 너무 큽니다: 2e+100. 웹 탐색기는 크기가 1e+100 이하인 숫자만 받습니다(max_abs_value)."
        " 그래야 q * k가 넘치지 않습니다",
    )
    masked = input_from_dict({"query": [[1.0]], "key": [[1.0]], "value": [[1.0]], "mask": [[-1e101]]})
    assert say_error(refused(check_input, masked), "ko") == (
        "mask에 너무 큰 값이 있습니다: 1e+101. float mask는 크기가 1e+100 이하인 오프셋(max_abs_value)과"
        ' key를 막는 "-inf"를 받습니다'
    )
    assert said(refused(check_text, "a" * 1001)) == (
        "text has 1001 characters: the web explorer takes at most 1000 (max_text_chars)",
        "text가 너무 깁니다: 1001자. 웹 탐색기는 최대 1000자까지 받습니다(max_text_chars)",
    )


def test_source_and_view_requests_are_said_in_korean():
    pytest.importorskip("fastapi")
    from selfattention.surfaces.server.sources import parse_model_source, parse_text_source
    from selfattention.surfaces.server.views import parse_heads_request, parse_layer_request

    assert said(refused(parse_text_source, {"text": "it was", "d_model": 5})) == (
        "d_model is 5: expected one of 4, 8, 16, 32, 64",
        "d_model 값은 4, 8, 16, 32, 64 중 하나여야 합니다: 5",
    )
    assert say_error(refused(parse_text_source, {"text": "it was", "d_model": 4, "num_heads": 8}), "ko") == (
        "d_model을 헤드 8개로 나눌 수 없습니다: 4. 헤드 수 8의 배수인 d_model을 고르세요"
    )
    assert say_error(refused(parse_text_source, {"text": "it was", "head": 2}), "ko") == (
        "head 값은 0부터 1까지의 헤드 번호여야 합니다: 2"
    )
    assert say_error(refused(parse_text_source, {"text": "it was", "seed": -1}), "ko") == (
        "seed 값은 0부터 4294967295까지의 정수여야 합니다: -1"
    )
    assert say_error(refused(parse_text_source, {"text": " "}), "ko") == "text 값은 문장이어야 합니다: ' '"
    assert said(refused(parse_model_source, [1])) == (
        'model is a JSON list: expected an object such as {"text": ..., "model": "minilm", "layer": 0, "head": 0}',
        'model 값이 JSON list입니다: {"text": ..., "model": "minilm", "layer": 0, "head": 0} 같은 객체를 주세요',
    )
    assert say_error(refused(parse_model_source, {"text": "it", "size": 1}), "ko") == (
        "model에 알 수 없는 키가 있습니다: 'size'. 쓸 수 있는 키: text, model, layer, head"
    )
    assert say_error(refused(parse_model_source, {"text": "it", "layer": -1}), "ko") == (
        "model.layer 값은 0 이상의 정수여야 합니다: -1"
    )
    error = refused(parse_model_source, {"text": "it", "model": "nope"})
    listing = error.params["listing"]
    assert say_error(error, "ko") == f"model.model 값은 등록된 모델 중 하나여야 합니다: 'nope'. 모델: {listing}"
    assert said(refused(parse_heads_request, {"text": "it was", "query": 1.5})) == (
        'query is 1.5: expected a token of the text (a word such as "it") or its 0-based position',
        'query 값은 텍스트의 토큰(예: "it" 같은 단어)이나 0부터 센 그 위치여야 합니다: 1.5',
    )
    assert say_error(refused(parse_heads_request, {"text": "it was", "query": "x" * 1001}), "ko") == (
        "query 값이 너무 깁니다: 1001자. 최대 1000자입니다(max_text_chars)"
    )
    assert say_error(refused(parse_layer_request, {"text": "it was", "layer": True}), "ko") == (
        "layer 값은 0 이상의 정수여야 합니다: True"
    )


def test_generate_and_exercise_requests_are_said_in_korean():
    pytest.importorskip("fastapi")
    from selfattention.surfaces.server import exercises
    from selfattention.surfaces.server.generate import parse_generate_request

    assert said(refused(parse_generate_request, {"text": ""})) == (
        "text is '': expected a prompt to continue",
        "text 값은 이어 쓸 프롬프트여야 합니다: ''",
    )
    assert say_error(refused(parse_generate_request, {"text": "Hi", "max_new_tokens": 0}), "ko") == (
        "max_new_tokens 값은 1부터 16까지의 정수여야 합니다: 0"
    )
    assert said(refused(parse_generate_request, {"text": "Hi", "max_new_tokens": 17})) == (
        "max_new_tokens is 17: the web explorer generates at most 16 tokens (max_new_tokens);"
        " use the command line (selfattention generate) for more",
        "max_new_tokens 값이 너무 큽니다: 17. 웹 탐색기는 토큰을 최대 16개까지 생성합니다(max_new_tokens)."
        " 더 많이 생성하려면 명령줄(selfattention generate)을 쓰세요",
    )
    assert say_error(refused(parse_generate_request, {"text": "Hi", "lang": "fr"}), "ko") == (
        "lang 값은 en, ko 중 하나여야 합니다: 'fr'"
    )
    assert say_error(refused(parse_generate_request, {"text": "Hi", "head": -1}), "ko") == (
        "head 값은 0 이상의 정수여야 합니다: -1"
    )
    assert said(refused(exercises._int, {"seed": "7"}, "seed", 0)) == (
        "seed is '7': expected a whole number",
        "seed 값은 정수여야 합니다: '7'",
    )
    assert say_error(refused(exercises._lang, {"lang": 1}), "ko") == (
        "lang 값은 'en'이나 'ko' 같은 언어 코드여야 합니다: 1"
    )


# -- records, formats and pictures ----------------------------------------------------------------


def test_format_refusals():
    sheet = Worksheet.of(generate_exercise(0, 2, 2), answers=True)
    words = sa.explain(seed_trace())
    from selfattention.explain.exercise import explain_exercise

    assert said(refused(draw, sheet, explain_exercise(sheet, "en"))) == (
        "a Worksheet has no picture: its numbers are the point",
        "그림이 없는 기록입니다: Worksheet. 이 기록은 숫자가 핵심입니다",
    )
    assert said(refused(formats, dict)) == (
        "cannot render a record of type dict: expected one of AttentionTrace, LayerTrace, HeadsReport,"
        " RingReport, Worksheet, CheckResult",
        "렌더링할 수 없는 기록 타입입니다: dict. AttentionTrace, LayerTrace, HeadsReport, RingReport, Worksheet,"
        " CheckResult 중 하나를 주세요",
    )
    assert said(refused(render, sheet, words)) == (
        "the explanation is of type Explanation: a Worksheet is rendered beside one of type ExerciseExplanation",
        "설명의 타입이 맞지 않습니다: Explanation. Worksheet에는 ExerciseExplanation 타입의 설명이 필요합니다",
    )


def test_picture_refusals():
    pytest.importorskip("matplotlib")
    assert said(refused(plot_format, "h")) == (
        "plot file 'h' has no extension: expected a name ending in .png or .svg",
        "plot 파일에 확장자가 없습니다: 'h'. .png나 .svg로 끝나는 이름을 주세요",
    )
    assert say_error(refused(figure_bytes, None, "pdf"), "ko") == (
        "지원하지 않는 그림 형식입니다: 'pdf'. png, svg 중 하나를 고르세요"
    )
    assert said(refused(heatmap, [[1.0]], ["a"], ["a"], cmap="nope")) == (
        "cmap 'nope' is not a matplotlib colour map: try 'Blues', 'viridis' or 'RdBu_r'",
        "matplotlib 컬러맵이 아닙니다: 'nope'. 'Blues', 'viridis', 'RdBu_r' 가운데 하나를 써 보세요",
    )
    assert said(refused(heatmap, [[1.0, 2.0]], ["a"], ["a"])) == (
        "col_labels has 1 entries but the matrix has 2: give one label each",
        "col_labels의 항목은 1개인데 행렬에는 2개가 있습니다: 하나마다 레이블을 하나씩 주세요",
    )
    assert say_error(refused(heatmap, [[1.0]], "a", ["a"]), "ko") == (
        "row_labels 값이 문자열 하나입니다: 레이블 1개의 목록을 주세요"
    )
    assert say_error(refused(heatmap, [1.0], ["a"], ["a"]), "ko") == (
        "weights의 모양이 맞지 않습니다: (1,). 비어 있지 않은 2차원 행렬 (rows, cols)을 주세요"
    )
    assert say_error(refused(heatmap, [["a"]], ["a"], ["a"]), "ko") == (
        "weights 값이 숫자 행렬이 아닙니다: 2차원 배열 (rows, cols)을 주세요"
    )
    assert say_error(refused(heatmap, [[1.0]], ["a"], ["a"], highlight_rows=[3]), "ko") == (
        "highlight_rows에 맞지 않는 값이 있습니다: 3. 0부터 0까지의 행 위치를 주세요"
    )
    assert say_error(refused(heatmap, [[1.0]], ["a"], ["a"], blocked=[[1]]), "ko") == (
        "blocked의 모양과 dtype이 맞지 않습니다: (1, 1), int64. 모양이 (1, 1)인 불리언(bool) 배열을 주세요"
    )
    assert say_error(refused(heads_grid, np.ones((2, 2)), ["a", "b"], ["a", "b"]), "ko") == (
        "weights의 모양이 맞지 않습니다: (2, 2). heads_grid에는 비어 있지 않은 (heads, rows, cols) 배열이 필요합니다"
    )
    assert say_error(refused(traces_grid, []), "ko") == "traces가 비어 있습니다: 헤드마다 트레이스를 하나씩 주세요"
    other = sa.trace(np.eye(2), np.eye(2), np.eye(2), queries=[0])
    assert say_error(refused(traces_grid, [seed_trace(), other]), "ko") == (
        "1번 트레이스의 토큰이나 추적한 쿼리가 0번 트레이스와 다릅니다: 그리드는 한 시퀀스의 헤드들을 비교합니다"
    )
    assert say_error(refused(trace_heatmap, sa.trace(np.eye(2), np.eye(2), np.eye(2), queries=[])), "ko") == (
        "트레이스에 추적한 쿼리가 없습니다: 그릴 가중치 행이 없습니다"
    )


def test_an_unknown_language_is_said_in_korean():
    # the refusal's param is named lang, as say's own argument is
    assert said(refused(sa.explain, seed_trace(), "fr")) == (
        "unknown language 'fr': choose one of en, ko",
        "알 수 없는 언어입니다: 'fr'. en, ko 중 하나를 고르세요",
    )


def test_show_refuses_what_it_cannot_draw_and_stays_a_type_error():
    with pytest.raises(TypeError) as caught:
        sa.show([1, 2])
    assert isinstance(caught.value, SelfAttentionError)
    assert say_error(caught.value, "ko") == (
        "show()는 AttentionTrace, LayerTrace, HeadsReport를 받습니다: list. sa.trace, sa.text_layer_trace,"
        " sa.model_trace, sa.rank_heads로 만드세요"
    )


# -- answers and a layer's queries ----------------------------------------------------------------


def test_answer_refusals():
    exercise = Worksheet.of(generate_exercise(0, 2, 2), answers=False).to_dict()["exercise"]
    cases = [
        (
            [],
            "answers is []: expected an object with any of dot_products, scaled_scores, weights, output",
            "answers가 객체가 아닙니다: []. dot_products, scaled_scores, weights, output 중 하나 이상이 든"
            " 객체를 주세요",
        ),
        (
            {"score": []},
            "answers has 'score': expected any of dot_products, scaled_scores, weights, output",
            "answers에 알 수 없는 항목이 있습니다: 'score'. dot_products, scaled_scores, weights, output 중에서 주세요",
        ),
        (
            {},
            "answers is empty: give any of dot_products, scaled_scores, weights, output",
            "answers가 비어 있습니다: dot_products, scaled_scores, weights, output 중 하나 이상을 주세요",
        ),
        (
            {"weights": [[0.5, 0.5]]},
            "answers weights is [[0.5, 0.5]]: expected 2 rows, one per asked query, in order",
            "answers weights의 행이 맞지 않습니다: [[0.5, 0.5]]. 물어본 쿼리마다 한 행씩, 순서대로 2개 행을 주세요",
        ),
        (
            {"weights": [[0.5], [0.5, 0.5]]},
            "answers weights row 0 is [0.5]: expected 2 numbers",
            "answers weights의 0번 행이 맞지 않습니다: [0.5]. 숫자 2개를 주세요",
        ),
        (
            {"output": [[1.0, float("inf")], [1.0, 1.0]]},
            "answers output row 0 entry 1 is inf: expected a finite number",
            "answers output의 0번 행 1번 열이 유한한 숫자가 아닙니다: inf",
        ),
    ]
    for answers, english, korean in cases:
        assert said(refused(read_check_document, {"exercise": exercise, "answers": answers})) == (english, korean)


def test_layer_query_refusals():
    layer = sa.MultiHeadSelfAttention(4, 2, seed=0).trace(np.ones((3, 4)), ["it", "was", "late"], queries=[2])
    assert said(refused(explain_layer, layer, "ko", queries=["it"])) == (
        "query 'it' is not among the traced tokens: 2:late",
        "추적한 토큰에 없는 쿼리입니다: 'it'. 추적한 토큰: 2:late",
    )
    assert said(refused(explain_layer, layer, "ko", queries=[0])) == (
        "query position 0 is not traced: traced positions and tokens are 2:late",
        "추적하지 않은 쿼리 위치입니다: 0. 추적한 위치와 토큰: 2:late",
    )
