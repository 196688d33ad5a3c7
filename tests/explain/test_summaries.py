"""Each summary's claim is a property of the weights it describes (Hypothesis over random
weight rows): "most" only with a clear lead, "itself" only for the query's own key, ties and
near-ties named as such, "relatively little on itself" only when it is."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import selfattention as sa
from selfattention.explain import explain
from selfattention.explain.plan import ALMOST_ONLY, LITTLE, NEAR_TIE, TIE, plan_trace
from selfattention.explain.statements import Conclusion


def trace_with_weights(row: list[float], query: int) -> sa.AttentionTrace:
    """Self-attention whose every query has exactly the weights ``row``: scores log(w), scale 1."""
    n = len(row)
    key = np.log(np.asarray(row, dtype=np.float64))[:, None]  # (S, 1)
    return sa.trace(np.ones((n, 1)), key, np.eye(n), tokens=[f"t{j}" for j in range(n)], scale=1.0, queries=[query])


def conclusion_of(t: sa.AttentionTrace) -> Conclusion:
    return next(s for s in plan_trace(t).queries[0].meaning if isinstance(s, Conclusion))


rows = st.lists(st.floats(0.01, 1.0), min_size=2, max_size=6).map(lambda xs: [x / sum(xs) for x in xs])


@settings(max_examples=300, deadline=None)
@given(row=rows, data=st.data())
def test_every_summary_claim_holds_for_the_weights(row, data):
    query = data.draw(st.integers(0, len(row) - 1))
    t = trace_with_weights(row, query)
    w = t.steps[0].weights
    c = conclusion_of(t)
    top = c.top
    others = np.delete(w, top.index)
    assert top.weight == pytest.approx(w.max())  # the key named first is a heaviest one
    assert top.is_self == (top.index == query)
    if c.kind == "almost_only":
        assert top.weight >= ALMOST_ONLY
    elif c.kind == "tie":
        assert c.others and all(abs(k.weight - top.weight) <= TIE for k in c.others)
    elif c.kind == "near_tie":
        assert c.others and all(0 < top.weight - k.weight < NEAR_TIE for k in c.others)
        assert top.weight - others.max() > TIE
    else:  # "most" and "little_on_itself": a clear lead over every other key
        assert top.weight - others.max() >= NEAR_TIE
        if c.kind == "little_on_itself":
            assert not top.is_self and w[query] <= LITTLE * top.weight
        else:
            assert top.is_self or w[query] > LITTLE * top.weight


@settings(max_examples=100, deadline=None)
@given(row=rows)
def test_english_and_korean_say_most_only_with_a_clear_lead(row):
    t = trace_with_weights(row, 0)
    w = t.steps[0].weights
    lead = np.sort(w)[-1] - np.sort(w)[-2]
    english = explain(t, "en").queries[0].meaning
    korean = explain(t, "ko").queries[0].meaning
    says_most = any("looks most at" in line for line in english)
    assert not says_most or lead >= NEAR_TIE
    if lead <= TIE:
        assert any("a tie" in line for line in english) and any("동률" in line for line in korean)


def test_the_issue_examples():
    tie = trace_with_weights([0.4011, 0.4011, 0.1978], 0)
    words = explain(tie, "en").queries[0].meaning[-2]
    assert words == 'In short, "t0" looks equally at itself and "t1" (0.4011 both): a tie.'
    assert "동률" in explain(tie, "ko").queries[0].meaning[-2]
    near = trace_with_weights([0.3722, 0.3645, 0.2633], 1)
    words = explain(near, "en").queries[0].meaning[-2]
    assert words == ('In short, "t1" looks at "t0" (0.3722) and itself (0.3645) almost equally: "t0" leads by a hair.')
    assert "relatively little" not in words
    assert "거의 같은 가중치" in explain(near, "ko").queries[0].meaning[-2]
