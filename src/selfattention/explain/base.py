"""What a language module provides: the words for every kind of statement, and its labels.

A language is one module in :mod:`selfattention.explain.languages` that defines
``LANGUAGE``, an instance of a :class:`Language` subclass. It never sees a trace: the plan
(:mod:`selfattention.explain.plan`) decides what to say, once for every language, as typed
statements (:mod:`selfattention.explain.statements`), and a language phrases each kind, one
method per kind, named after it (``Weights`` -> ``weights``). Numbers in sentences go through
:func:`selfattention.explain.numbers.fmt`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod

from .ring_statements import RingCheck, RingLayout, RingMerge, RingStep, RingTitle
from .statements import (
    AllBlocked,
    AttentionSink,
    CausalKeys,
    Caveat,
    CheckFinding,
    CheckPassed,
    Conclusion,
    Description,
    DotProductsStep,
    GivenTitle,
    HeadSummary,
    KVCacheStep,
    LayerSections,
    LayerSizes,
    LayerTokensTitle,
    MaskStep,
    ModelCheck,
    ModelTitle,
    Output,
    QueryHeading,
    RopeRotation,
    ScaleStep,
    SharedHeads,
    Shown,
    Sizes,
    SoftmaxStep,
    Spread,
    Statement,
    TokensTitle,
    ToyNote,
    WeightedSumStep,
    Weights,
)

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
    "scaled_no_mask",
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
    "heads_top",
    "heads_top_key",
    "heaviest_key",
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
    # exercises and the checker (selfattention exercise / check)
    "exercise_title",
    "exercise_intro",
    "exercise_causal",
    "exercise_mask",
    "exercise_asked",
    "exercise_step_dot_products",
    "exercise_step_scaled_scores",
    "exercise_step_weights",
    "exercise_step_output",
    "exercise_answers",
    "exercise_how_to_check",
    "exercise_name",
    "check_dot_products",
    "check_scaled_scores",
    "check_weights",
    "check_output",
    "check_right",
    "check_wrong",
    "check_not_given",
    "check_given",
    "check_expected",
)


class Language(ABC):
    """The words of one language. :meth:`say` phrases any statement by its kind's method."""

    code: str
    name: str
    labels: dict[str, str]

    def say(self, statement: Statement, precision: int) -> str:
        """One statement in this language, e.g. a :class:`~.statements.Weights` by :meth:`weights`."""
        method = re.sub(r"(?<!^)(?=[A-Z])", "_", type(statement).__name__).lower()
        return str(getattr(self, method)(statement, precision))

    # -- a trace: title and introduction ----------------------------------------------------
    @abstractmethod
    def tokens_title(self, s: TokensTitle, precision: int) -> str: ...

    def given_title(self, s: GivenTitle, precision: int) -> str:
        return s.text

    @abstractmethod
    def model_title(self, s: ModelTitle, precision: int) -> str: ...

    @abstractmethod
    def sizes(self, s: Sizes, precision: int) -> str: ...

    def description(self, s: Description, precision: int) -> str:
        return s.text

    @abstractmethod
    def model_check(self, s: ModelCheck, precision: int) -> str: ...

    @abstractmethod
    def caveat(self, s: Caveat, precision: int) -> str: ...

    # -- one query: its heading and its steps, numbered by the plan ---------------------------
    @abstractmethod
    def query_heading(self, s: QueryHeading, precision: int) -> str: ...

    @abstractmethod
    def dot_products_step(self, s: DotProductsStep, precision: int) -> str: ...

    @abstractmethod
    def scale_step(self, s: ScaleStep, precision: int) -> str: ...

    @abstractmethod
    def mask_step(self, s: MaskStep, precision: int) -> str: ...

    @abstractmethod
    def softmax_step(self, s: SoftmaxStep, precision: int) -> str: ...

    @abstractmethod
    def weighted_sum_step(self, s: WeightedSumStep, precision: int) -> str: ...

    # -- what the query's row means ------------------------------------------------------------
    @abstractmethod
    def all_blocked(self, s: AllBlocked, precision: int) -> str: ...

    @abstractmethod
    def weights(self, s: Weights, precision: int) -> str: ...

    @abstractmethod
    def output(self, s: Output, precision: int) -> str: ...

    @abstractmethod
    def conclusion(self, s: Conclusion, precision: int) -> str: ...

    @abstractmethod
    def spread(self, s: Spread, precision: int) -> str: ...

    # -- the layer: words -> embeddings -> X -> Q, K, V -> heads -> concat -> W_O ------------
    @abstractmethod
    def layer_tokens_title(self, s: LayerTokensTitle, precision: int) -> str: ...

    @abstractmethod
    def layer_sizes(self, s: LayerSizes, precision: int) -> str: ...

    @abstractmethod
    def toy_note(self, s: ToyNote, precision: int) -> str: ...

    @abstractmethod
    def layer_sections(self, s: LayerSections) -> dict[str, str]:
        """Headings and notes of the layer's stages, by key: "tokens", "embeddings",
        "embeddings_note", "positional", "positional_note", "input", "input_note", "context",
        "projections", "projections_note", "attention", "heads", "heads_note", "concat",
        "concat_note", "output", "output_note"."""

    @abstractmethod
    def head_summary(self, s: HeadSummary, precision: int) -> str: ...

    @abstractmethod
    def shown(self, s: Shown, precision: int) -> str: ...

    # -- exercises and the checker -------------------------------------------------------------
    @abstractmethod
    def exercise_scale(self, d_head: int, scale: float, root_of: int | None, precision: int) -> str:
        """The worksheet's line on d and the scale."""

    @abstractmethod
    def check_passed(self, s: CheckPassed, precision: int) -> str: ...

    @abstractmethod
    def check_finding(self, s: CheckFinding, precision: int) -> str: ...

    # -- ring attention over several ranks (selfattention ring) --------------------------------
    # Not abstract: a language that does not phrase the ring yet shows it in English.
    def ring_title(self, s: RingTitle, precision: int) -> str:
        return _english().ring_title(s, precision)

    def ring_layout(self, s: RingLayout, precision: int) -> str:
        return _english().ring_layout(s, precision)

    def ring_step(self, s: RingStep, precision: int) -> str:
        return _english().ring_step(s, precision)

    def ring_merge(self, s: RingMerge, precision: int) -> str:
        return _english().ring_merge(s, precision)

    def ring_check(self, s: RingCheck, precision: int) -> str:
        return _english().ring_check(s, precision)

    def ring_labels(self) -> dict[str, str]:
        """The ring report's labels: "rank", "positions", "compute_seconds", "wait_seconds",
        "bytes_sent", "bytes_received", "block_bytes", "steps", "per_rank", "merge",
        "figure_title", "step", "work", "more_steps" (a template with {count})."""
        return _english().ring_labels()

    # -- what decoders add (a real model's causal head) -------------------------------------
    @abstractmethod
    def causal_keys(self, s: CausalKeys, precision: int) -> str: ...

    @abstractmethod
    def rope_rotation(self, s: RopeRotation, precision: int) -> str: ...

    @abstractmethod
    def shared_heads(self, s: SharedHeads, precision: int) -> str: ...

    @abstractmethod
    def attention_sink(self, s: AttentionSink, precision: int) -> str: ...

    @abstractmethod
    def k_v_cache_step(self, s: KVCacheStep, precision: int) -> str: ...


def _english() -> Language:
    from .languages.en import LANGUAGE

    return LANGUAGE
