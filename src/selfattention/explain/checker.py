r"""Grade a learner's answers to an exercise and find the first wrong step, and why.

The four steps are graded in order, each from the learner's **own** earlier numbers (so one
slip is not counted four times): ``dot_products`` :math:`d_j = q \cdot k_j` against the
exercise, ``scaled_scores`` against :math:`d_j \times scale` of their dot products,
``weights`` against the softmax of their scaled scores (blocked keys: weight 0), ``output``
against :math:`\sum_j w_j v_j` of their weights. A step not given is taken from the exact chain.

**Tolerance.** A careful learner rounds every number to 4 decimals, so each number they give
is off by up to :data:`HALF` (half a unit in the 4th place), and so are the inputs they computed
it from. The tolerance of an entry is its own rounding plus what the rounding of its inputs can
move it (first-order bounds):

- dot products: :data:`HALF` (Q and K are given exactly);
- scaled scores: :data:`HALF` + :math:`|d_j|` :data:`HALF` (the scale itself rounded);
- weights: :math:`2\,` :data:`HALF` + :math:`w_j (2 + S)` :data:`HALF` (each score off by
  :data:`HALF` moves :math:`w_j` by at most :math:`2 w_j` :data:`HALF`; rounded exponentials,
  at most :data:`HALF` each, move it by :math:`(1 + S w_j)` :data:`HALF`);
- outputs: :data:`HALF` :math:`(1 + \sum_j |v_{jc}|)` (each weight off by :data:`HALF`).

**Diagnosis.** At the first wrong step the wrong row is compared with the chain recomputed
under each classic mistake (:data:`MISTAKES`), from the same inputs; the first that matches
names the mistake. ``transposed`` is another query's row; ``arithmetic`` is one entry off, with
the term that explains it (a sign flipped or a term dropped) when one does.

>>> from selfattention.sources.exercises import generate_exercise
>>> ex = generate_exercise(seed=3, tokens=2, dim=2)
>>> t = ex.trace()
>>> dots = [[float(x) for x in s.dot_products] for s in t.steps]
>>> check_answers(ex, {"dot_products": dots, "scaled_scores": dots}).diagnosis.code
'unscaled'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..core.errors import InputError, shown
from ..sources.exercises import Exercise, exercise_from_dict

__all__ = [
    "DECIMALS",
    "HALF",
    "MISTAKES",
    "STEPS",
    "CheckResult",
    "Diagnosis",
    "StepResult",
    "check_answers",
    "read_check_document",
]

#: the steps a learner answers, in order
STEPS = ("dot_products", "scaled_scores", "weights", "output")
#: the classic mistakes, in the order they are tried
MISTAKES = (
    "unscaled",
    "divided_by_d",
    "multiplied_by_sqrt_d",
    "column_softmax",
    "no_exponential",
    "mask_ignored",
    "keys_for_values",
    "transposed",
    "arithmetic",
)
DECIMALS = 4
HALF = 0.5 * 10.0**-DECIMALS
_EPS = 1e-9

Row = tuple[float | None, ...]


@dataclass(frozen=True)
class StepResult:
    """One step: the learner's rows (``given``; None = a blocked score left out), what their
    own earlier numbers give (``expected``), the tolerance per entry, and the wrong entries
    as (row, column) pairs: row = index into the asked queries."""

    name: str
    given: tuple[Row, ...]
    expected: tuple[tuple[float, ...], ...]
    tolerance: tuple[tuple[float, ...], ...]
    graded: tuple[tuple[bool, ...], ...]
    wrong: tuple[tuple[int, int], ...]
    from_own: bool  # judged from the learner's own previous step

    @property
    def correct(self) -> bool:
        return not self.wrong


@dataclass(frozen=True)
class Diagnosis:
    """What went wrong at the first wrong step, for the first wrong query (a position).

    ``entry`` is the first wrong key (or output component); ``inputs`` the learner's own
    numbers the step was computed from; ``mistaken`` what the mistake gives at ``entry``.
    ``other_query`` (transposed) is whose row it is; ``term`` (arithmetic) the dimension of a
    dot product or the key of an output's sum that slipped, ``term_kind`` how."""

    step: str
    code: str | None
    query: int
    entry: int
    given: float
    expected: float
    given_row: tuple[float | None, ...]
    expected_row: tuple[float, ...]
    inputs: tuple[float, ...]
    mistaken: float | None = None
    other_query: int | None = None
    term: int | None = None
    term_kind: Literal["sign", "dropped"] | None = None
    term_factors: tuple[float, float] | None = None
    blocked: tuple[int, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    exercise: Exercise
    steps: tuple[StepResult, ...]
    diagnosis: Diagnosis | None = field(default=None)

    @property
    def correct(self) -> bool:
        return all(s.correct for s in self.steps)

    @property
    def first_wrong(self) -> str | None:
        return next((s.name for s in self.steps if not s.correct), None)

    @property
    def mistake(self) -> str | None:
        return self.diagnosis.code if self.diagnosis is not None else None


# -- reading the document -----------------------------------------------------------------
def read_check_document(data: Any) -> tuple[Exercise, dict[str, list[list[float | None]]]]:
    """The exercise and the answers of a check document ``{"exercise": {...}, "answers": {...}}``."""
    if not isinstance(data, dict) or "exercise" not in data or "answers" not in data:
        raise InputError(
            'expected a JSON object with "exercise" (as selfattention exercise writes) and "answers"',
            code="check_document_incomplete",
        )
    exercise = exercise_from_dict(data["exercise"])
    return exercise, _answers(exercise, data["answers"])


def _answers(exercise: Exercise, raw: Any) -> dict[str, list[list[float | None]]]:
    steps = ", ".join(STEPS)
    if not isinstance(raw, dict):
        raise InputError(
            f"answers is {shown(raw)}: expected an object with any of {steps}",
            code="answers_not_object",
            value=shown(raw),
            steps=steps,
        )
    unknown = [name for name in raw if name not in STEPS]
    if unknown:
        raise InputError(
            f"answers has {shown(unknown[0])}: expected any of {steps}",
            code="answers_unknown_step",
            name=shown(unknown[0]),
            steps=steps,
        )
    if not raw:
        raise InputError(f"answers is empty: give any of {steps}", code="answers_empty", steps=steps)
    allowed = exercise.allowed
    result: dict[str, list[list[float | None]]] = {}
    for name in STEPS:
        if name not in raw:
            continue
        rows = raw[name]
        width = exercise.value.shape[1] if name == "output" else len(exercise.tokens)
        count = len(exercise.queries)
        if not isinstance(rows, list) or len(rows) != count:
            raise InputError(
                f"answers {name} is {shown(rows)}: expected {count} rows, one per asked query, in order",
                code="answers_row_count",
                step=name,
                value=shown(rows),
                count=count,
            )
        parsed = []
        for r, (row, i) in enumerate(zip(rows, exercise.queries, strict=True)):
            if not isinstance(row, list) or len(row) != width:
                raise InputError(
                    f"answers {name} row {r} is {shown(row)}: expected {width} numbers",
                    code="answers_row_width",
                    step=name,
                    row=r,
                    value=shown(row),
                    width=width,
                )
            cells: list[float | None] = []
            for j, x in enumerate(row):
                blocked_score = name in ("dot_products", "scaled_scores") and not allowed[i, j]
                cells.append(_cell(x, blocked_score, f"answers {name}", r, j))
            parsed.append(cells)
        result[name] = parsed
    return result


def _cell(x: Any, blocked_score: bool, name: str, row: int, entry: int) -> float | None:
    """One number of the answers; ``name`` is "answers STEP", its ``row`` and ``entry`` count from 0."""
    where, at = f"{name} row {row} entry {entry}", {"name": name, "row": row, "column": entry}
    if isinstance(x, str):
        text = x.strip().replace("−", "-")
        if blocked_score and text.lower() in ("", "-inf", "-∞", "x", "-", "blocked"):
            return None
        try:
            x = float(text)
        except ValueError:
            raise InputError(
                f"{where} is {shown(x)}: expected a number", code="not_a_number", value=shown(x), **at
            ) from None
    if x is None and blocked_score:
        return None
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise InputError(f"{where} is {shown(x)}: expected a number", code="not_a_number", value=shown(x), **at)
    if not math.isfinite(x):
        if blocked_score:
            return None
        raise InputError(f"{where} is {shown(x)}: expected a finite number", code="not_finite", value=shown(x), **at)
    return float(x)


# -- the chain ------------------------------------------------------------------------------
def _softmax(scores: NDArray[np.float64], allowed: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Softmax of each row over its allowed entries; blocked entries get 0."""
    s = np.where(allowed, scores, -np.inf)  # (R, S)
    top = np.max(s, axis=-1, keepdims=True)
    e = np.where(allowed, np.exp(s - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    return np.asarray(e / np.where(total == 0, 1.0, total), dtype=np.float64)


def _filled(given: list[list[float | None]], fallback: NDArray[np.float64]) -> NDArray[np.float64]:
    """The learner's rows with their left-out (blocked) entries taken from ``fallback``."""
    return np.array(
        [[fallback[r, j] if x is None else x for j, x in enumerate(row)] for r, row in enumerate(given)],
        dtype=np.float64,
    )


def check_answers(exercise: Exercise, answers: Mapping[str, list[list[float | None]]]) -> CheckResult:
    """Grade ``answers`` (rows per asked query, any of :data:`STEPS`) and diagnose the first
    wrong step. Answers are read as :func:`read_check_document` reads them (None or a string
    such as "-inf" for a blocked score)."""
    answers = _answers(exercise, {k: list(v) for k, v in answers.items()})
    asked = list(exercise.queries)
    q, k, v = exercise.query, exercise.key, exercise.value
    allowed = exercise.allowed[asked]  # (R, S)
    _d_head, scale = exercise.d_head, exercise.scale
    true_dots = q[asked] @ k.T  # (R, E) x (E, S) -> (R, S)

    # the inputs each step is judged from: the learner's own previous step where given
    dots = _filled(answers["dot_products"], true_dots) if "dot_products" in answers else true_dots
    inputs: dict[str, NDArray[np.float64]] = {"dot_products": np.zeros((len(asked), 0)), "scaled_scores": dots}
    expected: dict[str, NDArray[np.float64]] = {"dot_products": true_dots, "scaled_scores": dots * scale}
    scaled = _filled(answers["scaled_scores"], dots * scale) if "scaled_scores" in answers else dots * scale
    inputs["weights"] = scaled
    expected["weights"] = _softmax(scaled, allowed)
    weights = np.array(answers["weights"], dtype=np.float64) if "weights" in answers else expected["weights"]
    inputs["output"] = weights
    expected["output"] = weights @ v  # (R, S) x (S, Ev) -> (R, Ev)
    tolerance = {
        "dot_products": np.full_like(true_dots, HALF + _EPS),
        "scaled_scores": HALF + np.abs(dots) * HALF + _EPS,
        "weights": 2 * HALF + expected["weights"] * (2 + allowed.shape[1]) * HALF + _EPS,
        "output": np.broadcast_to(HALF * (1 + np.abs(v).sum(axis=0)) + _EPS, expected["output"].shape),
    }
    steps = []
    for name in STEPS:
        if name not in answers:
            continue
        given = answers[name]
        graded = allowed if name in ("dot_products", "scaled_scores") else np.ones_like(expected[name], dtype=bool)
        wrong = tuple(
            (r, j)
            for r, row in enumerate(given)
            for j, x in enumerate(row)
            if graded[r, j] and (x is None or abs(x - expected[name][r, j]) > tolerance[name][r, j])
        )
        steps.append(
            StepResult(
                name=name,
                given=tuple(tuple(row) for row in given),
                expected=tuple(tuple(float(x) for x in row) for row in expected[name]),
                tolerance=tuple(tuple(float(x) for x in row) for row in tolerance[name]),
                graded=tuple(tuple(bool(x) for x in row) for row in graded),
                wrong=wrong,
                from_own=STEPS.index(name) > 0 and STEPS[STEPS.index(name) - 1] in answers,
            )
        )
    first = next((s for s in steps if not s.correct), None)
    diagnosis = None
    if first is not None:
        context = _Context(exercise, allowed, dots, scaled, weights, answers)
        diagnosis = _diagnose(first, inputs[first.name], expected[first.name], tolerance[first.name], context)
    return CheckResult(exercise, tuple(steps), diagnosis)


@dataclass(frozen=True)
class _Context:
    exercise: Exercise
    allowed: NDArray[np.bool_]  # (R, S)
    dots: NDArray[np.float64]  # (R, S): the learner's, or exact
    scaled: NDArray[np.float64]  # (R, S)
    weights: NDArray[np.float64]  # (R, S)
    answers: Mapping[str, list[list[float | None]]]


def _candidates(step: str, c: _Context, expected: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    """Each classic mistake's version of the whole step (rows per asked query)."""
    ex, allowed = c.exercise, c.allowed
    d = ex.d_head
    found: dict[str, NDArray[np.float64]] = {}
    if step == "scaled_scores":
        found["unscaled"] = c.dots
        found["divided_by_d"] = c.dots / d
        found["multiplied_by_sqrt_d"] = c.dots * math.sqrt(d)
    elif step == "weights":
        # a learner who gave scaled scores may still have taken the softmax of the wrong ones
        found["unscaled"] = _softmax(c.dots, allowed)
        found["divided_by_d"] = _softmax(c.dots / d, allowed)
        found["multiplied_by_sqrt_d"] = _softmax(c.dots * math.sqrt(d), allowed)
        e = np.where(allowed, np.exp(c.scaled - c.scaled.max()), 0.0)  # (R, S): down each column
        column = e.sum(axis=0, keepdims=True)
        found["column_softmax"] = e / np.where(column == 0, 1.0, column)
        s = np.where(allowed, c.scaled, 0.0)
        total = s.sum(axis=-1, keepdims=True)
        found["no_exponential"] = s / np.where(total == 0, 1.0, total)
        if not allowed.all():
            exact = ex.query[list(ex.queries)] @ ex.key.T * ex.scale  # blocked scores left out: the exact ones
            given = c.answers.get("scaled_scores")
            full = _filled(given, exact) if given is not None else np.where(allowed, c.scaled, exact)
            found["mask_ignored"] = _softmax(full, np.ones_like(allowed))
    elif step == "output" and ex.key.shape[1] == ex.value.shape[1]:
        found["keys_for_values"] = c.weights @ ex.key  # (R, S) x (S, E) -> (R, E)
    return found


def _diagnose(
    step: StepResult,
    inputs: NDArray[np.float64],
    expected: NDArray[np.float64],
    tolerance: NDArray[np.float64],
    c: _Context,
) -> Diagnosis:
    r, j = step.wrong[0]
    given_row = step.given[r]
    first = given_row[j]
    graded = np.array(step.graded[r])
    base = Diagnosis(
        step=step.name,
        code=None,
        query=c.exercise.queries[r],
        entry=j,
        given=math.nan if first is None else float(first),
        expected=float(expected[r, j]),
        given_row=given_row,
        expected_row=tuple(float(x) for x in expected[r]),
        inputs=tuple(float(x) for x in inputs[r]),
        blocked=tuple(int(b) for b in np.flatnonzero(~c.allowed[r])),
    )
    row = np.array([np.nan if x is None else x for x in given_row], dtype=np.float64)

    def matches(candidate: NDArray[np.float64]) -> bool:
        return bool(np.all(~graded | (np.abs(row - candidate) <= 2 * tolerance[r] + 1e-6)))

    def differs(candidate: NDArray[np.float64]) -> bool:  # the mistake changes this row at all
        return bool(np.any(graded & (np.abs(expected[r] - candidate) > 2 * tolerance[r] + 1e-6)))

    for code, rows in _candidates(step.name, c, expected).items():
        if differs(rows[r]) and matches(rows[r]):
            return _with(base, code, float(rows[r, j]))
    for other in range(len(expected)):  # another query's row
        if other != r and differs(expected[other]) and matches(expected[other]):
            return _with(base, "transposed", float(expected[other, j]), other_query=c.exercise.queries[other])
    off = [int(x) for x in np.flatnonzero(graded & (np.abs(row - expected[r]) > tolerance[r]))]
    if len(off) == 1:
        return _arithmetic(base, step.name, off[0], float(row[off[0]]), c)
    return base


def _with(base: Diagnosis, code: str, mistaken: float, **more: Any) -> Diagnosis:
    from dataclasses import replace

    return replace(base, code=code, mistaken=mistaken, **more)


def _arithmetic(base: Diagnosis, step: str, j: int, given: float, c: _Context) -> Diagnosis:
    """One entry off: for a sum (a dot product, an output component) the term whose sign
    flip or omission explains the difference, when one does."""
    from dataclasses import replace

    ex = c.exercise
    diagnosis = replace(base, code="arithmetic", entry=j, given=given, expected=base.expected_row[j])
    if step == "dot_products":
        factors = list(zip(ex.query[base.query], ex.key[j], strict=True))
    elif step == "output":
        r = ex.queries.index(base.query)
        factors = list(zip(c.weights[r], ex.value[:, j], strict=True))
    else:
        return diagnosis
    diff = given - diagnosis.expected
    for kind, factor in (("sign", -2.0), ("dropped", -1.0)):
        for t, (a, b) in enumerate(factors):
            term = a * b
            if term != 0 and abs(diff - factor * term) <= 2 * HALF * (1 + abs(b)):
                return replace(diagnosis, term=t, term_kind=kind, term_factors=(float(a), float(b)))  # type: ignore[arg-type]
    return diagnosis
