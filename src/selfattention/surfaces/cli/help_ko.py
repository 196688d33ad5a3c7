"""한국어: the command line's help and click's own words (usage errors, section titles).

``COMMANDS`` holds, per command, its help, its epilog (the examples, with Korean comments)
and the help of its options by parameter name; ``OPTIONS`` the options every command shares.
``CLICK`` translates the messages click writes through gettext (:mod:`.i18n` routes them
here). An option missing here shows its English help: tests/surfaces/test_cli_korean.py
checks that none is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...explain.messages import ko as messages

__all__ = ["CLICK", "COMMANDS", "DEFAULTS", "GROUP", "OPTIONS", "CommandHelp"]


@dataclass(frozen=True)
class CommandHelp:
    help: str
    epilog: str | None = None
    options: dict[str, str] = field(default_factory=dict)  # parameter name -> help


GROUP = "셀프 어텐션을 계산하고, 들여다보고, 이해합니다."

#: the help of the options every command shares, by parameter name
OPTIONS = {
    "help": "이 도움말을 보이고 끝냅니다.",
    "version": "버전을 보이고 끝냅니다.",
    "precision": "보이는 소수 자릿수 (표시만 바뀝니다).",
    "lang": "설명의 언어.",
    "output": "터미널 대신 FILE에 씁니다.",
    "force": "--output과 --plot 파일이 이미 있어도 덮어씁니다.",
    "causal": "각 토큰은 자기 자신과 앞의 토큰만 봅니다.",
    "query_word": "쿼리 토큰: 단어(처음 나오는 것)나 0부터 센 위치.",
    "queries": '펼쳐 볼 쿼리: 토큰이나 0부터 센 위치. 예: "it,animal", "0,2".',
    "layer": "레이어 (0부터 셉니다).",
    "head": "헤드 (0부터 셉니다).",
    "heatmap": "가중치 히트맵을 FILE.png나 FILE.svg로도 씁니다.",
}

#: show_default texts that are words
DEFAULTS = {"ko when LC_ALL/LC_MESSAGES/LANG is Korean, else en": "LC_ALL/LC_MESSAGES/LANG이 한국어면 ko, 아니면 en"}

COMMANDS = {
    "explain": CommandHelp(
        help="셀프 어텐션을 단계별로 설명합니다: 내적, 스케일링, 소프트맥스, 가중합.\n\n"
        '입력이 없으면 원문 글의 예시, d = 3인 "Acting Machines"를 설명합니다.',
        epilog="""
\b
예:
  selfattention explain                       # 원문 글의 "Acting Machines", 단계별로
  selfattention explain --format markdown     # 같은 설명을 Markdown으로
  selfattention explain --input my.json       # 키: tokens, query, key, value, mask, causal, scale
  selfattention explain --tokens "I am here" \\
      --query "1,0;0,1;1,1" --key "1,0;0,1;1,1" --value "1,2;3,4;5,6" --causal
  selfattention explain --queries Machines --precision 6
  selfattention explain --lang ko             # 한국어 설명
  selfattention explain --plot h.png          # 히트맵도 씁니다 (.png 또는 .svg)
  selfattention explain --format html -o report.html   # 히트맵이 든 오프라인 페이지 하나
  selfattention explain --format csv          # 가중치, 토큰을 이름표로

문장은: selfattention layer TEXT (장난감 레이어), selfattention model TEXT (실제 모델).
""",
        options={
            "input_file": "JSON 파일에서 tokens, Q, K, V(와 mask, causal, scale)를 읽습니다.",
            "tokens": '토큰 이름. 예: "Acting,Machines" (띄어 써도 됩니다).',
            "query": 'Q, 토큰마다 한 행: "16,0,1;2.078,0,1".',
            "key": "K, 키마다 한 행.",
            "value": "V, 키마다 한 행 (너비는 Q, K와 달라도 됩니다).",
            "mask": '불리언 마스크, 1 = 볼 수 있음: "1,0;1,1".',
            "scale": "점수에 곱하는 스케일.",
            "queries": '펼쳐 볼 쿼리: 토큰이나 0부터 센 위치. 예: "Machines", "0,2".',
            "format": "출력 형식 (json은 트레이스, csv는 그 가중치).",
        },
    ),
    "layer": CommandHelp(
        help="TEXT를 장난감 멀티헤드 레이어에 통과시킵니다: 토큰, 임베딩, 위치, Q/K/V, 헤드.\n\n"
        "임베딩은 토큰 글자의 해시이고 가중치는 (시드로 정한) 무작위 값입니다: 모든 숫자는 정확하고"
        " 다시 만들 수 있지만, 학습된 것이 아니라 보여 주기 위한 것입니다. --query나 --queries가 없으면"
        " 마지막 토큰을 펼칩니다.",
        epilog="""
\b
예:
  selfattention layer "The animal didn't cross the street because it was too tired" --query it
  selfattention layer "The cat sat" --heads 2 --d-model 8 --seed 0 --causal --head 1
  selfattention layer "The cat sat" --format html -o layer.html   # 모든 헤드를 그린 페이지
  selfattention layer "The cat sat" --plot heads.png              # 모든 헤드를 나란히
""",
        options={
            "heads": "헤드 수.",
            "d_model": "모델 너비. 헤드마다 d_model / heads개의 특성을 받습니다.",
            "seed": "장난감 임베딩과 가중치의 시드.",
            "head": "단계별로 펼쳐 볼 헤드 (0부터 셉니다).",
            "query": '펼쳐 볼 쿼리 토큰: 단어나 0부터 센 위치. 예: "it".',
            "format": "출력 형식 (json은 레이어 트레이스).",
            "plot": "모든 헤드의 가중치를 나란히 FILE.png나 FILE.svg로도 그립니다.",
        },
    ),
    "model": CommandHelp(
        help="실제 모델의 헤드 하나를 TEXT에 대해 설명합니다: 모델 자신의 Q, K, V를 단계별로.\n\n"
        "가중치 행마다 모델이 돌려주는 어텐션과 맞춰 봅니다. --query나 --queries로 고르지 않으면 문서는"
        " 쿼리를 16개까지 보입니다.",
        epilog="""
\b
예:
  selfattention model "The animal didn't cross the street because it was too tired." \\
      --layer 3 --head 1 --query it
  selfattention model "The animal didn't cross the street because it was too tired." \\
      --layer 5 --head 11 --queries it,animal --format json
  selfattention model "The cat sat." --model path/to/bert --query cat --plot cat.png
""",
        options={
            "model": "모델 이름(minilm, smollm2)이나 로컬 Hugging Face 폴더.",
            "format": "출력 형식 (json은 모델 검증이 붙은 트레이스, csv는 그 가중치).",
        },
    ),
    "heads": CommandHelp(
        help="실제 모델의 모든 레이어 × 헤드: 쿼리 토큰은 어디를 볼까요?\n\n"
        "--key가 있으면 쿼리에서 그 키로 가는 가중치로 헤드의 순위를 매기고, 없으면 헤드마다 가장 무거운"
        " 키들을 보입니다(--top은 그 가장 무거운 키가 받는 가중치로 순위를 매깁니다). 주로 [CLS], [SEP]나"
        " 첫 토큰을 보는 헤드에는 표시를 붙입니다.",
        epilog="""
\b
예:
  selfattention heads "The animal didn't cross the street because it was too tired." --query it --key animal
  selfattention heads "The animal didn't cross the street because it was too tired." --query it --top 12
  selfattention heads "The animal didn't cross the street because it was too tired." --query it --plot heads.png
""",
        options={
            "key": "쿼리에서 이 토큰으로 가는 가중치로 헤드의 순위를 매깁니다.",
            "model": "모델 이름이나 폴더.",
            "top": "--key로 가는 가중치(--key가 없으면 쿼리의 가장 무거운 키가 받는 가중치)가 가장 큰 헤드"
            " N개만 무거운 순서로 보입니다 (0 = 모두).",
            "format": "출력 형식 (json은 보고서의 데이터).",
            "plot": "레이어 × 헤드 격자를 FILE.png나 FILE.svg로도 그립니다.",
        },
    ),
    "generate": CommandHelp(
        help="PROMPT에서 KV 캐시로 탐욕적으로 생성하며, 단계마다 읽은 토큰의 헤드 하나를 추적합니다.\n\n"
        "각 단계의 행(새 토큰의 쿼리와 캐시된 키)을 모델 자신의 어텐션과, 캐시 없이 처음부터 다시 계산한"
        " 값과 맞춰 봅니다.",
        epilog="""
\b
예:
  selfattention generate "The capital of France is" --max-new-tokens 8 --layer 5 --head 4
  selfattention generate "The capital of France is" --layer 0 --head 0 --format json
""",
        options={
            "model": "디코더 (minilm, smollm2 또는 폴더).",
            "max_new_tokens": "만들 토큰 수 (1~256).",
        },
    ),
    "serve": CommandHelp(
        help="웹 탐색기를 엽니다: 원문 글의 예시, 내 벡터, 모든 단계를 브라우저에서.",
        options={
            "host": "들을 주소 (이 컴퓨터만).",
            "port": "들을 포트.",
            "allow_hosts": "NAME으로 온 요청(Host 헤더)에도 답합니다. 예: 네트워크에서 이 컴퓨터의 이름. 여러 번"
            " 줄 수 있습니다. 다른 이름으로 온 요청은 거절합니다 (DNS 리바인딩 방어).",
        },
    ),
    "exercise": CommandHelp(
        help="손으로 풀어 보는 연습 문제: 내적, 스케일링한 점수, 가중치, 출력.\n\n"
        "작은 정수로 된 Q, K, V이고, 시드가 같으면 문제도 같습니다. 위치는 0부터 셉니다.",
        epilog="""
\b
예:
  selfattention exercise                          # 토큰 3개, d = 3, 시드 0
  selfattention exercise --seed 7 --tokens 2 --dim 4 --causal
  selfattention exercise --format html -o sheet.html        # 인쇄할 수 있는 문제지
  selfattention exercise --format markdown --answers        # 답안과 함께
  selfattention exercise --format json -o mine.json         # "answers"를 더한 뒤: selfattention check mine.json
""",
        options={
            "seed": "숫자를 뽑는 시드.",
            "tokens": "토큰 수.",
            "dim": "d, 특성 수.",
            "level": "1: 0~2의 정수, 2: -2~2, 3: -3~3과 마스크.",
            "queries": '물어볼 위치 (0부터 셉니다). 예: "0,2" (기본: 모두).',
            "answers": "답안을 덧붙입니다.",
            "format": "출력 형식 (json은 check가 다시 읽는 연습 문제).",
        },
    ),
    "check": CommandHelp(
        help="연습 문제의 답을 채점합니다: 처음 틀린 단계와 그 까닭.",
        epilog="""
\b
예:
  selfattention exercise --format json -o mine.json    # 그다음 mine.json에 "answers"를 더합니다
  selfattention check mine.json
  selfattention check mine.json --lang ko --format json

\b
"answers"에는 dot_products, scaled_scores, weights, output 중 아무것이나: 물은 쿼리마다 한 행씩,
순서대로 적습니다. 막힌 점수는 null이어도 됩니다. 종료 코드 0: 모두 맞음, 1: 틀린 단계가 있음, 2: 잘못된 입력.
""",
        options={
            "format": "출력 형식 (json: correct, first_wrong, mistake, steps, explanation).",
            "precision": "보이는 소수 자릿수.",
        },
    ),
    "ring": CommandHelp(
        help="로컬 프로세스에서 링 어텐션을 단계별로 돌리고, 프로세스 하나의 결과와 맞춰 봅니다.\n\n"
        "시퀀스를 이 컴퓨터의 WORLD_SIZE개 프로세스에 나눕니다 (torch.distributed, gloo, 루프백만). 각"
        " 프로세스가 계산하는 동안 키/밸류 블록이 링을 따라 돌고, 부분 결과는 log-sum-exp로 합칩니다.",
        epilog="""
\b
예:
  selfattention ring --world-size 3 --length 10 --causal
  selfattention ring --world-size 4 --length 1000 --heads 8 --dim 64 --format json
  selfattention ring --world-size 3 --length 12 --causal --layout zigzag --lang ko --plot ring.png
""",
        options={
            "world_size": "시퀀스를 나눠 가질 로컬 프로세스(랭크) 수.",
            "length": "위치 수.",
            "heads": "어텐션 헤드 수.",
            "dim": "헤드마다 특성 수.",
            "causal": "각 위치는 자기 자신과 앞의 위치만 봅니다.",
            "layout": "시퀀스를 나누는 방법: 연속 구간, 또는 causal 작업을 고르게 나누는 지그재그 조각.",
            "seed": "무작위 입력의 시드.",
            "timeout": "한 랭크가 다른 랭크를 기다리는 초. 넘으면 모든 랭크가 멈춥니다.",
            "format": "출력 형식 (json은 보고서의 데이터).",
            "plot": "랭크 × 단계 격자를 FILE.png나 FILE.svg로도 그립니다.",
        },
    ),
}

#: per command, the shared entries of OPTIONS its options use, by parameter name
_SHARED = {
    "explain": {"causal": "causal", "plot": "heatmap"},
    "layer": {"causal": "causal", "queries": "queries"},
    "model": {"layer": "layer", "head": "head", "query": "query_word", "queries": "queries", "plot": "heatmap"},
    "heads": {"query": "query_word"},
    "generate": {"layer": "layer", "head": "head"},
    "exercise": {"causal": "causal"},
}
for _name, _uses in _SHARED.items():
    for _param, _entry in _uses.items():
        COMMANDS[_name].options.setdefault(_param, OPTIONS[_entry])

#: click's own messages (gettext message ids, as click 8 writes them)
CLICK = {
    "Error: {message}": f"{messages.ERROR_PREFIX}: {{message}}",
    "Usage:": "사용법:",
    "Options": "옵션",
    "Commands": "명령",
    "Positional arguments": "위치 인자",
    "Show this message and exit.": OPTIONS["help"],
    "Show the version and exit.": OPTIONS["version"],
    "%(prog)s, version %(version)s": "%(prog)s, 버전 %(version)s",
    "default: {default}": "기본값: {default}",
    "required": "필수",
    "env var: {var}": "환경 변수: {var}",
    "(dynamic)": "(실행할 때 정함)",
    "Aborted!": "중단했습니다!",
    "Try '{command} {option}' for help.": "도움말: '{command} {option}'",
    "No such option {name!r}.": "그런 옵션은 없습니다: {name!r}.",
    "No such command {name!r}.": "그런 명령은 없습니다: {name!r}.",
    "Did you mean {possibility}?": "{possibility}을(를) 뜻했나요?",
    "(Did you mean one of: {possibilities}?)": "(이 중 하나를 뜻했나요: {possibilities}?)",
    "Missing argument": "빠진 인자:",
    "Missing option": "빠진 옵션:",
    "Missing parameter": "빠진 매개변수:",
    "Missing {param_type}": "빠진 {param_type}:",
    "Missing parameter: {param_name}": "빠진 매개변수: {param_name}",
    "Missing command.": "명령이 빠졌습니다.",
    "Invalid value for {param_hint}: {message}": "{param_hint}의 값이 올바르지 않습니다: {message}",
    "Invalid value: {message}": "올바르지 않은 값: {message}",
    "Option {name!r} requires an argument.": "옵션 {name!r}에는 값이 필요합니다.",
    "Option {name!r} requires {nargs} arguments.": "옵션 {name!r}에는 값이 {nargs}개 필요합니다.",
    "Option {name!r} does not take a value.": "옵션 {name!r}은(는) 값을 받지 않습니다.",
    "Got unexpected extra argument ({args})": "뜻하지 않은 인자가 더 있습니다 ({args})",
    "Got unexpected extra arguments ({args})": "뜻하지 않은 인자가 더 있습니다 ({args})",
    "{value!r} is not {choice}.": "{value!r}은(는) 고를 수 없습니다: {choice}만 됩니다.",
    "{value!r} is not one of {choices}.": "{value!r}은(는) 고를 수 없습니다: {choices} 중 하나를 고르세요.",
    "{value!r} is not a valid {number_type}.": "{value!r}은(는) 올바른 수({number_type})가 아닙니다.",
    "{value} is not in the range {range}.": "{value}은(는) 범위 {range} 밖입니다.",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r}은(는) 참/거짓 값이 아닙니다."
    " 쓸 수 있는 값: {states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r}이(가) 없습니다.",
    "Could not open file {filename!r}: {message}": "파일 {filename!r}을(를) 열 수 없습니다: {message}",
}
