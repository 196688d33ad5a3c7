"""Korean narration of the seed example: its lines kept as expected output, its numbers
checked against an independent computation, its sentences against the article's own."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import selfattention as sa
from reference_loop import loop_attention
from selfattention.explain import default_language
from selfattention.explain.numbers import fmt, fmt_percent, fmt_vector
from selfattention.surfaces.cli import main

GOLDEN = Path(__file__).parent / "data" / "seed_explain_ko.txt"
EX = sa.seed_example()
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")

# sentences typed in from the seed article (the Korean original), not from our output
ARTICLE = {
    "acting_weights": 'Weights: "Acting" 단어는 자기 자신과의 관계에서 0.9999, "Machines" 단어와의 관계에서 0.0001의'
    " 가중치를 가집니다.",
    "machines_weights": 'Weights: "Machines" 단어는 자기 자신과의 관계에서 0.2315, "Acting" 단어와의 관계에서 0.7685의'
    " 가중치를 가집니다.",
    "acting_output": 'Outputs: [1.0002,2.9998,4]는 "Acting" 단어가 문맥에서 다른 단어들과의 관계를 통해 업데이트된'
    " 새로운 표현입니다.",
    "machines_output": 'Outputs: [1.463, 2.537, 4]는 "Machines" 단어가 문맥에서 다른 단어들과의 관계를 통해 업데이트된'
    " 새로운 표현입니다.",
    "acting_conclusion": '결론적으로 "Acting" 단어는 자기 자신과의 관계가 매우 높고'
    ' "Machines" 단어와의 관계는 거의 없다는 것을 의미합니다.',
}


def korean_lines() -> list[str]:
    e = sa.explain(sa.trace(**EX.trace_kwargs()), lang="ko")
    lines = [e.title, *e.intro]
    for q in e.queries:
        lines.append(q.heading)
        lines += [q.steps[k] for k in ("dot_products", "scale", "mask", "softmax", "weighted_sum")]
        lines += list(q.meaning)
    return [*lines, e.caveat]


def independent_numbers() -> set[str]:
    """Every figure the seed's explanation may show, computed here from the formula."""
    q, k, v = EX.query, EX.key, EX.value
    out, w = loop_attention(q, k, v)
    d = q.shape[1]
    shown = {fmt(x) for x in (*q.ravel(), *k.ravel(), *v.ravel())}
    shown |= {str(n) for n in range(1, 5)} | {fmt(1 / math.sqrt(d)), str(d)}
    for i in range(len(q)):
        dots = [sum(q[i][e] * k[j][e] for e in range(d)) for j in range(len(k))]
        shown |= {fmt(x) for x in dots} | {fmt(x / math.sqrt(d)) for x in dots}
        shown |= {fmt(x) for x in w[i]} | {fmt(x) for x in out[i]}
        entropy = -sum(x * math.log(x) for x in w[i] if x > 0)
        shown |= {fmt(entropy), fmt(math.log(len(k))), fmt(math.exp(entropy), 2)}
        norms = [np.linalg.norm(w[i][j] * v[j]) for j in range(len(k))]
        shown.add(fmt_percent(max(norms) / sum(norms)).rstrip("%"))
    return shown


def test_korean_explanation_of_the_seed_equals_the_expected_lines():
    assert korean_lines() == GOLDEN.read_text(encoding="utf-8").splitlines()


def test_every_number_in_the_expected_lines_is_computed_independently():
    golden = GOLDEN.read_text(encoding="utf-8").splitlines()
    english_description = EX.description
    allowed = independent_numbers()
    for line in golden:
        numbers = NUMBER.findall(line)
        if line.startswith("원문 글의 예시입니다."):  # the example's description: the same figures as in English
            assert sorted(numbers) == sorted(NUMBER.findall(english_description))
            continue
        unexplained = [n for n in numbers if n not in allowed and n.lstrip("-") not in allowed]
        assert not unexplained, (line, unexplained)


def test_the_meaning_lines_say_what_the_article_says():
    e = sa.explain(sa.trace(**EX.trace_kwargs()), lang="ko")
    acting, machines = (list(q.meaning) for q in e.queries)
    assert acting[0].replace("가중치(Weights)", "Weights") == ARTICLE["acting_weights"]
    assert machines[0].replace("가중치(Weights)", "Weights") == ARTICLE["machines_weights"]
    assert acting[2] == ARTICLE["acting_conclusion"]
    # the article prints [1.0002,2.9998,4] without spaces in one place and with them in the other
    first = acting[1].split(" 이 벡터는")[0].replace("출력(Outputs)", "Outputs")
    assert first.replace(", ", ",", 2) == ARTICLE["acting_output"]
    assert machines[1].split(" 이 벡터는")[0].replace("출력(Outputs)", "Outputs") == ARTICLE["machines_output"]


def test_korean_uses_the_terms_learners_know():
    text = sa.render(t := sa.trace(**EX.trace_kwargs()), sa.explain(t, lang="ko"), "text")
    for term in ("쿼리", "키", "밸류", "내적", "스케일링", "소프트맥스", "가중치", "가중합"):
        assert term in text, term


def test_cli_lang_ko_shows_every_number_of_the_seed():
    result = CliRunner().invoke(main, ["explain", "--lang", "ko"], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    out, w = loop_attention(EX.query, EX.key, EX.value)
    for i, token in enumerate(EX.tokens):
        for j, key in enumerate(EX.tokens):
            # weights[Acting] = 1 / 1.0001 = 0.9999, with the Korean label
            assert any(line.split()[:1] == [f"가중치[{key}]"] and line.endswith(f"= {fmt(w[i, j])}") for line in lines)
        assert any(re.fullmatch(rf" +출력 += {re.escape(fmt_vector(out[i]))}", line) for line in lines), token
    for figure in ("0.9999", "0.0001", "0.7685", "0.2315", "1.0002", "2.9998", "1.463", "2.537"):
        assert figure in result.output
    assert result.output.count("단어를 쿼리(Query)로 하는 셀프 어텐션") == 2


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LC_ALL": "C.UTF-8", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"LC_MESSAGES": "ko_KR", "LANG": "C"}, "ko"),
        ({"LANG": "ja_JP.UTF-8"}, "en"),  # no Japanese module: English
        ({}, "en"),
    ],
)
def test_default_language_follows_the_locale(environ, expected):
    assert default_language(environ) == expected


def test_cli_follows_a_korean_locale_unless_told_otherwise():
    env = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "ko_KR.UTF-8"}
    korean = CliRunner().invoke(main, ["explain"], env=env, catch_exceptions=False)
    assert "○ 의미" in korean.output
    english = CliRunner().invoke(main, ["explain", "--lang", "en"], env=env, catch_exceptions=False)
    assert "What it means" in english.output and "○ 의미" not in english.output
