"""One registry of output formats: which formats each kind of record supports, the function
that writes each, and the figure that pictures it.

Four kinds of record are rendered, each beside its own explanation:

================  =====================  ==================================  ==================
record            explanation            formats                             figure
================  =====================  ==================================  ==================
AttentionTrace    Explanation            text, markdown, json, html, csv     the weights
LayerTrace        LayerExplanation       text, markdown, json, html          every head
HeadsReport       HeadsExplanation       text, markdown, json                layers x heads
RingReport        RingExplanation        text, markdown, json                ranks x steps
Worksheet         ExerciseExplanation    text, markdown, html, json          none
CheckResult       CheckExplanation       text, json                          none
================  =====================  ==================================  ==================

Surfaces ask :func:`formats` what to offer, call :func:`render` for text and :func:`draw`
for a figure; they never name a renderer module.

>>> from selfattention.record.layer_trace import LayerTrace
>>> formats(LayerTrace)
('text', 'markdown', 'json', 'html')
>>> from selfattention import explain, trace, seed_example
>>> t = trace(**seed_example().trace_kwargs())
>>> render(t, explain(t), "csv").splitlines()[0]
'query \\\\ key,Acting,Machines'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.errors import InputError
from ..explain import Explanation
from ..explain.checker import CheckResult
from ..explain.exercise import CheckExplanation, ExerciseExplanation
from ..explain.heads import HeadsExplanation
from ..explain.layer import LayerExplanation
from ..explain.ring import RingExplanation
from ..record.layer_trace import LayerTrace
from ..record.ring import RingReport
from ..record.trace import AttentionTrace
from ..sources.exercises import Worksheet
from ..sources.models.heads import HeadsReport
from .exercise import check_json, check_text, exercise_html, exercise_json, exercise_markdown, exercise_text
from .heads import heads_figure, heads_json, heads_markdown, heads_text
from .layer import layer_heads_figure, layer_html, layer_markdown, layer_text
from .pictures import heatmap_figure
from .ring import ring_figure, ring_json, ring_markdown, ring_text
from .trace import record_json, trace_csv, trace_html, trace_markdown, trace_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DATA_FORMATS", "KINDS", "Kind", "draw", "formats", "render"]

#: formats that hold every number (a program reads them); the others are documents for people
DATA_FORMATS = ("json", "csv")


@dataclass(frozen=True)
class Kind:
    """A kind of record: its explanation's type, a writer per format (``writer(record,
    explanation, *, picture=, overview=)`` returns the text) and its figure
    (``figure(record, explanation, overview)``)."""

    record: type
    explanation: type
    writers: Mapping[str, Callable[..., str]]
    figure: Callable[[Any, Any, Any], Figure]

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(self.writers)


def _layer_figure(trace: LayerTrace, explanation: LayerExplanation, overview: object) -> Figure:
    return layer_heads_figure(trace, explanation)  # every head: the whole matrix already


def _heads_figure(report: HeadsReport, explanation: HeadsExplanation, overview: object) -> Figure:
    return heads_figure(report, explanation)  # every head of every layer already


def _ring_figure(report: RingReport, explanation: RingExplanation, overview: object) -> Figure:
    return ring_figure(report, explanation)


def _no_figure(record: object, explanation: object, overview: object) -> Figure:
    kind = type(record).__name__
    raise InputError(f"a {kind} has no picture: its numbers are the point", code="record_has_no_picture", kind=kind)


KINDS = (
    Kind(
        AttentionTrace,
        Explanation,
        {"text": trace_text, "markdown": trace_markdown, "json": record_json, "html": trace_html, "csv": trace_csv},
        heatmap_figure,
    ),
    Kind(
        LayerTrace,
        LayerExplanation,
        {"text": layer_text, "markdown": layer_markdown, "json": record_json, "html": layer_html},
        _layer_figure,
    ),
    Kind(
        HeadsReport,
        HeadsExplanation,
        {"text": heads_text, "markdown": heads_markdown, "json": heads_json},
        _heads_figure,
    ),
    Kind(RingReport, RingExplanation, {"text": ring_text, "markdown": ring_markdown, "json": ring_json}, _ring_figure),
    Kind(
        Worksheet,
        ExerciseExplanation,
        {"text": exercise_text, "markdown": exercise_markdown, "html": exercise_html, "json": exercise_json},
        _no_figure,
    ),
    Kind(CheckResult, CheckExplanation, {"text": check_text, "json": check_json}, _no_figure),
)


def kind_of(record: object) -> Kind:
    """The registry's entry for a record or a record type."""
    cls = record if isinstance(record, type) else type(record)
    for kind in KINDS:
        if issubclass(cls, kind.record):
            return kind
    names = ", ".join(kind.record.__name__ for kind in KINDS)
    raise InputError(
        f"cannot render a record of type {cls.__name__}: expected one of {names}",
        code="record_type_unknown",
        kind=cls.__name__,
        names=names,
    )


def formats(record: object) -> tuple[str, ...]:
    """The formats a record (or a record type) can be written in, the first the default.

    >>> formats(AttentionTrace)
    ('text', 'markdown', 'json', 'html', 'csv')
    """
    return kind_of(record).formats


def render(
    record: AttentionTrace | LayerTrace | HeadsReport | RingReport | Worksheet | CheckResult,
    explanation: Explanation
    | LayerExplanation
    | HeadsExplanation
    | RingExplanation
    | ExerciseExplanation
    | CheckExplanation,
    format: str = "text",
    *,
    picture: str | None = None,
    overview: AttentionTrace | None = None,
) -> str:
    """Write ``record`` beside its ``explanation`` in ``format`` (one of :func:`formats`).

    json is the record itself, csv a trace's weights, html one offline page with its
    picture inside. ``picture`` is a relative link to a figure file (drawn by :func:`draw`)
    that the documents show; ``overview`` is a complete trace of the same input whose
    heatmap an AttentionTrace's html page draws, outlining the record's queries. Formats
    that have no use for them ignore both.
    """
    kind = _checked(record, explanation)
    writer = kind.writers.get(format)
    if writer is None:
        choices = ", ".join(kind.formats)
        raise InputError(
            f"unknown format {format!r}: choose one of {choices}", code="unknown_format", format=format, choices=choices
        )
    return writer(record, explanation, picture=picture, overview=overview)


def draw(
    record: AttentionTrace | LayerTrace | HeadsReport | RingReport,
    explanation: Explanation | LayerExplanation | HeadsExplanation | RingExplanation,
    *,
    overview: AttentionTrace | None = None,
) -> Figure:
    """The record's figure in the explanation's language (matplotlib: the ``plot`` extra).
    With ``overview`` an AttentionTrace's heatmap shows the whole matrix, its queries outlined."""
    kind = _checked(record, explanation)
    return kind.figure(record, explanation, overview)


def _checked(record: object, explanation: object) -> Kind:
    kind = kind_of(record)
    if not isinstance(explanation, kind.explanation):
        given, record_type, expected = type(explanation).__name__, kind.record.__name__, kind.explanation.__name__
        raise InputError(
            f"the explanation is of type {given}: a {record_type} is rendered beside one of type {expected}",
            code="explanation_type_mismatch",
            given=given,
            record=record_type,
            expected=expected,
        )
    return kind
