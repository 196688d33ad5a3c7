"""The tokenizer and the deterministic toy embedding."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest

import selfattention as sa
from selfattention.sources.embedding import tokenize, toy_embedding

SENTENCE = "The animal didn't cross the street because it was too tired"


def test_tokenize_words_and_punctuation():
    assert tokenize(SENTENCE) == [
        "The",
        "animal",
        "didn't",
        "cross",
        "the",
        "street",
        "because",
        "it",
        "was",
        "too",
        "tired",
    ]
    assert tokenize("Hi, you... (ok)?") == ["Hi", ",", "you", ".", ".", ".", "(", "ok", ")", "?"]
    assert tokenize("naïve 카페 rock'n'roll") == ["naïve", "카페", "rock'n'roll"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_refused(text):
    with pytest.raises(sa.InputError) as error:
        tokenize(text)
    assert str(error.value) == f"text {text!r} is empty: expected at least one word"


def test_embedding_is_a_hash_seeded_normal_draw():
    # independent reconstruction of the documented recipe: BLAKE2b(seed NUL token) seeds a normal draw
    digest = hashlib.blake2b(b"0\x00animal", digest_size=16).digest()
    expected = np.random.default_rng(int.from_bytes(digest, "little")).standard_normal(6)
    np.testing.assert_array_equal(toy_embedding(["animal"], 6)[0], expected)


def test_same_token_same_vector_and_other_tokens_differ():
    e = toy_embedding(["it", "was", "it", "It"], 8)
    assert (e[0] == e[2]).all()
    assert not np.allclose(e[0], e[1]) and not np.allclose(e[0], e[3])


def test_seed_changes_vectors():
    assert not np.allclose(toy_embedding(["it"], 8, seed=0), toy_embedding(["it"], 8, seed=1))


def test_deterministic_across_processes():
    code = "from selfattention.sources.embedding import toy_embedding; print(toy_embedding(['tired'], 4).tolist())"
    runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    assert len(runs) == 1
    assert runs.pop().strip() == str(toy_embedding(["tired"], 4).tolist())


@pytest.mark.parametrize(
    "args,error,message",
    [
        (("it", 4), sa.InputError, "tokens is one string: expected a list of tokens (see tokenize())"),
        ((["it"], 0), sa.ShapeError, "d_model is 0: expected an integer >= 1"),
        ((["it"], "8"), sa.ShapeError, "d_model is '8': expected an integer >= 1"),
    ],
)
def test_bad_arguments(args, error, message):
    with pytest.raises(error) as raised:
        toy_embedding(*args)
    assert str(raised.value) == message
