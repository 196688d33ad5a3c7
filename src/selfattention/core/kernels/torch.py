"""The PyTorch kernel: ``torch.nn.functional.scaled_dot_product_attention`` with this library's rules.

- **torch tensors in, torch tensors out**, on their own device, with autograd kept
  (``torch.autograd.gradcheck`` passes in float64, with masks and with ``is_causal``).
  :func:`selfattention.scaled_dot_product_attention` sends torch tensors here both for
  ``implementation="torch"`` and ``"auto"``.
- **NumPy in, NumPy out** when called through the dispatcher with NumPy arrays
  (``implementation="torch"``): the arrays go through PyTorch on the CPU and come back.
- **Fully masked query rows** give weights 0 and output 0, whatever the PyTorch version and
  backend (its kernels returned NaN there before the "safe softmax" of pytorch#131060, and
  ``nn.MultiheadAttention``'s weights still do): such rows are opened up before the call
  (any finite values will do) and their output is replaced by 0 after it, so the result is 0
  and the gradients stay finite. The explicit path below applies the rule of
  :mod:`selfattention.core.softmax` with its own :func:`~selfattention.core.softmax.row_shift`
  and :func:`~selfattention.core.softmax.safe_divisor` on tensors; the mask follows
  :func:`selfattention.core.masks.apply_mask` (bool True = may attend, float added, causal
  the top-left lower triangle of :func:`selfattention.core.masks.causal_mask`), in torch
  operations so that tensors stay on their device.
- **Masked keys and values are ignored even when they hold NaN or inf.** PyTorch's kernel
  would spread them (0 * NaN = NaN), so when a key or value is not finite the softmax and
  the weighted sum are written out in PyTorch operations that skip zero-weight rows, as the
  reference kernel does. The same explicit path returns the weights when they are asked for.
- float16 and bfloat16 tensors are computed in float32 on the CPU (as the NumPy kernels do)
  and natively on accelerators, whose fused kernels accumulate in float32.

``import selfattention`` never imports torch: this module imports it on first use and says
which extra to install when it is missing.
"""

from __future__ import annotations

import importlib.util
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import MaskError, SelfAttentionError, ShapeError
from ..masks import prepare_mask
from ..softmax import row_shift, safe_divisor
from .inputs import AttentionInputs, group_heads, prepare_inputs, scaled_query_key

__all__ = ["attention", "attention_weights", "available", "import_torch", "is_tensor", "scaled_dot_product_attention"]


def available() -> bool:
    """True when PyTorch can be imported (checked without importing it)."""
    return importlib.util.find_spec("torch") is not None


def import_torch() -> Any:
    """``import torch``, or a one-line hint naming the extra to install."""
    try:
        import torch
    except ImportError:
        raise SelfAttentionError(
            "PyTorch is not installed: pip install 'selfattention[torch]' to use it", code="torch_not_installed"
        ) from None
    return torch


def is_tensor(x: Any) -> bool:
    """True for a torch tensor (or parameter), decided without importing torch."""
    module = type(x).__module__
    return module == "torch" or module.startswith("torch.")


# -- torch tensors in, torch tensors out -------------------------------------------------------


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Any:
    """softmax(Q K^T * scale + mask) V on torch tensors, with the library's semantics.

    >>> import torch
    >>> q = k = torch.eye(2, dtype=torch.float64)
    >>> v = torch.tensor([[1.0, 3.0], [3.0, 1.0]], dtype=torch.float64)
    >>> scaled_dot_product_attention(q, k, v, is_causal=True).numpy().round(4)
    array([[1.    , 3.    ],
           [2.3395, 1.6605]])
    """
    torch = import_torch()
    query, key, value, attn_mask, grouped = _group(torch, query, key, value, attn_mask, enable_gqa)
    q, k, v, mask, scale, out_dtype = _check(torch, query, key, value, attn_mask, is_causal, scale)
    output, _ = attend(torch, q, k, v, mask, bool(is_causal), scale, need_weights=False)
    return _ungroup(output.to(out_dtype), grouped)


def attention_weights(
    query: Any,
    key: Any,
    attn_mask: Any = None,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Any:
    """The weights (..., L, S) on torch tensors; fully masked rows are 0."""
    torch = import_torch()
    value = key[..., :1]  # (..., S, 1): unused, keeps the checks shared
    query, key, value, attn_mask, grouped = _group(torch, query, key, value, attn_mask, enable_gqa)
    q, k, v, mask, scale, out_dtype = _check(torch, query, key, value, attn_mask, is_causal, scale)
    _, weights = attend(torch, q, k, v, mask, bool(is_causal), scale, need_weights=True)
    return _ungroup(weights.to(out_dtype), grouped)


def _group(torch: Any, query: Any, key: Any, value: Any, attn_mask: Any, enable_gqa: bool) -> tuple[Any, ...]:
    """Grouped-query heads as views (:func:`~selfattention.core.kernels.inputs.group_heads`)."""
    if enable_gqa is not False and attn_mask is not None and not is_tensor(attn_mask):
        attn_mask = torch.as_tensor(np.asarray(attn_mask), device=query.device)
    if all(is_tensor(t) for t in (query, key, value)):
        return group_heads(query, key, value, attn_mask, enable_gqa)
    return query, key, value, attn_mask, False  # _check names the input that is not a tensor


def _ungroup(result: Any, grouped: bool) -> Any:
    """(..., Hk, G, L, X) -> (..., Hq, L, X)."""
    return result.flatten(-4, -3) if grouped else result


def attend(
    torch: Any, q: Any, k: Any, v: Any, mask: Any, is_causal: bool, scale: float, need_weights: bool
) -> tuple[Any, Any]:
    """Output (..., L, Ev) and weights (..., L, S) or None, from checked tensors of one dtype."""
    query_len, key_len = q.shape[-2], k.shape[-2]
    batch_shape = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    out_shape = (*batch_shape, query_len, v.shape[-1])
    if 0 in out_shape or key_len == 0:  # nothing to attend: an empty result, or every row fully masked
        empty_weights = q.new_zeros((*batch_shape, query_len, key_len)) if need_weights else None
        return q.new_zeros(out_shape), empty_weights

    if mask is None and not is_causal and not need_weights:
        # no key is blocked, so there is nothing to protect: NaN or inf anywhere reaches every
        # row as it should, and PyTorch's own path is exact
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, scale=scale).expand(out_shape), None
    # one reduction first: a NaN or inf anywhere makes the sum non-finite (an overflowing sum of
    # finite numbers only sends us to the exact elementwise check)
    clean = bool(torch.isfinite(k.sum() + v.sum())) or (bool(torch.isfinite(k).all()) and bool(torch.isfinite(v).all()))
    if mask is None and clean and not need_weights:
        # without a mask every row keeps a key (causal rows keep key 0): PyTorch's own path is exact
        output = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=is_causal, scale=scale)
        return output.expand(out_shape), None

    allowed = None  # (..., L, S), True = may attend; None = every key allowed
    if mask is not None:
        if mask.ndim < 2:
            mask = mask.expand(query_len, key_len)  # (S,) -> (L, S): rows stay rows below
        allowed = mask if mask.dtype == torch.bool else ~torch.isneginf(mask)
    if is_causal:
        causal = torch.ones(query_len, key_len, dtype=torch.bool, device=q.device).tril()  # top-left, as PyTorch
        allowed = causal if allowed is None else allowed & causal
    live = None if allowed is None else allowed.any(dim=-1, keepdim=True)  # (..., L, 1): rows with a key

    if need_weights:
        return _explicit(torch, q, k, v, mask, allowed, scale, True, out_shape)
    if clean:
        return _fused(torch, q, k, v, mask, allowed, live, is_causal, scale, out_shape), None
    # Non-finite keys or values: PyTorch would spread them through 0 * NaN. The fused call on
    # cleaned inputs gives every row they do not reach; the explicit formula shows where they do.
    finite_k, finite_v = torch.isfinite(k), torch.isfinite(v)
    spread, _ = _explicit(torch, q, k, v, mask, allowed, scale, False, out_shape)
    cleaned = _fused(
        torch,
        q,
        torch.where(finite_k, k, 0.0),
        torch.where(finite_v, v, 0.0),
        mask,
        allowed,
        live,
        is_causal,
        scale,
        out_shape,
    )
    bad_key = ~finite_k.all(dim=-1)[..., None, :]  # (..., 1, S)
    touched = (bad_key if allowed is None else allowed & bad_key).any(dim=-1, keepdim=True)  # (..., L, 1)
    return torch.where(touched | ~torch.isfinite(spread), spread, cleaned), None


def _fused(
    torch: Any,
    q: Any,
    k: Any,
    v: Any,
    mask: Any,
    allowed: Any,
    live: Any,
    is_causal: bool,
    scale: float,
    out_shape: tuple[int, ...],
) -> Any:
    """``F.scaled_dot_product_attention``, with fully masked rows opened before and zeroed after."""
    F = torch.nn.functional
    if allowed is None or live is None:  # no mask and not causal
        return F.scaled_dot_product_attention(q, k, v, scale=scale).expand(out_shape)
    if mask is None or mask.dtype == torch.bool:
        call_mask = allowed | ~live  # open fully masked rows; their output is replaced by 0 below
    else:
        call_mask = torch.where(allowed, mask.to(q.dtype), float("-inf"))  # the causal part added in
        call_mask = torch.where(live, call_mask, 0.0)
    # a mask may carry batch dims that only V (or none of q, k, v) has; PyTorch's output is
    # q-shaped and cannot grow to them, so give q, k and v the full batch shape first
    batch = out_shape[:-2]
    q, k, v = (t.expand(*batch, *t.shape[-2:]) for t in (q, k, v))  # stride-0 views, no copy
    output = F.scaled_dot_product_attention(q, k, v, attn_mask=call_mask, scale=scale)
    return torch.where(live, output, 0.0).expand(out_shape)


def _explicit(
    torch: Any,
    q: Any,
    k: Any,
    v: Any,
    mask: Any,
    allowed: Any,
    scale: float,
    need_weights: bool,
    out_shape: tuple[int, ...],
) -> tuple[Any, Any]:
    """The formula in PyTorch operations, for weights and for non-finite keys or values.

    Non-finite keys are zeroed before the matmul and their scores set to NaN afterwards
    where a query may attend to them: a masked NaN key then takes no part in any product,
    so the gradients stay finite (0 * NaN in the matmul's backward would spread it)."""
    finite_k = torch.isfinite(k)
    clean_k = k if bool(finite_k.all()) else torch.where(finite_k, k, 0.0)
    q_scaled, k_scaled = scaled_query_key(q, clean_k, scale)  # sqrt(scale) on each, as PyTorch
    scores = torch.matmul(q_scaled, k_scaled.transpose(-1, -2))  # (..., L, E) x (..., E, S) -> (..., L, S)
    if clean_k is not k:
        bad_key = ~finite_k.all(dim=-1)[..., None, :]  # (..., 1, S)
        scores = scores.masked_fill(bad_key, float("nan"))  # NaN or inf in an allowed key: NaN, as q.k would be
    if mask is not None and mask.dtype != torch.bool:
        scores = scores + mask.to(scores.dtype)
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))  # blocked even where q.k is NaN
    row_max = scores.amax(dim=-1, keepdim=True).detach()  # (..., L, 1); a shift, so no gradient is lost
    exponentials = torch.exp(scores - row_shift(row_max, torch))  # (..., L, S); fully masked rows: shift by 0
    total = exponentials.sum(dim=-1, keepdim=True)  # (..., L, 1)
    weights = exponentials / safe_divisor(total, torch)  # fully masked rows: 0, not 0 / 0
    finite_v = torch.isfinite(v)
    if bool(finite_v.all()):
        output = torch.matmul(weights, v)  # (..., L, S) x (..., S, Ev) -> (..., L, Ev)
    else:  # a masked key's value contributes nothing, even NaN; an allowed one shows, whatever its weight
        output = torch.matmul(weights, torch.where(finite_v, v, 0.0))
        seen = torch.ones_like(weights) if allowed is None else allowed.to(v.dtype).expand_as(weights)
        poisoned = torch.matmul(seen, (~finite_v).to(v.dtype)) > 0  # (..., L, S) x (..., S, Ev) -> (..., L, Ev)
        output = torch.where(poisoned, float("nan"), output)
    weights_shape = (*out_shape[:-1], k.shape[-2])
    return output.expand(out_shape), (weights.expand(weights_shape) if need_weights else None)


def _check(
    torch: Any, query: Any, key: Any, value: Any, attn_mask: Any, is_causal: bool, scale: float | None
) -> tuple[Any, Any, Any, Any, float, Any]:
    """The dispatcher's checks and messages, on stand-ins that cost no memory, then one dtype."""
    tensors = {"query": query, "key": key, "value": value}
    for name, t in tensors.items():
        if not is_tensor(t):
            raise ShapeError(
                f"{name} is a {type(t).__name__} but another input is a torch tensor: give query, key and"
                " value as all torch tensors or all arrays",
                code="torch_mixed_inputs",
                name=name,
                type=type(t).__name__,
            )
        if not (t.is_floating_point() or t.dtype == torch.bool or _is_int(torch, t)):
            raise ShapeError(
                f"{name} has dtype {t.dtype}: expected real numbers (float or int)",
                code="torch_wrong_dtype",
                name=name,
                dtype=str(t.dtype),
            )
    devices = {str(t.device) for t in tensors.values()}
    if len(devices) > 1:
        raise ShapeError(
            f"query, key and value are on different devices {sorted(devices)}: put them on one",
            code="torch_devices_differ",
            devices=sorted(devices),
        )
    q0, k0, v0 = (np.broadcast_to(np.zeros((), np.float64), tuple(t.shape)) for t in tensors.values())
    checked = prepare_inputs(q0, k0, v0, None, is_causal, scale)  # shapes, scale, is_causal
    dtype = torch.promote_types(torch.promote_types(query.dtype, key.dtype), value.dtype)
    if not dtype.is_floating_point:
        dtype = torch.float64  # integers and booleans are read as float64, as the NumPy kernels do
    out_dtype = dtype
    if dtype in (torch.float16, torch.bfloat16) and query.device.type == "cpu":
        dtype = torch.float32
    q, k, v = (t.to(dtype) for t in (query, key, value))
    mask = None
    if attn_mask is not None:
        if not is_tensor(attn_mask):
            attn_mask = torch.as_tensor(np.asarray(attn_mask), device=query.device)
        if attn_mask.dtype != torch.bool and not attn_mask.is_floating_point():
            raise MaskError(
                f"attn_mask has dtype {attn_mask.dtype}: expected bool (True = may attend) or float (added to"
                " the scores, -inf = blocked); convert 0/1 integers with mask.bool()",
                code="mask_wrong_dtype",
                dtype=str(attn_mask.dtype),
                convert="mask.bool()",
            )
        prepare_mask(
            np.broadcast_to(np.zeros((), bool), tuple(attn_mask.shape)),
            checked.query_len,
            checked.key_len,
            checked.batch_shape,
        )
        if attn_mask.is_floating_point() and bool((torch.isnan(attn_mask) | torch.isposinf(attn_mask)).any()):
            raise MaskError(
                "attn_mask holds NaN or +inf: a float mask is added to the scores, so it may hold finite"
                " numbers and -inf (blocked) only",
                code="mask_not_finite",
            )
        mask = attn_mask.to(query.device)
    return q, k, v, mask, checked.scale, out_dtype


def _is_int(torch: Any, t: Any) -> bool:
    return t.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)


# -- the dispatcher's kernel: NumPy in, NumPy out -----------------------------------------------


def attention(inputs: AttentionInputs, need_weights: bool = False) -> tuple[NDArray[Any], NDArray[Any] | None]:
    """The kernel interface of :data:`selfattention.core.kernels.IMPLEMENTATIONS`: checked NumPy
    inputs through PyTorch on the CPU, output (..., L, Ev) and weights (..., L, S) as NumPy."""
    torch = import_torch()
    q, k, v = (_from_numpy(torch, a) for a in (inputs.query, inputs.key, inputs.value))
    mask = None if inputs.mask is None else _from_numpy(torch, inputs.mask)
    if mask is not None and mask.dtype != torch.bool:
        mask = mask.to(q.dtype)
    output, weights = attend(torch, q, k, v, mask, inputs.is_causal, inputs.scale, need_weights)
    return output.numpy(), None if weights is None else weights.numpy()


def _from_numpy(torch: Any, array: NDArray[Any]) -> Any:
    try:
        with warnings.catch_warnings():  # read-only views (broadcast masks) are only read
            warnings.simplefilter("ignore", UserWarning)
            return torch.from_numpy(array)
    except ValueError:  # negative strides
        return torch.from_numpy(np.ascontiguousarray(array))
