"""What to say about a trace, decided once for every language.

From a trace, its provenance and its facts, the plan picks the statements that apply
(:mod:`selfattention.explain.statements`), their order, their numbers, the keys they name,
the step numbering and the thresholds below; it also picks what the steps show of a long row
(the heaviest keys, the largest terms of a long dot product). Languages only phrase it.

>>> from selfattention import trace, seed_example
>>> plan = plan_trace(trace(**seed_example().trace_kwargs()))
>>> weights = plan.queries[0].meaning[0]
>>> type(weights).__name__, [(k.token, round(k.weight, 4), k.is_self) for k in weights.keys]
('Weights', [('Acting', 0.9999, True), ('Machines', 0.0001, False)])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from ..record.layer_trace import LayerTrace
from ..record.provenance import ExampleProvenance, ModelHeadProvenance, Provenance, ToyLayerProvenance
from ..record.trace import AttentionTrace, QueryTrace
from .facts import KeyWeight, QueryFacts, query_facts
from .statements import (
    AllBlocked,
    AttentionSink,
    CausalKeys,
    Caveat,
    Conclusion,
    Description,
    DotProductsStep,
    DotProductTerms,
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
    Sizes,
    SoftmaxStep,
    Spread,
    Statement,
    TokensTitle,
    ToyNote,
    WeightedSumStep,
    Weights,
)

__all__ = [
    "ALMOST_ONLY",
    "MAX_KEYS",
    "MAX_TERMS",
    "MAX_TITLE_TOKENS",
    "NAMED_KEYS",
    "STEP_KEYS",
    "LayerPlan",
    "QueryPlan",
    "TracePlan",
    "dot_product_terms",
    "join_tokens",
    "plan_layer",
    "plan_trace",
    "shown_keys",
    "title_statement",
    "title_text",
]

#: a title quotes at most this many tokens of the sequence
MAX_TITLE_TOKENS = 12
#: the weights sentence names this many keys (the heaviest), a head's summary SUMMARY_KEYS
NAMED_KEYS = 4
SUMMARY_KEYS = 3
#: from this weight on, the query "attends almost only" to its heaviest key
ALMOST_ONLY = 0.9
#: two weights this close (less than half a unit in the 4th decimal) are a tie: no key is "most"
TIE = 5e-5
#: a runner-up this close to the heaviest key is a near-tie: it is named beside it
NEAR_TIE = 0.05
#: the query keeps "relatively little" on itself when its own weight is at most this share of the heaviest
LITTLE = 0.5
#: a row is sharp below this many effective keys, spread out above this share of its keys
SHARP = 1.5
SPREAD_OUT = 0.6
#: steps list at most this many keys (the heaviest); dot products show this many terms
MAX_KEYS = 16
MAX_TERMS = 8
#: a decoder's head "parks" its weight on the first token (an attention sink) from this share on
SINK_SHARE = 0.5
#: the names of a query's steps, in order (an explanation's ``steps`` dict uses them)
STEP_KEYS = ("dot_products", "scale", "mask", "softmax", "weighted_sum")


@dataclass(frozen=True)
class QueryPlan:
    """One traced query: its heading, its steps (one statement per :data:`STEP_KEYS`), what
    its row means, and what the steps show: ``keys`` (positions) and their dot products'
    ``terms``."""

    index: int
    heading: QueryHeading
    steps: tuple[Statement, ...]
    meaning: tuple[Statement, ...]
    facts: QueryFacts
    keys: tuple[int, ...]
    terms: tuple[DotProductTerms, ...]


@dataclass(frozen=True)
class TracePlan:
    title: Statement
    intro: tuple[Statement, ...]
    queries: tuple[QueryPlan, ...]
    caveat: Caveat


@dataclass(frozen=True)
class LayerPlan:
    """A layer: its own statements, the chosen head's plan for the picked queries, and per
    picked query one summary per head."""

    title: Statement
    intro: tuple[Statement, ...]
    sections: LayerSections
    head: int
    queries: tuple[int, ...]
    head_plan: TracePlan
    head_summaries: tuple[tuple[HeadSummary, ...], ...]
    caveat: Caveat


def title_text(tokens: Sequence[str]) -> str:
    """The tokens a title quotes: all of a short sequence, the first few of a long one.

    >>> title_text(["Acting", "Machines"]), title_text([f"w{i}" for i in range(40)])[-14:]
    ('Acting Machines', 'w10 w11 … (40)')
    """
    if len(tokens) <= MAX_TITLE_TOKENS:
        return join_tokens(tokens)
    return join_tokens(tokens[:MAX_TITLE_TOKENS]) + f" … ({len(tokens)})"


#: tokens written against the word before them, as in the sentence they came from
_ATTACHED = frozenset(
    {".", ",", "!", "?", ";", ":", ")", "]", "}", "%", "…", "'s", "n't", "'re", "'ll", "'ve", "'m", "'d"}
)


def join_tokens(tokens: Sequence[str]) -> str:
    """Tokens back into a sentence for a title: punctuation and clitics against the word before
    them ("tired." not "tired .", "didn't" not "did n't").

    >>> join_tokens(["The", "animal", "did", "n't", "cross", "(", "really", ")", "."])
    "The animal didn't cross (really)."
    """
    text = ""
    for i, token in enumerate(tokens):
        glue = i == 0 or token in _ATTACHED or tokens[i - 1] in ("(", "[", "{")
        text += token if glue else " " + token
    return text


def plan_trace(trace: AttentionTrace) -> TracePlan:
    """Every statement about a trace: title, introduction, per traced query its heading,
    steps and meaning, and the caveat."""
    root = trace.d_head if bool(abs(trace.scale * trace.d_head**0.5 - 1.0) < 1e-12) else None
    intro: list[Statement] = [
        Sizes(len(trace.tokens), len(trace.key_tokens), trace.d_head, trace.scale, root, trace.is_causal)
    ]
    source = trace.provenance
    if source.description:
        intro.append(Description(source.description, _example(source)))
    if isinstance(source, ModelHeadProvenance):
        check = source.check
        intro.append(
            ModelCheck(
                source.layer, check.rows_checked, check.rebuilt_dtype, check.model_dtype, check.max_abs_difference
            )
        )
        if 0 < source.num_kv_heads < source.num_heads:
            group = source.num_heads // source.num_kv_heads
            kv_head = source.head // group
            sharing = tuple(range(kv_head * group, (kv_head + 1) * group))
            intro.append(SharedHeads(source.head, kv_head, source.num_heads, source.num_kv_heads, sharing))
    queries = []
    for step in trace.steps:
        facts = query_facts(trace, step)
        keys = shown_keys(step)
        queries.append(
            QueryPlan(
                index=step.index,
                heading=QueryHeading(step.index, trace.query_names[step.index]),
                steps=(
                    DotProductsStep(1, step.index),
                    ScaleStep(2, trace.scale, root, _temperature(trace), trace.d_head),
                    MaskStep(step.shifts_scores),
                    SoftmaxStep(3),
                    WeightedSumStep(4),
                ),
                meaning=_meaning(trace, step, facts) + _decoder(trace, step, facts),
                facts=facts,
                keys=keys,
                terms=tuple(dot_product_terms(trace, step, j) for j in keys),
            )
        )
    return TracePlan(title_statement(trace), tuple(intro), tuple(queries), Caveat())


def _temperature(trace: AttentionTrace) -> float | None:
    """T when the scale is 1/sqrt(d) × 1/T for a round T other than 1 (two decimals at most,
    as the page's temperature slider gives), so that step 2 can say so; else None."""
    if trace.scale <= 0:
        return None
    t = 1.0 / (float(trace.scale) * float(trace.d_head) ** 0.5)
    if abs(t - 1.0) < 1e-12 or not 0.01 <= t <= 1000 or abs(t - round(t, 2)) > 1e-9 * t:
        return None
    return float(round(t, 2))


def title_statement(trace: AttentionTrace) -> Statement:
    """A trace's title: a model's head, the title it was given, or its tokens."""
    source = trace.provenance
    if isinstance(source, ModelHeadProvenance):
        return ModelTitle(source.model, source.layer, source.head, source.text)
    if source.title:
        return GivenTitle(source.title, _example(source))
    return TokensTitle(title_text(trace.tokens))


def _example(source: Provenance) -> str | None:
    return source.example if isinstance(source, ExampleProvenance) else None


def _key(kw: KeyWeight, facts: QueryFacts) -> Key:
    return Key(kw.index, kw.token, kw.weight, is_self=facts.self_weight is not None and kw.index == facts.index)


def _meaning(trace: AttentionTrace, step: QueryTrace, facts: QueryFacts) -> tuple[Statement, ...]:
    if facts.fully_masked or facts.closest_value is None or facts.dominant_value is None:
        return (AllBlocked(facts.token),)
    named = tuple(_key(kw, facts) for kw in facts.ranked[:NAMED_KEYS])
    own = None
    if facts.self_weight is not None and not any(k.is_self for k in named):
        own = Key(facts.index, facts.token, facts.self_weight, is_self=True)
    closest, dominant = facts.closest_value, facts.dominant_value
    statements: list[Statement] = [
        Weights(facts.token, named, own, len(facts.ranked) - len(named)),
        Output(
            facts.token,
            tuple(float(x) for x in step.output),
            _key(closest, facts),
            tuple(float(x) for x in trace.value[closest.index]),
            _key(dominant, facts),
            facts.dominant_share,
        ),
    ]
    statements.append(conclusion(facts))
    if facts.allowed_count > 1:
        effective = facts.effective_keys
        kind: Literal["sharp", "spread_out", "focused"] = (
            "sharp"
            if effective < SHARP
            else "spread_out"
            if effective > SPREAD_OUT * facts.allowed_count
            else "focused"
        )
        statements.append(Spread(kind, facts.entropy, facts.max_entropy, effective, facts.allowed_count))
    return tuple(statements)


def conclusion(facts: QueryFacts) -> Conclusion:
    """The summary of a row, each claim used only when the weights make it true:

    - ``almost_only``: the heaviest key has at least :data:`ALMOST_ONLY`;
    - ``tie``: two or more keys share the largest weight (within :data:`TIE`): ``others`` are
      the keys tied with ``top``;
    - ``near_tie``: the runner-up is within :data:`NEAR_TIE` of ``top``: ``others`` are the
      runners-up that close, and no key is said to be looked at "most" by a margin;
    - ``little_on_itself``: ``top`` is another key, clearly ahead, and the query's own weight
      is at most :data:`LITTLE` times it;
    - ``most``: ``top`` is clearly ahead of every other key.

    >>> from selfattention.explain.facts import KeyWeight, QueryFacts
    >>> row = (KeyWeight(0, "it", 0.4011), KeyWeight(1, "was", 0.4011), KeyWeight(2, "x", 0.1978))
    >>> facts = QueryFacts(0, "it", row, 3, 0.4011, 1.0, 1.1, 2.7, None, 0.0, None)
    >>> c = conclusion(facts)
    >>> c.kind, c.top.is_self, [k.token for k in c.others]
    ('tie', True, ['was'])
    """
    ranked = [_key(kw, facts) for kw in facts.ranked]
    top = ranked[0]
    rest = ranked[1:]
    if top.weight >= ALMOST_ONLY:
        others = [k for k in ranked if k.index != facts.index]
        only_other = others[0] if top.is_self and len(others) == 1 else None
        return Conclusion(facts.token, "almost_only", top, facts.self_weight, only_other)
    tied = tuple(k for k in rest if top.weight - k.weight <= TIE)
    if tied:
        return Conclusion(facts.token, "tie", top, facts.self_weight, None, tied)
    close = tuple(k for k in rest if top.weight - k.weight < NEAR_TIE)
    if close:
        return Conclusion(facts.token, "near_tie", top, facts.self_weight, None, close)
    if facts.self_weight is not None and not top.is_self and facts.self_weight <= LITTLE * top.weight:
        return Conclusion(facts.token, "little_on_itself", top, facts.self_weight, None)
    return Conclusion(facts.token, "most", top, facts.self_weight, None)


def _decoder(trace: AttentionTrace, step: QueryTrace, facts: QueryFacts) -> tuple[Statement, ...]:
    """What a decoder's head adds, in numbers for this query: the causal mask, RoPE on one
    pair of dimensions, an attention sink, the KV cache."""
    source = trace.provenance
    if not isinstance(source, ModelHeadProvenance) or facts.fully_masked:
        return ()
    allowed = np.flatnonzero(step.allowed)
    position = step.index + source.position_offset  # generation: the new token after the cached ones
    if not trace.is_causal and not bool(allowed.max(initial=-1) <= position):
        return ()  # an encoder: every token sees every other
    hidden = len(trace.key_tokens) - len(allowed)
    token, names = trace.query_names[step.index], trace.key_names  # a repeated token with its position
    said: list[Statement] = [CausalKeys(token, position, len(allowed), hidden, names[allowed[0]])]
    if source.rope_frequencies and facts.ranked:
        said.append(_rope(trace, step, facts, source))
    first = float(step.weights[0])
    if position > 0 and first >= SINK_SHARE:
        said.append(AttentionSink(token, names[0], first))
    if source.cached_keys:
        said.append(KVCacheStep(token, source.cached_keys, source.recompute_difference))
    return tuple(said)


def _rope(trace: AttentionTrace, step: QueryTrace, facts: QueryFacts, source: ModelHeadProvenance) -> RopeRotation:
    """RoPE on the first pair of dimensions (0 and d/2, rotated together as Llama does), for
    the query and its heaviest key: each turned by position x frequency radians."""
    a, b = 0, trace.d_head // 2
    frequency = source.rope_frequencies[0]
    # the heaviest key that is neither the first token (not rotated) nor the query itself
    moved = [kw.index for kw in facts.ranked if kw.index not in (0, step.index + source.position_offset)]
    key = moved[0] if moved else facts.ranked[0].index
    query_position, key_position = step.index + source.position_offset, key

    def turned(pair: tuple[float, float], angle: float) -> tuple[float, float]:
        cos, sin = float(np.cos(angle)), float(np.sin(angle))
        return (pair[0] * cos - pair[1] * sin, pair[1] * cos + pair[0] * sin)

    query_after = (float(step.query[a]), float(step.query[b]))
    key_after = (float(trace.key[key, a]), float(trace.key[key, b]))
    return RopeRotation(
        token=trace.query_names[step.index],
        key_token=trace.key_names[key],
        query_position=query_position,
        key_position=key_position,
        dims=(a, b),
        frequency=frequency,
        query_before=turned(query_after, -query_position * frequency),
        query_after=query_after,
        key_before=turned(key_after, -key_position * frequency),
        key_after=key_after,
        pair_score=query_after[0] * key_after[0] + query_after[1] * key_after[1],
    )


def shown_keys(step: QueryTrace) -> tuple[int, ...]:
    """The keys a query's steps list, in position order: all of them, or the
    :data:`MAX_KEYS` heaviest of a long row."""
    count = len(step.weights)
    if count <= MAX_KEYS:
        return tuple(range(count))
    heaviest = np.argsort(-step.weights, kind="stable")[:MAX_KEYS]
    return tuple(sorted(int(j) for j in heaviest))


def dot_product_terms(trace: AttentionTrace, step: QueryTrace, key: int) -> DotProductTerms:
    """The terms of q . k_key to write out: all of them, or the :data:`MAX_TERMS` largest by
    size (in dimension order) with the smaller ones added up."""
    products = step.products[key]  # (E,)
    if len(products) <= MAX_TERMS:
        return DotProductTerms(key, tuple(range(len(products))), 0, 0.0)
    dims = sorted(int(e) for e in np.argsort(-np.abs(products), kind="stable")[:MAX_TERMS])
    rest = float(products.sum() - products[dims].sum())
    return DotProductTerms(key, tuple(dims), len(products) - MAX_TERMS, rest)


def plan_layer(trace: LayerTrace, head: int, queries: Sequence[int]) -> LayerPlan:
    """Every statement about a layer trace, with ``head`` (0-based) expanded step by step for
    the traced query positions ``queries``."""
    chosen = trace.head(head)
    intro: list[Statement] = [
        LayerSizes(
            len(trace.tokens),
            len(trace.key_tokens) if trace.is_cross else None,
            trace.d_model,
            trace.num_heads,
            trace.d_head,
            trace.is_causal,
        )
    ]
    if isinstance(trace.provenance, ToyLayerProvenance):
        intro.append(ToyNote(trace.provenance.seed))
    n = 4 if trace.embeddings is not None else 1  # after tokens, embeddings, positional encoding
    sections = LayerSections(
        head=int(head),
        d_model=trace.d_model,
        num_heads=trace.num_heads,
        d_head=trace.d_head,
        first_column=head * trace.d_head,  # 0-based, as the positions and dimensions
        last_column=(head + 1) * trace.d_head - 1,
        kv_symbol="C" if trace.is_cross else "X",
        with_embeddings=trace.embeddings is not None,
        cross=trace.is_cross,
        single_head=trace.num_heads == 1,
        input_number=n,
        projections_number=n + 1,
        attention_number=n + 2,
        heads_number=n + 3,
        concat_number=n + 4,
        output_number=n + 5,
    )
    summaries = tuple(tuple(_summary(h, head_trace, i) for h, head_trace in enumerate(trace.heads)) for i in queries)
    title = trace.provenance.title
    return LayerPlan(
        title=GivenTitle(title) if title else LayerTokensTitle(join_tokens(trace.tokens)),
        intro=tuple(intro),
        sections=sections,
        head=int(head),
        queries=tuple(queries),
        head_plan=plan_trace(replace(chosen, steps=tuple(chosen.step(i) for i in queries))),
        head_summaries=summaries,
        caveat=Caveat(),
    )


def _summary(head: int, trace: AttentionTrace, query: int) -> HeadSummary:
    facts = query_facts(trace, trace.step(query))
    keys = tuple(_key(kw, facts) for kw in facts.ranked[:SUMMARY_KEYS])
    return HeadSummary(head, facts.token, keys, facts.fully_masked)
