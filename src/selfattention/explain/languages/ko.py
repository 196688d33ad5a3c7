"""한국어 (Korean).

The words follow the seed article ("비전공자도 이해하는 트랜스포머 2. Self-Attention") and
the terms Korean learners know: 쿼리, 키, 밸류, 내적, 스케일링, 소프트맥스, 가중치, 가중합.
A token is named as ``"Acting" 단어`` the way the seed names it, which also lets every
particle attach to 단어 (를, 는, 와) whatever the token's last sound is.

>>> from selfattention import trace, seed_example
>>> t = trace(**seed_example().trace_kwargs())
>>> LANGUAGE.query_heading(t, t.steps[0])
'"Acting" 단어를 쿼리(Query)로 하는 셀프 어텐션 (q1)'
"""

from __future__ import annotations

from ...record.layer_trace import LayerTrace
from ...record.trace import AttentionTrace, QueryTrace
from ..base import Language, layer_numbers, title_text
from ..facts import KeyWeight, QueryFacts
from ..numbers import fmt, fmt_percent, fmt_vector


def _w(token: str) -> str:
    """A token as the seed names it: "Acting" 단어."""
    return f'"{token}" 단어'


#: Korean titles and descriptions of the built-in examples (examples.py), by name
EXAMPLES = {
    "seed": (
        '예시로 보는 셀프 어텐션: "Acting Machines" (d = 3)',
        "원문 글의 예시입니다. V = [[1, 3, 4], [3, 1, 4]]는 글에 실린 출력값에서 거꾸로 구했습니다."
        " Q와 K는 그림으로만 실려 있어 남아 있지 않으므로 재구성했습니다: K = [[1, 0, 1], [0, 1, 1]]로"
        " 정하고, 가중치와 출력이 글의 모든 수치로 반올림되도록 각 쿼리를 풀었습니다."
        ' "Acting"의 q1 = [16, 0, 1]은 점수 차이 q1·k1 - q1·k2 = 16 (스케일링 후 9.2376)을 만들어'
        " 가중치 0.9999 / 0.0001, 출력 [1.0002, 2.9998, 4]를 줍니다."
        ' "Machines"의 q2 = [2.078, 0, 1]은 차이 2.078 (스케일링 후 1.1997)을 만들어'
        " 가중치 0.7685 / 0.2315, 출력 [1.463, 2.537, 4]를 줍니다."
        " 차이가 각각 [15.57, 16.45], [2.0777, 2.0787] 안에 있으면 글의 수치가 똑같이 나옵니다.",
    ),
}


class Korean(Language):
    code = "ko"
    name = "한국어"
    labels = {  # noqa: RUF012 (read-only by convention)
        "query": "쿼리",
        "key": "키",
        "value": "밸류",
        "tokens": "단어",
        "sum": "합",
        "weights": "가중치",
        "output": "출력",
        "blocked": "가려짐",
        "meaning": "○ 의미",
        "matrix_view": "행렬로 한 번에 보기",
        "scores": "Q K^T (내적)",
        "scaled": "스케일링 후 마스크 더하기",
        "softmax": "행마다 소프트맥스 (가중치)",
        "times_v": "가중치 × V (가중합, 출력)",
        "max": "최댓값",
        "not_traced": "계산하지 않음",
        "all_blocked": "모든 키가 가려져 있으므로 가중치는 정의에 따라 모두 0입니다 (0/0, 즉 NaN이 아닙니다).",
        "heatmap": "가중치를 그림으로 보기",
        "plot_every_nth": "단어 {total}개: {step}개마다 하나씩 이름을 적었습니다",
        "plot_glyphs_missing": (
            "#n으로 적힌 이름(과 …로 적힌 글자)은 설치된 글꼴로 그릴 수 없는 글자입니다:"
            " 한글 글꼴(예: fonts-noto-cjk)을 설치하거나, 브라우저가 글자를 그리는 SVG로 저장하세요."
        ),
        "plot_unavailable": (
            "그림을 그리려면 matplotlib이 필요하지만 설치되어 있지 않습니다: pip install 'selfattention[plot]'"
        ),
        # 출력 상한 ({shown}, {total}, {limit}은 렌더러가 채웁니다)
        "queries_shown": "쿼리 {total}개 중 {shown}개만 아래에 풀어 씁니다. 다른 쿼리는 --queries로"
        " 고르세요 (Python에서는 queries=).",
        "keys_shown": "키 {total}개 중 가중치가 가장 큰 {shown}개만 보여 줍니다.",
        "matrix_omitted": "전체 행렬은 단어 {limit}개까지만 그립니다. 이 입력은 {total}개입니다.",
        "first_of": "{total}개 중 처음 {shown}개",
        "largest_terms": "내적마다 항이 {d}개 있습니다 (d = {d}). 크기가 가장 큰 {n}개만 적고, 나머지 작은 항"
        " {rest}개는 끝에 한꺼번에 더했습니다.",
        "smaller_terms": "작은 항",
        "model_title": '{model}, 레이어 {layer}, 헤드 {head}: "{text}"',
        "model_check": "Q, K, V는 레이어 {layer}의 입력과 이 헤드의 쿼리·키·밸류 가중치로 {rebuilt}에서 다시"
        " 계산했습니다. 가중치 {rows}행 모두 모델이 직접 돌려준 어텐션({model_dtype})과 같고, 가장 큰 차이는"
        " {difference}입니다.",
        "heads_title": '"{query}" 단어가 {model}의 모든 헤드에서 보는 곳: "{text}"',
        "heads_key_title": '{model}의 모든 헤드에서 "{query}" 단어가 "{key}" 단어에 주는 가중치: "{text}"',
        "heads_check": "헤드 {count}개의 가중치를 모두 모델의 가중치로 float64에서 다시 계산했습니다. 모델이 직접"
        " 돌려준 어텐션과의 가장 큰 차이는 {difference}입니다.",
        "heads_sink_note": "* = 가중치의 {share} 이상이 특수 토큰({tokens})이나 첫 단어로 갑니다. 할 일이 없는"
        " 헤드가 어텐션을 흔히 놓아 두는 곳입니다.",
        "layer": "레이어",
        "head": "헤드",
        "rank": "순위",
        "top_keys": "가중치가 큰 키",
        "sink": "쏠림",
        "position": "위치",
        "embedding": "임베딩",
        "positional_encoding": "위치 인코딩",
        "layer_input": "X = 임베딩 + 위치 인코딩",
        "concat": "이어 붙인 출력",
        "layer_output": "출력",
        # the web page's own controls
        "page_title": "셀프 어텐션, 한 단계씩",
        "page_subtitle": "쿼리를 고르고 내적, 스케일링, 소프트맥스, 가중합을 차례로 살펴보세요.",
        "page_language": "언어",
        "page_source": "입력",
        "page_source_example": "예시",
        "page_source_vectors": "직접 입력한 벡터",
        "page_tokens": "토큰",
        "page_add_token": "토큰 추가",
        "page_remove_token": "마지막 토큰 삭제",
        "page_add_dim": "차원 추가",
        "page_remove_dim": "마지막 차원 삭제",
        "page_reset": "예시로 돌아가기",
        "page_heatmap": "어텐션 가중치",
        "page_heatmap_help": "행은 쿼리, 열은 키입니다. 행을 클릭하거나 화살표 키와 Enter로 쿼리를 고르세요.",
        "page_query_picked": "쿼리",
        "page_block_mode": "셀을 클릭해 그 키를 가리기(마스크)",
        "page_blocked_cell": "가려짐",
        "page_causal": "인과(causal) 마스크",
        "page_temperature": "온도",
        "page_temperature_help": "1보다 크면 소프트맥스가 평평해지고, 1보다 작으면 뾰족해집니다.",
        "page_scale": "스케일",
        "page_entropy": "엔트로피",
        "page_effective_keys": "실제로 보는 키의 수",
        "page_nats": "nats",
        "page_steps": "단계별 계산",
        "page_downloads": "내려받기",
        "page_download_json": "트레이스 (JSON)",
        "page_download_png": "히트맵 (PNG)",
        "page_download_report": "보고서 (HTML)",
        "page_error": "오류",
        "page_loading": "계산 중…",
        "page_source_model": "실제 모델",
        "page_model": "모델",
        "page_sentence": "문장",
        "page_layer": "레이어",
        "page_head": "헤드",
        "page_run": "모델 실행",
        "page_source_text": "문장 (설명용 레이어)",
        "page_d_model": "d_model",
        "page_heads": "헤드 수",
        "page_seed": "시드",
        "page_run_text": "레이어에 통과시키기",
    }

    def title(self, trace: AttentionTrace) -> str:
        if trace.meta.get("source") == "model":
            return self.labels["model_title"].format(**trace.meta)
        known = EXAMPLES.get(str(trace.meta.get("example", "")))
        if known:
            return known[0]
        return f'"{title_text(trace.tokens)}"의 셀프 어텐션'

    def intro(self, trace: AttentionTrace, precision: int) -> list[str]:
        lines = [
            f"쿼리 단어 {len(trace.tokens)}개, 키 {len(trace.key_tokens)}개, d = {trace.d_head},"
            f" 스케일 = {fmt(trace.scale, precision)}"
            + (f" (1/sqrt({trace.d_head}))" if _is_default_scale(trace) else "")
            + (", 인과(causal) 마스크: 각 단어는 자기 자신과 앞의 단어들만 봅니다" if trace.is_causal else "")
            + "."
        ]
        known = EXAMPLES.get(str(trace.meta.get("example", "")))
        if known:
            lines.append(known[1])
        elif trace.meta.get("description"):
            lines.append(str(trace.meta["description"]))
        check = trace.meta.get("check")
        if trace.meta.get("source") == "model" and isinstance(check, dict):
            lines.append(
                self.labels["model_check"].format(
                    rebuilt=check["rebuilt_dtype"],
                    layer=trace.meta["layer"],
                    rows=check["rows_checked"],
                    model_dtype=check["model_dtype"],
                    difference=fmt(check["max_abs_difference"], 2),
                )
            )
        return lines

    def query_heading(self, trace: AttentionTrace, step: QueryTrace) -> str:
        return f"{_w(step.token)}를 쿼리(Query)로 하는 셀프 어텐션 (q{step.index + 1})"

    def step_headings(self, trace: AttentionTrace, step: QueryTrace, precision: int) -> dict[str, str]:
        n = step.index + 1
        scale = fmt(trace.scale, precision) + (f" = 1/sqrt({trace.d_head})" if _is_default_scale(trace) else "")
        return {
            "dot_products": f"1. 쿼리와 모든 키의 내적 q{n}·k 값을 계산합니다: 원소끼리 곱한 뒤 모두 더합니다.",
            "scale": f"2. 계산값의 안정화를 위해 스케일링합니다: 스케일 값({scale})을 곱해줍니다.",
            "mask": "   마스크를 점수에 더합니다: -inf가 더해진 키는 가려져 가중치가 0이 되고, 다른 값은 점수를"
            " 그만큼 올리거나 내립니다."
            if step.shifts_scores
            else "   마스크: 가려진 키에는 -inf가 더해져 가중치가 0이 됩니다.",
            "softmax": "3. 소프트맥스 함수를 취합니다: 가장 큰 점수를 빼고 exp를 취한 뒤, 그 합으로 나눕니다.",
            "weighted_sum": "4. 결과값(가중치)을 각 밸류 벡터와 곱해 모두 더합니다 (가중합).",
        }

    def meaning(self, trace: AttentionTrace, facts: QueryFacts, precision: int) -> list[str]:
        p = precision
        word = _w(facts.token)
        if facts.fully_masked:
            return [f"{word}에게는 모든 키가 가려져 있어 가중치가 모두 0이고, 출력은 영벡터입니다 (NaN이 아닙니다)."]
        is_self = facts.self_weight is not None
        shown = list(facts.ranked[:4])
        # the seed names the token's relation to itself first, then the others
        shown.sort(key=lambda kw: 0 if is_self and kw.index == facts.index else 1)
        parts = [f"{_relation(kw, facts)}에서 {fmt(kw.weight, p)}" for kw in shown]
        sentence = f"가중치(Weights): {word}는 " + ", ".join(parts) + "의 가중치를 가집니다."
        rest = len(facts.ranked) - len(shown)
        if is_self and all(kw.index != facts.index for kw in shown):
            assert facts.self_weight is not None
            sentence += f" 자기 자신과의 관계에서는 {fmt(facts.self_weight, p)}입니다."
        if rest > 0:
            sentence += f" 나머지 키 {rest}개가 남은 가중치를 나눠 가집니다."
        sentences = [sentence]
        step = trace.step(facts.index)
        closest, dominant = facts.closest_value, facts.dominant_value
        assert closest is not None and dominant is not None
        sentences.append(
            f"출력(Outputs): {fmt_vector(step.output, p)}는 {word}가 문맥에서 다른 단어들과의 관계를 통해"
            " 업데이트된 새로운 표현입니다."
            f" 이 벡터는 {_w(closest.token)}의 밸류 벡터 {fmt_vector(trace.value[closest.index], p)}에 가장 가깝고,"
            f" 가중합에서 가장 큰 항은 {_w(dominant.token)}의 가중 밸류입니다 (모든 항의 크기 합 중"
            f" {fmt_percent(facts.dominant_share)})."
        )
        top = facts.ranked[0]
        others = [kw for kw in facts.ranked if kw.index != facts.index] if is_self else []
        if top.weight >= 0.9 and is_self and top.index == facts.index:
            rest_of = f"{_w(others[0].token)}와의" if len(others) == 1 else "다른 단어들과의"
            conclusion = (
                f"결론적으로 {word}는 자기 자신과의 관계가 매우 높고 {rest_of} 관계는 거의 없다는 것을 의미합니다."
            )
        elif top.weight >= 0.9:
            conclusion = f"결론적으로 {word}는 거의 {_w(top.token)}만 바라본다는 것을 의미합니다."
        elif is_self and top.index != facts.index:
            assert facts.self_weight is not None
            conclusion = (
                f"결론적으로 {word}는 자기 자신과의 관계({fmt(facts.self_weight, p)})가 상대적으로 낮고"
                f" {_w(top.token)}와의 관계({fmt(top.weight, p)})는 상대적으로 높음을 의미합니다."
            )
        else:
            who = "자기 자신" if is_self and top.index == facts.index else _w(top.token)
            conclusion = f"결론적으로 {word}는 {who}에게 가장 큰 가중치({fmt(top.weight, p)})를 둡니다."
        sentences.append(conclusion)
        if facts.allowed_count > 1:
            spread = (
                "한 키에 뾰족하게 몰려 있습니다"
                if facts.effective_keys < 1.5
                else "넓게 퍼져 있습니다"
                if facts.effective_keys > 0.6 * facts.allowed_count
                else "몇몇 키에 모여 있습니다"
            )
            sentences.append(
                f"이 가중치 행은 {spread}: 엔트로피는 {fmt(facts.entropy, p)} nats"
                f" (최대 {fmt(facts.max_entropy, p)})로,"
                f" 키 {facts.allowed_count}개 중 {fmt(facts.effective_keys, 2)}개를 보는 셈입니다 (유효 키 개수)."
            )
        return sentences

    def caveat(self) -> str:
        return (
            "어텐션 가중치는 한 헤드가 어디를 보는지 보여줄 뿐, 모델이 왜 그런 결정을 내렸는지는 설명하지 못합니다:"
            " 밸류 벡터의 크기, 다른 헤드와 층, 잔차 연결(residual connection)은 가중치에 드러나지 않습니다."
        )

    # -- the layer (selfattention explain --text) ---------------------------------------------
    def layer_title(self, trace: LayerTrace) -> str:
        return str(trace.meta.get("title") or f'단어에서 문맥 벡터까지: "{" ".join(trace.tokens)}"')

    def layer_intro(self, trace: LayerTrace, precision: int) -> list[str]:
        cross = f", 문맥(context) 단어 {len(trace.key_tokens)}개 (크로스 어텐션)" if trace.is_cross else ""
        lines = [
            f"단어 {len(trace.tokens)}개{cross}, d_model = {trace.d_model}, 헤드 {trace.num_heads}개"
            f" (d_head = {trace.d_head})"
            + (", 인과(causal) 마스크: 각 단어는 자기 자신과 앞의 단어들만 봅니다" if trace.is_causal else "")
            + "."
        ]
        if trace.meta.get("source") == "toy":
            lines.append(
                "학습된 모델이 아닌 설명용 숫자입니다: 임베딩은 각 단어 글자의 해시로 정한 난수이고,"
                f" 가중치 W_Q, W_K, W_V, W_O도 난수입니다 (seed {trace.meta.get('seed')})."
                " 모든 계산은 정확하지만, 이 가중치가 문장에 대해 말하는 내용에는 의미가 없습니다."
                " 의미 있는 가중치는 실제 모델로 보세요."
            )
        return lines

    def layer_sections(self, trace: LayerTrace, head: int, precision: int) -> dict[str, str]:
        d, h, dh = trace.d_model, trace.num_heads, trace.d_head
        numbers = layer_numbers(trace, head)
        n, kv = numbers.input_step, numbers.kv_symbol
        start, stop = numbers.first_column, numbers.last_column
        return {
            "tokens": "1. 토큰: 문장을 단어와 문장부호로 나눕니다.",
            "embeddings": "2. 토큰 임베딩: 단어마다 d_model개의 숫자로 된 벡터 하나.",
            "embeddings_note": "같은 단어는 어디에 있든 항상 같은 벡터를 받습니다.",
            "positional": "3. 위치 인코딩: 단어가 몇 번째에 있는지.",
            "positional_note": (
                "PE(pos, 2i) = sin(pos / 10000^(2i/d_model)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d_model)):"
                " 어텐션만으로는 단어의 순서를 알 수 없으므로, 위치에만 의존하는 벡터를 더해줍니다."
            ),
            "input": f"{n}. 층의 입력 X = 임베딩 + 위치 인코딩."
            if trace.embeddings is not None
            else f"{n}. 층의 입력 X, 단어마다 한 행.",
            "input_note": f"X는 단어마다 d_model = {d}개의 숫자로 된 행 하나입니다."
            + (" 키와 밸류는 다른 문장인 문맥 C에서 옵니다." if trace.is_cross else ""),
            "context": "C, 문맥",
            "projections": f"{n + 1}. 쿼리, 키, 밸류: Q = X W_Q + b_Q, K = {kv} W_K + b_K, V = {kv} W_V + b_V.",
            "projections_note": (
                f"각 W는 {d} × {d} 행렬입니다. Q, K, V의 열 {d}개는 d_head = {dh}개씩 헤드 {h}개로 나뉩니다"
                f" (| 로 구분): 헤드 {head}번은 {start}~{stop}번 열을 씁니다."
            ),
            "attention": f"{n + 2}. 헤드 {head}의 어텐션, 단계별로 (d_head = {dh}).",
            "heads": f"{n + 3}. 헤드 {h}개를 나란히.",
            "heads_note": "헤드마다 Q, K, V의 열이 달라서, 단어들을 서로 다르게 봅니다.",
            "concat": f"{n + 4}. 이어 붙이기: 모든 헤드의 출력을 나란히 붙입니다.",
            "concat_note": f"숫자 {dh}개짜리 출력 {h}개가 다시 d_model = {d}개의 한 행이 됩니다.",
            "output": f"{n + 5}. 출력 투영: 출력 = 이어 붙인 출력 W_O + b_O.",
            "output_note": (
                "W_O는 헤드들이 찾은 것을 섞어, 단어마다 문맥을 담은 새 벡터 하나를 만듭니다: 층의 출력입니다."
            ),
        }

    def layer_head_summary(self, trace: LayerTrace, head: int, facts: QueryFacts, precision: int) -> str:
        word = _w(facts.token)
        if facts.fully_masked:
            return f"헤드 {head}: {word}에게는 모든 키가 가려져 있습니다 (가중치 0, 출력 0)."
        parts = [
            f"{'자기 자신' if facts.self_weight is not None and kw.index == facts.index else _w(kw.token)}"
            f"({fmt(kw.weight, precision)})"
            for kw in facts.ranked[:3]
        ]
        return f"헤드 {head}: {word}는 " + ", ".join(parts) + " 순으로 큰 가중치를 둡니다."

    def layer_shown(self, shown: int, total: int, what: str) -> str:
        if what == "numbers":
            return f"(벡터마다 숫자 {total}개 중 앞의 {shown}개만 보여줍니다)"
        return f"(단어 {total}개 중 앞의 {shown}개만 보여줍니다)"

    def layer_caveat(self, trace: LayerTrace) -> str:
        return self.caveat()


def _relation(kw: KeyWeight, facts: QueryFacts) -> str:
    if facts.self_weight is not None and kw.index == facts.index:
        return "자기 자신과의 관계"
    return f"{_w(kw.token)}와의 관계"


def _is_default_scale(trace: AttentionTrace) -> bool:
    return bool(abs(trace.scale * trace.d_head**0.5 - 1.0) < 1e-12)


LANGUAGE = Korean()
