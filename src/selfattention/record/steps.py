"""The steps of one query's attention, in one table: name, shape, stage and meaning.

For a query ``q_i`` and keys ``k_1..k_S`` with values ``v_1..v_S``, a trace records these
steps, in this order. Their names are stable; everything that lists them reads them from
:data:`STEPS`: the fields of :class:`~selfattention.record.query_trace.QueryTrace` (checked
when it is defined), :data:`STEP_NAMES`, the shape checks and JSON form of a trace, the web
API's schema of a step, and the headings of explanations and renderers (by :data:`STAGES`).

>>> print(steps_table())
step             shape    stage  what it is
query            (E,)     -      q_i
products         (S, E)   1      q_i * k_j elementwise, the terms of each dot product
dot_products     (S,)     1      q_i . k_j
scaled_scores    (S,)     2      q_i . k_j * scale (scale = 1/sqrt(E) by default)
mask             (S,)     3      the offset added: 0 = attend, -inf = blocked, else a float mask
masked_scores    (S,)     3      scaled score + mask
max_score        scalar   3      the row maximum subtracted before exp (0 if all blocked)
exponentials     (S,)     3      exp(masked score - max_score)
exp_sum          scalar   3      the sum of the exponentials
weights          (S,)     3      exponentials / exp_sum (all 0 if every key is blocked)
weighted_values  (S, Ev)  4      weight_j * v_j
output           (Ev,)    4      the sum of the weighted values

The stages are the seed's four: 1 dot products, 2 scale, 3 mask and softmax, 4 weighted sum.

>>> [(stage.number, stage.key, stage.steps) for stage in STAGES][:2]
[(1, 'dot_products', ('products', 'dot_products')), (2, 'scale', ('scaled_scores',))]
>>> STEP["weighted_values"].sizes({"key_pos": 3, "d_value": 2})
(3, 2)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["DIMENSIONS", "STAGES", "STEP", "STEPS", "STEP_NAMES", "Stage", "Step", "steps_table"]

#: the dimensions a step's shape is made of, with the letters the formulas use
DIMENSIONS: dict[str, str] = {"key_pos": "S", "d_head": "E", "d_value": "Ev"}


@dataclass(frozen=True)
class Step:
    """One step of a query's trace."""

    name: str
    shape: tuple[str, ...]  # dimension names (see DIMENSIONS); () for a scalar
    stage: int | None  # the seed's stage, 1 to 4; None for the query itself (the input)
    meaning: str  # one line: what the numbers are

    @property
    def kind(self) -> Literal["array", "scalar"]:
        return "scalar" if not self.shape else "array"

    def sizes(self, sizes: Mapping[str, int]) -> tuple[int, ...]:
        """The shape in numbers, from the size of each dimension."""
        return tuple(sizes[dim] for dim in self.shape)

    def shape_text(self) -> str:
        """The shape in the formulas' letters: "(S, E)", "(E,)" or "scalar"."""
        if not self.shape:
            return "scalar"
        letters = [DIMENSIONS[dim] for dim in self.shape]
        return f"({letters[0]},)" if len(letters) == 1 else f"({', '.join(letters)})"


_S, _E, _EV = "key_pos", "d_head", "d_value"

#: every step, in the order a query travels them
STEPS: tuple[Step, ...] = (
    Step("query", (_E,), None, "q_i"),
    Step("products", (_S, _E), 1, "q_i * k_j elementwise, the terms of each dot product"),
    Step("dot_products", (_S,), 1, "q_i . k_j"),
    Step("scaled_scores", (_S,), 2, "q_i . k_j * scale (scale = 1/sqrt(E) by default)"),
    Step("mask", (_S,), 3, "the offset added: 0 = attend, -inf = blocked, else a float mask"),
    Step("masked_scores", (_S,), 3, "scaled score + mask"),
    Step("max_score", (), 3, "the row maximum subtracted before exp (0 if all blocked)"),
    Step("exponentials", (_S,), 3, "exp(masked score - max_score)"),
    Step("exp_sum", (), 3, "the sum of the exponentials"),
    Step("weights", (_S,), 3, "exponentials / exp_sum (all 0 if every key is blocked)"),
    Step("weighted_values", (_S, _EV), 4, "weight_j * v_j"),
    Step("output", (_EV,), 4, "the sum of the weighted values"),
)

STEP_NAMES: tuple[str, ...] = tuple(step.name for step in STEPS)

#: the steps by name
STEP: dict[str, Step] = {step.name: step for step in STEPS}


@dataclass(frozen=True)
class Stage:
    """One of the seed's four stages. ``key`` names its heading in explanations
    (``step_headings``); the mask, inside stage 3, has a heading of its own, "mask"."""

    number: int
    key: str
    title: str
    steps: tuple[str, ...]


def _stage(number: int, key: str, title: str) -> Stage:
    return Stage(number, key, title, tuple(step.name for step in STEPS if step.stage == number))


STAGES: tuple[Stage, ...] = (
    _stage(1, "dot_products", "dot products"),
    _stage(2, "scale", "scale"),
    _stage(3, "softmax", "mask and softmax"),
    _stage(4, "weighted_sum", "weighted sum"),
)


def steps_table() -> str:
    """The table of steps as plain text (the module docstring shows it)."""
    rows = [("step", "shape", "stage", "what it is")]
    rows += [(s.name, s.shape_text(), "-" if s.stage is None else str(s.stage), s.meaning) for s in STEPS]
    widths = [max(len(row[c]) for row in rows) + 2 for c in range(3)]
    return "\n".join("".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + row[3] for row in rows)
