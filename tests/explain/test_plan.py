"""The plan decides what is said, once: every language receives the same statements with the
same numbers, and a new language only writes sentences."""

from __future__ import annotations

import dataclasses
import importlib
import math

import numpy as np
import pytest

import selfattention as sa
from selfattention.explain import get_language, phrase_trace
from selfattention.explain import statements as st
from selfattention.explain.base import Language
from selfattention.explain.layer import phrase_layer
from selfattention.explain.numbers import fmt
from selfattention.explain.plan import NAMED_KEYS, plan_layer, plan_trace
from selfattention.record.provenance import ModelHeadProvenance, Provenance, RebuildCheck
from selfattention.sources.layers import MultiHeadSelfAttention

explain_module = importlib.import_module("selfattention.explain")  # the package, not sa.explain
STATEMENT_KINDS = tuple(
    cls for cls in vars(st).values() if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls is not st.Key
)


class Plain(Language):
    """A third language, written in the test: sentences only, no decisions."""

    code = "xx"
    name = "Plain"
    labels = get_language("en").labels

    def causal_keys(self, s: st.CausalKeys, precision: int) -> str:
        return f"causal {s.position} {s.visible}"

    def rope_rotation(self, s: st.RopeRotation, precision: int) -> str:
        return f"rope {s.dims}"

    def shared_heads(self, s: st.SharedHeads, precision: int) -> str:
        return f"shared {s.kv_head}"

    def attention_sink(self, s: st.AttentionSink, precision: int) -> str:
        return f"sink {s.share}"

    def k_v_cache_step(self, s: st.KVCacheStep, precision: int) -> str:
        return f"cache {s.cached}"

    def tokens_title(self, s: st.TokensTitle, precision: int) -> str:
        return f"ATTENTION ON {s.tokens}"

    def model_title(self, s: st.ModelTitle, precision: int) -> str:
        return f"MODEL {s.model} L{s.layer} H{s.head}"

    def sizes(self, s: st.Sizes, precision: int) -> str:
        return f"{s.queries} BY {s.keys}"

    def model_check(self, s: st.ModelCheck, precision: int) -> str:
        return f"CHECKED {s.rows} ROWS: {fmt(s.difference, 2)}"

    def caveat(self, s: st.Caveat, precision: int) -> str:
        return "WEIGHTS ARE NOT REASONS"

    def query_heading(self, s: st.QueryHeading, precision: int) -> str:
        return f"QUERY {s.position} {s.token}"

    def dot_products_step(self, s: st.DotProductsStep, precision: int) -> str:
        return f"{s.number} DOT"

    def scale_step(self, s: st.ScaleStep, precision: int) -> str:
        return f"{s.number} SCALE {fmt(s.scale, precision)}"

    def mask_step(self, s: st.MaskStep, precision: int) -> str:
        return "MASK SHIFTS" if s.shifts else "MASK BLOCKS"

    def softmax_step(self, s: st.SoftmaxStep, precision: int) -> str:
        return f"{s.number} SOFTMAX"

    def weighted_sum_step(self, s: st.WeightedSumStep, precision: int) -> str:
        return f"{s.number} SUM"

    def all_blocked(self, s: st.AllBlocked, precision: int) -> str:
        return f"{s.token} SEES NOTHING"

    def weights(self, s: st.Weights, precision: int) -> str:
        named = " ".join(f"{'SELF' if k.is_self else k.token}={fmt(k.weight, precision)}" for k in s.keys)
        return f"{s.token} GIVES {named} +{s.rest}"

    def output(self, s: st.Output, precision: int) -> str:
        return f"{s.token} BECOMES NEAR {s.closest.token}"

    def conclusion(self, s: st.Conclusion, precision: int) -> str:
        return f"{s.token} {s.kind.upper()} {s.top.token}"

    def spread(self, s: st.Spread, precision: int) -> str:
        return f"{s.kind.upper()} {fmt(s.effective_keys, 2)}/{s.allowed}"

    def layer_tokens_title(self, s: st.LayerTokensTitle, precision: int) -> str:
        return f"LAYER ON {s.tokens}"

    def layer_sizes(self, s: st.LayerSizes, precision: int) -> str:
        return f"{s.tokens} TOKENS {s.num_heads} HEADS"

    def toy_note(self, s: st.ToyNote, precision: int) -> str:
        return f"TOY SEED {s.seed}"

    def layer_sections(self, s: st.LayerSections) -> dict[str, str]:
        keys = ("tokens", "embeddings", "embeddings_note", "positional", "positional_note", "input", "input_note")
        sections = {key: key.upper() for key in keys}
        return {
            **sections,
            "context": "CONTEXT",
            "projections": f"{s.projections_number} PROJECT",
            "projections_note": f"COLUMNS {s.first_column}-{s.last_column}",
            "attention": f"{s.attention_number} HEAD {s.head}",
            "heads": f"{s.heads_number} {'ONE HEAD' if s.single_head else 'HEADS'}",
            "heads_note": "HEADS NOTE",
            "concat": f"{s.concat_number} CONCAT",
            "concat_note": "CONCAT NOTE",
            "output": f"{s.output_number} OUTPUT",
            "output_note": "OUTPUT NOTE",
        }

    def head_summary(self, s: st.HeadSummary, precision: int) -> str:
        return f"H{s.head} {s.token} -> " + ",".join(k.token for k in s.keys)

    def shown(self, s: st.Shown, precision: int) -> str:
        return f"FIRST {s.shown}/{s.total} {s.what.upper()}"

    def exercise_scale(self, d_head: int, scale: float, root_of: int | None, precision: int) -> str:
        return f"SCALE {fmt(scale, precision)}"

    def check_passed(self, s: st.CheckPassed, precision: int) -> str:
        return "ALL RIGHT " + " ".join(s.steps)

    def check_finding(self, s: st.CheckFinding, precision: int) -> str:
        return f"WRONG {s.step} {s.code} q{s.query}"


@pytest.fixture
def plain(monkeypatch: pytest.MonkeyPatch) -> Plain:
    language = Plain()
    known = dict(explain_module.available_languages())
    monkeypatch.setattr(explain_module, "available_languages", lambda: {**known, "xx": language})
    return language


def model_like() -> sa.AttentionTrace:
    ex = sa.seed_example()
    check = RebuildCheck(
        max_abs_difference=3.9e-7, tolerance=1e-4, rebuilt_dtype="float64", model_dtype="float32", rows_checked=2
    )
    source = ModelHeadProvenance(
        model="tiny",
        model_path="/nowhere",
        weights_sha256=None,
        family="BERT",
        model_type="bert",
        layer=2,
        head=1,
        num_layers=3,
        num_heads=2,
        text="Acting Machines",
        special_tokens=(),
        check=check,
    )
    return sa.trace(ex.query, ex.key, ex.value, tokens=ex.tokens, provenance=source)


def traces() -> dict[str, sa.AttentionTrace]:
    rng = np.random.default_rng(7)
    ex = sa.seed_example()
    offsets = np.zeros((3, 3))
    offsets[0, 1], offsets[2, :] = -1.5, -np.inf  # a shifted score, and a row with every key blocked
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.standard_normal((3, 2))
    long_q, long_k = rng.standard_normal((20, 4)), rng.standard_normal((20, 4))
    long_k[0] = -4 * long_q[0]  # query 0 gives itself almost nothing: its own weight is not among the named keys
    return {
        "seed": sa.trace(**ex.trace_kwargs()),
        "causal": sa.trace(ex.query, ex.key, ex.value, tokens=ex.tokens, is_causal=True),
        "masked": sa.trace(q, k, v, tokens=list("abc"), attn_mask=offsets),
        "cross": sa.trace(q, rng.standard_normal((5, 4)), rng.standard_normal((5, 2)), key_tokens=list("VWXYZ")),
        "long": sa.trace(long_q, long_k, rng.standard_normal((20, 3)), [f"w{i}" for i in range(20)], scale=0.7),
        "model": model_like(),
    }


def layers() -> dict[str, sa.LayerTrace]:
    return {
        "one head": sa.text_layer_trace("the cat sat", d_model=4, num_heads=1, seed=1),
        "several heads": sa.text_layer_trace("the cat sat on it", d_model=8, num_heads=4, seed=2, is_causal=True),
        "cross": MultiHeadSelfAttention(4, 2, seed=3).trace(np.eye(2, 4), ["a", "b"], context=np.ones((3, 4))),
    }


class Recorder:
    """Stands in for a language and writes down every statement it is asked to phrase."""

    def __init__(self, language: Language) -> None:
        self.language, self.heard = language, []

    def __getattr__(self, name: str):  # code, labels
        return getattr(self.language, name)

    def say(self, statement, precision):
        self.heard.append(statement)
        return self.language.say(statement, precision)

    def layer_sections(self, sections):
        self.heard.append(sections)
        return self.language.layer_sections(sections)


def heard(code: str, phrase) -> list[object]:
    recorder = Recorder(get_language(code))
    phrase(recorder)
    return recorder.heard


@pytest.mark.parametrize("name", sorted(traces()))
def test_english_and_korean_receive_the_same_plan_for_a_trace(name):
    t = traces()[name]
    plan = plan_trace(t)
    english, korean = (heard(code, lambda lang: phrase_trace(plan, lang, 4)) for code in ("en", "ko"))
    assert english == korean and english  # the same statements, in the same order, with the same numbers
    assert all(isinstance(s, STATEMENT_KINDS) for s in english)  # statements only: never a trace or facts
    assert plan == plan_trace(t)  # and the plan is a pure function of the trace


@pytest.mark.parametrize("name", sorted(layers()))
def test_english_and_korean_receive_the_same_plan_for_a_layer(name):
    t = layers()[name]
    plan = plan_layer(t, head=t.num_heads - 1, queries=t.query_indices[-2:])
    english, korean = (heard(code, lambda lang: phrase_layer(plan, lang, 3)) for code in ("en", "ko"))
    assert english == korean and english
    assert all(isinstance(s, STATEMENT_KINDS) for s in english)


def test_the_plan_names_keys_and_numbers_steps_once():
    t = traces()["long"]
    first = plan_trace(t).queries[0]
    ranked = sorted(range(20), key=lambda j: (-t.steps[0].weights[j], j))
    weights = first.meaning[0]
    assert isinstance(weights, st.Weights)
    assert [k.index for k in weights.keys] == ranked[:NAMED_KEYS] and weights.rest == 20 - NAMED_KEYS
    assert weights.own == st.Key(0, "w0", float(t.steps[0].weights[0]), is_self=True)  # not among the named
    assert [getattr(s, "number", None) for s in first.steps] == [1, 2, None, 3, 4]
    assert isinstance(first.steps[1], st.ScaleStep) and first.steps[1].root_of is None  # 0.7 is not 1/sqrt(4)
    for code, own in (("en", "it keeps "), ("ko", "자기 자신과의 관계에서는 ")):
        assert own + fmt(weights.own.weight) in sa.explain(t, lang=code).queries[0].meaning[0]


def test_the_plan_picks_what_long_steps_show():
    rng = np.random.default_rng(3)
    t = sa.trace(rng.standard_normal((1, 12)), rng.standard_normal((40, 12)), rng.standard_normal((40, 2)))
    query = plan_trace(t).queries[0]
    heaviest = sorted(int(j) for j in np.argsort(-t.steps[0].weights)[:16])
    assert query.keys == tuple(heaviest)
    for terms in query.terms:
        products = t.steps[0].products[terms.key]
        largest = sorted(range(12), key=lambda e: -abs(products[e]))[:8]
        assert terms.dims == tuple(sorted(largest)) and terms.rest == 4
        assert math.isclose(terms.rest_sum, sum(products[e] for e in range(12) if e not in largest), abs_tol=1e-12)
    assert sa.explain(t).queries[0].keys == query.keys  # the explanation hands the renderer what to lay out


def test_a_third_language_only_writes_sentences(plain):
    seed = sa.explain(traces()["seed"], lang="xx")
    assert seed.title == 'Self-attention on "Acting Machines" (d = 3)'  # a given title, as given
    assert seed.queries[0].meaning == (
        "Acting GIVES SELF=0.9999 Machines=0.0001 +0",
        "Acting BECOMES NEAR Acting",
        "Acting ALMOST_ONLY Acting",
        "SHARP 1/2",
    )
    assert seed.queries[1].steps["scale"] == "2 SCALE 0.5774" and seed.caveat == "WEIGHTS ARE NOT REASONS"
    assert "Acting GIVES SELF=0.9999" in sa.render(traces()["seed"], seed, "text")
    model = sa.explain(traces()["model"], lang="xx")
    assert model.title == "MODEL tiny L2 H1" and model.intro == ("2 BY 2", "CHECKED 2 ROWS: 4e-07")
    masked = sa.explain(traces()["masked"], lang="xx")
    assert masked.queries[0].steps["mask"] == "MASK SHIFTS" and masked.queries[2].meaning == ("c SEES NOTHING",)
    layer = sa.explain_layer(layers()["one head"], lang="xx")
    assert layer.title == "LAYER ON the cat sat" and layer.intro == ("3 TOKENS 1 HEADS", "TOY SEED 1")
    assert layer.sections["heads"] == "7 ONE HEAD" and layer.head_summaries[0][0].startswith("H0 sat -> ")
    assert layer.shown(2, 3, "tokens") == "FIRST 2/3 TOKENS"
    assert "7 ONE HEAD" in sa.render(layers()["one head"], layer, "text")


def test_korean_says_what_english_says_for_one_head_cross_attention_and_a_given_title():
    layer = layers()["cross"]
    en, ko = (sa.explain_layer(layer, lang=code, head=1) for code in ("en", "ko"))
    assert "K and V come from the context C" in en.sections["projections_note"]
    assert "K와 V는 다른 문장인 문맥 C에서 옵니다." in ko.sections["projections_note"]
    one = layers()["one head"]
    assert sa.explain_layer(one).sections["heads"] == "7. The only head, in brief."
    assert sa.explain_layer(one, lang="ko").sections["heads"] == "7. 하나뿐인 헤드, 간추려서."
    titled = sa.trace([[1.0]], [[1.0]], [[2.0]], tokens=["x"], provenance=Provenance(title="My title"))
    assert sa.explain(titled).title == sa.explain(titled, lang="ko").title == "My title"
