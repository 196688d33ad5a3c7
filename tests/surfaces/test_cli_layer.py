"""``selfattention layer TEXT``: a sentence walked from words to outputs, checked line by line
against independent computations (the paper's formula, the hash recipe, PyTorch's module)."""

from __future__ import annotations

import base64
import hashlib
import math
import re

import numpy as np
import pytest
from click.testing import CliRunner

import selfattention as sa
from selfattention.explain.numbers import fmt, fmt_vector
from selfattention.record.provenance import ToyLayerProvenance
from selfattention.surfaces.cli import main

torch = pytest.importorskip("torch")
SENTENCE = "The animal didn't cross the street because it was too tired"
TOKENS = ["The", "animal", "didn't", "cross", "the", "street", "because", "it", "was", "too", "tired"]


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def independent_x(tokens, d_model, seed=0):
    """The documented recipe, rebuilt: hash-seeded normal embeddings plus the paper's encoding."""
    x = np.zeros((len(tokens), d_model))
    for pos, token in enumerate(tokens):
        digest = hashlib.blake2b(f"{seed}\x00{token}".encode(), digest_size=16).digest()
        x[pos] = np.random.default_rng(int.from_bytes(digest, "little")).standard_normal(d_model)
        for d in range(d_model):
            angle = pos / 10000 ** ((d - d % 2) / d_model)
            x[pos, d] += math.sin(angle) if d % 2 == 0 else math.cos(angle)
    return x


def torch_layer(d_model, heads, seed, x, causal=False):
    module = sa.MultiHeadSelfAttention(d_model, heads, seed=seed).to_torch()
    t = torch.from_numpy(x)[None]
    mask = torch.ones(len(x), len(x), dtype=torch.bool).triu(1) if causal else None  # True = blocked
    out, weights = module(t, t, t, attn_mask=mask, need_weights=True, average_attn_weights=False)
    return out[0].detach().numpy(), weights[0].detach().numpy()


def row(lines, position, token):
    pattern = re.compile(rf"^   {position}\s+{re.escape(token)}\s+(\[.*\])$")
    return [m.group(1) for line in lines if (m := pattern.match(line))]


def test_walks_the_sentence_from_words_to_outputs():
    result = run("layer", SENTENCE, "--heads", "2", "--d-model", "8", "--seed", "0", "--query", "it")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for heading in [
        f'From words to contextual vectors: "{" ".join(TOKENS)}"',
        "11 tokens, d_model = 8, 2 heads of d_head = 4.",
        "1. Tokens: the text split into words and punctuation.",
        "2. Token embeddings: one vector of d_model numbers per token.",
        "3. Positional encoding: where each token stands.",
        "4. The layer's input X = embedding + positional encoding.",
        "5. Queries, keys and values: Q = X W_Q + b_Q, K = X W_K + b_K, V = X W_V + b_V.",
        "6. Attention in head 0, step by step (d_head = 4).",
        'Self-attention with "it" as the query (q7)',  # --queries 7 is q7: positions count from 0
        "7. The 2 heads side by side.",
        "8. Concatenation: every head's output side by side.",
        "9. Output projection: output = concatenation W_O + b_O.",
    ]:
        assert heading in lines, heading
    assert (
        lines.index("1. Tokens: the text split into words and punctuation.")
        < lines.index("6. Attention in head 0, step by step (d_head = 4).")
        < lines.index("9. Output projection: output = concatenation W_O + b_O.")
    )
    assert [
        line.split()[1]
        for line in lines[lines.index("1. Tokens: the text split into words and punctuation.") + 2 :][:11]
    ] == TOKENS
    x = independent_x(TOKENS, 8)
    assert row(lines, 7, "it")[2] == fmt_vector(x[7])  # embeddings, PE, then X: the third "it" row
    out, weights = torch_layer(8, 2, 0, x)
    for h in range(2):  # each head's heaviest keys for "it", from PyTorch's own weights
        order = sorted(range(11), key=lambda j: (-weights[h, 7, j], j))[:3]
        names = ["itself" if j == 7 else f'"{TOKENS[j]}"' for j in order]
        parts = [f"{n} ({fmt(weights[h, 7, j])})" for n, j in zip(names, order, strict=True)]
        assert f'   head {h}: "it" looks most at {parts[0]}, {parts[1]} and {parts[2]}.' in lines
    assert row(lines, 7, "it")[-1] == fmt_vector(out[7])  # the layer's output, as PyTorch computes it
    assert result.output.count("1. Dot products") == 1  # one query of one head expanded
    assert "head 1: weights" in lines


def test_query_word_equals_its_position_and_head_choice():
    a = run("layer", SENTENCE, "--query", "it", "--head", "1")
    b = run("layer", SENTENCE, "--queries", "7", "--head", "1")
    assert a.exit_code == 0 and a.output == b.output
    assert "6. Attention in head 1, step by step (d_head = 4)." in a.output.splitlines()
    assert "head 1 uses columns 4 to 7." in a.output


def test_causal_text():
    result = run("layer", SENTENCE, "--causal", "--query", "animal", "--d-model", "4", "--heads", "1")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "11 tokens, d_model = 4, 1 head of d_head = 4, causal: each token sees only itself and the tokens" in lines
    out, weights = torch_layer(4, 1, 0, independent_x(TOKENS, 4), causal=True)
    assert f'   head 0: "animal" looks most at {_two(weights[0, 1])}.' in lines
    assert row(lines, 1, "animal")[-1] == fmt_vector(out[1])


def _two(w):
    first, second = sorted(range(2), key=lambda j: (-w[j], j))
    name = lambda j: "itself" if j == 1 else '"The"'  # noqa: E731
    return f"{name(first)} ({fmt(w[first])}) and {name(second)} ({fmt(w[second])})"


def test_json_and_markdown():
    result = run("layer", SENTENCE, "--format", "json", "--seed", "5")
    t = sa.LayerTrace.from_json(result.output)
    assert t.tokens == tuple(TOKENS) and t.provenance == ToyLayerProvenance(text=SENTENCE, seed=5)
    np.testing.assert_allclose(t.x, independent_x(TOKENS, 8, seed=5), rtol=1e-12, atol=1e-12)
    md = run("layer", SENTENCE, "--format", "markdown").output
    assert "## 1. Tokens: the text split into words and punctuation." in md
    assert "| position | tokens | embedding |" in md


def test_long_inputs_are_cut_for_display_and_say_so():
    text = " ".join(f"w{i}" for i in range(20))
    result = run("layer", text, "--d-model", "32", "--heads", "4")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "(showing the first 16 of 20 tokens)" in lines
    assert "(showing the first 16 of 32 numbers of each vector)" in lines
    assert row(lines, 15, "w15") and not row(lines, 16, "w16")
    assert "W_Q" not in lines  # a 32 x 32 matrix is not printed


@pytest.mark.parametrize(
    "args,message",
    [
        ([""], "Error: text '' is empty: expected at least one word"),
        (["   "], "Error: text '   ' is empty: expected at least one word"),
        (
            ["a b", "--heads", "3"],
            "Error: d_model is 8 but num_heads is 3: d_model must be divisible by num_heads (each head gets d_model"
            " / num_heads features)",
        ),
        (["a b", "--query", "c"], "Error: query 'c' is not among the traced tokens: 0:a 1:b"),
        (["a b", "--head", "2"], "Error: head 2 does not exist: this layer has 2 heads, numbered 0 to 1"),
        (["x " * 2049], "Error: the text has 2049 tokens: the toy pipeline takes at most 2048; shorten it"),
    ],
)
def test_bad_input(args, message):
    result = CliRunner().invoke(main, ["layer", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message + "\n"
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["--heads", "2"], "Error: Missing argument 'TEXT'."),
        (["a b", "--key", "1,2"], "Error: No such option"),
        (["a b", "--model", "minilm"], "Error: No such option"),
        (["a b", "c"], "Error: Got unexpected extra argument (c)"),
        (["a b", "--heads", "0"], "Error: Invalid value for '--heads': 0 is not in the range 1<=x<=64."),
    ],
)
def test_options_of_other_commands_are_refused_by_click(args, message):
    result = CliRunner().invoke(main, ["layer", *args])
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]  # click's own words: "No such option" varies between versions
    assert last == message or (last.startswith(message) and args[1] in last)
    assert "Traceback" not in result.output


def test_help_lists_the_layer_options_with_their_defaults():
    out = run("layer", "--help").output
    for flag in ("--heads", "--d-model", "--seed", "--head", "--query", "--queries", "--causal"):
        assert flag in out
    assert "--text" not in out and "--model" not in out and "--input" not in out
    assert " ".join(out.split()).count("[default: 2; 1<=x<=64]") == 1  # --heads
    assert 'selfattention layer "The cat sat" --heads 2 --d-model 8 --seed 0 --causal --head 1' in out


def test_plot_writes_every_head_side_by_side(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "heads.svg"
    result = CliRunner().invoke(main, ["layer", SENTENCE, "--heads", "4", "--query", "it", "--plot", str(path)])
    assert result.exit_code == 0, result.output
    svg = path.read_text()
    for h in range(4):
        assert f"head {h}" in svg
    assert "tired" in svg and "animal" in svg
    again = CliRunner().invoke(main, ["layer", SENTENCE, "--plot", str(path)])
    assert again.exit_code == 2 and "exists: pass --force to overwrite it" in again.output


def test_formats_a_layer_cannot_take():
    result = CliRunner().invoke(main, ["layer", SENTENCE, "--format", "csv"])
    assert result.exit_code == 2
    expected = "Error: Invalid value for '--format' / '-f': 'csv' is not one of 'text', 'markdown', 'json', 'html'."
    assert result.stderr.splitlines()[-1] == expected


def test_korean_words_for_the_layer():
    result = run("layer", SENTENCE, "--lang", "ko", "--query", "it")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "1. 토큰: 문장을 단어와 문장부호로 나눕니다." in lines
    assert "6. 헤드 0의 어텐션, 단계별로 (d_head = 4)." in lines
    assert any(line.startswith('   헤드 1: "it" 단어는 ') for line in lines)


def test_html_page_with_every_head_drawn():
    pytest.importorskip("matplotlib")
    from html.parser import HTMLParser

    page = run("layer", SENTENCE, "--format", "html", "--query", "it").output

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.h2, self.images, self._in_h2 = [], [], [], False

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self._in_h2 = tag == "h2"
            if tag == "img":
                self.images.append(dict(attrs)["src"])

        def handle_data(self, data):
            if self._in_h2:
                self.h2.append(data)
                self._in_h2 = False

    parsed = Collect()
    parsed.feed(page)
    assert "table" in parsed.tags
    assert "1. Tokens: the text split into words and punctuation." in parsed.h2
    assert "7. The 2 heads side by side." in parsed.h2
    prefix = "data:image/svg+xml;base64,"
    (svg,) = [base64.b64decode(src[len(prefix) :]).decode() for src in parsed.images if src.startswith(prefix)]
    assert "head 0" in svg and "head 1" in svg and "tired" in svg


def test_markdown_links_the_plot(tmp_path):
    pytest.importorskip("matplotlib")
    out, pic = tmp_path / "walk.md", tmp_path / "heads.png"
    result = CliRunner().invoke(main, ["layer", SENTENCE, "-f", "markdown", "-o", str(out), "--plot", str(pic)])
    assert result.exit_code == 0, result.output
    assert pic.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "(heads.png)" in out.read_text()
