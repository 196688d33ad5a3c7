"""Text into vectors without a model: a simple tokenizer and a deterministic *toy* embedding.

**Illustrative, not learned.** A real model learns one vector per token so that related
words get related vectors. Here each token's vector is drawn from a random generator seeded
by a hash (BLAKE2b) of the token's text and ``seed``: the same token always gets the same
vector, on every machine and every run, but the vectors carry no meaning. They exist so
that a sentence can travel the whole road (tokens -> embeddings -> + positional encoding ->
Q, K, V -> attention) with numbers one can check by hand; what the weights then say about
the sentence is an accident of the hash. For meaningful weights use a real model.

Tokenizing is equally simple: words (letters, digits and ``_``, with inner apostrophes kept,
so "didn't" is one token) and every other non-space character on its own ("." or ","). Case
is kept: "The" and "the" are different tokens, as in most real vocabularies.

>>> tokenize("The animal didn't cross the street.")
['The', 'animal', "didn't", 'cross', 'the', 'street', '.']
>>> e = toy_embedding(["it", "was", "it"], 4)
>>> e.shape, bool((e[0] == e[2]).all())
((3, 4), True)
"""

from __future__ import annotations

import hashlib
import operator
import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ..core.errors import InputError, ShapeError

__all__ = ["tokenize", "toy_embedding"]

#: a word with inner apostrophes ("didn't", "rock'n'roll"), or any single other visible character
_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Split text into words and punctuation (see the module docstring).

    >>> tokenize("  Hello, world!  ")
    ['Hello', ',', 'world', '!']
    """
    if not isinstance(text, str):
        raise InputError(
            f"text is {type(text).__name__}: expected a string", code="toy_text_not_a_string", kind=type(text).__name__
        )
    tokens = _TOKEN.findall(text)
    if not tokens:
        raise InputError(f"text {text!r} is empty: expected at least one word", code="toy_text_no_words", text=text)
    return tokens


def toy_embedding(tokens: Sequence[str], d_model: int, *, seed: int = 0) -> NDArray[np.float64]:
    """One (d_model,) vector per token, (len(tokens), d_model) in float64, entries drawn from
    a standard normal distribution seeded by BLAKE2b(seed, token). Deterministic everywhere;
    illustrative only (see the module docstring).

    >>> toy_embedding(["cat"], 3, seed=0).shape
    (1, 3)
    >>> bool((toy_embedding(["cat"], 3, seed=1) != toy_embedding(["cat"], 3, seed=0)).any())
    True
    """
    if isinstance(tokens, str):
        raise InputError(
            "tokens is one string: expected a list of tokens (see tokenize())", code="toy_tokens_one_string"
        )
    try:
        width = operator.index(d_model)
    except TypeError:
        raise ShapeError(
            f"d_model is {d_model!r}: expected an integer >= 1",
            code="toy_integer_too_small",
            name="d_model",
            value=d_model,
            minimum=1,
        ) from None
    if width < 1 or isinstance(d_model, bool):
        raise ShapeError(
            f"d_model is {d_model!r}: expected an integer >= 1",
            code="toy_integer_too_small",
            name="d_model",
            value=d_model,
            minimum=1,
        )
    vectors = np.empty((len(tokens), width), dtype=np.float64)  # (L, d_model)
    for i, token in enumerate(tokens):
        digest = hashlib.blake2b(f"{seed}\x00{token}".encode(), digest_size=16).digest()
        generator = np.random.default_rng(int.from_bytes(digest, "little"))
        vectors[i] = generator.standard_normal(width)
    return vectors
