"""Exercises: small integer Q, K and V that a learner can work by hand, as the seed does.

An exercise is a source of Q, K and V like any other; its answers are the trace of those
inputs (:func:`selfattention.record.trace.trace`), and :mod:`selfattention.explain.checker`
grades a learner's answers against it. The numbers are drawn from ``seed`` alone, so the
same seed always gives the same exercise:

=====  ===================================  ==========================
level  entries of Q, K, V                   mask
=====  ===================================  ==========================
1      0, 1, 2                              none (unless ``causal``)
2      -2 .. 2                              none (unless ``causal``)
3      -3 .. 3                              one key blocked for some queries
=====  ===================================  ==========================

Positions count from 0: ``queries`` are the 0-based positions asked, as everywhere in this
library (``--queries 0,2``, ``q0``, ``k1``).

>>> ex = generate_exercise(seed=7, tokens=2, dim=3)
>>> ex.tokens, ex.query.shape, ex.queries, round(ex.scale, 4)
(('Acting', 'Machines'), (2, 3), (0, 1), 0.5774)
>>> exercise_from_dict(ex.to_dict()["exercise"]) == ex
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core.errors import InputError, shown
from ..record.provenance import Provenance
from ..record.trace import AttentionTrace, trace

__all__ = [
    "LEVELS",
    "MAX_DIM",
    "MAX_TOKENS",
    "MIN_DIM",
    "MIN_TOKENS",
    "Exercise",
    "Worksheet",
    "exercise_from_dict",
    "generate_exercise",
]

MIN_TOKENS, MAX_TOKENS = 2, 4
MIN_DIM, MAX_DIM = 2, 4
#: level -> (smallest entry, largest entry, with a mask)
LEVELS = {1: (0, 2, False), 2: (-2, 2, False), 3: (-3, 3, True)}

#: short phrases the tokens come from (by length); the seed's "Acting Machines" first
_PHRASES = {
    2: (("Acting", "Machines"), ("Hello", "world"), ("Good", "morning"), ("Deep", "learning")),
    3: (("I", "am", "here"), ("Cats", "chase", "mice"), ("She", "reads", "books"), ("We", "love", "math")),
    4: (("The", "cat", "sat", "down"), ("I", "like", "green", "tea"), ("Birds", "fly", "very", "high")),
}


@dataclass(frozen=True, eq=False)
class Exercise:
    """Q, K, V to work by hand, the mask, and which queries (0-based positions) are asked."""

    seed: int
    tokens: tuple[str, ...]
    query: NDArray[np.float64]  # (L, E), integers
    key: NDArray[np.float64]  # (L, E)
    value: NDArray[np.float64]  # (L, Ev)
    mask: NDArray[np.bool_] | None  # (L, L), True = may attend; causal is separate
    causal: bool
    scale: float
    queries: tuple[int, ...]

    @property
    def d_head(self) -> int:
        return int(self.key.shape[1])

    @property
    def allowed(self) -> NDArray[np.bool_]:
        """(L, L): True where query i may attend to key j (the mask and causality together)."""
        n = len(self.tokens)
        allowed = np.ones((n, n), dtype=bool) if self.mask is None else self.mask.copy()
        if self.causal:
            allowed &= np.tril(np.ones((n, n), dtype=bool))
        return allowed

    def trace_kwargs(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "key": self.key,
            "value": self.value,
            "tokens": list(self.tokens),
            "attn_mask": self.mask,
            "is_causal": self.causal,
            "scale": self.scale,
            "queries": list(self.queries),
            "provenance": Provenance(title=f"Exercise {self.seed}"),
        }

    def trace(self) -> AttentionTrace:
        """The answers: every step of the asked queries."""
        return trace(**self.trace_kwargs())

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, ``{"exercise": {...}}``, with numbers as integers where they are."""
        return {
            "exercise": {
                "seed": self.seed,
                "tokens": list(self.tokens),
                "query": _ints(self.query),
                "key": _ints(self.key),
                "value": _ints(self.value),
                "mask": None if self.mask is None else self.mask.tolist(),
                "causal": self.causal,
                "scale": self.scale,
                "queries": list(self.queries),
            }
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Exercise):
            return NotImplemented
        return self.to_dict() == other.to_dict()


@dataclass(frozen=True)
class Worksheet:
    """An exercise as it is printed: with its answers (the trace of the asked queries) or
    without them."""

    exercise: Exercise
    answers: AttentionTrace | None = None

    @classmethod
    def of(cls, exercise: Exercise, *, answers: bool = False) -> Worksheet:
        return cls(exercise, exercise.trace() if answers else None)

    def to_dict(self) -> dict[str, Any]:
        """``{"exercise": ...}``, and with the answers ``"answers"`` at full precision (a
        blocked score is null), which ``selfattention check`` reads as they are."""
        document = self.exercise.to_dict()
        if self.answers is not None:
            steps = self.answers.steps

            def scores(name: str) -> list[list[float | None]]:
                return [
                    [float(x) if ok else None for x, ok in zip(getattr(s, name), s.allowed, strict=True)] for s in steps
                ]

            document["answers"] = {
                "dot_products": scores("dot_products"),
                "scaled_scores": scores("scaled_scores"),
                "weights": [[float(x) for x in s.weights] for s in steps],
                "output": [[float(x) for x in s.output] for s in steps],
            }
        return document


def _ints(matrix: NDArray[Any]) -> list[list[int | float]]:
    return [[int(x) if float(x).is_integer() else float(x) for x in row] for row in matrix]


def generate_exercise(
    seed: int = 0,
    tokens: int = 3,
    dim: int = 3,
    *,
    causal: bool = False,
    level: int = 1,
    queries: tuple[int, ...] | None = None,
) -> Exercise:
    """A new exercise drawn from ``seed``: ``tokens`` tokens (2 to 4) of ``dim`` features
    (2 to 4), entries as :data:`LEVELS` says; ``queries`` (0-based) are all by default.

    >>> generate_exercise(seed=1, tokens=3, dim=2, causal=True).allowed.tolist()
    [[True, False, False], [True, True, False], [True, True, True]]
    """
    if not MIN_TOKENS <= tokens <= MAX_TOKENS:
        raise InputError(
            f"tokens is {tokens}: an exercise has {MIN_TOKENS} to {MAX_TOKENS} tokens",
            code="exercise_tokens_out_of_range",
            tokens=tokens,
            low=MIN_TOKENS,
            high=MAX_TOKENS,
        )
    if not MIN_DIM <= dim <= MAX_DIM:
        raise InputError(
            f"dim is {dim}: an exercise has {MIN_DIM} to {MAX_DIM} features",
            code="exercise_dim_out_of_range",
            dim=dim,
            low=MIN_DIM,
            high=MAX_DIM,
        )
    if level not in LEVELS:
        choices = ", ".join(map(str, LEVELS))
        raise InputError(
            f"level is {level}: choose one of {choices}", code="exercise_unknown_level", level=level, choices=choices
        )
    if seed < 0:
        raise InputError(f"seed is {seed}: expected 0 or more", code="exercise_seed_negative", seed=seed)
    low, high, masked = LEVELS[level]
    rng = np.random.default_rng([seed, tokens, dim, level, int(causal)])
    phrases = _PHRASES[tokens]
    words = phrases[int(rng.integers(len(phrases)))]

    def draw(rows: int) -> NDArray[np.float64]:
        while True:  # no all-zero rows (a query of zeros gives a uniform row: nothing to see)
            m = rng.integers(low, high + 1, size=(rows, dim)).astype(np.float64)  # (rows, dim)
            if np.abs(m).sum(axis=1).min() > 0 and len({tuple(r) for r in m}) == rows:
                return m

    q, k, v = draw(tokens), draw(tokens), draw(tokens)
    mask = None
    if masked:
        mask = np.ones((tokens, tokens), dtype=bool)
        blocked = int(rng.integers(tokens))
        for i in range(tokens):
            if i != blocked and rng.random() < 0.7:
                mask[i, blocked] = False  # never a query's own key: no row is fully blocked
    asked = tuple(range(tokens)) if queries is None else _positions(queries, tokens)
    return Exercise(seed, tuple(words), q, k, v, mask, causal, 1.0 / math.sqrt(dim), asked)


def _positions(queries: Any, count: int) -> tuple[int, ...]:
    if not isinstance(queries, (list, tuple)) or not queries:
        raise InputError(
            f"queries is {shown(queries)}: expected a non-empty list of 0-based positions",
            code="exercise_queries_not_list",
            value=shown(queries),
        )
    for i in queries:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < count:
            raise InputError(
                f"queries holds {shown(i)}: expected 0-based positions from 0 to {count - 1}",
                code="exercise_query_out_of_range",
                value=shown(i),
                last=count - 1,
            )
    if len(set(queries)) != len(queries):
        raise InputError(
            f"queries is {shown(list(queries))}: each position is asked once",
            code="exercise_queries_repeated",
            value=shown(list(queries)),
        )
    return tuple(int(i) for i in queries)


def _finite(x: float) -> bool:
    """True for a number that is finite as a float (a JSON integer of 400 digits is not)."""
    try:
        return math.isfinite(x)
    except OverflowError:  # an int beyond float's range
        return False


def _matrix(raw: Any, name: str, rows: int | None, width: int | None = None) -> NDArray[np.float64]:
    if not isinstance(raw, list) or not raw or not all(isinstance(r, list) for r in raw):
        raise InputError(
            f"exercise {name} is {shown(raw)}: expected a list of rows of numbers",
            code="exercise_matrix_not_rows",
            name=name,
            value=shown(raw),
        )
    cols = width if width is not None else len(raw[0])
    for i, row in enumerate(raw):
        if len(row) != cols or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and _finite(x) for x in row
        ):
            raise InputError(
                f"exercise {name} row {i} is {shown(row)}: expected {cols} finite numbers",
                code="exercise_row_not_numbers",
                name=name,
                row=i,
                value=shown(row),
                count=cols,
            )
    if rows is not None and len(raw) != rows:
        raise InputError(
            f"exercise {name} has {len(raw)} rows: expected {rows}, one per token",
            code="exercise_row_count",
            name=name,
            count=len(raw),
            expected=rows,
        )
    return np.array(raw, dtype=np.float64)


def exercise_from_dict(data: Any) -> Exercise:
    """Read the ``"exercise"`` object back (from a file or a request), checking every field.

    >>> exercise_from_dict({"tokens": ["a"], "query": [[1]]})
    Traceback (most recent call last):
    ...
    selfattention.core.errors.InputError: exercise lacks "key": it needs seed, tokens, query, key, value, scale
    """
    if not isinstance(data, dict):
        raise InputError(
            f"exercise is {shown(data)}: expected an object with tokens, query, key, value",
            code="exercise_not_object",
            value=shown(data),
        )
    for name in ("tokens", "query", "key", "value"):
        if name not in data:
            raise InputError(
                f'exercise lacks "{name}": it needs seed, tokens, query, key, value, scale',
                code="exercise_missing_key",
                key=name,
            )
    tokens = data["tokens"]
    if not isinstance(tokens, list) or not tokens or not all(isinstance(t, str) for t in tokens):
        raise InputError(
            f"exercise tokens is {shown(tokens)}: expected a list of words",
            code="exercise_tokens_not_words",
            value=shown(tokens),
        )
    if len(tokens) > 64:
        raise InputError(
            f"exercise has {len(tokens)} tokens: an exercise worked by hand has at most 64",
            code="exercise_too_many_tokens",
            count=len(tokens),
        )
    n = len(tokens)
    q = _matrix(data["query"], "query", n)
    k = _matrix(data["key"], "key", n, q.shape[1])
    v = _matrix(data["value"], "value", n)
    raw_mask = data.get("mask")
    mask = None
    if raw_mask is not None:
        if (
            not isinstance(raw_mask, list)
            or len(raw_mask) != n
            or not all(isinstance(r, list) and len(r) == n and all(isinstance(x, bool) for x in r) for r in raw_mask)
        ):
            raise InputError(
                f"exercise mask is {shown(raw_mask)}: expected null or {n} rows of {n} true/false",
                code="exercise_mask_invalid",
                value=shown(raw_mask),
                count=n,
            )
        mask = np.array(raw_mask, dtype=bool)
    causal = data.get("causal", False)
    if not isinstance(causal, bool):
        raise InputError(
            f"exercise causal is {shown(causal)}: expected true or false",
            code="exercise_causal_not_bool",
            value=shown(causal),
        )
    scale = data.get("scale", 1.0 / math.sqrt(q.shape[1]))
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not _finite(scale) or scale <= 0:
        raise InputError(
            f"exercise scale is {shown(scale)}: expected a positive number such as 1/sqrt(d)",
            code="exercise_scale_not_positive",
            value=shown(scale),
        )
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(
            f"exercise seed is {shown(seed)}: expected a whole number",
            code="exercise_seed_not_integer",
            value=shown(seed),
        )
    queries = data.get("queries")
    asked = tuple(range(n)) if queries is None else _positions(queries, n)
    return Exercise(seed, tuple(tokens), q, k, v, mask, causal, float(scale), asked)
