"""Attention kernels and the dispatcher that picks one.

Every kernel computes the same function (see :mod:`selfattention.core.kernels.reference`) and
agrees with the others to the tolerances of TESTING.md:

- ``"reference"``: the formula written literally, with the whole (L, S) score matrix.
- ``"blocked"``: online softmax over query and key tiles, O((L + S) * E) extra memory
  (:mod:`selfattention.core.kernels.blocked`).
- ``"fused"`` (when numba is installed: ``selfattention[fast]``): the blocked kernel's tiles,
  its bounded path compiled (each query block one call, NumPy's BLAS called directly) and
  its exponential too (:mod:`selfattention.core.kernels.fused`).
- ``"torch"`` (when PyTorch is installed): ``torch.nn.functional.scaled_dot_product_attention``
  with the library's rules (:mod:`selfattention.core.kernels.torch`). torch tensors given to
  :func:`scaled_dot_product_attention` always go there and come back as torch tensors.

``implementation="auto"`` picks the best kernel available for the inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import SelfAttentionError
from ..limits import check_score_budget
from ..softmax import safe_softmax
from . import blocked, fused, reference
from . import torch as torch_kernel  # torch itself is imported only on first use
from .inputs import AttentionInputs, as_real_array, default_scale, prepare_inputs
from .threads import blas_one_thread

__all__ = [
    "IMPLEMENTATIONS",
    "AttentionInputs",
    "attention_weights",
    "default_scale",
    "prepare_inputs",
    "scaled_dot_product_attention",
]

Kernel = Callable[[AttentionInputs, bool], tuple[NDArray[Any], NDArray[Any] | None]]

#: name -> kernel(inputs, need_weights) -> (output, weights or None), in the compute dtype
IMPLEMENTATIONS: dict[str, Kernel] = {
    "reference": reference.attention,
    "blocked": blocked.attention,
}
if fused.available():  # numba itself is imported on first use
    IMPLEMENTATIONS["fused"] = fused.attention
if torch_kernel.available():
    IMPLEMENTATIONS["torch"] = torch_kernel.attention

#: "auto" uses the blocked kernel once a call's score matrix (batch x L x S) would exceed this
#: many elements (1 MiB of float32): below it the reference kernel's few whole-array passes
#: cost less than the blocked kernel's per-head bookkeeping in Python; above it the blocked
#: kernel, threaded over heads and query blocks, is faster and its memory stays bounded
#: (B = 1, H = 8, d = 64, float32, loaded 2-core machine: blocked 2x faster at N = 256,
#: reference 2.3x faster at N = 128; benchmarks/run.py measures the crossover). Both run with
#: BLAS held to one thread (:func:`.threads.blas_one_thread`).
AUTO_BLOCKED_MIN_SCORES = 1 << 18
#: The same threshold for the fused kernel (numba installed), whose query blocks run in
#: compiled code without per-tile Python. Once numba is loaded it is faster than the reference
#: kernel at every size (2-core AMD EPYC, d = 64, fused / reference: 48 / 50 us at H = 1,
#: N = 8; 74 / 84 us at H = 8, N = 16; 145 / 314 us at H = 8, N = 64); the threshold only
#: keeps the smallest calls (the seed's example, a sentence's few heads) from importing numba,
#: about 0.5 s on a process's first call.
AUTO_FUSED_MIN_SCORES = 1 << 12


def _choose(implementation: str, inputs: AttentionInputs, need_weights: bool) -> Kernel:
    if implementation == "auto":
        scores = math.prod(inputs.batch_shape) * inputs.query_len * inputs.key_len
        if scores > AUTO_FUSED_MIN_SCORES and "fused" in IMPLEMENTATIONS and fused.usable():  # numba loads
            return IMPLEMENTATIONS["fused"]
        if scores > AUTO_BLOCKED_MIN_SCORES:
            return IMPLEMENTATIONS["blocked"]
        return IMPLEMENTATIONS["reference"]
    try:
        return IMPLEMENTATIONS[implementation]
    except KeyError:
        if implementation == "fused":
            raise SelfAttentionError(
                "implementation 'fused' needs numba: pip install 'selfattention[fast]', or use 'blocked'",
                code="fused_needs_numba",
            ) from None
        choices = ", ".join(repr(name) for name in ["auto", *IMPLEMENTATIONS])
        raise SelfAttentionError(
            f"implementation is {implementation!r}: expected one of {choices}",
            code="unknown_implementation",
            implementation=implementation,
            choices=choices,
        ) from None


def scaled_dot_product_attention(
    query: ArrayLike,
    key: ArrayLike,
    value: ArrayLike,
    attn_mask: ArrayLike | None = None,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
    *,
    implementation: str = "auto",
) -> NDArray[Any]:
    """softmax(Q K^T * scale + mask) V, with PyTorch's semantics, on NumPy arrays.

    Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) -> output (..., L, Ev);
    leading dimensions broadcast. ``attn_mask``: bool (True = may attend) or float (added to
    the scores). ``is_causal``: query i attends to keys j <= i (top-left, as PyTorch).
    ``scale`` defaults to 1/sqrt(E); the scores are ``(q sqrt(scale)) . (k sqrt(scale))``, as
    in PyTorch, so a finite scaled score stays finite when ``q . k`` alone would overflow.
    ``enable_gqa``: grouped-query attention, as PyTorch: query (..., Hq, L, E) and key/value
    (..., Hk, S, *) with Hq a multiple of Hk; each group of Hq // Hk consecutive query heads
    shares one key/value head. A fully masked query row gives output 0, never NaN. NaN or
    inf in an unmasked key, or in the value of a key the query may attend to, gives NaN in
    the outputs it touches (even when that key's weight underflows to 0, as in PyTorch);
    masked keys and values are ignored even when they hold NaN.

    torch tensors in (with ``implementation`` "auto" or "torch") give torch tensors out, on
    their device, with autograd kept.

    >>> q = k = np.eye(2)
    >>> v = np.array([[1.0, 3.0], [3.0, 1.0]])
    >>> scaled_dot_product_attention(q, k, v, is_causal=True).round(4)
    array([[1.    , 3.    ],
           [2.3395, 1.6605]])
    """
    if _torch_inputs(implementation, query, key, value):
        result = torch_kernel.scaled_dot_product_attention(query, key, value, attn_mask, is_causal, scale, enable_gqa)
        return cast(NDArray[Any], result)  # a torch tensor, typed loosely so that NumPy callers keep their types
    inputs = prepare_inputs(query, key, value, attn_mask, is_causal, scale, enable_gqa)
    kernel = _choose(implementation, inputs, False)
    if implementation == "auto" and kernel is IMPLEMENTATIONS["reference"]:
        with blas_one_thread():  # a small call: BLAS's threads cost more than they give
            output, _ = kernel(inputs, False)
    else:
        output, _ = kernel(inputs, False)
    return inputs.ungroup(output.astype(inputs.out_dtype, copy=False))


def attention_weights(
    query: ArrayLike,
    key: ArrayLike,
    attn_mask: ArrayLike | None = None,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> NDArray[Any]:
    """The attention weights softmax(Q K^T * scale + mask), shape (..., L, S).

    Rows sum to 1, except fully masked rows, which are all 0. ``enable_gqa`` as in
    :func:`scaled_dot_product_attention`.

    >>> attention_weights([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], scale=1.0).round(4)
    array([[0.7311, 0.2689]])
    """
    if _torch_inputs("auto", query, key):
        return cast(NDArray[Any], torch_kernel.attention_weights(query, key, attn_mask, is_causal, scale, enable_gqa))
    key_array = as_real_array(key, "key")
    value = np.zeros((*key_array.shape[:-1], 1), dtype=np.result_type(key_array.dtype, np.float16))
    inputs = prepare_inputs(query, key_array, value, attn_mask, is_causal, scale, enable_gqa)
    shape = (*inputs.batch_shape, inputs.query_len, inputs.key_len)
    check_score_budget(  # the weights are that matrix: no kernel can make them smaller
        shape,
        inputs.query.dtype,
        "attention_weights",
        "ask for the weights of fewer queries at a time, or trace a few (trace(queries=...),"
        " --queries on the command line)",
    )
    with np.errstate(invalid="ignore", over="ignore"):
        weights = safe_softmax(reference.masked_scores(inputs))
    shape = (*inputs.batch_shape, inputs.query_len, inputs.key_len)
    if weights.shape != shape:
        weights = np.broadcast_to(weights, shape).copy()
    return inputs.ungroup(weights.astype(inputs.out_dtype, copy=False))


def _torch_inputs(implementation: str, *arrays: Any) -> bool:
    """True when torch tensors are given; they run on the torch kernel only."""
    if all(type(a) is np.ndarray for a in arrays) or not any(torch_kernel.is_tensor(a) for a in arrays):
        return False
    if implementation not in ("auto", "torch"):
        raise SelfAttentionError(
            f"implementation {implementation!r} takes NumPy arrays but torch tensors were given: use"
            ' implementation="torch" (or "auto"), or pass tensor.detach().cpu().numpy()',
            code="torch_tensors_given",
            implementation=implementation,
        )
    return True
