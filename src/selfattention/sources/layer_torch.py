"""The layer's parameters to and from ``torch.nn.MultiheadAttention``.

Our layer applies its weights as ``X @ W`` (the paper's notation), so ``W_Q`` is
(d_model, d_model) and is the *transpose* of the matching block of PyTorch's
``in_proj_weight`` (3 d_model, d_model), which PyTorch applies as ``X @ W^T``; ``W_O`` is the
transpose of ``out_proj.weight``. torch is imported on first use.

>>> import torch
>>> module = torch.nn.MultiheadAttention(4, 2, batch_first=True, dtype=torch.float64)
>>> params = parameters_from_torch(module)
>>> params["w_q"].shape, bool((params["w_q"] == module.in_proj_weight[:4].detach().numpy().T).all())
((4, 4), True)
>>> torch_module(params, 2).in_proj_weight.shape
torch.Size([12, 4])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core.errors import InputError, ShapeError
from ..core.kernels.torch import import_torch

__all__ = ["parameters_from_torch", "torch_module"]


def parameters_from_torch(module: Any) -> dict[str, NDArray[Any] | None]:
    """W_Q, W_K, W_V, W_O (d_model, d_model) and b_Q, b_K, b_V, b_O (d_model,) or None, as
    float64 copies, from a ``torch.nn.MultiheadAttention`` with kdim = vdim = embed_dim and
    without ``add_bias_kv`` or ``add_zero_attn``."""
    torch = import_torch()
    if not isinstance(module, torch.nn.MultiheadAttention):
        raise InputError(
            f"from_torch got a {type(module).__name__}: expected a torch.nn.MultiheadAttention",
            code="torch_not_multihead_attention",
            kind=type(module).__name__,
        )
    if not module._qkv_same_embed_dim:
        raise ShapeError(
            f"the module has kdim={module.kdim}, vdim={module.vdim} and embed_dim={module.embed_dim}: only"
            " kdim = vdim = embed_dim is supported",
            code="torch_kdim_vdim",
            kdim=module.kdim,
            vdim=module.vdim,
            embed_dim=module.embed_dim,
        )
    if module.bias_k is not None or module.add_zero_attn:
        raise InputError(
            "the module uses add_bias_kv or add_zero_attn: these are not supported", code="torch_bias_kv_zero_attn"
        )

    def array(t: Any) -> NDArray[Any] | None:
        return None if t is None else t.detach().to("cpu", torch.float64).numpy().copy()

    d = module.embed_dim
    params: dict[str, NDArray[Any] | None] = {}
    in_proj = array(module.in_proj_weight)  # (3 d_model, d_model), used as x @ W^T
    in_bias = array(module.in_proj_bias)  # (3 d_model,) or None
    out_proj = array(module.out_proj.weight)  # (d_model, d_model), used as x @ W^T
    if in_proj is None or out_proj is None:
        raise InputError("the module has no in_proj_weight or out_proj weight: expected both", code="torch_no_in_proj")
    for i, name in enumerate("qkv"):
        params[f"w_{name}"] = in_proj[i * d : (i + 1) * d].T.copy()  # (d_model, d_model), used as x @ W
    for i, name in enumerate("qkv"):
        params[f"b_{name}"] = None if in_bias is None else in_bias[i * d : (i + 1) * d]
    params["w_o"] = out_proj.T.copy()
    params["b_o"] = array(module.out_proj.bias)
    return params


def torch_module(
    parameters: dict[str, NDArray[Any] | None], num_heads: int, *, dtype: Any = None, device: Any = None
) -> Any:
    """A ``torch.nn.MultiheadAttention`` (batch_first=True, float64 unless ``dtype``) with
    these parameters (as :func:`parameters_from_torch` gives them), in ``eval()`` mode; a
    missing bias becomes zeros when the others exist."""
    torch = import_torch()
    dtype = torch.float64 if dtype is None else dtype
    w_q, w_k, w_v, w_o = (parameters[name] for name in ("w_q", "w_k", "w_v", "w_o"))
    if w_q is None or w_k is None or w_v is None or w_o is None:
        raise InputError("the layer lacks one of W_Q, W_K, W_V, W_O: expected all four", code="layer_lacks_weights")
    biases = [parameters[name] for name in ("b_q", "b_k", "b_v", "b_o")]
    bias = any(b is not None for b in biases)
    d_model = w_q.shape[0]
    module = torch.nn.MultiheadAttention(d_model, num_heads, bias=bias, batch_first=True, dtype=dtype, device=device)
    zeros = np.zeros(d_model)

    def tensor(a: NDArray[Any] | None) -> Any:
        return torch.as_tensor(zeros if a is None else a, dtype=dtype, device=device)

    with torch.no_grad():
        module.in_proj_weight.copy_(tensor(np.concatenate([w_q.T, w_k.T, w_v.T])))
        module.out_proj.weight.copy_(tensor(w_o.T))
        if bias:
            module.in_proj_bias.copy_(tensor(np.concatenate([b if b is not None else zeros for b in biases[:3]])))
            module.out_proj.bias.copy_(tensor(biases[3]))
    return module.eval()
