"""What a language module provides: every word that a trace's explanation shows.

A language is one module in :mod:`selfattention.explain.languages` that defines
``LANGUAGE``, an instance of a :class:`Language` subclass. It turns facts (never raw maths)
into sentences; numbers in sentences go through :func:`selfattention.display.fmt`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from ..layer_trace import LayerTrace
from ..trace import AttentionTrace, QueryTrace
from .facts import QueryFacts

__all__ = ["LABELS", "Language"]

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
    # real models (selfattention.models): long dot products, the title and check of a model head
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
    def step_headings(
        self, trace: AttentionTrace, step: QueryTrace, precision: int
    ) -> dict[str, str]:
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
