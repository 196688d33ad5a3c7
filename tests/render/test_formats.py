"""The one registry of formats and the one entry: render(record, explanation, format) and
draw(record, explanation) for a trace, a layer trace and a heads report alike."""

from __future__ import annotations

import json

import numpy as np
import pytest

import selfattention as sa
from selfattention.explain.checker import CheckResult
from selfattention.explain.heads import HeadsExplanation, explain_heads
from selfattention.record.ring import RingReport
from selfattention.render import draw, formats, render
from selfattention.render.formats import KINDS
from selfattention.sources.exercises import Worksheet
from selfattention.sources.models.heads import HeadRow, HeadsReport, top_heads

TOKENS = ("[CLS]", "it", "was", "[SEP]")


def seed_trace() -> sa.AttentionTrace:
    return sa.trace(**sa.seed_example().trace_kwargs())


def heads_report(key: int | None = 0) -> HeadsReport:
    """Two layers x two heads, written by hand: the numbers the report must show."""
    weights = np.array(
        [[[0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]], [[0.1, 0.6, 0.2, 0.1], [0.05, 0.05, 0.85, 0.05]]]
    )  # (layers, heads, seq): the query "it"'s row in every head
    rows = (
        HeadRow(0, 0, 0.7, ((0, 0.7), (1, 0.1)), 0.8, True),
        HeadRow(0, 1, 0.25, ((0, 0.25), (1, 0.25)), 0.5, True),
        HeadRow(1, 0, 0.1, ((1, 0.6), (2, 0.2)), 0.2, False),
        HeadRow(1, 1, 0.05, ((2, 0.85), (0, 0.05)), 0.1, False),
    )
    return HeadsReport("tiny", "it was", TOKENS, 1, key, (0, 3), weights, rows, 2.5e-7, 1e-4)


def test_each_kind_lists_its_formats_text_first():
    assert formats(sa.AttentionTrace) == ("text", "markdown", "json", "html", "csv")
    assert formats(sa.LayerTrace) == ("text", "markdown", "json", "html")
    assert formats(HeadsReport) == ("text", "markdown", "json")
    assert formats(seed_trace()) == formats(sa.AttentionTrace)  # a record or its type
    assert formats(RingReport) == ("text", "markdown", "json")
    assert formats(Worksheet) == ("text", "markdown", "html", "json")
    assert formats(CheckResult) == ("text", "json")
    kinds = [sa.AttentionTrace, sa.LayerTrace, HeadsReport, RingReport, Worksheet, CheckResult]
    assert [kind.record for kind in KINDS] == kinds


def test_one_render_for_a_layer_trace():
    t = sa.text_layer_trace("the cat sat", d_model=4)
    words = sa.explain_layer(t)
    assert render(t, words, "markdown").splitlines()[0] == '# From words to contextual vectors: "the cat sat"'
    assert sa.LayerTrace.from_json(render(t, words, "json")).tokens == ("the", "cat", "sat")
    linked = render(t, words, "text", picture="heads.png")
    assert f"[{words.labels['heatmap']}: {words.title}: heads.png]" in linked.splitlines()


def test_one_render_for_a_heads_report():
    report = heads_report()
    words = explain_heads(report, "en", precision=2)
    text = render(report, words, "text").splitlines()
    assert text[0] == 'Weight from "it" to "[CLS]" in every head of tiny: "it was"'
    ranked = [line.split()[:4] for line in text if line.startswith("   ") and line.split()[0].isdigit()]
    assert ranked == [["1", "0", "0", "0.7"], ["2", "0", "1", "0.25"], ["3", "1", "0", "0.1"], ["4", "1", "1", "0.05"]]
    assert "| 1 | 0 | 0 | 0.7 | [CLS] 0.7, it 0.1 | \\* 0.8 |" in render(report, words, "markdown")
    data = json.loads(render(report, words, "json"))
    assert data["key"] == {"index": 0, "token": "[CLS]"} and [h["weight"] for h in data["heads"]] == [
        0.7,
        0.25,
        0.1,
        0.05,
    ]
    korean = render(report, explain_heads(report, "ko"), "text")
    assert korean != render(report, explain_heads(report, "en"), "text") and "tiny" in korean


def test_heads_top_without_a_key_ranks_by_the_heaviest_key_and_says_so():
    """Issue #14: `heads --top N` without --key ranks the heads by the weight of the query's
    heaviest key (not the first N in layer order) and its text says what it lists."""
    report = top_heads(heads_report(key=None), 2)
    assert [(r.layer, r.head) for r in report.rows] == [(1, 1), (0, 0)]  # 0.85 and 0.7: the heaviest
    lines = render(report, explain_heads(report, "en", precision=2), "text").splitlines()
    assert lines[0] == 'Where "it" looks in every head of tiny: "it was"'
    assert 'The top 2 of 4 heads by the weight of the heaviest key of "it", heaviest first.' in lines
    header = next(line for line in lines if "heaviest key" in line and "rank" in line)
    assert header.split()[:5] == ["rank", "layer", "head", "it", "→"]
    ranked = [line.split()[:5] for line in lines if line.startswith("   ") and line.split()[0].isdigit()]
    assert ranked == [["1", "1", "1", "was", "0.85"], ["2", "0", "0", "[CLS]", "0.7"]]  # each names its key
    korean = render(report, explain_heads(report, "ko", precision=2), "text")
    assert '"it" 단어의 가장 무거운 키가 받는 가중치로 고른 상위 헤드 2개(전체 4개 중), 무거운 순서입니다.' in korean
    assert json.loads(render(report, explain_heads(report), "json"))["top"] == 2
    # with a key the order is the report's (by that weight), and the text says so too
    keyed = top_heads(heads_report(key=0), 3)
    assert [r.weight for r in keyed.rows] == [0.7, 0.25, 0.1]
    assert (
        'The top 3 of 4 heads by the weight from "it" to "[CLS]", heaviest first.'
        in render(keyed, explain_heads(keyed), "text").splitlines()
    )
    # without --top nothing is ranked, and nothing says it is
    plain = render(heads_report(key=None), explain_heads(heads_report(key=None)), "text")
    assert "The top" not in plain


def test_repeated_tokens_are_told_apart_in_the_heads_report():
    weights = np.array([[[0.1, 0.2, 0.3, 0.4]]])
    rows = (HeadRow(0, 0, None, ((3, 0.4), (2, 0.3), (1, 0.2)), 0.1, False),)
    report = HeadsReport("tiny", "the the it the", ("the", "the", "it", "the"), 2, None, (0,), weights, rows, 0.0, 1e-4)
    text = render(report, explain_heads(report), "text")
    assert "the@3 0.4, it 0.3, the@1 0.2" in text


@pytest.mark.parametrize(
    ("record", "explanation", "message"),
    [
        (seed_trace, lambda r: sa.explain(r), "unknown format 'pdf': choose one of text, markdown, json, html, csv"),
        (
            lambda: sa.text_layer_trace("the cat", d_model=4),
            lambda r: sa.explain_layer(r),
            "unknown format 'pdf': choose one of text, markdown, json, html",
        ),
        (heads_report, lambda r: explain_heads(r), "unknown format 'pdf': choose one of text, markdown, json"),
        (
            lambda: sa.text_layer_trace("the cat", d_model=4),
            lambda r: sa.explain(r.head(0)),
            "the explanation is of type Explanation: a LayerTrace is rendered beside one of type LayerExplanation",
        ),
        (lambda: "text", lambda r: None, "cannot render a record of type str: expected one of AttentionTrace"),
    ],
)
def test_refusals_name_the_problem(record, explanation, message):
    made = record()
    with pytest.raises(sa.InputError) as info:
        render(made, explanation(made), "pdf")
    assert str(info.value).startswith(message)


def test_render_layer_is_a_deprecated_alias():
    t = sa.text_layer_trace("the cat sat", d_model=4)
    with pytest.warns(DeprecationWarning, match="render_layer is deprecated"):
        old = sa.render_layer(t, sa.explain_layer(t), "markdown")
    assert old == render(t, sa.explain_layer(t), "markdown")


def test_draw_gives_each_kind_its_figure():
    pytest.importorskip("matplotlib")
    t = seed_trace()
    heatmap = draw(t, sa.explain(t)).axes[0]
    assert [label.get_text() for label in heatmap.get_xticklabels()] == ["Acting", "Machines"]
    layer = sa.text_layer_trace("the cat sat", d_model=4, num_heads=2)
    assert [ax.get_title() for ax in draw(layer, sa.explain_layer(layer)).axes[:2]] == ["head 0", "head 1"]
    report = heads_report()
    grid = draw(report, explain_heads(report)).axes[0]
    np.testing.assert_array_equal(np.asarray(grid.images[0].get_array()), [[0.7, 0.25], [0.1, 0.05]])
    assert (grid.get_ylabel(), grid.get_xlabel()) == ("layer", "head")
    assert isinstance(explain_heads(report), HeadsExplanation)
