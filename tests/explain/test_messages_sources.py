"""The refusals of sources/ (models included) in Korean (issue #14, item 6): each one raised
through the public API or the command line says the same facts in Korean under ``--lang ko``,
and its English is as it was."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from selfattention.core.errors import SelfAttentionError, shown
from selfattention.explain.messages import say_error
from selfattention.sources import vectors
from selfattention.sources.embedding import tokenize, toy_embedding
from selfattention.sources.examples import get_example
from selfattention.sources.exercises import exercise_from_dict, generate_exercise
from selfattention.sources.layers import MultiHeadSelfAttention
from selfattention.sources.pipeline import text_layer_trace
from selfattention.sources.positional import sinusoidal_positional_encoding
from selfattention.surfaces.cli import main

ENGLISH = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
INLINE = ["--query", "1,0;0,1", "--key", "1,0;0,1", "--value", "1;2"]


def refused(call, *args, **kwargs) -> SelfAttentionError:
    with pytest.raises(SelfAttentionError) as caught:
        call(*args, **kwargs)
    return caught.value


def korean(error: BaseException) -> str:
    return say_error(error, "ko")


def error_lines(*args: str) -> tuple[str, str]:
    """The last stderr line of a command in English and under --lang ko."""
    lines = []
    for lang in ("en", "ko"):
        result = CliRunner().invoke(main, [args[0], "--lang", lang, *args[1:]], env=ENGLISH)
        assert result.exit_code == 2, result.output
        lines.append(result.stderr.splitlines()[-1])
    return lines[0], lines[1]


# -- the command line: inline numbers, tokens and masks, input files, the toy layer ----------


@pytest.mark.parametrize(
    ("args", "english", "line"),
    [
        (
            ["explain", "-q", "1,,0", "-k", "1,0", "-v", "1"],
            "query row 0, column 1 is empty (two commas in a row): expected a number",
            "query의 0번 행 1번 열이 비어 있습니다(쉼표가 두 번 연달아 있습니다): 숫자를 주세요",
        ),
        (
            ["explain", *INLINE, "--mask", "1,1;0,,1"],
            "mask row 1, column 1 is empty (two commas in a row): expected 1 (may attend) or 0 (blocked)",
            "mask의 1번 행 1번 열이 비어 있습니다(쉼표가 두 번 연달아 있습니다): 1(볼 수 있음)이나 0(가려짐)을 주세요",
        ),
        (
            ["explain", *INLINE, "--mask", "1,1;;0,1"],
            "mask row 1 is empty: expected 1 (may attend) or 0 (blocked) entries",
            "mask의 1번 행이 비어 있습니다: 1(볼 수 있음)이나 0(가려짐) 값을 주세요",
        ),
        (
            ["explain", *INLINE, "--mask", "1,1;0.5,1"],
            "mask row 1 holds '0.5': an inline mask takes 1 (may attend) or 0 (blocked); use an --input file"
            " for an additive float mask",
            "mask의 1번 행에 받을 수 없는 값이 있습니다: '0.5'. 인라인 마스크는 1(볼 수 있음)이나 0(가려짐)만"
            " 받습니다. 더하는(additive) 실수 마스크는 --input 파일로 주세요",
        ),
        (
            ["explain", *INLINE, "--tokens", "a,,b"],
            "tokens 'a,,b' holds an empty token: expected names such as \"Acting,Machines\"",
            "tokens에 빈 토큰이 있습니다: 'a,,b'. \"Acting,Machines\"처럼 이름을 주세요",
        ),
        (
            ["layer", "The \udcffcat"],
            "TEXT holds the byte 0xff at character 5, which is not UTF-8: expected UTF-8 text",
            "TEXT의 5번째 글자가 UTF-8이 아닌 바이트입니다: 0xff. UTF-8 텍스트를 주세요",
        ),
        (
            ["explain", "--queries", "\ud800"],
            "--queries holds a lone surrogate U+D800 at character 1: expected valid Unicode text",
            "--queries의 1번째 글자가 짝 없는 서로게이트입니다: U+D800. 올바른 유니코드 텍스트를 주세요",
        ),
        (
            ["layer", "the cat sat", "--d-model", "6", "--heads", "4"],
            "d_model is 6 but num_heads is 4: d_model must be divisible by num_heads (each head gets"
            " d_model / num_heads features)",
            "d_model은 6, num_heads는 4입니다: d_model이 num_heads로 나누어떨어져야 합니다(헤드마다 d_model /"
            " num_heads개의 특성을 받습니다)",
        ),
        (
            ["layer", "   "],
            "text '   ' is empty: expected at least one word",
            "텍스트에 단어가 없습니다: '   '. 단어를 하나 이상 주세요",
        ),
        (
            ["generate", "The capital of France is", "--model", "minilm"],
            "model 'minilm' is an encoder (every token sees every other): it cannot generate; choose a decoder,"
            " such as smollm2",
            "모델 'minilm'은(는) 인코더입니다(모든 토큰이 다른 모든 토큰을 봅니다): 생성할 수 없습니다."
            " smollm2 같은 디코더를 고르세요",
        ),
        (
            ["generate", "Hi", "--max-new-tokens", "0"],
            "max_new_tokens is 0: expected a whole number from 1 to 256",
            "max_new_tokens가 1부터 256까지의 정수가 아닙니다: 0",
        ),
    ],
)
def test_command_line_refusals_are_korean_under_lang_ko(args, english, line):
    assert error_lines(*args) == (f"Error: {english}", f"오류: {line}")


@pytest.mark.parametrize(
    ("document", "english", "line"),
    [
        (
            [1, 2],
            '{source} is a JSON list: expected an object with keys "query", "key", "value" and optionally'
            ' "tokens", "mask", "causal", "scale"',
            '입력이 JSON 객체가 아니라 list입니다: {source}. "query", "key", "value" 키(필요하면 "tokens", "mask",'
            ' "causal", "scale"도)가 있는 객체를 주세요',
        ),
        (
            {"query": [[1]], "key": [[1]], "value": [[1]], "Mask": []},
            "{source} has unknown key 'Mask': expected some of tokens, key_tokens, query, key, value, mask,"
            " causal, scale",
            "{source}에 알 수 없는 키가 있습니다: 'Mask'. tokens, key_tokens, query, key, value, mask, causal,"
            " scale 중에서 주세요",
        ),
        (
            {"query": [[1]], "key": [[1]]},
            '{source} lacks "value": query, key and value are required',
            '{source}에 키가 없습니다: "value". query, key, value는 꼭 있어야 합니다',
        ),
        (
            {"query": [], "key": [[1]], "value": [[1]]},
            "query is an empty list: expected a non-empty list of rows of numbers",
            "query이(가) 비어 있지 않은 숫자 행 목록이 아닙니다: []",
        ),
        (
            {"query": [[1]], "key": [[1]], "value": [[1]], "causal": "yes"},
            "causal is 'yes': expected true or false",
            "causal이 true나 false가 아닙니다: 'yes'",
        ),
        (
            {"query": [[1]], "key": [[1]], "value": [[1]], "mask": [[1]]},
            "mask row 0, column 0 is the integer 1: write true/false for a boolean mask (true = may attend) or"
            ' floats such as 0.0 and "-inf" for an additive mask',
            "mask의 0번 행 0번 열이 정수입니다: 1. 불리언 마스크는 true/false(true = 볼 수 있음)로, 더하는(additive)"
            ' 마스크는 0.0과 "-inf" 같은 실수로 쓰세요',
        ),
    ],
)
def test_input_file_refusals_are_korean(tmp_path, document, english, line):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    source = f"input file {str(path)!r}"
    assert error_lines("explain", "--input", str(path)) == (
        f"Error: {english.format(source=source)}",
        f"오류: {line.format(source=source)}",
    )


def test_a_trace_given_as_input_and_a_file_holding_nan(tmp_path):
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps({"format": "selfattention.trace"}), encoding="utf-8")
    english, line = error_lines("explain", "--input", str(trace))
    assert english.startswith(f"Error: input file {str(trace)!r} is a trace (what explain --format json")
    assert line == (
        f"오류: 입력이 아니라 트레이스(explain --format json과 /api/trace가 돌려주는 것)입니다: input file"
        f" {str(trace)!r}. 입력에는 query, key, value와, 필요하면 tokens, key_tokens, mask, causal, scale이"
        " 들어갑니다. 트레이스는 Python에서 AttentionTrace.from_json으로 다시 읽으세요"
    )
    nan = tmp_path / "nan.json"
    nan.write_text('{"query": [[NaN]]}', encoding="utf-8")
    assert error_lines("explain", "--input", str(nan)) == (
        f"Error: input file {str(nan)!r} holds NaN: expected finite numbers (JSON has no NaN or Infinity)",
        f"오류: 입력 파일에 유한하지 않은 숫자가 있습니다: {str(nan)!r}, NaN. 유한한 숫자를 주세요"
        "(JSON에는 NaN도 Infinity도 없습니다)",
    )


def test_a_check_document_whose_exercise_lacks_a_key(tmp_path):
    sheet = tmp_path / "sheet.json"
    sheet.write_text(json.dumps({"exercise": {"tokens": ["a"], "query": [[1]]}, "answers": {}}), encoding="utf-8")
    assert error_lines("check", str(sheet)) == (
        'Error: exercise lacks "key": it needs seed, tokens, query, key, value, scale',
        '오류: 연습 문제에 키가 없습니다: "key". seed, tokens, query, key, value, scale이 있어야 합니다',
    )


def test_a_model_folder_without_config(tmp_path):
    assert error_lines("model", "it was", "--model", str(tmp_path)) == (
        f"Error: model folder {str(tmp_path)!r} has no config.json: expected a Hugging Face model folder"
        " (config.json, weights, tokenizer files), e.g. one written by save_pretrained",
        f"오류: 모델 폴더에 config.json이 없습니다: {str(tmp_path)!r}. Hugging Face 모델 폴더(config.json, 가중치,"
        " 토크나이저 파일)를 주세요. 예: save_pretrained가 쓴 폴더",
    )


# -- input documents and files read in Python (vectors) ------------------------------------


def test_input_documents_and_files_in_python(tmp_path, monkeypatch):
    error = refused(vectors.input_from_dict, {"query": [[1]], "key": [[1]], "value": [[1]], "scale": "x"})
    assert str(error) == "scale is 'x': expected a finite number (or leave it out for 1/sqrt(d))"
    assert korean(error) == "scale이 유한한 숫자가 아닙니다: 'x'. 유한한 숫자를 주세요(빼면 1/sqrt(d)를 씁니다)"
    error = refused(vectors.input_from_dict, {"query": [[1]], "key": [[1]], "value": [[1]], "tokens": ["a", 2]})
    assert str(error) == "tokens entry 1 is 2: expected a string (a token's label)"
    assert korean(error) == "tokens의 1번 항목이 문자열(토큰 이름)이 아닙니다: 2"
    error = refused(vectors.input_from_dict, {"query": [[1]], "key": [[1]], "value": [[1]], "mask": [[True, 0.0]]})
    assert korean(error) == (
        "mask의 0번 행 0번 열은 true/false인데 다른 값은 숫자입니다: True. 모두 true/false로 쓰거나 모두 실수로 쓰세요"
    )
    error = refused(vectors.input_from_dict, {"query": [[1]], "key": [[1]], "value": [[1]], "mask": [["x"]]})
    assert korean(error) == "mask의 0번 행 0번 열이 올바르지 않습니다: 'x'. true/false, 실수, \"-inf\" 중 하나를 주세요"
    assert korean(refused(vectors.valid_text, "a\ud800", "tokens entry 0", from_bytes=False)) == (
        "tokens entry 0의 2번째 글자가 짝 없는 서로게이트입니다: U+D800. 올바른 유니코드 텍스트를 주세요"
    )
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    error = refused(vectors.read_json_document, deep)
    assert str(error) == f"input file {str(deep)!r} nests too deeply: expected a JSON object of rows of numbers"
    assert korean(error) == f"입력 파일이 너무 깊이 중첩되어 있습니다: {str(deep)!r}. 숫자 행이 든 JSON 객체를 주세요"
    monkeypatch.setattr(vectors, "MAX_INPUT_BYTES", 4)
    error = refused(vectors.read_json_document, deep)
    assert str(error) == f"input file {str(deep)!r} is 200000 bytes: at most 4 are read"
    assert korean(error) == f"입력 파일이 200000바이트입니다: {str(deep)!r}. 최대 4바이트까지 읽습니다"


# -- the toy road, the layer and PyTorch (embedding, positional, pipeline, layers, layer_torch) -----


def test_the_toy_road_in_korean():
    assert korean(refused(tokenize, 5)) == "text가 문자열이 아닙니다: int"
    assert (
        korean(refused(toy_embedding, "cat", 3)) == "tokens가 문자열 하나입니다: 토큰의 목록을 주세요(tokenize() 참고)"
    )
    error = refused(toy_embedding, ["cat"], 0)
    assert str(error) == "d_model is 0: expected an integer >= 1"
    assert korean(error) == "d_model이(가) 1 이상의 정수가 아닙니다: 0"
    assert korean(refused(sinusoidal_positional_encoding, -1, 4)) == "length이(가) 0 이상의 정수가 아닙니다: -1"
    error = refused(sinusoidal_positional_encoding, 3, 4, base=1)
    assert str(error) == "base is 1: expected a number > 1 (the paper uses 10000)"
    assert korean(error) == "base가 1보다 큰 숫자가 아닙니다: 1. 논문은 10000을 씁니다"
    error = refused(text_layer_trace, "a " * 2049)
    assert str(error) == "the text has 2049 tokens: the toy pipeline takes at most 2048; shorten it"
    assert korean(error) == "텍스트의 토큰이 2049개입니다: 장난감 파이프라인은 최대 2048개를 받습니다. 줄여 주세요"
    assert korean(refused(text_layer_trace, "a b", d_model=2048)) == (
        "d_model이 2048입니다: 장난감 레이어의 너비는 최대 1024입니다"
    )
    assert korean(refused(get_example, "nope")) == "알 수 없는 예제입니다: 'nope'. seed 중 하나를 고르세요"


def test_the_layer_refusals_in_korean():
    assert korean(refused(MultiHeadSelfAttention, 0, 1)) == "d_model이(가) 양의 정수가 아닙니다: 0"
    assert korean(refused(MultiHeadSelfAttention, 4, 2, seed=-1)) == ("seed가 음이 아닌 정수(또는 None)가 아닙니다: -1")
    layer = MultiHeadSelfAttention(4, 2, seed=0)
    error = refused(layer, np.ones(4))
    assert str(error) == "x has shape (4,): expected (batch, L, d_model) or (L, d_model) with d_model = 4"
    assert (
        korean(error)
        == "x의 모양이 맞지 않습니다: (4,). (batch, L, d_model) 또는 (L, d_model)이어야 합니다(d_model = 4)"
    )
    assert korean(refused(layer, np.ones((3, 5)))) == "x의 특성은 5개입니다(모양 (3, 5)): 이 레이어의 d_model은 4입니다"
    assert korean(refused(layer, np.ones((3, 4)), context=np.ones((1, 3, 4)))) == (
        "context의 모양은 (1, 3, 4)이고 x의 모양은 (3, 4)입니다: context는 x와 차원 수가 같아야 합니다"
        "((batch, S, d_model) 또는 (S, d_model))"
    )
    assert korean(refused(layer, np.ones((2, 3, 4)), context=np.ones((1, 3, 4)))) == (
        "context의 모양은 (1, 3, 4)이고 x의 모양은 (2, 3, 4)입니다: context는 x와 배치 크기가 같고"
        " d_model = 4이어야 합니다"
    )
    assert (
        korean(refused(layer, np.array([["a"] * 4]))) == "x의 dtype이 실수가 아닙니다: <U1. 실수(float나 int)를 주세요"
    )
    assert korean(refused(layer.trace, np.ones((2, 3, 4)))) == (
        "x의 모양이 (2, 3, 4)입니다: 트레이스는 시퀀스 하나, (L, d_model)로 만듭니다. x[0]처럼 하나를 고르세요"
    )
    assert korean(refused(layer.trace, np.ones((3, 4)), context=np.ones((0, 4)))) == (
        "context에 위치가 0개입니다: 쿼리에는 키가 적어도 하나 있어야 합니다(S >= 1)"
    )
    assert korean(refused(layer.trace, np.ones((3, 4)), embeddings=np.ones((2, 4)))) == (
        "embeddings의 모양이 (2, 4)입니다: x의 모양 (3, 4)이어야 합니다"
    )


def test_pytorch_modules_refused_in_korean():
    torch = pytest.importorskip("torch")
    error = refused(MultiHeadSelfAttention.from_torch, torch.nn.Linear(2, 2))
    assert str(error) == "from_torch got a Linear: expected a torch.nn.MultiheadAttention"
    assert korean(error) == "from_torch가 torch.nn.MultiheadAttention이 아닌 것을 받았습니다: Linear"
    assert korean(refused(MultiHeadSelfAttention.from_torch, torch.nn.MultiheadAttention(4, 2, kdim=3))) == (
        "모듈의 kdim=3, vdim=4, embed_dim=4입니다: kdim = vdim = embed_dim인 모듈만 지원합니다"
    )
    assert korean(refused(MultiHeadSelfAttention.from_torch, torch.nn.MultiheadAttention(4, 2, add_bias_kv=True))) == (
        "모듈이 add_bias_kv나 add_zero_attn을 씁니다: 이것들은 지원하지 않습니다"
    )
    layer = MultiHeadSelfAttention(4, 2, seed=0)
    layer.w_o = None
    assert korean(refused(layer.to_torch)) == "레이어에 W_Q, W_K, W_V, W_O 중 하나가 없습니다: 넷 다 있어야 합니다"


# -- exercises ------------------------------------------------------------------------------


def test_exercises_in_korean():
    error = refused(generate_exercise, tokens=9)
    assert str(error) == "tokens is 9: an exercise has 2 to 4 tokens"
    assert korean(error) == "tokens가 범위를 벗어났습니다: 9. 연습 문제의 토큰은 2개에서 4개입니다"
    assert (
        korean(refused(generate_exercise, dim=1))
        == "dim이 범위를 벗어났습니다: 1. 연습 문제의 특성은 2개에서 4개입니다"
    )
    assert korean(refused(generate_exercise, level=4)) == "알 수 없는 level입니다: 4. 1, 2, 3 중 하나를 고르세요"
    assert korean(refused(generate_exercise, seed=-1)) == "seed가 음수입니다: -1. 0 이상을 주세요"
    assert korean(refused(generate_exercise, tokens=2, queries=(0, 2))) == (
        "queries에 0부터 1까지의 위치가 아닌 값이 있습니다: 2"
    )
    assert korean(refused(generate_exercise, tokens=2, queries=(1, 1))) == (
        "queries에 같은 위치가 두 번 이상 있습니다: [1, 1]. 위치마다 한 번씩만 묻습니다"
    )
    assert (
        korean(refused(generate_exercise, queries=())) == "queries가 0부터 센 위치의 비어 있지 않은 목록이 아닙니다: ()"
    )
    exercise = generate_exercise(seed=3, tokens=2, dim=2).to_dict()["exercise"]
    cases = {
        "mask": (
            [[True]],
            "연습 문제의 mask가 올바르지 않습니다: [[True]]. null이나, true/false 2개로 된 행 2개를 주세요",
        ),
        "causal": ("no", "연습 문제의 causal이 true나 false가 아닙니다: 'no'"),
        "scale": (0, "연습 문제의 scale이 양수가 아닙니다: 0. 1/sqrt(d) 같은 양수를 주세요"),
        "seed": (1.5, "연습 문제의 seed가 정수가 아닙니다: 1.5"),
        "tokens": ("ab", "연습 문제의 tokens가 단어 목록이 아닙니다: 'ab'"),
        "key": ([[1, 2]], "연습 문제 key의 행이 1개입니다: 토큰마다 한 행씩, 2개가 있어야 합니다"),
        "value": ([[1, "x"], [1, 2]], "연습 문제 value의 0번 행이 유한한 숫자 2개가 아닙니다: [1, 'x']"),
        "query": ({}, "연습 문제의 query이(가) 숫자 행의 목록이 아닙니다: {}"),
    }
    for field, (value, line) in cases.items():
        assert korean(refused(exercise_from_dict, {**exercise, field: value})) == line, field
    assert korean(refused(exercise_from_dict, [])) == (
        "연습 문제가 객체가 아닙니다: []. tokens, query, key, value가 있는 객체를 주세요"
    )
    error = refused(exercise_from_dict, {**exercise, "tokens": ["a"] * 65})
    assert str(error) == "exercise has 65 tokens: an exercise worked by hand has at most 64"
    assert korean(error) == "연습 문제의 토큰이 65개입니다: 손으로 푸는 연습 문제의 토큰은 최대 64개입니다"


def test_a_number_beyond_float_in_an_exercise_is_refused_not_a_traceback(tmp_path):
    exercise = generate_exercise(seed=3, tokens=2, dim=2).to_dict()["exercise"]
    huge = 10**400
    error = refused(exercise_from_dict, {**exercise, "query": [[huge, 0], [0, 1]]})
    assert str(error) == f"exercise query row 0 is {shown([huge, 0])}: expected 2 finite numbers"
    assert korean(error) == f"연습 문제 query의 0번 행이 유한한 숫자 2개가 아닙니다: {shown([huge, 0])}"
    sheet = tmp_path / "sheet.json"
    sheet.write_text(json.dumps({"exercise": {**exercise, "scale": huge}, "answers": {}}), encoding="utf-8")
    assert error_lines("check", str(sheet)) == (
        f"Error: exercise scale is {shown(huge)}: expected a positive number such as 1/sqrt(d)",
        f"오류: 연습 문제의 scale이 양수가 아닙니다: {shown(huge)}. 1/sqrt(d) 같은 양수를 주세요",
    )


# -- real models, before and after loading (registry, architecture, loader, capture, generation,
# gguf_cache, tracing) ------------------------------------------------------------------------


def test_model_folders_and_configs_in_korean(tmp_path):
    import selfattention.sources.models as sm
    from selfattention.sources.models import architecture, registry

    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    error = refused(registry.resolve_model, str(tmp_path))
    assert str(error).startswith(f"model folder {str(tmp_path)!r} has no tokenizer files: expected one of")
    assert korean(error) == (
        f"모델 폴더에 토크나이저 파일이 없습니다: {str(tmp_path)!r}. tokenizer.json, vocab.txt, vocab.json,"
        " tokenizer.model, spiece.model 중 하나가 있어야 합니다(tokenizer.save_pretrained가 씁니다)"
    )
    error = refused(architecture.read_architecture, tmp_path)
    assert str(error) == (
        "config of model type '?' does not say its layers, heads and width (num_hidden_layers,"
        " num_attention_heads, hidden_size): cannot read its attention"
    )
    assert korean(error) == (
        "모델 타입 '?'의 config에 레이어, 헤드, 너비(num_hidden_layers, num_attention_heads, hidden_size)가"
        " 적혀 있지 않습니다: 어텐션을 읽을 수 없습니다"
    )
    (tmp_path / "config.json").write_text("[]", encoding="utf-8")
    assert korean(refused(architecture.read_architecture, tmp_path)) == (
        "config의 올바른 JSON 파일이 아닙니다: config.json. JSON 객체여야 합니다"
    )
    (tmp_path / "config.json").write_text("{", encoding="utf-8")
    error = refused(architecture.read_architecture, tmp_path)
    reason = str(error).removeprefix("config.json is not a valid JSON file: ")
    assert korean(error) == f"올바른 JSON 파일이 아닙니다: config.json ({reason})"
    # read while loading: the model's name and folder first, the reason as it was
    (tmp_path / "vocab.txt").write_text("[UNK]\n", encoding="utf-8")
    error = refused(sm.model_trace, "it", str(tmp_path))
    reason = str(error).removeprefix(f"cannot load model {str(tmp_path)!r} from {tmp_path.resolve()} offline: ")
    assert reason.startswith("config.json is not a valid JSON file: ")
    assert (
        korean(error)
        == f"모델 {str(tmp_path)!r}을(를) {tmp_path.resolve()}에서 오프라인으로 불러올 수 없습니다: {reason}"
    )


def test_generation_and_capture_refusals_before_any_weights(tmp_path, monkeypatch):
    from selfattention.sources.models import capture, generation, gguf_cache, loader, registry

    error = refused(generation.check_generation, "smollm2", True, 0, 0)
    assert str(error) == "max_new_tokens is True: expected a whole number from 1 to 256"
    assert korean(error) == "max_new_tokens가 1부터 256까지의 정수가 아닙니다: True"

    class Attention:
        pass

    error = refused(capture.own_eager, Attention())
    assert (
        str(error)
        == f"Attention ({__name__}) has no eager_attention_forward: its attention cannot be captured and checked"
    )
    assert (
        korean(error)
        == f"Attention({__name__})에 eager_attention_forward가 없습니다: 그 어텐션은 캡처하고 확인할 수 없습니다"
    )
    error = refused(capture.check_arguments, Attention(), 0.1, {})
    assert korean(error) == (
        "Attention이(가) 어텐션에 이런 인자를 넘깁니다: dropout=0.1 (the model is in training mode)."
        " selfattention은 모델과 다른 숫자를 보이느니 거절합니다"
    )

    class Unreadable:
        class AutoModelForCausalLM:
            @staticmethod
            def from_pretrained(*args, **kwargs):
                raise OSError("not a GGUF file")

    pytest.importorskip("safetensors")
    resolved = registry.ResolvedModel(
        name="tiny", path=tmp_path / "cache", checked_sha256="0" * 64, gguf=tmp_path / "m.gguf"
    )
    error = refused(gguf_cache.ensure_cache, resolved, Unreadable)
    assert str(error) == (
        f"cannot de-quantize model 'tiny' from {tmp_path / 'm.gguf'}: not a GGUF file (reading GGUF needs: pip"
        " install gguf accelerate)"
    )
    assert korean(error) == (
        f"모델 'tiny'을(를) {tmp_path / 'm.gguf'}에서 역양자화할 수 없습니다: not a GGUF file"
        " (GGUF를 읽으려면 pip install gguf accelerate가 필요합니다)"
    )
    monkeypatch.setitem(__import__("sys").modules, "transformers", None)
    error = refused(loader._backend)
    assert korean(error) == (
        "실제 모델에는 torch와 transformers가 필요합니다(transformers이(가) 없습니다):"
        " pip install 'selfattention[models]'"
    )


def test_a_loaded_model_refuses_in_korean(tiny_bert, monkeypatch):
    import selfattention.sources.models as sm
    from selfattention.sources.models import tracing

    error = refused(sm.model_trace, " ".join(["it"] * 45), tiny_bert)
    assert str(error) == (
        f"text has 47 tokens but model {tiny_bert!r} has 40 positions: shorten it to at most 40 tokens"
        " (special tokens included)"
    )
    assert korean(error) == (
        f"텍스트의 토큰은 47개인데 모델 {tiny_bert!r}의 위치는 40개입니다: 특수 토큰을 포함해 최대 40개"
        " 토큰으로 줄여 주세요"
    )
    assert korean(refused(sm.model_trace, "\x00\x01", tiny_bert)) == (
        "텍스트에 특수 토큰 말고는 토큰이 없습니다: '\\x00\\x01'. 토크나이저가 읽을 수 있는 단어를 주세요"
    )
    monkeypatch.setattr(tracing, "tolerance_for", lambda dtype: -1.0)
    error = refused(sm.model_trace, "it was tired", tiny_bert, layer=1, head=2)
    assert str(error).startswith(f"layer 1 head 2 of model {tiny_bert!r}: the attention weights computed from")
    difference = str(error).split("own by ")[1].split(",")[0]
    assert korean(error) == (
        f"모델 {tiny_bert!r}의 레이어 1번 헤드 2번: 캡처한 입력으로 계산한 어텐션 가중치가 모델 자신의 가중치와"
        f" {difference}만큼 다릅니다. 허용 오차 -1보다 큽니다: 모델이 캡처가 보지 못하는 무언가를 적용합니다"
    )
