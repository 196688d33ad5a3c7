"""MultiHeadSelfAttention against torch.nn.MultiheadAttention in float64 (outputs and per-head weights)."""

from __future__ import annotations

import numpy as np
import pytest

import selfattention as sa
from reference_loop import loop_attention
from selfattention.sources.layers import MultiHeadSelfAttention

torch = pytest.importorskip("torch")
RTOL, ATOL = 1e-10, 1e-12


def torch_module(d_model, heads, bias=True, batch_first=True, seed=0):
    torch.manual_seed(seed)
    module = torch.nn.MultiheadAttention(d_model, heads, bias=bias, batch_first=batch_first, dtype=torch.float64)
    if bias:  # PyTorch starts biases at 0; random ones make the bias terms count
        with torch.no_grad():
            module.in_proj_bias.normal_()
            module.out_proj.bias.normal_()
    return module.eval()


def run_torch(module, x, context=None, attn_mask=None, key_padding_mask=None):
    """PyTorch's answer; masks in PyTorch's polarity (True = blocked)."""
    t = lambda a: None if a is None else torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    source = x if context is None else context
    q, kv = t(x), t(source)
    if not module.batch_first:
        q, kv = q.transpose(0, 1), kv.transpose(0, 1)
    out, weights = module(
        q,
        kv,
        kv,
        attn_mask=t(attn_mask),
        key_padding_mask=t(key_padding_mask),
        need_weights=True,
        average_attn_weights=False,
    )
    if not module.batch_first:
        out = out.transpose(0, 1)
    return out.detach().numpy(), weights.detach().numpy()


def check(ours, theirs):
    np.testing.assert_allclose(ours[0], theirs[0], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=RTOL, atol=ATOL)


CASES = [(1, 4, 4, 8, 1), (2, 5, 5, 8, 2), (3, 7, 4, 12, 3), (2, 1, 6, 16, 4), (4, 6, 9, 6, 6)]


@pytest.mark.parametrize("batch,L,S,d_model,heads", CASES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch_first", [True, False])
def test_plain_and_cross_attention_match_torch(batch, L, S, d_model, heads, bias, batch_first, rng):
    module = torch_module(d_model, heads, bias, batch_first)
    layer = MultiHeadSelfAttention.from_torch(module)
    x = rng.standard_normal((batch, L, d_model))
    check(layer(x, return_weights=True), run_torch(module, x))
    context = rng.standard_normal((batch, S, d_model))  # another sequence, of its own length
    check(layer(x, context=context, return_weights=True), run_torch(module, x, context))


@pytest.mark.parametrize("batch,L,S,d_model,heads", CASES)
@pytest.mark.parametrize("kind", ["bool_2d", "bool_3d", "float_2d", "float_3d"])
@pytest.mark.parametrize("cross", [False, True])
def test_attn_mask_matches_torch(batch, L, S, d_model, heads, kind, cross, rng):
    module = torch_module(d_model, heads)
    layer = MultiHeadSelfAttention.from_torch(module)
    x = rng.standard_normal((batch, L, d_model))
    context = rng.standard_normal((batch, S, d_model)) if cross else None
    key_len = S if cross else L
    shape = (L, key_len) if kind.endswith("2d") else (batch * heads, L, key_len)
    if kind.startswith("bool"):
        blocked = rng.random(shape) < 0.4  # PyTorch's polarity: True = blocked
        blocked[..., 0] = False  # PyTorch gives NaN for fully masked rows; keep one key
        torch_mask = blocked
    else:
        torch_mask = np.where(rng.random(shape) < 0.3, -np.inf, rng.standard_normal(shape))
        torch_mask[..., 0] = rng.standard_normal(shape[:-1])
    ours = sa.from_multihead_attention_mask(torch_mask)  # converted explicitly
    if ours.ndim == 3:
        ours = ours.reshape(batch, heads, L, key_len)  # PyTorch's (batch * heads, L, S) -> (batch, heads, L, S)
    check(layer(x, attn_mask=ours, context=context, return_weights=True), run_torch(module, x, context, torch_mask))


@pytest.mark.parametrize("batch,L,S,d_model,heads", CASES)
@pytest.mark.parametrize("dtype", ["bool", "float"])
@pytest.mark.parametrize("with_attn_mask", [False, True])
def test_key_padding_mask_matches_torch(batch, L, S, d_model, heads, dtype, with_attn_mask, rng):
    module = torch_module(d_model, heads)
    layer = MultiHeadSelfAttention.from_torch(module)
    x, context = rng.standard_normal((batch, L, d_model)), rng.standard_normal((batch, S, d_model))
    padded = np.zeros((batch, S), dtype=bool)
    for b in range(batch):
        padded[b, S - b % S :] = True  # entry b has b padded keys at the end (key 0 stays real)
    padded[:, 0] = False
    torch_padding = padded if dtype == "bool" else np.where(padded, -np.inf, 0.0)
    ours_padding = ~padded if dtype == "bool" else torch_padding  # our polarity: True = a real key
    torch_mask = ours_mask = None
    if with_attn_mask:
        torch_mask = rng.random((L, S)) < 0.3
        torch_mask[:, 0] = False
        ours_mask = ~torch_mask
        if dtype == "float":  # PyTorch wants both masks of one kind
            torch_mask = ours_mask = np.where(torch_mask, -np.inf, 0.0)
    theirs = run_torch(module, x, context, torch_mask, torch_padding)
    check(layer(x, attn_mask=ours_mask, key_padding_mask=ours_padding, context=context, return_weights=True), theirs)
    # the padding mask also works as an attn_mask through sa.from_key_padding_mask
    if dtype == "bool" and not with_attn_mask:
        converted = sa.from_key_padding_mask(torch_padding)
        check(layer(x, attn_mask=converted, context=context, return_weights=True), theirs)


@pytest.mark.parametrize("batch,L,S,d_model,heads", CASES)
def test_causal_matches_torch_with_an_explicit_mask(batch, L, S, d_model, heads, rng):
    module = torch_module(d_model, heads)
    layer = MultiHeadSelfAttention.from_torch(module)
    x = rng.standard_normal((batch, L, d_model))
    # PyTorch's nn.MultiheadAttention needs attn_mask for is_causal: give it the mask itself
    future = np.triu(np.ones((L, L), dtype=bool), k=1)  # True = blocked, built by hand
    theirs = run_torch(module, x, attn_mask=future)
    check(layer(x, is_causal=True, return_weights=True), theirs)
    # causal cross-attention (top-left, as PyTorch) with different lengths
    context = rng.standard_normal((batch, S, d_model))
    future = np.array([[j > i for j in range(S)] for i in range(L)])
    check(layer(x, context=context, is_causal=True, return_weights=True), run_torch(module, x, context, future))


def test_unbatched_input_matches_torch(rng):
    module = torch_module(8, 2)
    layer = MultiHeadSelfAttention.from_torch(module)
    x = rng.standard_normal((5, 8))
    t = torch.from_numpy(x)
    out, weights = module(t, t, t, need_weights=True, average_attn_weights=False)
    ours, our_weights = layer(x, return_weights=True)
    assert ours.shape == (5, 8) and our_weights.shape == (2, 5, 5)
    check((ours, our_weights), (out.detach().numpy(), weights.detach().numpy()))


def test_to_torch_round_trip(rng):
    layer = MultiHeadSelfAttention(12, 3, seed=4)
    layer.b_q = rng.standard_normal(12)  # non-zero biases so that copying them is tested
    layer.b_o = rng.standard_normal(12)
    module = layer.to_torch()
    assert module.batch_first and module.in_proj_weight.dtype == torch.float64
    x = rng.standard_normal((2, 6, 12))
    check(layer(x, return_weights=True), run_torch(module, x))
    back = MultiHeadSelfAttention.from_torch(module)
    for name, value in layer.parameters().items():
        np.testing.assert_array_equal(back.parameters()[name], value, err_msg=name)


def test_without_bias_to_torch(rng):
    layer = MultiHeadSelfAttention(8, 4, bias=False, seed=0)
    assert not layer.bias and layer.b_q is None
    module = layer.to_torch()
    assert module.in_proj_bias is None
    x = rng.standard_normal((1, 3, 8))
    check(layer(x, return_weights=True), run_torch(module, x))


def test_each_head_is_attention_on_its_columns(rng):
    """The layer against the formula: independent per-head loops, concatenation, W_O."""
    layer = MultiHeadSelfAttention(6, 3, seed=2)
    layer.b_k = rng.standard_normal(6)
    x = rng.standard_normal((4, 6))
    q, k, v = x @ layer.w_q + layer.b_q, x @ layer.w_k + layer.b_k, x @ layer.w_v + layer.b_v
    heads = [
        loop_attention(q[:, h * 2 : (h + 1) * 2], k[:, h * 2 : (h + 1) * 2], v[:, h * 2 : (h + 1) * 2], is_causal=True)
        for h in range(3)
    ]
    expected = np.concatenate([out for out, _ in heads], axis=1) @ layer.w_o + layer.b_o
    out, weights = layer(x, is_causal=True, return_weights=True)
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(weights, np.stack([w for _, w in heads]), rtol=RTOL, atol=ATOL)


def test_fully_masked_rows_give_zero_weights_and_zero_attention(rng):
    layer = MultiHeadSelfAttention(4, 2, seed=0)
    layer.b_o = rng.standard_normal(4)
    x = rng.standard_normal((2, 3, 4))
    mask = np.ones((2, 1, 3, 3), dtype=bool)
    mask[0, 0, 1] = False  # query 1 of sequence 0 may attend to nothing
    out, weights = layer(x, attn_mask=mask, return_weights=True)
    assert np.isfinite(out).all()
    assert (weights[0, :, 1] == 0).all()
    np.testing.assert_array_equal(out[0, 1], layer.b_o)  # its attention is 0, so W_O leaves only b_O


def test_same_result_with_every_kernel(rng):
    layer = MultiHeadSelfAttention(8, 2, seed=1)
    x, mask = rng.standard_normal((2, 5, 8)), rng.random((5, 5)) > 0.3
    expected = layer(x, attn_mask=mask)
    for implementation in sa.core.kernels.IMPLEMENTATIONS:
        np.testing.assert_allclose(
            layer(x, attn_mask=mask, implementation=implementation), expected, rtol=RTOL, atol=ATOL
        )


def test_float32_stays_float32(rng):
    layer = MultiHeadSelfAttention(4, 2, seed=0)
    assert layer(rng.standard_normal((3, 4)).astype(np.float32)).dtype == np.float32


def test_seeded_initialisation_is_deterministic():
    a, b = MultiHeadSelfAttention(8, 2, seed=7), MultiHeadSelfAttention(8, 2, seed=7)
    for name in ("w_q", "w_k", "w_v", "w_o"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert np.abs(a.w_q).max() <= np.sqrt(6 / 32)  # Xavier uniform over PyTorch's (3 * 8, 8) in_proj


@pytest.mark.parametrize(
    "make,error,message",
    [
        (
            lambda: MultiHeadSelfAttention(10, 3),
            sa.ShapeError,
            "d_model is 10 but num_heads is 3: d_model must be divisible by num_heads (each head gets"
            " d_model / num_heads features)",
        ),
        (lambda: MultiHeadSelfAttention(8, 0), sa.ShapeError, "num_heads is 0: expected a positive integer"),
        (lambda: MultiHeadSelfAttention(8.0, 2), sa.ShapeError, "d_model is 8.0: expected a positive integer"),
    ],
)
def test_bad_construction(make, error, message):
    with pytest.raises(error) as raised:
        make()
    assert str(raised.value) == message


LAYER = MultiHeadSelfAttention(8, 2, seed=0)
X = np.ones((2, 5, 8))


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        (
            dict(x=np.ones(8)),
            sa.ShapeError,
            "x has shape (8,): expected (batch, L, d_model) or (L, d_model) with d_model = 8",
        ),
        (
            dict(x=np.ones((1, 2, 3, 8))),
            sa.ShapeError,
            "x has shape (1, 2, 3, 8): expected (batch, L, d_model) or (L, d_model) with d_model = 8",
        ),
        (
            dict(x=np.ones((2, 5, 6))),
            sa.ShapeError,
            "x has 6 features (shape (2, 5, 6)): this layer expects d_model = 8",
        ),
        (dict(x=np.full((2, 5, 8), "a")), sa.ShapeError, "x has dtype <U1: expected real numbers (float or int)"),
        (
            dict(x=X, attn_mask=np.ones((3, 3), dtype=bool)),
            sa.MaskError,
            "attn_mask has shape (3, 3), which does not broadcast to the scores' shape (2, 2, 5, 5) (..., L, S)",
        ),
        (
            dict(x=X, attn_mask=np.ones((5, 5), dtype=int)),
            sa.MaskError,
            "attn_mask has dtype int64: expected bool (True = may attend) or float (added to the scores, -inf ="
            " blocked); convert 0/1 integers with mask.astype(bool)",
        ),
        (
            dict(x=X, key_padding_mask=np.ones((5, 2), dtype=bool)),
            sa.MaskError,
            "key_padding_mask has shape (5, 2): expected (2, 5), (batch, S), with True = a real key and False ="
            " padding",
        ),
        (
            dict(x=X, key_padding_mask=np.ones((2, 5), dtype=int)),
            sa.MaskError,
            "key_padding_mask has dtype int64: expected bool (True = a real key, False = padding) or float (added"
            " to the scores, -inf = blocked)",
        ),
        (
            dict(x=X, context=np.ones((3, 4, 8))),
            sa.ShapeError,
            "context has shape (3, 4, 8) but x has shape (2, 5, 8): context needs the same batch size and d_model = 8",
        ),
        (
            dict(x=X, context=np.ones((4, 8))),
            sa.ShapeError,
            "context has shape (4, 8) but x has shape (2, 5, 8): context needs the same rank as x, (batch, S,"
            " d_model) or (S, d_model)",
        ),
    ],
)
def test_bad_input(kwargs, error, message):
    with pytest.raises(error) as raised:
        LAYER(**kwargs)
    assert str(raised.value) == message


def test_unbatched_errors_name_the_given_shapes():
    with pytest.raises(sa.ShapeError) as raised:
        LAYER(np.ones((5, 6)))
    assert str(raised.value) == "x has 6 features (shape (5, 6)): this layer expects d_model = 8"
    with pytest.raises(sa.ShapeError) as raised:
        LAYER(np.ones((5, 8)), context=np.ones((4, 3)))
    assert str(raised.value) == (
        "context has shape (4, 3) but x has shape (5, 8): context needs the same batch size and d_model = 8"
    )


def test_torch_tensor_given_to_the_numpy_layer():
    with pytest.raises(sa.ShapeError, match=r"x is a torch tensor: this NumPy layer takes NumPy arrays"):
        LAYER(torch.ones(2, 5, 8))


def test_from_torch_refuses_what_it_cannot_load():
    with pytest.raises(sa.InputError, match=r"from_torch got a Linear: expected a torch\.nn\.MultiheadAttention"):
        MultiHeadSelfAttention.from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(sa.ShapeError, match="kdim=4, vdim=4 and embed_dim=8: only kdim = vdim = embed_dim"):
        MultiHeadSelfAttention.from_torch(torch.nn.MultiheadAttention(8, 2, kdim=4, vdim=4))
    with pytest.raises(sa.InputError, match="add_bias_kv or add_zero_attn"):
        MultiHeadSelfAttention.from_torch(torch.nn.MultiheadAttention(8, 2, add_bias_kv=True))


@pytest.mark.parametrize("seed", range(3))
def test_permuting_tokens_permutes_outputs(seed):
    """Without positions or masks the layer is permutation equivariant: order comes only from PE."""
    rng = np.random.default_rng(seed)
    layer = MultiHeadSelfAttention(6, 2, seed=seed)
    x = rng.standard_normal((2, 7, 6))
    order = rng.permutation(7)
    out, weights = layer(x, return_weights=True)
    out_p, weights_p = layer(x[:, order], return_weights=True)
    np.testing.assert_allclose(out_p, out[:, order], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights_p, weights[:, :, order][:, :, :, order], rtol=1e-10, atol=1e-12)


def test_causal_prefix_is_unchanged_by_later_tokens(rng):
    layer = MultiHeadSelfAttention(8, 4, seed=0)
    x = rng.standard_normal((1, 9, 8))
    y = x.copy()
    y[:, 5:] = rng.standard_normal((1, 4, 8)) * 100
    np.testing.assert_array_equal(layer(y, is_causal=True)[:, :5], layer(x, is_causal=True)[:, :5])


def test_float32_error_within_twice_naive(rng):
    """TESTING.md's rule for float32: error vs float64 at most 2x the naive float32 maths' error."""
    module = torch_module(32, 4)
    layer = MultiHeadSelfAttention.from_torch(module)
    x = rng.standard_normal((2, 40, 32)) * 3
    exact, _ = run_torch(module, x)  # float64 PyTorch
    x32 = x.astype(np.float32)
    p = {n: None if a is None else a.astype(np.float32) for n, a in layer.parameters().items()}
    q, k, v = (x32 @ p[f"w_{n}"] + p[f"b_{n}"] for n in "qkv")
    split = lambda t: t.reshape(2, 40, 4, 8).transpose(0, 2, 1, 3)  # noqa: E731
    s = split(q) @ split(k).transpose(0, 1, 3, 2) / np.float32(np.sqrt(8))
    w = np.exp(s - s.max(-1, keepdims=True))
    naive = ((w / w.sum(-1, keepdims=True)) @ split(v)).transpose(0, 2, 1, 3).reshape(2, 40, 32) @ p["w_o"] + p["b_o"]
    got = layer(x32)
    assert got.dtype == np.float32
    assert np.abs(got - exact).max() <= 2 * np.abs(naive - exact).max() + 1e-6
