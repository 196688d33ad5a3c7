"""A check of the checks: three subtly wrong kernels that the property suite must reject.

Not collected by default. Run

    PYTHONPATH=src:tests python -m pytest -p mutant_kernels tests/test_properties.py

and every ``mut_*`` kernel must fail (the real kernels still pass): ``mut_naive`` is the
textbook softmax (NaN on fully masked rows, 0 * NaN leaks), ``mut_scale`` is off by one part
in ten million in its scale, ``mut_f32`` computes float64 inputs in float32.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np


def pytest_configure(config: Any) -> None:
    from selfattention.core.kernels import IMPLEMENTATIONS, reference

    def naive(inputs: Any, need_weights: bool = False) -> Any:
        with np.errstate(all="ignore"):
            s = reference.masked_scores(inputs)
            e = np.exp(s - s.max(-1, keepdims=True))
            w = e / e.sum(-1, keepdims=True)
            out = w @ inputs.value
        full = (*inputs.batch_shape, inputs.query_len)
        return np.broadcast_to(out, (*full, inputs.value_dim)).copy(), (
            np.broadcast_to(w, (*full, inputs.key_len)).copy() if need_weights else None
        )

    def off_by_scale(inputs: Any, need_weights: bool = False) -> Any:
        return reference.attention(dataclasses.replace(inputs, scale=inputs.scale * (1 + 1e-7)), need_weights)

    def in_float32(inputs: Any, need_weights: bool = False) -> Any:
        low = {n: getattr(inputs, n).astype(np.float32) for n in ("query", "key", "value")}
        out, w = reference.attention(dataclasses.replace(inputs, **low), need_weights)
        return out.astype(inputs.query.dtype), None if w is None else w.astype(inputs.query.dtype)

    IMPLEMENTATIONS.update(mut_naive=naive, mut_scale=off_by_scale, mut_f32=in_float32)
