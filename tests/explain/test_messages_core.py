"""Korean words for the refusals of core/ and record/ (issue #14 item 6): the kernels' inputs,
masks, budgets, ring attention and traces, said by ``say_error(error, "ko")`` and on the
command line under ``--lang ko``, while their English stays word for word what it was."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import selfattention as sa
from selfattention.core import limits
from selfattention.core.errors import SelfAttentionError
from selfattention.core.kernels import IMPLEMENTATIONS, blocked
from selfattention.core.kernels.inputs import prepare_inputs
from selfattention.core.kernels.threads import worker_count
from selfattention.core.masks import combine_masks
from selfattention.core.ring import make_layout, split_sizes
from selfattention.explain.messages import say_error
from selfattention.surfaces.cli import main

Q = K = np.eye(2)
V = np.array([[1.0], [2.0]])
sdpa = sa.scaled_dot_product_attention


def refusal(call) -> SelfAttentionError:
    with pytest.raises(SelfAttentionError) as caught:
        call()
    return caught.value


def said(call) -> tuple[str, str]:
    """A refusal's English and its Korean."""
    error = refusal(call)
    assert error.code, f"no code: {error}"
    return str(error), say_error(error, "ko")


def layer_trace() -> sa.LayerTrace:
    return sa.MultiHeadSelfAttention(4, 2, seed=0).trace(np.ones((2, 4)))


# -- the kernels' inputs (core/kernels/inputs.py) ----------------------------------------------


@pytest.mark.parametrize(
    ("call", "english", "korean"),
    [
        (
            lambda: sdpa(Q, K, V, scale="x"),
            "scale is 'x' (str): expected a real number such as 0.125",
            "scale이 실수가 아닙니다: 'x' (str). 0.125 같은 실수를 주세요",
        ),
        (
            lambda: sdpa(Q, K, V, scale=10**400),
            "scale is 1000000000000000000000000000000000000...: expected a finite number"
            " (it is beyond float64's range)",
            "scale이 float64의 범위를 넘습니다: 1000000000000000000000000000000000000.... 유한한 숫자를 주세요",
        ),
        (
            lambda: sdpa(Q, K, V, scale=float("inf")),
            "scale is inf: expected a finite number",
            "scale이 유한한 숫자가 아닙니다: inf. 유한한 숫자를 주세요",
        ),
        (
            lambda: sdpa(Q, K, V, is_causal="yes"),
            "is_causal is 'yes': expected True or False",
            "is_causal은 True나 False여야 합니다: 'yes'",
        ),
        (
            lambda: sdpa(np.array([[1, None]]), K, V),
            "query is ragged or holds non-numbers: expected a rectangular array of real numbers",
            "query의 행 길이가 서로 다르거나 숫자가 아닌 값이 있습니다: 실수로 된 직사각형 배열을 주세요",
        ),
        (
            lambda: sdpa(Q, K.astype(complex), V),
            "key has dtype complex128: expected real numbers of float16, float32 or float64 (or int);"
            " convert with array.astype(np.float64)",
            "key의 dtype을 쓸 수 없습니다: complex128. float16, float32, float64(또는 int)의 실수를 주세요."
            " array.astype(np.float64)로 바꾸세요",
        ),
        (
            lambda: sdpa(np.ones(2), K, V),
            "query has shape (2,): expected at least 2 dimensions (..., L, E)",
            "query의 차원이 2개보다 적습니다: shape (2,). (..., L, E)처럼 2차원 이상을 주세요",
        ),
        (
            lambda: sdpa(np.ones((2, 0)), np.ones((2, 0)), V),
            "query and key have 0 features: a dot product needs at least one feature (E >= 1)",
            "query와 key의 특성(feature)이 0개입니다: 내적에는 특성이 하나 이상 필요합니다(E >= 1)",
        ),
        (
            lambda: sdpa(np.ones((2, 1, 2)), np.ones((3, 2, 2)), np.ones((3, 2, 1))),
            "the leading dimensions of query (2,), key (3,) and value (3,) do not broadcast together",
            "앞쪽 차원이 서로 브로드캐스트되지 않습니다: query (2,), key (3,), value (3,)",
        ),
        (
            lambda: sdpa(np.ones((3, 2, 2)), np.ones((2, 2, 2)), np.ones((2, 2, 1)), enable_gqa=True),
            "query has 3 heads and key/value have 2: with enable_gqa=True the query heads must be a multiple of"
            " the key/value heads (dim -3), each group of consecutive query heads sharing one",
            "query의 헤드는 3개, key/value의 헤드는 2개입니다: enable_gqa=True에서는 query의 헤드 수가"
            " key/value 헤드 수(dim -3)의 배수여야 하고, 이어진 query 헤드 한 묶음이 key/value 헤드 하나를 함께 씁니다",
        ),
        (
            lambda: blocked.attention(prepare_inputs(Q, K, V), method="fast"),
            "method is 'fast': expected 'auto', 'online' or 'bounded'",
            "알 수 없는 method입니다: 'fast'. 'auto', 'online', 'bounded' 중 하나를 고르세요",
        ),
        (
            lambda: blocked.attention(prepare_inputs(Q, K, V), block_q=0),
            "block sizes must be >= 1; got block_q=0, block_k=512",
            "블록 크기는 1 이상이어야 합니다: block_q=0, block_k=512",
        ),
        (
            lambda: worker_count(0, 4, 10, 1),
            "threads is 0: expected a positive number of threads, or None",
            "threads는 양의 스레드 수나 None이어야 합니다: 0",
        ),
    ],
)
def test_the_kernels_refuse_their_inputs_in_korean(call, english, korean):
    assert said(call) == (english, korean)


def test_an_unknown_implementation_lists_the_installed_ones_in_korean():
    # the installed kernels (numba and torch are optional), in the order they were registered
    choices = ", ".join(repr(name) for name in ["auto", *IMPLEMENTATIONS])
    assert {"'reference'", "'blocked'"} <= set(choices.split(", "))
    assert said(lambda: sdpa(Q, K, V, implementation="fast")) == (
        f"implementation is 'fast': expected one of {choices}",
        f"알 수 없는 implementation입니다: 'fast'. {choices} 중 하나를 고르세요",
    )


# -- masks (core/masks.py) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "english", "korean"),
    [
        (
            lambda: sdpa(Q, K, V, np.array([[1, 0], [1, 1]])),
            "attn_mask has dtype int64: expected bool (True = may attend) or float (added to the scores,"
            " -inf = blocked); convert 0/1 integers with mask.astype(bool)",
            "attn_mask의 dtype을 쓸 수 없습니다: int64. bool(True = 볼 수 있음)이나 float(점수에 더함, -inf = 막음)를"
            " 주세요. 0/1 정수는 mask.astype(bool)로 바꾸세요",
        ),
        (
            lambda: sdpa(Q, K, V, np.array([[0.0, np.nan], [0.0, 0.0]])),
            "attn_mask holds NaN or +inf: a float mask is added to the scores, so it may hold finite numbers"
            " and -inf (blocked) only",
            "attn_mask에 NaN이나 +inf가 있습니다: float 마스크는 점수에 더해지므로 유한한 숫자와 -inf(막음)만"
            " 담을 수 있습니다",
        ),
        (
            lambda: sdpa(Q, K, V, np.array(True)),
            "attn_mask is a scalar: expected an array that broadcasts to (L, S)",
            "attn_mask가 스칼라입니다: (L, S)로 브로드캐스트되는 배열을 주세요",
        ),
        (
            lambda: sdpa(Q, K, V, np.ones((3, 2), bool)),
            "attn_mask has shape (3, 2), which does not broadcast to the scores' shape (2, 2) (..., L, S)",
            "attn_mask가 점수의 shape (..., L, S)로 브로드캐스트되지 않습니다: 점수 (2, 2), attn_mask (3, 2)",
        ),
        (
            lambda: sdpa(Q, K, V, np.ones((2, 2, 2), bool)),
            "attn_mask has shape (2, 2, 2), which would enlarge the scores' shape (2, 2): a mask must broadcast"
            " to (..., L, S), not beyond it",
            "attn_mask가 점수의 shape를 키웁니다: 점수 (2, 2), attn_mask (2, 2, 2). 마스크는 (..., L, S)로"
            " 브로드캐스트되어야 하고, 그보다 커지면 안 됩니다",
        ),
        (
            lambda: sa.from_key_padding_mask([True, False]),
            "key_padding_mask must have shape (batch, key_pos); got shape (2,)",
            "key_padding_mask의 shape는 (batch, key_pos)여야 합니다: (2,)",
        ),
        (
            lambda: combine_masks(None, [[True, False, True]], 1, 2, 1, 2),
            "key_padding_mask has shape (1, 3): expected (1, 2), (batch, S), with True = a real key and"
            " False = padding",
            "key_padding_mask의 shape가 맞지 않습니다: (1, 3). (1, 2), 곧 (batch, S)를 주세요."
            " True = 실제 키, False = 패딩입니다",
        ),
        (
            lambda: combine_masks(None, [[True, False]], 1, 2, 1, 2, batched=False),
            "key_padding_mask has shape (1, 2): expected (2,), (S,) for unbatched x, with True = a real key and"
            " False = padding",
            "key_padding_mask의 shape가 맞지 않습니다: (1, 2). (2,), 곧 배치 차원이 없는 x에 맞는 (S,)를 주세요."
            " True = 실제 키, False = 패딩입니다",
        ),
        (
            lambda: combine_masks(None, [[1, 0]], 1, 2, 1, 2),
            "key_padding_mask has dtype int64: expected bool (True = a real key, False = padding) or float"
            " (added to the scores, -inf = blocked)",
            "key_padding_mask의 dtype을 쓸 수 없습니다: int64. bool(True = 실제 키, False = 패딩)이나"
            " float(점수에 더함, -inf = 막음)를 주세요",
        ),
    ],
)
def test_masks_are_refused_in_korean(call, english, korean):
    assert said(call) == (english, korean)


# -- budgets (core/limits.py) ------------------------------------------------------------------


def test_the_budgets_say_their_numbers_in_korean():
    long = np.ones((100_000, 1))
    english, korean = said(lambda: sdpa(long, long, long, implementation="reference"))
    assert english.startswith("the reference kernel would build a (100000, 100000) score matrix of float64")
    assert korean == (
        "reference 커널이 만들 점수 행렬이 예산을 넘습니다: (100000, 100000) 크기의 float64 행렬(74.5 GiB),"
        " 예산 1 GiB(selfattention.core.limits.MAX_SCORE_BYTES). 점수를 한 번에 한 블록씩만 들고 있는"
        ' implementation="blocked"를 쓰거나, 쿼리 몇 개만 추적하세요(trace(queries=...), 명령줄에서는 --queries)'
    )
    english, korean = said(lambda: sa.attention_weights(long, long))
    assert english.startswith("attention_weights would build a (100000, 100000) score matrix")
    assert korean.startswith("attention_weights가 만들 점수 행렬이 예산을 넘습니다: (100000, 100000) 크기의")
    assert "한 번에 더 적은 쿼리의 가중치를 묻거나" in korean
    english, korean = said(lambda: sa.trace(long, long, long))
    assert english.startswith("tracing 100000 queries of 100000 keys (d = 1) would store 80,000,200,000 numbers")
    assert korean == (
        "쿼리 100000개, 키 100000개(d = 1)를 추적하면 숫자 80,000,200,000개(float64로 596 GiB)를 저장하게 되어"
        " 추적 예산 67,108,864개(selfattention.core.limits.MAX_TRACE_NUMBERS)를 넘습니다: trace(queries=[...])"
        "(명령줄에서는 --queries)로 쿼리 몇 개만 추적하거나,"
        ' scaled_dot_product_attention(..., implementation="blocked")로 출력만 계산하세요'
    )


def test_the_layer_and_output_budgets_say_what_fits_in_korean():
    english, korean = said(lambda: limits.check_layer_budget(2, 40, 2048, 2048, 1024))
    assert english.endswith("at most 8 queries fit; trace fewer (queries=[...], --queries on the command line)")
    assert korean.endswith(
        "를 넘습니다: 쿼리는 8개까지 들어갑니다. 더 적게 추적하세요(queries=[...], 명령줄에서는 --queries)"
    )
    assert korean.startswith(
        "헤드 2개 각각에서 키 2048개(d_model = 1024)에 대해 쿼리 40개를 추적하면 숫자 198,201,344개"
    )
    english, korean = said(lambda: limits.check_layer_budget(1, 1, 1000, 1000, 4000))
    assert english.endswith("not even one query fits: shorten the text, or use a narrower d_model")
    assert korean.endswith("쿼리 하나도 들어가지 않습니다. 텍스트를 줄이거나 더 좁은 d_model을 쓰세요")
    english, korean = said(lambda: limits.check_layer_budget(2, 1, 20_000, 20_000, 4))
    assert english.endswith("shorten the text to at most 8192 tokens, or use fewer heads")
    assert korean == (
        "레이어는 헤드 2개 각각의 점수 행렬 전체를 계산합니다: float64로 2 x 20000 x 20000이면 5.96 GiB로,"
        " 어떤 쿼리를 추적하든 예산(1 GiB, selfattention.core.limits.MAX_SCORE_BYTES)을 넘습니다."
        " 텍스트를 토큰 8192개 이하로 줄이거나, 헤드 수를 줄이세요"
    )


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""})


def error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr.count("\n") == 1
    return result.stderr.rstrip("\n")


def test_the_command_line_says_a_library_refusal_in_korean():
    args = ["explain", "-q", "1,0;0,1", "-k", "1,0;0,1", "-v", "1;2", "--scale", "inf"]
    assert error_line(run(*args, "--lang", "ko")) == "오류: scale이 유한한 숫자가 아닙니다: inf. 유한한 숫자를 주세요"
    assert error_line(run(*args)) == "Error: scale is inf: expected a finite number"


def test_the_command_line_says_its_budgets_in_korean(tmp_path, monkeypatch):
    rows = np.arange(600, dtype=float).reshape(200, 3).tolist()
    path = tmp_path / "input.json"
    path.write_text(json.dumps({"query": rows, "key": rows, "value": rows}), encoding="utf-8")
    monkeypatch.setattr(limits, "MAX_OUTPUT_BYTES", 600_000)
    everything = ",".join(map(str, range(200)))
    args = ["explain", "--input", str(path), "--queries", everything, "--format", "json"]
    english = error_line(run(*args))
    fit = english.split("at most ")[1].split(" ")[0]
    assert english.startswith("Error: the json output of 200 queries would be about")
    assert english.endswith(f"at most {fit} queries fit; pick them with --queries")
    korean = error_line(run(*args, "--lang", "ko"))
    assert korean.startswith("오류: 쿼리 200개의 출력은 약 ")
    assert korean.endswith(
        f"출력 예산(586 KiB, selfattention.core.limits.MAX_OUTPUT_BYTES)을 넘습니다: 쿼리는 {fit}개까지 들어갑니다."
        " --queries로 고르세요"
    )


def test_the_command_line_says_the_layers_budget_in_korean(monkeypatch):
    monkeypatch.setattr(limits, "MAX_SCORE_BYTES", 2 * 8 * 40 * 40)
    text = " ".join(f"w{i}" for i in range(50))
    korean = error_line(run("layer", text, "--heads", "2", "--d-model", "4", "--queries", "0", "--lang", "ko"))
    assert korean.startswith("오류: 레이어는 헤드 2개 각각의 점수 행렬 전체를 계산합니다: float64로 2 x 50 x 50이면")
    assert korean.endswith("텍스트를 토큰 40개 이하로 줄이거나, 헤드 수를 줄이세요")


# -- ring attention's layouts (core/ring/layout.py; attention.py needs torch, below) -----------


@pytest.mark.parametrize(
    ("call", "english", "korean"),
    [
        (
            lambda: make_layout(4, 2, "spiral"),
            "layout is 'spiral': expected one of 'contiguous', 'zigzag'",
            "알 수 없는 layout입니다: 'spiral'. 'contiguous', 'zigzag' 중 하나를 고르세요",
        ),
        (
            lambda: split_sizes(4, 0),
            "cannot split a sequence into 0 parts: expected at least 1",
            "시퀀스를 나눌 조각 수는 1 이상이어야 합니다: 0",
        ),
        (
            lambda: make_layout(-1, 2),
            "length is -1: expected 0 or more positions",
            "length는 0 이상의 위치 수여야 합니다: -1",
        ),
        (
            lambda: make_layout(4, 2).unshard([np.ones((2, 1))]),
            "got 1 pieces for a layout of 2 ranks",
            "조각이 1개 주어졌지만 레이아웃의 rank는 2개입니다",
        ),
    ],
)
def test_ring_layouts_are_refused_in_korean(call, english, korean):
    assert said(call) == (english, korean)


# -- traces (record/) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "english", "korean"),
    [
        (
            lambda: sa.trace(Q, K, V, tokens="ab"),
            "tokens is one string: expected a list of 2 strings, one per query positions (L)",
            "tokens이(가) 문자열 하나입니다: 쿼리 위치(L)마다 하나씩, 문자열 2개의 리스트를 주세요",
        ),
        (
            lambda: sa.trace(Q, K, V, key_tokens=["a", "b", "c"]),
            "key_tokens has 3 entries but there are 2 key positions (S): give one label each",
            "key_tokens의 항목은 3개인데 키 위치(S)는 2개입니다: 위치마다 레이블을 하나씩 주세요",
        ),
        (
            lambda: sa.trace(Q, K, V, tokens=["a", "b\n"]),
            "tokens entry 1 is 'b\\n': a label holds a control character (newline, tab, ...);"
            " expected a visible name such as 'NL'",
            "tokens의 1번 항목에 제어 문자(줄바꿈, 탭 등)가 있습니다: 'b\\n'. 'NL'처럼 보이는 이름을 주세요",
        ),
        (
            lambda: sa.trace(Q, K, V, queries=[1.5]),
            "queries holds 1.5: expected query positions (integers) or tokens",
            "queries에 쿼리 위치(정수)도 토큰도 아닌 값이 있습니다: 1.5",
        ),
        (
            lambda: sa.trace(Q, K, V, tokens=["a", "b"], queries=[0]).step(1),
            "query 1 is not traced: traced queries are 0 ('a')",
            "추적하지 않은 쿼리입니다: 1. 추적한 쿼리: 0 ('a')",
        ),
        (
            lambda: sa.trace(np.ones((1, 2, 2)), np.ones((1, 2, 2)), np.ones((1, 2, 1))),
            "query has shape (1, 2, 2): a trace is of one sequence and one head, so query must be 2-D;"
            " pick one, e.g. query[batch, head]",
            "query이(가) 2차원이 아닙니다: shape (1, 2, 2). 트레이스는 시퀀스 하나와 헤드 하나를 다루므로"
            " query은(는) 2차원이어야 합니다. 예: query[batch, head]처럼 하나를 고르세요",
        ),
        (
            lambda: sa.trace(Q, np.array([[1.0, 0.0], [0.0, np.nan]]), V),
            "key holds a non-finite number (NaN or inf) at (1, 1): a trace needs finite numbers",
            "key의 (1, 1) 자리에 유한하지 않은 숫자(NaN이나 inf)가 있습니다: 트레이스에는 유한한 숫자가 필요합니다",
        ),
        (
            lambda: sa.trace(Q, np.ones((0, 2)), np.ones((0, 1))),
            "key and value have 0 positions: a query needs at least one key (S >= 1)",
            "key와 value의 위치가 0개입니다: 쿼리에는 키가 하나 이상 필요합니다(S >= 1)",
        ),
        (
            lambda: sa.trace(np.full((1, 2), 1e200), np.full((1, 2), 1e200), np.ones((1, 1)), scale=1.0),
            "q0·k0 overflows float64: the numbers are too large to multiply (largest |q| entry 1e+200,"
            " |k| entry 1e+200); scale the inputs down",
            "float64의 범위를 넘는 내적입니다: q0·k0. 곱하기에는 숫자가 너무 큽니다(|q|의 가장 큰 값 1e+200,"
            " |k|의 가장 큰 값 1e+200). 입력을 작게 줄이세요",
        ),
        (
            lambda: sa.AttentionTrace.from_dict({}),
            'not a trace document: expected an object with "format": "selfattention.trace"',
            '트레이스 문서가 아닙니다: "format": "selfattention.trace" 항목이 있는 객체를 주세요',
        ),
        (
            lambda: sa.AttentionTrace.from_dict({"format": "selfattention.trace"}),
            "not a valid trace document: 'dtype'",
            "올바른 트레이스 문서가 아닙니다: 'dtype'",
        ),
        (
            lambda: sa.AttentionTrace.from_json("[" * 100_000 + "]" * 100_000),
            "trace JSON nests too deeply: expected a trace document",
            "트레이스 JSON이 너무 깊이 중첩되어 있습니다: 트레이스 문서를 주세요",
        ),
        (
            lambda: layer_trace().head(5),
            "head 5 does not exist: this layer has 2 heads, numbered 0 to 1",
            "없는 헤드입니다: 5. 이 레이어의 헤드는 2개이고, 번호는 0부터 1까지입니다",
        ),
        (
            lambda: sa.LayerTrace.from_dict([]),
            'not a layer trace document: expected an object with "format": "selfattention.layer_trace"',
            '레이어 트레이스 문서가 아닙니다: "format": "selfattention.layer_trace" 항목이 있는 객체를 주세요',
        ),
    ],
)
def test_traces_are_refused_in_korean(call, english, korean):
    assert said(call) == (english, korean)


def test_a_broken_trace_json_keeps_the_parsers_words_after_the_korean():
    with pytest.raises(json.JSONDecodeError) as parsed:
        json.loads("{")
    english, korean = said(lambda: sa.AttentionTrace.from_json("{"))
    assert (english, korean) == (
        f"trace JSON is invalid: {parsed.value}",
        f"트레이스 JSON이 올바르지 않습니다: {parsed.value}",
    )
    english, korean = said(lambda: sa.LayerTrace.from_json("{"))
    assert korean == f"레이어 트레이스 JSON이 올바르지 않습니다: {parsed.value}"


# -- torch tensors and ring attention (core/kernels/torch.py, core/ring/attention.py) ----------


def test_torch_refusals_are_korean():
    torch = pytest.importorskip("torch")
    from selfattention.core.ring.attention import _check
    from selfattention.distributed import ring_attention

    t = torch.eye(2)
    assert said(lambda: sdpa(t, t, t, implementation="blocked")) == (
        "implementation 'blocked' takes NumPy arrays but torch tensors were given: use"
        ' implementation="torch" (or "auto"), or pass tensor.detach().cpu().numpy()',
        "NumPy 배열을 받는 implementation에 torch 텐서가 주어졌습니다: 'blocked'."
        ' implementation="torch"(또는 "auto")를 쓰거나, tensor.detach().cpu().numpy()를 주세요',
    )
    assert said(lambda: sdpa(t, K, V))[1] == (
        "다른 입력은 torch 텐서인데 key은(는) 아닙니다: ndarray. query, key, value를 모두 torch 텐서로 주거나"
        " 모두 배열로 주세요"
    )
    assert said(lambda: sdpa(t, t, torch.ones(2, 1, dtype=torch.complex64)))[1] == (
        "value의 dtype을 쓸 수 없습니다: torch.complex64. 실수(float 또는 int)를 주세요"
    )
    assert said(lambda: sdpa(t, t, t, torch.tensor([[1, 0], [1, 1]])))[1].endswith("0/1 정수는 mask.bool()로 바꾸세요")
    assert said(lambda: ring_attention(t, t, t)) == (
        "ring_attention runs under torch.distributed: call torch.distributed.init_process_group on every"
        " rank first (torchrun does it with init_method='env://'), or use selfattention.distributed.run_local",
        "ring_attention은 torch.distributed 위에서 돌아갑니다: 먼저 모든 rank에서"
        " torch.distributed.init_process_group을 부르거나(torchrun은 init_method='env://'로 부릅니다),"
        " selfattention.distributed.run_local을 쓰세요",
    )
    # the ring's own checks, run on every rank before any exchange
    assert said(lambda: _check(torch, Q, t, t, None))[1] == (
        "query이(가) torch 텐서가 아닙니다: ndarray. ring_attention은 torch 텐서를 받습니다"
    )
    assert said(lambda: _check(torch, t, torch.ones(3, 2), t, None))[1] == (
        "query, key, value의 위치가 각각 2개, 3개, 2개입니다: 각 rank는 셋 모두의 같은 위치를 가집니다(셀프 어텐션)"
    )
    assert said(lambda: _check(torch, t, torch.ones(2, 3), t, None))[1] == (
        "query의 특성(feature)은 2개, key의 특성은 3개입니다: query와 key의 마지막 차원이 같아야 합니다"
    )
    assert said(lambda: _check(torch, t, t, t, torch.ones(3, dtype=torch.bool))) == (
        "key_padding_mask has shape (3,): expected (2,) or (batch, 2) with batch = key.shape[0] = none",
        "key_padding_mask의 shape가 맞지 않습니다: (3,). (2,)나 (batch, 2)를 주세요. batch = key.shape[0] = none",
    )
