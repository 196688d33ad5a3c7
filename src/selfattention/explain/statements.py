"""What an explanation says, without the words: one frozen record per kind of statement.

The plan (:mod:`selfattention.explain.plan`) decides, once for every language, which
statements apply, in which order, with which numbers, keys and step numbers; a language
(:mod:`selfattention.explain.languages`) only phrases each kind. Numbers stay full precision
here; languages round them for display with :mod:`selfattention.explain.numbers`.

>>> Weights(token="it", keys=(Key(index=0, token="it", weight=1.0, is_self=True),), own=None, rest=0).keys[0].is_self
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AllBlocked",
    "AttentionSink",
    "CausalKeys",
    "Caveat",
    "CheckFinding",
    "CheckPassed",
    "Conclusion",
    "Description",
    "DotProductTerms",
    "DotProductsStep",
    "GivenTitle",
    "HeadSummary",
    "KVCacheStep",
    "Key",
    "LayerSections",
    "LayerSizes",
    "LayerTokensTitle",
    "MaskStep",
    "ModelCheck",
    "ModelTitle",
    "Output",
    "QueryHeading",
    "RopeRotation",
    "ScaleStep",
    "SharedHeads",
    "Shown",
    "Sizes",
    "SoftmaxStep",
    "Spread",
    "Statement",
    "TokensTitle",
    "ToyNote",
    "WeightedSumStep",
    "Weights",
]


@dataclass(frozen=True)
class Key:
    """A key named in a sentence; ``is_self`` when it is the query's own position ("itself")."""

    index: int
    token: str
    weight: float
    is_self: bool = False


# -- titles and introductions ------------------------------------------------------------------
@dataclass(frozen=True)
class TokensTitle:
    """Self-attention on ``tokens`` (the first few tokens of a long sequence)."""

    tokens: str


@dataclass(frozen=True)
class GivenTitle:
    """A title given with the trace; ``example`` names a built-in example, whose title a
    language may word itself."""

    text: str
    example: str | None = None


@dataclass(frozen=True)
class ModelTitle:
    model: str
    layer: int
    head: int
    text: str


@dataclass(frozen=True)
class Sizes:
    """How many queries and keys, d, the scale (``root_of`` = d when it is 1/sqrt(d)), causal."""

    queries: int
    keys: int
    d_head: int
    scale: float
    root_of: int | None
    causal: bool


@dataclass(frozen=True)
class Description:
    """A description given with the trace (``example`` as in :class:`GivenTitle`)."""

    text: str
    example: str | None = None


@dataclass(frozen=True)
class ModelCheck:
    """A real model's head, rebuilt in ``rebuilt_dtype``, matches the model on every row."""

    layer: int
    rows: int
    rebuilt_dtype: str
    model_dtype: str
    difference: float


@dataclass(frozen=True)
class Caveat:
    """What attention weights do not show."""


# -- one query, step by step -------------------------------------------------------------------
@dataclass(frozen=True)
class QueryHeading:
    position: int  # the query's position, counted from 0 (q0, q1, ...) as everywhere else
    token: str


@dataclass(frozen=True)
class DotProductsStep:
    number: int
    query_position: int  # counted from 0


@dataclass(frozen=True)
class ScaleStep:
    number: int
    scale: float
    root_of: int | None  # d when the scale is 1/sqrt(d)
    temperature: float | None = None  # T when the scale is 1/sqrt(d) × 1/T (the page's slider), T != 1
    d_head: int | None = None


@dataclass(frozen=True)
class MaskStep:
    """The mask, unnumbered; ``shifts`` when it adds finite offsets, not only -inf."""

    shifts: bool


@dataclass(frozen=True)
class SoftmaxStep:
    number: int


@dataclass(frozen=True)
class WeightedSumStep:
    number: int


@dataclass(frozen=True)
class DotProductTerms:
    """The terms of q . k_key written out: dimensions ``dims`` (all, or the largest by size),
    and the ``rest`` smaller ones added up to ``rest_sum``."""

    key: int
    dims: tuple[int, ...]
    rest: int
    rest_sum: float


# -- what one query's row means ----------------------------------------------------------------
@dataclass(frozen=True)
class AllBlocked:
    """Every key is blocked for the query: weights 0, output the zero vector."""

    token: str


@dataclass(frozen=True)
class Weights:
    """The heaviest ``keys`` (heaviest first), the query's ``own`` key when it is not among
    them, and how many more keys (``rest``) share the remaining weight."""

    token: str
    keys: tuple[Key, ...]
    own: Key | None
    rest: int


@dataclass(frozen=True)
class Output:
    """The output vector, the value vector nearest it, and the largest weighted value with
    its share of the terms' total size."""

    token: str
    output: tuple[float, ...]
    closest: Key
    closest_value: tuple[float, ...]
    dominant: Key
    dominant_share: float


@dataclass(frozen=True)
class Conclusion:
    """In short, each claim true of the weights (:func:`selfattention.explain.plan.conclusion`):
    the query attends almost only to ``top`` (weight >= 0.9; ``only_other`` is the one other
    key when there is exactly one); ``top`` ties with ``others``; ``top`` leads ``others`` by
    a hair (a near-tie); it keeps little on itself and looks most at ``top``; or it looks most
    at ``top``, clearly ahead of every other key."""

    token: str
    kind: Literal["almost_only", "tie", "near_tie", "little_on_itself", "most"]
    top: Key
    own_weight: float | None
    only_other: Key | None
    others: tuple[Key, ...] = ()


@dataclass(frozen=True)
class Spread:
    """How the row spreads: entropy in nats, its maximum, the effective number of keys."""

    kind: Literal["sharp", "spread_out", "focused"]
    entropy: float
    max_entropy: float
    effective_keys: float
    allowed: int


# -- the layer ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LayerTokensTitle:
    """From words to contextual vectors: ``tokens``."""

    tokens: str


@dataclass(frozen=True)
class LayerSizes:
    tokens: int
    context_tokens: int | None  # cross-attention: how many context tokens give keys and values
    d_model: int
    num_heads: int
    d_head: int
    causal: bool


@dataclass(frozen=True)
class ToyNote:
    """Illustrative numbers: hash embeddings and random weights drawn from ``seed``."""

    seed: int


@dataclass(frozen=True)
class LayerSections:
    """The layer's stages with their numbers, in the order the data flows; ``head`` is the
    head expanded step by step, using Q, K, V columns ``first_column`` to ``last_column``."""

    head: int
    d_model: int
    num_heads: int
    d_head: int
    first_column: int
    last_column: int
    kv_symbol: str  # "X", or "C" when keys and values come from a context (cross-attention)
    with_embeddings: bool  # X = embeddings + positional encoding (else X was given)
    cross: bool
    single_head: bool
    input_number: int
    projections_number: int
    attention_number: int
    heads_number: int
    concat_number: int
    output_number: int


@dataclass(frozen=True)
class HeadSummary:
    """Where one head looks from one query: its heaviest keys, or every key blocked."""

    head: int
    token: str
    keys: tuple[Key, ...]
    blocked: bool


@dataclass(frozen=True)
class Shown:
    """A long input is cut for display: the first ``shown`` of ``total`` tokens or numbers."""

    shown: int
    total: int
    what: Literal["tokens", "numbers"]


# -- exercises and the checker (selfattention exercise, selfattention check) ---------------------
@dataclass(frozen=True)
class CheckPassed:
    """Every step the learner gave (``steps``, in order) is right to 4 decimals."""

    steps: tuple[str, ...]


@dataclass(frozen=True)
class CheckFinding:
    """The first wrong step, told with the learner's own numbers: ``given`` where ``expected``
    (from their own earlier numbers ``inputs``), the mistake ``code`` (None: none of the
    classic ones) and what it needs to be told (see :class:`selfattention.explain.checker.Diagnosis`).
    Positions count from 0; ``entry_token`` is None for an output's component."""

    step: str
    code: str | None
    query: int
    query_token: str
    entry: int
    entry_token: str | None
    given: float
    expected: float
    given_row: tuple[float | None, ...]
    expected_row: tuple[float, ...]
    inputs: tuple[float | None, ...]  # None: a blocked score
    scale: float
    d_head: int
    other_query: int | None
    other_token: str | None
    term: int | None
    term_kind: Literal["sign", "dropped"] | None
    term_factors: tuple[float, float] | None
    blocked_tokens: tuple[str, ...]
    given_sum: float  # the learner's row added up (weights add up to 1 along a row)
    sqrt_d: float
    sum_factors: tuple[tuple[float, float], ...]  # the pairs a dot product or output component adds up
    also_wrong: tuple[str, ...]  # later steps wrong too (judged from the learner's own numbers)


# -- what decoders add (a real model's head) ------------------------------------------------------
@dataclass(frozen=True)
class CausalKeys:
    """The causal mask for one query: the keys that exist for it (``visible``, from ``first``
    to the query itself) and the later tokens it cannot see (``hidden``)."""

    token: str
    position: int  # 0-based
    visible: int
    hidden: int
    first: str


@dataclass(frozen=True)
class RopeRotation:
    """Rotary position encoding (RoPE) on one pair of dimensions ``dims`` (0-based): q at
    ``query_position`` and k at ``key_position`` are turned by ``position * frequency``
    radians; the pair's part of the score depends only on ``query_position - key_position``."""

    token: str
    key_token: str
    query_position: int
    key_position: int
    dims: tuple[int, int]
    frequency: float
    query_before: tuple[float, float]
    query_after: tuple[float, float]
    key_before: tuple[float, float]
    key_after: tuple[float, float]
    pair_score: float  # q_after . k_after on this pair = q_before . (k_before turned back by the distance)


@dataclass(frozen=True)
class SharedHeads:
    """Grouped-query attention: query head ``head`` reads key/value head ``kv_head`` of
    ``num_kv_heads``, shared with the query heads ``sharing`` (itself included)."""

    head: int
    kv_head: int
    num_heads: int
    num_kv_heads: int
    sharing: tuple[int, ...]


@dataclass(frozen=True)
class AttentionSink:
    """A head that parks ``share`` of the query's weight on the first token."""

    token: str
    first: str
    share: float


@dataclass(frozen=True)
class KVCacheStep:
    """Generation: the new token's query against ``cached`` keys and values kept from the
    earlier steps; its row equals the full recomputation to ``difference``."""

    token: str
    cached: int
    difference: float | None


Statement = (
    CausalKeys
    | RopeRotation
    | SharedHeads
    | AttentionSink
    | KVCacheStep
    | TokensTitle
    | GivenTitle
    | ModelTitle
    | Sizes
    | Description
    | ModelCheck
    | Caveat
    | QueryHeading
    | DotProductsStep
    | ScaleStep
    | MaskStep
    | SoftmaxStep
    | WeightedSumStep
    | AllBlocked
    | Weights
    | Output
    | Conclusion
    | Spread
    | LayerTokensTitle
    | LayerSizes
    | ToyNote
    | HeadSummary
    | Shown
    | CheckPassed
    | CheckFinding
)
