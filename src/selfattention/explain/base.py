"""What a language module provides: every word that a trace's explanation shows.

A language is one module in :mod:`selfattention.explain.languages` that defines
``LANGUAGE``, an instance of a :class:`Language` subclass. It turns facts (never raw maths)
into sentences; numbers in sentences go through :func:`selfattention.explain.numbers.fmt`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from ..record.layer_trace import LayerTrace
from ..record.trace import AttentionTrace, QueryTrace
from .facts import QueryFacts

__all__ = ["LABELS", "MAX_TITLE_TOKENS", "Language", "LayerNumbers", "layer_numbers", "title_text"]

#: a title quotes at most this many tokens of the sequence
MAX_TITLE_TOKENS = 12


@dataclass(frozen=True)
class LayerNumbers:
    """The numbers every language's layer walk-through quotes, worked out once."""

    input_step: int  # the number of the "layer input X" section (4 after tokens, embeddings, PE)
    first_column: int  # the head's first column of Q, K, V, counted from 1
    last_column: int
    kv_symbol: str  # "X" for self-attention, "C" when keys and values come from a context


def layer_numbers(trace: LayerTrace, head: int) -> LayerNumbers:
    """>>> from selfattention.sources.pipeline import text_layer_trace
    >>> layer_numbers(text_layer_trace("a b", d_model=4, num_heads=2, seed=0), head=1)
    LayerNumbers(input_step=4, first_column=3, last_column=4, kv_symbol='X')
    """
    return LayerNumbers(
        input_step=4 if trace.embeddings is not None else 1,
        first_column=head * trace.d_head + 1,
        last_column=(head + 1) * trace.d_head,
        kv_symbol="C" if trace.is_cross else "X",
    )


def title_text(tokens: tuple[str, ...] | list[str]) -> str:
    """The tokens a title quotes: all of a short sequence, the first few of a long one.

    >>> title_text(["Acting", "Machines"]), title_text([f"w{i}" for i in range(40)])[-14:]
    ('Acting Machines', 'w10 w11 … (40)')
    """
    if len(tokens) <= MAX_TITLE_TOKENS:
        return " ".join(tokens)
    return " ".join(tokens[:MAX_TITLE_TOKENS]) + f" … ({len(tokens)})"


#: the short labels every language defines (renderers look them up by these keys)
LABELS = (
    "query",
    "key",
    "value",
    "tokens",
    "sum",
    "weights",
    "output",
    "blocked",
    "meaning",
    "matrix_view",
    "scores",
    "scaled",
    "softmax",
    "times_v",
    "max",
    "not_traced",
    "all_blocked",
    # pictures and reports (render/plot.py, render/html.py); {names} are filled in by str.format
    "heatmap",
    "plot_every_nth",
    "plot_glyphs_missing",
    "plot_unavailable",
    # caps on what is printed: str.format templates with {shown}, {total} or {limit}
    "queries_shown",
    "keys_shown",
    "matrix_omitted",
    "first_of",
    # real models (selfattention.sources.models): long dot products, the title and check of a model head
    "largest_terms",
    "smaller_terms",
    "model_title",
    "model_check",
    # the heads command: every layer x head at once
    "heads_title",
    "heads_key_title",
    "heads_check",
    "heads_sink_note",
    "layer",
    "head",
    "rank",
    "top_keys",
    "sink",
    # the layer (selfattention explain --text): table headers
    "position",
    "embedding",
    "positional_encoding",
    "layer_input",
    "concat",
    "layer_output",
)


class Language(ABC):
    code: str
    name: str
    labels: dict[str, str]

    @abstractmethod
    def title(self, trace: AttentionTrace) -> str: ...

    @abstractmethod
    def intro(self, trace: AttentionTrace, precision: int) -> list[str]: ...

    @abstractmethod
    def query_heading(self, trace: AttentionTrace, step: QueryTrace) -> str: ...

    @abstractmethod
    def step_headings(self, trace: AttentionTrace, step: QueryTrace, precision: int) -> dict[str, str]:
        """Headings for the steps "dot_products", "scale", "mask", "softmax",
        "weighted_sum" (numbered as the seed numbers them)."""

    @abstractmethod
    def meaning(self, trace: AttentionTrace, facts: QueryFacts, precision: int) -> list[str]: ...

    @abstractmethod
    def caveat(self) -> str: ...

    # -- the layer: words -> embeddings -> X -> Q, K, V -> heads -> concat -> W_O ------------
    @abstractmethod
    def layer_title(self, trace: LayerTrace) -> str: ...

    @abstractmethod
    def layer_intro(self, trace: LayerTrace, precision: int) -> list[str]:
        """Sizes (tokens, d_model, heads, d_head), causal or not, and where X came from."""

    @abstractmethod
    def layer_sections(self, trace: LayerTrace, head: int, precision: int) -> dict[str, str]:
        """Headings and notes of the layer's stages, by key: "tokens", "embeddings",
        "embeddings_note", "positional", "positional_note", "input", "input_note", "context",
        "projections", "projections_note", "attention", "heads", "heads_note", "concat",
        "concat_note", "output", "output_note" (numbered in the order the data flows)."""

    @abstractmethod
    def layer_head_summary(self, trace: LayerTrace, head: int, facts: QueryFacts, precision: int) -> str:
        """One line: where one head looks from one query (its heaviest keys)."""

    @abstractmethod
    def layer_shown(self, shown: int, total: int, what: str) -> str:
        """A note that a long input is cut for display; ``what`` is "tokens" or "numbers"."""

    @abstractmethod
    def layer_caveat(self, trace: LayerTrace) -> str:
        """What the numbers do not mean (toy embeddings, random weights)."""
