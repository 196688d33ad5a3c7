"""Built-in examples, the seed's first.

The seed ("Transformers for non-majors, part 2: Self-Attention") works "Acting Machines" by
hand with d = 3 and publishes the weights and outputs, but its Q and K were images and are
lost. V follows from the outputs: each output is w * v_Acting + (1 - w) * v_Machines, and
[1.0002, 2.9998, 4] with w = 0.9999 and [1.463, 2.537, 4] with w = 0.7685 give
v_Acting = [1, 3, 4] and v_Machines = [3, 1, 4].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core.errors import InputError
from ..record.provenance import ExampleProvenance

__all__ = ["EXAMPLES", "Example", "get_example", "seed_example"]


@dataclass(frozen=True)
class Example:
    """A named input: tokens and Q, K, V (one head), with where it comes from."""

    name: str
    title: str
    description: str
    tokens: tuple[str, ...]
    query: NDArray[Any]
    key: NDArray[Any]
    value: NDArray[Any]
    published: dict[str, Any] = field(default_factory=dict)

    def trace_kwargs(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "key": self.key,
            "value": self.value,
            "tokens": list(self.tokens),
            "provenance": ExampleProvenance(title=self.title, description=self.description, example=self.name),
        }


def seed_example() -> Example:
    """The seed's "Acting Machines" example (d = 3), with Q and K reconstructed.

    >>> ex = seed_example()
    >>> ex.tokens, ex.value.tolist()
    (('Acting', 'Machines'), [[1.0, 3.0, 4.0], [3.0, 1.0, 4.0]])
    """
    return Example(
        name="seed",
        title='Self-attention on "Acting Machines" (d = 3)',
        description=(
            "The seed article's worked example. V = [[1, 3, 4], [3, 1, 4]] follows from its"
            " published outputs. Its Q and K were images and are lost, so they are"
            " reconstructed: K = [[1, 0, 1], [0, 1, 1]] was chosen, and each query was solved"
            " for so that the weights and outputs round to every published figure. For"
            ' "Acting", q0 = [16, 0, 1] gives a raw score gap q0.k0 - q0.k1 = 16 (9.2376 after'
            " scaling): weights 0.9999 / 0.0001, output [1.0002, 2.9998, 4]. For"
            ' "Machines", q1 = [2.078, 0, 1] gives a gap of 2.078 (1.1997 after scaling):'
            " weights 0.7685 / 0.2315, output [1.463, 2.537, 4]. Any gap in [15.57, 16.45] and"
            " [2.0777, 2.0787] respectively reproduces the same published figures."
        ),
        tokens=("Acting", "Machines"),
        query=np.array([[16.0, 0.0, 1.0], [2.078, 0.0, 1.0]]),
        key=np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]),
        value=np.array([[1.0, 3.0, 4.0], [3.0, 1.0, 4.0]]),
        published={
            # the seed's own figures, as printed (weights to 4 places, outputs as shown)
            "weights": {"Acting": [0.9999, 0.0001], "Machines": [0.7685, 0.2315]},
            "outputs": {"Acting": [1.0002, 2.9998, 4], "Machines": [1.463, 2.537, 4]},
        },
    )


EXAMPLES = {"seed": seed_example}


def get_example(name: str) -> Example:
    try:
        return EXAMPLES[name]()
    except KeyError:
        choices = ", ".join(sorted(EXAMPLES))
        raise InputError(
            f"unknown example {name!r}: choose one of {choices}", code="unknown_example", name=name, choices=choices
        ) from None
