r"""Multi-head self-attention, the layer of "Attention Is All You Need" (section 3.2.2), in NumPy.

.. math::

    \mathrm{MultiHead}(X, C) = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W_O + b_O,
    \qquad \mathrm{head}_i = \mathrm{Attention}(Q_i, K_i, V_i)

with Q = X W_Q + b_Q, K = C W_K + b_K, V = C W_V + b_V (C = X for self-attention, another
sequence for cross-attention), and Q_i the i-th block of d_head = d_model / heads columns.

1. project X (and the context) with W_Q, W_K, W_V;
2. split the d_model columns into ``heads`` blocks of d_head;
3. attend in every head at once (the library's kernel, scale 1/sqrt(d_head));
4. concatenate the heads' outputs and apply W_O.

Weights are applied as ``X @ W`` (the paper's notation), so ``W_Q`` is (d_model, d_model) and
is the *transpose* of the matching block of PyTorch's ``in_proj_weight``;
:meth:`MultiHeadSelfAttention.from_torch` and :meth:`~MultiHeadSelfAttention.to_torch` convert
(:mod:`.layer_torch`). The arithmetic is the pure function :func:`.multi_head.multi_head_attention`;
attention masks and padding masks are combined by :func:`selfattention.core.masks.combine_masks`.

Masks follow the library's convention (True = may attend; float = added to the scores),
also ``key_padding_mask``: (batch, S) with **True = a real key** and False = padding.
``torch.nn.MultiheadAttention`` uses the opposite boolean polarity for both (True = blocked):
convert its masks with :func:`selfattention.from_multihead_attention_mask` (and invert a
boolean padding mask, ``~key_padding_mask``) before passing them here.

>>> layer = MultiHeadSelfAttention(8, 2, seed=0)
>>> x = np.random.default_rng(0).standard_normal((3, 5, 8))
>>> out, weights = layer(x, is_causal=True, return_weights=True)
>>> out.shape, weights.shape
((3, 5, 8), (3, 2, 5, 5))
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..core.errors import InputError, ShapeError
from ..core.limits import check_layer_budget
from ..core.masks import combine_masks
from ..record.layer_trace import LayerTrace
from ..record.provenance import HeadProvenance, Provenance
from ..record.trace import trace as trace_head
from .layer_torch import parameters_from_torch, torch_module
from .multi_head import LayerResult, multi_head_attention

__all__ = ["LayerResult", "MultiHeadSelfAttention", "multi_head_attention"]


class MultiHeadSelfAttention:
    """A multi-head attention layer with W_Q, W_K, W_V, W_O (and biases), in NumPy.

    Parameters are float64 and initialised as ``torch.nn.MultiheadAttention`` does (Xavier
    uniform for W_Q, W_K, W_V; uniform(+-1/sqrt(d_model)) for W_O; zero biases), from
    ``numpy.random.default_rng(seed)``. No dropout: the layer is what PyTorch's module
    computes in ``eval()`` mode. Inputs are batch first.

    >>> layer = MultiHeadSelfAttention(4, 2, seed=1)
    >>> layer(np.ones((3, 4))).shape
    (3, 4)
    >>> MultiHeadSelfAttention(10, 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    selfattention.core.errors.ShapeError: d_model is 10 but num_heads is 3: d_model must be divisible by num_heads ...
    """

    def __init__(self, d_model: int, num_heads: int, *, bias: bool = True, seed: int | None = None) -> None:
        self.d_model = _positive(d_model, "d_model")
        self.num_heads = _positive(num_heads, "num_heads")
        if self.d_model % self.num_heads:
            raise ShapeError(
                f"d_model is {d_model} but num_heads is {num_heads}: d_model must be divisible by"
                " num_heads (each head gets d_model / num_heads features)",
                code="layer_heads_do_not_divide",
                d_model=d_model,
                num_heads=num_heads,
            )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            # numpy's own refusal is a bare ValueError ("expected non-negative integer")
            raise InputError(
                f"seed is {seed!r}: expected a non-negative integer (or None)", code="layer_seed_invalid", seed=seed
            )
        rng = np.random.default_rng(seed)
        d = self.d_model
        in_bound = math.sqrt(6.0 / (d + 3 * d))  # Xavier uniform over PyTorch's (3 d_model, d_model) in_proj
        out_bound = 1.0 / math.sqrt(d)
        self.w_q, self.w_k, self.w_v = (rng.uniform(-in_bound, in_bound, (d, d)) for _ in range(3))
        self.w_o = rng.uniform(-out_bound, out_bound, (d, d))
        zeros = np.zeros(d) if bias else None
        self.b_q, self.b_k, self.b_v, self.b_o = (None if zeros is None else zeros.copy() for _ in range(4))

    # -- properties ----------------------------------------------------------------------
    @property
    def d_head(self) -> int:
        return self.d_model // self.num_heads

    @property
    def bias(self) -> bool:
        return any(b is not None for b in (self.b_q, self.b_k, self.b_v, self.b_o))

    def parameters(self) -> dict[str, NDArray[Any] | None]:
        """W_Q, W_K, W_V, W_O (d_model, d_model) and b_Q, b_K, b_V, b_O (d_model,) or None."""
        names = ("w_q", "w_k", "w_v", "w_o", "b_q", "b_k", "b_v", "b_o")
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        return f"MultiHeadSelfAttention(d_model={self.d_model}, num_heads={self.num_heads}, bias={self.bias})"

    # -- forward -------------------------------------------------------------------------
    @overload
    def __call__(
        self,
        x: ArrayLike,
        attn_mask: ArrayLike | None = ...,
        is_causal: bool = ...,
        key_padding_mask: ArrayLike | None = ...,
        context: ArrayLike | None = ...,
        return_weights: Literal[False] = ...,
        *,
        implementation: str = ...,
    ) -> NDArray[Any]: ...

    @overload
    def __call__(
        self,
        x: ArrayLike,
        attn_mask: ArrayLike | None = ...,
        is_causal: bool = ...,
        key_padding_mask: ArrayLike | None = ...,
        context: ArrayLike | None = ...,
        *,
        return_weights: Literal[True],
        implementation: str = ...,
    ) -> tuple[NDArray[Any], NDArray[Any]]: ...

    def __call__(
        self,
        x: ArrayLike,
        attn_mask: ArrayLike | None = None,
        is_causal: bool = False,
        key_padding_mask: ArrayLike | None = None,
        context: ArrayLike | None = None,
        return_weights: bool = False,
        *,
        implementation: str = "auto",
    ) -> NDArray[Any] | tuple[NDArray[Any], NDArray[Any]]:
        """x (batch, L, d_model) or (L, d_model) -> output of the same shape.

        ``context`` (batch, S, d_model) makes it cross-attention: keys and values come from
        it. ``attn_mask`` broadcasts to (batch, heads, L, S); ``key_padding_mask`` is
        (batch, S) (or (S,) unbatched), both in the library's convention (True = may attend).
        With ``return_weights=True`` also the weights (batch, heads, L, S).
        """
        result, batched = self._forward(
            x, attn_mask, is_causal, key_padding_mask, context, return_weights, implementation
        )
        output = result.output if batched else result.output[0]
        if not return_weights:
            return output
        assert result.weights is not None
        return output, result.weights if batched else result.weights[0]

    def _forward(
        self,
        x: ArrayLike,
        attn_mask: ArrayLike | None,
        is_causal: bool,
        key_padding_mask: ArrayLike | None,
        context: ArrayLike | None,
        need_weights: bool,
        implementation: str,
    ) -> tuple[LayerResult, bool]:
        inputs = _real_array(x, "x")
        if inputs.ndim not in (2, 3):
            raise ShapeError(
                f"x has shape {inputs.shape}: expected (batch, L, d_model) or (L, d_model) with"
                f" d_model = {self.d_model}",
                code="layer_input_rank",
                shape=inputs.shape,
                d_model=self.d_model,
            )
        batched = inputs.ndim == 3
        inputs = inputs if batched else inputs[None]  # (batch, L, d_model)
        if inputs.shape[-1] != self.d_model:
            raise ShapeError(
                f"x has {inputs.shape[-1]} features (shape {np.shape(x)}): this layer expects d_model = {self.d_model}",
                code="layer_input_width",
                features=inputs.shape[-1],
                shape=np.shape(x),
                d_model=self.d_model,
            )
        source = None
        if context is not None:
            source = _real_array(context, "context")
            if source.ndim != (3 if batched else 2):
                raise ShapeError(
                    f"context has shape {source.shape} but x has shape {np.shape(x)}: context needs the"
                    " same rank as x, (batch, S, d_model) or (S, d_model)",
                    code="layer_context_rank",
                    context=source.shape,
                    shape=np.shape(x),
                )
            given = source.shape
            source = source if batched else source[None]
            if source.shape[0] != inputs.shape[0] or source.shape[-1] != self.d_model:
                raise ShapeError(
                    f"context has shape {given} but x has shape {np.shape(x)}: context needs the"
                    f" same batch size and d_model = {self.d_model}",
                    code="layer_context_batch",
                    context=given,
                    shape=np.shape(x),
                    d_model=self.d_model,
                )
        batch, query_len = inputs.shape[:2]
        key_len = query_len if source is None else source.shape[1]
        dtype = np.promote_types(np.result_type(inputs, *(() if source is None else (source,))), np.float32)
        inputs = inputs.astype(dtype, copy=False)
        source = None if source is None else source.astype(dtype, copy=False)
        mask = combine_masks(attn_mask, key_padding_mask, batch, self.num_heads, query_len, key_len, batched)
        params: dict[str, Any] = {
            name: None if p is None else p.astype(dtype, copy=False) for name, p in self.parameters().items()
        }
        result = multi_head_attention(
            inputs,
            **params,
            num_heads=self.num_heads,
            context=source,
            attn_mask=mask,
            is_causal=is_causal,
            need_weights=need_weights,
            implementation=implementation,
        )
        return result, batched

    # -- trace ---------------------------------------------------------------------------
    def trace(
        self,
        x: ArrayLike,
        tokens: Sequence[str] | None = None,
        *,
        attn_mask: ArrayLike | None = None,
        is_causal: bool = False,
        key_padding_mask: ArrayLike | None = None,
        context: ArrayLike | None = None,
        context_tokens: Sequence[str] | None = None,
        queries: Sequence[int | str] | None = None,
        embeddings: ArrayLike | None = None,
        positional: ArrayLike | None = None,
        provenance: Provenance | None = None,
    ) -> LayerTrace:
        """Trace the layer on one sequence, x (L, d_model): the projections, every head step
        by step (an :class:`~selfattention.record.trace.AttentionTrace` per head, for ``queries``,
        all by default), the concatenation and W_O.

        >>> layer = MultiHeadSelfAttention(4, 2, seed=0)
        >>> t = layer.trace(np.eye(3, 4), tokens=["a", "b", "c"], is_causal=True, queries=["c"])
        >>> t.weights.shape, t.heads[1].steps[0].token
        ((2, 1, 3), 'c')
        """
        inputs = _real_array(x, "x")
        if inputs.ndim == 3 and inputs.shape[0] == 1:
            inputs = inputs[0]
        if inputs.ndim != 2:
            raise ShapeError(
                f"x has shape {inputs.shape}: a trace is of one sequence, (L, d_model); pick one, e.g. x[0]",
                code="layer_trace_one_sequence",
                shape=inputs.shape,
            )
        source = None if context is None else _real_array(context, "context")
        if source is not None and source.ndim == 3 and source.shape[0] == 1:
            source = source[0]
        query_len = inputs.shape[0]
        key_len = query_len if source is None else source.shape[0]
        traced = query_len if queries is None else len(queries)
        check_layer_budget(self.num_heads, traced, query_len, key_len, self.d_model)  # from shapes, first
        result, _ = self._forward(inputs, attn_mask, is_causal, key_padding_mask, source, False, "reference")
        if key_len == 0:
            raise ShapeError(
                "context has 0 positions: a query needs at least one key (S >= 1)", code="layer_context_empty"
            )
        head_masks = None
        if result.mask is not None:
            head_masks = np.broadcast_to(result.mask, (1, self.num_heads, query_len, key_len))[0]  # (heads, L, S)
        d_head = self.d_head
        key_labels = context_tokens if source is not None else None
        if source is not None and context_tokens is None:
            key_labels = [f"c{j}" for j in range(key_len)]
        heads = []
        for h in range(self.num_heads):
            columns = slice(h * d_head, (h + 1) * d_head)
            heads.append(
                trace_head(
                    result.query[0][:, columns],  # (L, d_head)
                    result.key[0][:, columns],  # (S, d_head)
                    result.value[0][:, columns],  # (S, d_head)
                    tokens=tokens,
                    attn_mask=None if head_masks is None else head_masks[h],
                    is_causal=is_causal,
                    queries=queries,
                    key_tokens=key_labels,
                    provenance=HeadProvenance(head=h, num_heads=self.num_heads, layer=provenance),
                )
            )
        dtype = result.output.dtype
        extras: dict[str, Any] = {}
        for name, extra in (("embeddings", embeddings), ("positional", positional)):
            if extra is not None:
                array = _real_array(extra, name)
                if array.shape != inputs.shape:
                    raise ShapeError(
                        f"{name} has shape {array.shape}: expected x's shape {inputs.shape}",
                        code="layer_extra_shape",
                        name=name,
                        shape=array.shape,
                        expected=inputs.shape,
                    )
                extras[name] = array.astype(dtype)
        params: dict[str, Any] = {name: None if p is None else p.astype(dtype) for name, p in self.parameters().items()}
        return LayerTrace(
            tokens=heads[0].tokens,
            key_tokens=heads[0].key_tokens,
            x=inputs.astype(dtype),
            context=None if source is None else source.astype(dtype),
            query=result.query[0],
            key=result.key[0],
            value=result.value[0],
            heads=tuple(heads),
            concat=result.concat[0],
            output=result.output[0],
            is_causal=bool(is_causal),
            dtype=str(dtype),
            provenance=provenance or Provenance(),
            **params,
            **extras,
        )

    # -- PyTorch -------------------------------------------------------------------------
    @classmethod
    def from_torch(cls, module: Any) -> MultiHeadSelfAttention:
        """A layer with the parameters of a ``torch.nn.MultiheadAttention`` (copied as float64).

        Only kdim = vdim = embed_dim, without ``add_bias_kv`` or ``add_zero_attn``. Dropout is
        not applied (the module's ``eval()`` behaviour). Our layer is batch first whatever the
        module's ``batch_first``. Its masks use True = blocked: convert them (module docstring).

        >>> import torch
        >>> module = torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64)
        >>> layer = MultiHeadSelfAttention.from_torch(module)
        >>> x = np.random.default_rng(0).standard_normal((1, 3, 8))
        >>> expected = module(*[torch.from_numpy(x)] * 3, need_weights=False)[0].detach().numpy()
        >>> bool(np.allclose(layer(x), expected, rtol=1e-10, atol=1e-12))
        True
        """
        parameters = parameters_from_torch(module)  # checks the module first
        layer = cls.__new__(cls)
        layer.d_model, layer.num_heads = module.embed_dim, module.num_heads
        for name, value in parameters.items():
            setattr(layer, name, value)
        return layer

    def to_torch(self, *, dtype: Any = None, device: Any = None) -> Any:
        """A ``torch.nn.MultiheadAttention`` (batch_first=True, float64 unless ``dtype``) with
        these parameters; a missing bias becomes zeros when the others exist.

        >>> MultiHeadSelfAttention(8, 2, seed=0).to_torch().in_proj_weight.shape
        torch.Size([24, 8])
        """
        return torch_module(self.parameters(), self.num_heads, dtype=dtype, device=device)


def _positive(value: Any, name: str) -> int:
    try:
        number = operator.index(value)
    except TypeError:
        raise ShapeError(
            f"{name} is {value!r}: expected a positive integer",
            code="layer_not_positive_integer",
            name=name,
            value=value,
        ) from None
    if isinstance(value, bool) or number < 1:
        raise ShapeError(
            f"{name} is {value!r}: expected a positive integer",
            code="layer_not_positive_integer",
            name=name,
            value=value,
        )
    return number


def _real_array(x: Any, name: str) -> NDArray[Any]:
    if type(x).__module__.startswith("torch"):
        raise ShapeError(
            f"{name} is a torch tensor: this NumPy layer takes NumPy arrays; pass {name}.detach().cpu().numpy(),"
            " or use layer.to_torch() to run in PyTorch",
            code="layer_torch_tensor",
            name=name,
        )
    try:
        array = np.asarray(x)
    except (TypeError, ValueError):
        raise ShapeError(
            f"{name} could not be read as an array: expected real numbers", code="layer_not_an_array", name=name
        ) from None
    if array.dtype == np.bool_ or np.issubdtype(array.dtype, np.integer):
        return array.astype(np.float64)
    if not np.issubdtype(array.dtype, np.floating):
        raise ShapeError(
            f"{name} has dtype {array.dtype}: expected real numbers (float or int)",
            code="layer_wrong_dtype",
            name=name,
            dtype=str(array.dtype),
        )
    return array
