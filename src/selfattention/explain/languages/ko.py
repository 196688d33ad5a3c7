"""한국어 (Korean).

The words follow the seed article ("비전공자도 이해하는 트랜스포머 2. Self-Attention") and
the terms Korean learners know: 쿼리, 키, 밸류, 내적, 스케일링, 소프트맥스, 가중치, 가중합.
A token is named as ``"Acting" 단어`` the way the seed names it, which also lets every
particle attach to 단어 (를, 는, 와) whatever the token's last sound is.

>>> from selfattention.explain.statements import QueryHeading
>>> LANGUAGE.say(QueryHeading(position=0, token="Acting"), precision=4)
'"Acting" 단어를 쿼리(Query)로 하는 셀프 어텐션 (q0)'
"""

from __future__ import annotations

from ..base import Language
from ..labels.ko import LABELS
from ..numbers import fmt, fmt_percent, fmt_row, fmt_terms, fmt_vector
from ..ring_statements import RingCheck, RingLayout, RingMerge, RingStep, RingTitle
from ..statements import (
    AllBlocked,
    AttentionSink,
    CausalKeys,
    Caveat,
    CheckFinding,
    CheckPassed,
    Conclusion,
    Description,
    DotProductsStep,
    GivenTitle,
    HeadSummary,
    Key,
    KVCacheStep,
    LayerSections,
    LayerSizes,
    LayerTokensTitle,
    MaskStep,
    ModelCheck,
    ModelTitle,
    Output,
    QueryHeading,
    RopeRotation,
    ScaleStep,
    SharedHeads,
    Shown,
    Sizes,
    SoftmaxStep,
    Spread,
    TokensTitle,
    ToyNote,
    WeightedSumStep,
    Weights,
)


def _q(token: str) -> str:
    return f'"{token}"'


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
        ' "Acting"의 q0 = [16, 0, 1]은 점수 차이 q0·k0 - q0·k1 = 16 (스케일링 후 9.2376)을 만들어'
        " 가중치 0.9999 / 0.0001, 출력 [1.0002, 2.9998, 4]를 줍니다."
        ' "Machines"의 q1 = [2.078, 0, 1]은 차이 2.078 (스케일링 후 1.1997)을 만들어'
        " 가중치 0.7685 / 0.2315, 출력 [1.463, 2.537, 4]를 줍니다."
        " 차이가 각각 [15.57, 16.45], [2.0777, 2.0787] 안에 있으면 글의 수치가 똑같이 나옵니다.",
    ),
}


class Korean(Language):
    code = "ko"
    name = "한국어"
    labels = LABELS

    # -- a trace ---------------------------------------------------------------------------
    def tokens_title(self, s: TokensTitle, precision: int) -> str:
        return f'"{s.tokens}"의 셀프 어텐션'

    def given_title(self, s: GivenTitle, precision: int) -> str:
        known = EXAMPLES.get(s.example or "")
        return known[0] if known else s.text

    def model_title(self, s: ModelTitle, precision: int) -> str:
        return self.labels["model_title"].format(model=s.model, layer=s.layer, head=s.head, text=s.text)

    def sizes(self, s: Sizes, precision: int) -> str:
        return (
            f"쿼리 단어 {s.queries}개, 키 {s.keys}개, d = {s.d_head}, 스케일 = {fmt(s.scale, precision)}"
            + (f" (1/sqrt({s.root_of}))" if s.root_of is not None else "")
            + (", 인과(causal) 마스크: 각 단어는 자기 자신과 앞의 단어들만 봅니다" if s.causal else "")
            + "."
        )

    def description(self, s: Description, precision: int) -> str:
        known = EXAMPLES.get(s.example or "")
        return known[1] if known else s.text

    def model_check(self, s: ModelCheck, precision: int) -> str:
        return self.labels["model_check"].format(
            rebuilt=s.rebuilt_dtype,
            layer=s.layer,
            rows=s.rows,
            model_dtype=s.model_dtype,
            difference=fmt(s.difference, 2),
        )

    # -- 디코더가 더하는 것 --------------------------------------------------------------------
    def causal_keys(self, s: CausalKeys, precision: int) -> str:
        later = (
            f" 뒤의 {s.hidden}개 토큰은 이 토큰에게 아직 없습니다: 인과 마스크가 가중치 0을 줍니다." if s.hidden else ""
        )
        return (
            f"인과 마스크: {_q(s.token)}(위치 {s.position})은 {_q(s.first)}부터 자기 자신까지 {s.visible}개의"
            f" 키만 봅니다.{later}"
        )

    def rope_rotation(self, s: RopeRotation, precision: int) -> str:
        p = precision
        a, b = s.dims
        return (
            f"RoPE(회전 위치 인코딩): 어텐션 전에 q와 k를 위치만큼 회전합니다. 차원 {a}과 {b}에서(위치마다"
            f" {fmt(s.frequency, p)} 라디안) 위치 {s.query_position}의 {_q(s.token)}의 q는"
            f" {fmt_vector(s.query_before, p)}에서 {fmt_vector(s.query_after, p)}로, 위치 {s.key_position}의"
            f" {_q(s.key_token)}의 k는 {fmt_vector(s.key_before, p)}에서 {fmt_vector(s.key_after, p)}로"
            f" 바뀝니다. 이 쌍의 곱 {fmt(s.pair_score, p)}은 두 토큰의 거리({s.query_position - s.key_position}"
            " 위치)에만 달려 있고, 두 토큰이 어디에 있는지에는 달려 있지 않습니다."
        )

    def shared_heads(self, s: SharedHeads, precision: int) -> str:
        others = ", ".join(str(h) for h in s.sharing if h != s.head)
        return (
            f"그룹 쿼리 어텐션(GQA): 쿼리 헤드 {s.num_heads}개가 키/밸류 헤드 {s.num_kv_heads}개를 나눠 씁니다."
            f" 헤드 {s.head}번은 키/밸류 헤드 {s.kv_head}번을 읽고, 헤드 {others}번과 같은 K와 V를 씁니다."
        )

    def attention_sink(self, s: AttentionSink, precision: int) -> str:
        return (
            f"어텐션 싱크: 이 헤드는 {_q(s.token)}의 가중치 중 {fmt_percent(s.share)}를 첫 토큰 {_q(s.first)}에"
            " 둡니다. 특별히 볼 것이 없을 때 쉬어 가는 자리로 쓰는 것입니다."
        )

    def k_v_cache_step(self, s: KVCacheStep, precision: int) -> str:
        check = (
            f" 이 행은 전체를 다시 계산한 결과와 {fmt(s.difference, 2)} 이내로 같습니다."
            if s.difference is not None
            else ""
        )
        return (
            f"KV 캐시: 생성하는 동안 새 토큰의 q, k, v만 계산하고, 앞선 {s.cached}개 토큰의 키와 밸류는 캐시에서"
            f" 가져옵니다.{check}"
        )

    def caveat(self, s: Caveat, precision: int) -> str:
        return (
            "어텐션 가중치는 한 헤드가 어디를 보는지 보여줄 뿐, 모델이 왜 그런 결정을 내렸는지는 설명하지 못합니다:"
            " 밸류 벡터의 크기, 다른 헤드와 층, 잔차 연결(residual connection)은 가중치에 드러나지 않습니다."
        )

    # -- one query ----------------------------------------------------------------------------
    def query_heading(self, s: QueryHeading, precision: int) -> str:
        return f"{_w(s.token)}를 쿼리(Query)로 하는 셀프 어텐션 (q{s.position})"

    def dot_products_step(self, s: DotProductsStep, precision: int) -> str:
        q = f"q{s.query_position}"
        return f"{s.number}. 쿼리와 모든 키의 내적 {q}·k 값을 계산합니다: 원소끼리 곱한 뒤 모두 더합니다."

    def scale_step(self, s: ScaleStep, precision: int) -> str:
        scale = fmt(s.scale, precision) + (f" = 1/sqrt({s.root_of})" if s.root_of is not None else "")
        if s.temperature is not None and s.d_head is not None:
            scale += f" = 1/sqrt({s.d_head}) × 1/T, 온도 T = {fmt(s.temperature, 2)}"
        return f"{s.number}. 계산값의 안정화를 위해 스케일링합니다: 스케일 값({scale})을 곱해줍니다."

    def mask_step(self, s: MaskStep, precision: int) -> str:
        if s.shifts:
            return (
                "   마스크를 점수에 더합니다: -inf가 더해진 키는 가려져 가중치가 0이 되고, 다른 값은 점수를"
                " 그만큼 올리거나 내립니다."
            )
        return "   마스크: 가려진 키에는 -inf가 더해져 가중치가 0이 됩니다."

    def softmax_step(self, s: SoftmaxStep, precision: int) -> str:
        return f"{s.number}. 소프트맥스 함수를 취합니다: 가장 큰 점수를 빼고 exp를 취한 뒤, 그 합으로 나눕니다."

    def weighted_sum_step(self, s: WeightedSumStep, precision: int) -> str:
        return f"{s.number}. 결과값(가중치)을 각 밸류 벡터와 곱해 모두 더합니다 (가중합)."

    # -- what it means --------------------------------------------------------------------------
    def all_blocked(self, s: AllBlocked, precision: int) -> str:
        return f"{_w(s.token)}에게는 모든 키가 가려져 있어 가중치가 모두 0이고, 출력은 영벡터입니다 (NaN이 아닙니다)."

    def weights(self, s: Weights, precision: int) -> str:
        # the seed names the token's relation to itself first, then the others
        keys = sorted(s.keys, key=lambda k: 0 if k.is_self else 1)
        parts = [f"{_relation(k)}에서 {fmt(k.weight, precision)}" for k in keys]
        sentence = f"가중치(Weights): {_w(s.token)}는 " + ", ".join(parts) + "의 가중치를 가집니다."
        if s.own is not None:
            sentence += f" 자기 자신과의 관계에서는 {fmt(s.own.weight, precision)}입니다."
        if s.rest > 0:
            sentence += f" 나머지 키 {s.rest}개가 남은 가중치를 나눠 가집니다."
        return sentence

    def output(self, s: Output, precision: int) -> str:
        p = precision
        return (
            f"출력(Outputs): {fmt_vector(s.output, p)}는 {_w(s.token)}가 문맥에서 다른 단어들과의 관계를 통해"
            " 업데이트된 새로운 표현입니다."
            f" 이 벡터는 {_w(s.closest.token)}의 밸류 벡터 {fmt_vector(s.closest_value, p)}에 가장 가깝고,"
            f" 가중합에서 가장 큰 항은 {_w(s.dominant.token)}의 가중 밸류입니다 (모든 항의 크기 합 중"
            f" {fmt_percent(s.dominant_share)})."
        )

    def conclusion(self, s: Conclusion, precision: int) -> str:
        word, p = _w(s.token), precision
        if s.kind == "almost_only" and s.top.is_self:
            rest_of = f"{_w(s.only_other.token)}와의" if s.only_other is not None else "다른 단어들과의"
            return f"결론적으로 {word}는 자기 자신과의 관계가 매우 높고 {rest_of} 관계는 거의 없다는 것을 의미합니다."
        if s.kind == "almost_only":
            return f"결론적으로 {word}는 거의 {_w(s.top.token)}만 바라본다는 것을 의미합니다."
        if s.kind == "tie":
            names = ", ".join(_who(k) for k in (s.top, *s.others))
            return f"결론적으로 {word}는 {names}에게 똑같은 가중치({fmt(s.top.weight, p)})를 둡니다: 동률입니다."
        if s.kind == "near_tie":
            close = ", ".join(f"{_who(k)}({fmt(k.weight, p)})" for k in s.others)
            return (
                f"결론적으로 {word}는 {_who(s.top)}({fmt(s.top.weight, p)})와 {close}에게 거의 같은 가중치를 둡니다:"
                f" {_who(s.top)} 쪽이 아주 조금 더 큽니다."
            )
        if s.kind == "little_on_itself" and s.own_weight is not None:
            return (
                f"결론적으로 {word}는 자기 자신과의 관계({fmt(s.own_weight, p)})가 상대적으로 낮고"
                f" {_w(s.top.token)}와의 관계({fmt(s.top.weight, p)})는 상대적으로 높음을 의미합니다."
            )
        return f"결론적으로 {word}는 {_who(s.top)}에게 가장 큰 가중치({fmt(s.top.weight, p)})를 둡니다."

    def spread(self, s: Spread, precision: int) -> str:
        spread = {
            "sharp": "한 키에 뾰족하게 몰려 있습니다",
            "spread_out": "넓게 퍼져 있습니다",
            "focused": "몇몇 키에 모여 있습니다",
        }[s.kind]
        return (
            f"이 가중치 행은 {spread}: 엔트로피는 {fmt(s.entropy, precision)} nats"
            f" (최대 {fmt(s.max_entropy, precision)})로,"
            f" 키 {s.allowed}개 중 {fmt(s.effective_keys, 2)}개를 보는 셈입니다 (유효 키 개수)."
        )

    # -- the layer (selfattention explain --text) ---------------------------------------------
    def layer_tokens_title(self, s: LayerTokensTitle, precision: int) -> str:
        return f'단어에서 문맥 벡터까지: "{s.tokens}"'

    def layer_sizes(self, s: LayerSizes, precision: int) -> str:
        cross = f", 문맥(context) 단어 {s.context_tokens}개 (크로스 어텐션)" if s.context_tokens is not None else ""
        return (
            f"단어 {s.tokens}개{cross}, d_model = {s.d_model}, 헤드 {s.num_heads}개 (d_head = {s.d_head})"
            + (", 인과(causal) 마스크: 각 단어는 자기 자신과 앞의 단어들만 봅니다" if s.causal else "")
            + "."
        )

    def toy_note(self, s: ToyNote, precision: int) -> str:
        return (
            "학습된 모델이 아닌 설명용 숫자입니다: 임베딩은 각 단어 글자의 해시로 정한 난수이고,"
            f" 가중치 W_Q, W_K, W_V, W_O도 난수입니다 (seed {s.seed})."
            " 모든 계산은 정확하지만, 이 가중치가 문장에 대해 말하는 내용에는 의미가 없습니다."
            " 의미 있는 가중치는 실제 모델로 보세요."
        )

    def layer_sections(self, s: LayerSections) -> dict[str, str]:
        d, h, dh, kv, n = s.d_model, s.num_heads, s.d_head, s.kv_symbol, s.input_number
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
            if s.with_embeddings
            else f"{n}. 층의 입력 X, 단어마다 한 행.",
            "input_note": f"X는 단어마다 d_model = {d}개의 숫자로 된 행 하나입니다."
            + (" 키와 밸류는 다른 문장인 문맥 C에서 옵니다." if s.cross else ""),
            "context": "C, 문맥",
            "projections": f"{s.projections_number}. 쿼리, 키, 밸류: Q = X W_Q + b_Q, K = {kv} W_K + b_K,"
            f" V = {kv} W_V + b_V.",
            "projections_note": (
                f"각 W는 {d} × {d} 크기의 행렬입니다. Q, K, V의 열 {d}개는 d_head = {dh}개씩 헤드 {h}개로 나뉩니다"
                f" (| 로 구분): 헤드 {s.head}번은 {s.first_column}~{s.last_column}번 열을 씁니다."
                + (" K와 V는 다른 문장인 문맥 C에서 옵니다." if s.cross else "")
            ),
            "attention": f"{s.attention_number}. 헤드 {s.head}의 어텐션, 단계별로 (d_head = {dh}).",
            "heads": f"{s.heads_number}. " + ("하나뿐인 헤드, 간추려서." if s.single_head else f"헤드 {h}개를 나란히."),
            "heads_note": "헤드마다 Q, K, V의 열이 달라서, 단어들을 서로 다르게 봅니다.",
            "concat": f"{s.concat_number}. 이어 붙이기: 모든 헤드의 출력을 나란히 붙입니다.",
            "concat_note": f"숫자 {dh}개짜리 출력 {h}개가 다시 d_model = {d}개의 한 행이 됩니다.",
            "output": f"{s.output_number}. 출력 투영: 출력 = 이어 붙인 출력 W_O + b_O.",
            "output_note": (
                "W_O는 헤드들이 찾은 것을 섞어, 단어마다 문맥을 담은 새 벡터 하나를 만듭니다: 층의 출력입니다."
            ),
        }

    def head_summary(self, s: HeadSummary, precision: int) -> str:
        if s.blocked:
            return f"헤드 {s.head}: {_w(s.token)}에게는 모든 키가 가려져 있습니다 (가중치 0, 출력 0)."
        parts = [f"{'자기 자신' if k.is_self else _w(k.token)}({fmt(k.weight, precision)})" for k in s.keys]
        return f"헤드 {s.head}: {_w(s.token)}는 " + ", ".join(parts) + " 순으로 큰 가중치를 둡니다."

    def shown(self, s: Shown, precision: int) -> str:
        if s.what == "numbers":
            return f"(벡터마다 숫자 {s.total}개 중 앞의 {s.shown}개만 보여줍니다)"
        return f"(단어 {s.total}개 중 앞의 {s.shown}개만 보여줍니다)"

    # -- 여러 랭크에 걸친 링 어텐션 ---------------------------------------------------------------
    def ring_title(self, s: RingTitle, precision: int) -> str:
        causal = ", causal" if s.causal else ""
        sizes = f"헤드 {s.heads}개, d = {s.dim}, {s.dtype}{causal}"
        return f"링 어텐션: 위치 {s.length}개를 랭크 {s.world_size}개에 나눠서 ({sizes})"

    def ring_layout(self, s: RingLayout, precision: int) -> str:
        held = "; ".join(f"랭크 {r}: {_runs_ko(runs)}" for r, runs in enumerate(s.runs))
        how = (
            "시퀀스를 랭크 수의 두 배만큼 조각으로 자르고, 랭크마다 앞쪽 조각 하나와 뒤쪽 조각 하나를 맡습니다"
            " (지그재그). 그래서 causal 마스크에서도 모든 랭크의 일이 같습니다."
            if s.layout == "zigzag"
            else "랭크마다 연속된 위치 한 구간을 맡습니다 (contiguous)."
        )
        return (
            f"{how} 쿼리는 제자리에 있습니다: {held}. 키와 밸류가 돌아다닙니다: 단계마다 각 랭크는 자기 쿼리와"
            " 지금 가진 블록을 계산하고, 그동안 그 블록을 다음 랭크로 보내고 이전 랭크에서 다음 블록을 받습니다."
            + (" 키가 모두 그 랭크의 모든 쿼리보다 뒤에 있는 블록은 건너뜁니다 (causal)." if s.causal else "")
        )

    def ring_step(self, s: RingStep, precision: int) -> str:
        work = {"full": "", "partial": ", causal 마스크로 일부만 계산", "skipped": ", 모두 가려져 건너뜀"}
        parts = [f"랭크 {h.rank}: 랭크 {h.source}의 블록 ({_runs_ko(h.runs)}){work[h.work]}" for h in s.holdings]
        then = (
            " 그다음 각자 블록을 다음 랭크로 보냅니다."
            if s.number < s.steps
            else " 이제 모든 랭크가 모든 키를 보았습니다."
        )
        return f"{s.steps}단계 중 {s.number}단계: " + "; ".join(parts) + "." + then

    def ring_merge(self, s: RingMerge, precision: int) -> str:
        p = precision
        return (
            f"합치기 한 번, 랭크 {s.rank}의 {s.step}단계, 위치 {s.position}의 쿼리: 지금까지 본 키에 대한 결과는"
            f" log-sum-exp lse₁ = {fmt(s.lse_before, p)}, 출력 {fmt_vector(s.output_before, p)}이고,"
            f" 랭크 {s.source}의 블록은 lse₂ = {fmt(s.lse_block, p)}, 출력 {fmt_vector(s.output_block, p)}를"
            f" 줍니다. 합치면 lse = log(e^lse₁ + e^lse₂) = {fmt(s.lse_after, p)}이고, 이전 결과는"
            f" e^(lse₁ - lse) = {fmt(s.share_before, p)}, 블록은 e^(lse₂ - lse) = {fmt(s.share_block, p)}만큼의"
            f" 가중치를 가지므로 출력은 {fmt(s.share_before, p)} × {fmt_vector(s.output_before, p)} +"
            f" {fmt(s.share_block, p)} × {fmt_vector(s.output_block, p)} = {fmt_vector(s.output_after, p)}입니다."
            " 블록 커널의 온라인 소프트맥스와 같은 계산입니다: 어느 랭크도 점수 한 행 전체를 갖지 않습니다."
        )

    def ring_check(self, s: RingCheck, precision: int) -> str:
        return (
            f"랭크 {s.world_size}개의 출력을 모으면 한 프로세스의 어텐션({s.dtype})과의 차이가 최대"
            f" {fmt(s.difference, 2)}입니다."
        )

    def ring_labels(self) -> dict[str, str]:
        return {
            "rank": "랭크",
            "positions": "위치",
            "compute_seconds": "계산 (초)",
            "wait_seconds": "대기 (초)",
            "bytes_sent": "보낸 바이트",
            "bytes_received": "받은 바이트",
            "block_bytes": "가장 큰 블록 (바이트)",
            "steps": "단계별로",
            "per_rank": "랭크별",
            "merge": "log-sum-exp 합치기 한 번",
            "figure_title": "각 랭크가 가진 블록 (계산한 점수의 비율)",
            "step": "단계",
            "work": "계산한 비율",
            "more_steps": "… 그리고 {count}단계가 더 있고, 단계마다 블록이 한 랭크씩 더 나아갑니다.",
        }

    # -- 연습 문제와 채점 --------------------------------------------------------------------------
    def exercise_scale(self, d_head: int, scale: float, root_of: int | None, precision: int) -> str:
        if root_of is not None:
            return f"d = {d_head}이므로 스케일 값은 1/sqrt({root_of}) = {fmt(scale, precision)}입니다."
        return f"d = {d_head}, 스케일 값은 {fmt(scale, precision)}입니다."

    def check_passed(self, s: CheckPassed, precision: int) -> str:
        names = ", ".join(self.labels[f"check_{name}"] for name in s.steps)
        return f"모두 맞았습니다: {names} 모두 소수 넷째 자리까지 정확합니다."

    def check_finding(self, s: CheckFinding, precision: int) -> str:
        p, step = precision, self.labels[f"check_{s.step}"]
        word = _w(s.query_token)
        where = f"k{s.entry}({_w(s.entry_token)})" if s.entry_token is not None else f"출력의 {s.entry}번 성분"
        basis = {
            "dot_products": f"q{s.query}·k{s.entry}",
            "scaled_scores": f"내가 구한 내적 {fmt(s.inputs[s.entry] if s.inputs else 0, p)} × {fmt(s.scale, p)}",
            "weights": f"내가 구한 스케일링한 점수 {fmt_row(s.inputs, p)}의 소프트맥스",
            "output": f"내가 구한 가중치 {fmt_row(s.inputs, p)} × V",
        }[s.step]
        right = fmt_row(s.expected_row, p)
        parts = [
            f"처음 틀린 단계는 {word}(q{s.query})의 {step}입니다: {where}에 적은 값은 {fmt(s.given, p)}이지만,"
            f" {basis}에서 나오는 값은 {fmt(s.expected, p)}입니다."
        ]
        d, scale = s.d_head, fmt(s.scale, p)
        dot = fmt(s.inputs[s.entry], p) if s.step == "scaled_scores" and s.inputs else ""
        tail = f": {dot} × {scale} = {fmt(s.expected, p)}." if dot else f": {right}."
        if s.code == "unscaled":
            parts.append(f"스케일링을 빠뜨렸습니다. 내적마다 스케일 값(1/sqrt({d}) = {scale})을 곱해야 합니다{tail}")
        elif s.code == "divided_by_d":
            parts.append(
                f"d(= {d})로 나눴습니다. 스케일 값은 1/sqrt({d}) = {scale}이므로 sqrt({d})(= {fmt(s.sqrt_d, p)})로"
                f" 나눠야 합니다{tail}"
            )
        elif s.code == "multiplied_by_sqrt_d":
            parts.append(
                f"sqrt({d})(= {fmt(s.sqrt_d, p)})로 나누지 않고 곱했습니다 (스케일 값은 1/sqrt({d}) = {scale}){tail}"
            )
        elif s.code == "column_softmax":
            parts.append(
                "소프트맥스를 행 방향이 아니라 열 방향(쿼리들 사이)으로 정규화했습니다. 쿼리마다 가중치의 합은 1인데,"
                f" 적은 값의 합은 {fmt(s.given_sum, p)}입니다. 행 방향으로 계산하면: {right}."
            )
        elif s.code == "no_exponential":
            parts.append(
                "exp를 취하지 않고 점수를 그 합으로 나눴습니다. 가중치는 exp(점수)를 exp들의 합으로 나눈 값입니다:"
                f" {right}."
            )
        elif s.code == "mask_ignored":
            blocked = ", ".join(_w(t) for t in s.blocked_tokens)
            parts.append(
                f"마스크를 적용하지 않았습니다. {word}에게 {blocked}는 가려져 있으므로 가중치가 0이고,"
                f" 나머지 키들이 가중치를 모두 나눠 가집니다: {right}."
            )
        elif s.code == "keys_for_values":
            parts.append(f"밸류 벡터 대신 키 벡터를 더했습니다. 출력 = Σ w_j v_j = {right}.")
        elif s.code == "transposed":
            parts.append(
                f"이것은 {word}(q{s.query})가 아니라 {_w(s.other_token or '')}(q{s.other_query})의 행입니다."
                f" {word}의 행은 {right}입니다."
            )
        elif s.code == "arithmetic":
            parts.append(self._slip(s, p))
        else:
            parts.append(f"흔한 실수 중 어느 것과도 맞지 않습니다. 내 숫자로 계산한 {word}의 {step}: {right}.")
        if s.also_wrong:
            parts.append("다음 단계도 틀렸습니다: " + ", ".join(self.labels[f"check_{n}"] for n in s.also_wrong) + ".")
        else:
            parts.append("그 뒤의 단계는 모두 내가 구한 숫자로부터 올바르게 계산했습니다.")
        return " ".join(parts)

    def _slip(self, s: CheckFinding, p: int) -> str:
        what = f"q{s.query}·k{s.entry}" if s.step == "dot_products" else f"출력의 {s.entry}번 성분"
        if s.term is None or s.term_factors is None:
            return f"이 숫자 하나만 틀렸습니다. 다시 계산해 보세요 ({what})" + (
                f": {fmt_terms(s.sum_factors, p)} = {fmt(s.expected, p)}." if s.sum_factors else "."
            )
        a, b = s.term_factors
        how = "의 부호를 반대로 썼습니다" if s.term_kind == "sign" else "을 빠뜨렸습니다"
        label = f"{s.term}번 항" if s.step == "dot_products" else f"k{s.term}의 항"
        return (
            f"{what}에서 {label}({fmt_terms([(a, b)], p)} = {fmt(a * b, p)}){how}:"
            f" {what} = {fmt_terms(s.sum_factors, p)} = {fmt(s.expected, p)}."
        )


def _who(key: Key) -> str:
    return "자기 자신" if key.is_self else _w(key.token)


def _relation(key: Key) -> str:
    return "자기 자신과의 관계" if key.is_self else f"{_w(key.token)}와의 관계"


def _runs_ko(runs: tuple[tuple[int, int], ...]) -> str:
    """전역 위치 [start, stop)를 사람이 세는 방식으로: "위치 0-3, 8-9"."""
    shown = [f"{a}" if b - a == 1 else f"{a}-{b - 1}" for a, b in runs if b > a]
    return ("위치 " + ", ".join(shown)) if shown else "위치 없음"


LANGUAGE = Korean()
