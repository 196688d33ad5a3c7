"""Numbers and tokens as people read them (issue #14, item 5): one numbering everywhere (a
position counts from 0, so q0 is the first token's query, as --queries, --layer, --head, the
JSON and PyTorch count), and a token that occurs more than once told apart by its position
("the@0", "the@3") in every format and in the figures, while a unique token stays as it is."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import selfattention as sa
from selfattention.record.labels import distinct

EX = sa.seed_example()
SENTENCE = ["the", "cat", "saw", "the", "dog"]


def seed_trace() -> sa.AttentionTrace:
    return sa.trace(**EX.trace_kwargs())


def sentence_trace(**kwargs) -> sa.AttentionTrace:
    x = np.random.default_rng(0).normal(size=(5, 3))  # (L, E)
    return sa.trace(x, x, x, tokens=SENTENCE, **kwargs)


def labels_in(text: str) -> set[str]:
    """Every q<n> and k<n> label a text writes."""
    return set(re.findall(r"(?<![A-Za-z_])[qk]\d+", text))


# -- one numbering: positions count from 0 ----------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("format", ["text", "markdown", "html"])
def test_the_seed_is_numbered_from_zero_in_every_format(lang, format):
    t = seed_trace()
    shown = sa.render(t, sa.explain(t, lang), format)
    assert labels_in(shown) == {"q0", "q1", "k0", "k1"}  # two tokens: positions 0 and 1, nothing else
    assert "q0·k1 (Machines)" in shown and "q1·k0 (Acting)" in shown
    assert "(q0)" in shown and "(q1)" in shown  # the queries' headings


def test_json_positions_are_the_labels_numbers():
    t = seed_trace()
    data = json.loads(sa.render(t, sa.explain(t), "json"))
    words = sa.explain(t)
    for step in data["steps"]:
        heading = words.for_query(step["index"]).heading
        assert heading.endswith(f"(q{step['index']})")  # step 0 is "(q0)"
    assert [s["index"] for s in data["steps"]] == [0, 1]


def test_the_query_asked_by_position_is_labelled_with_that_position():
    """The issue's example: --queries 7 once gave q8."""
    t = sa.trace(np.eye(9), np.eye(9), np.eye(9), queries=[7])
    text = sa.render(t, sa.explain(t), "text")
    assert '"t7" as the query (q7)' in text and "q7·k0 (k0)" in text and "q8" not in text


# -- repeated tokens told apart ----------------------------------------------------------------


def test_distinct_names_only_repeated_tokens():
    assert distinct(SENTENCE) == ("the@0", "cat", "saw", "the@3", "dog")
    assert distinct(["Acting", "Machines"]) == ("Acting", "Machines")
    t = sentence_trace()
    assert t.key_names == t.query_names == distinct(SENTENCE)
    assert t.tokens == tuple(SENTENCE)  # the data keeps the tokens as they are


def test_repeated_tokens_are_told_apart_in_text_and_markdown():
    t = sentence_trace(queries=[3])
    for format in ("text", "markdown"):
        shown = sa.render(t, sa.explain(t), format)
        assert 'Self-attention with "the@3" as the query (q3)' in shown
        assert "q3·k0 (the@0)" in shown and "q3·k3 (the@3)" in shown and "q3·k1 (cat)" in shown
        assert "weights[the@0]" in shown and "weights[the@3]" in shown and "weights[cat]" in shown
        assert "weights[the]" not in shown and "(the)" not in shown
        assert "cat@" not in shown and "dog@" not in shown  # a unique token stays as it is
    meaning = " ".join(sa.explain(t).queries[0].meaning)
    assert '"the@3" gives' in meaning and '"the@0"' in meaning


def test_repeated_tokens_are_told_apart_in_korean_and_html():
    t = sentence_trace(queries=[3])
    korean = sa.render(t, sa.explain(t, "ko"), "text")
    assert '"the@3" 단어를 쿼리(Query)로 하는 셀프 어텐션 (q3)' in korean
    assert "q3·k0 (the@0)" in korean
    page = sa.render(t, sa.explain(t), "html")
    assert "q3·k0 (the@0)" in page and "weights[the@3]" in page


def test_repeated_tokens_are_told_apart_in_the_whole_matrix_and_the_layer():
    t = sentence_trace()
    text = sa.render(t, sa.explain(t), "text")
    # the whole-matrix tables: the keys' header, and one row per query
    assert [line.split() for line in text.splitlines()].count(["the@0", "cat", "saw", "the@3", "dog"]) == 3
    rows = [line.split()[0] for line in text.splitlines() if line.startswith("   the@")]
    assert rows.count("the@0") >= 4 and rows.count("the@3") >= 4  # Q, K, V and the three matrices
    layer = sa.text_layer_trace("the cat saw the dog", d_model=4, num_heads=2)
    words = sa.explain_layer(layer, queries=[3])
    shown = sa.render(layer, words, "text")
    assert '"the@3" as the query (q3)' in shown


def test_repeated_tokens_are_told_apart_in_the_figures():
    pytest.importorskip("matplotlib")
    from selfattention.render import plot

    fig = plot.trace_heatmap(sentence_trace())
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["the@0", "cat", "saw", "the@3", "dog"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["the@0", "cat", "saw", "the@3", "dog"]
    seed = plot.trace_heatmap(seed_trace())
    assert [t.get_text() for t in seed.axes[0].get_xticklabels()] == ["Acting", "Machines"]
