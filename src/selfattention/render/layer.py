"""The layer's road as blocks: tokens -> embeddings -> + positional encoding -> Q, K, V ->
the chosen head step by step -> every head in brief -> concatenation -> W_O.

The same :data:`~selfattention.render.document.Block` types as the single-head document, so
``text``, ``markdown`` (and any renderer of blocks) write it. No maths here: every number
comes from the :class:`~selfattention.record.layer_trace.LayerTrace`, every word from the
:class:`~selfattention.explain.layer.LayerExplanation`. Long inputs are cut for display and
a note says so; the trace keeps everything.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..core.errors import MissingExtraError
from ..explain.layer import LayerExplanation
from ..explain.numbers import fmt
from ..record.labels import distinct
from ..record.layer_trace import LayerTrace
from .document import MAX_MATRIX, Block, Heading, Lines, Paragraph, Picture, Table, build_document
from .markdown import to_markdown
from .text import to_text

if TYPE_CHECKING:  # matplotlib is imported lazily, by render.plot
    from matplotlib.figure import Figure

__all__ = [
    "MAX_NUMBERS",
    "MAX_ROWS",
    "MAX_WEIGHT_MATRIX",
    "build_layer_document",
    "layer_heads_figure",
    "layer_html",
    "layer_markdown",
    "layer_text",
]

#: tables list at most this many tokens
MAX_ROWS = 16
#: vectors show at most this many numbers
MAX_NUMBERS = 16
#: the matrices W_Q, W_K, W_V, W_O are printed up to this d_model
MAX_WEIGHT_MATRIX = 8


def layer_text(trace: LayerTrace, explanation: LayerExplanation, *, picture: str | None = None, **_: Any) -> str:
    """The layer's road as text; ``picture`` is a relative link to a heads picture drawn
    with :func:`layer_heads_figure`, named where the heads are.

    >>> from selfattention.explain.layer import explain_layer
    >>> from selfattention.sources.pipeline import text_layer_trace
    >>> t = text_layer_trace("the cat sat", d_model=4)
    >>> layer_text(t, explain_layer(t)).splitlines()[0]
    'From words to contextual vectors: "the cat sat"'
    """
    return to_text(build_layer_document(trace, explanation, _linked(explanation, picture)))


def layer_markdown(trace: LayerTrace, explanation: LayerExplanation, *, picture: str | None = None, **_: Any) -> str:
    """The layer's road as Markdown; ``picture`` as for :func:`layer_text`, shown as an image."""
    return to_markdown(build_layer_document(trace, explanation, _linked(explanation, picture)))


def layer_html(trace: LayerTrace, explanation: LayerExplanation, **_: Any) -> str:
    """One offline page with every head's weights drawn inside."""
    from .html import to_html

    document = build_layer_document(trace, explanation, heads_picture(trace, explanation))
    return to_html(document, lang=explanation.lang, caveat=explanation.caveat)


def _linked(explanation: LayerExplanation, picture: str | None) -> Picture | None:
    return None if picture is None else Picture(alt=_alt(explanation), link=picture)


def heads_picture(trace: LayerTrace, explanation: LayerExplanation) -> Picture:
    """Every head's weights as one SVG to embed; without matplotlib, a note saying so."""
    try:
        from .plot import figure_bytes

        return Picture(alt=_alt(explanation), svg=figure_bytes(layer_heads_figure(trace, explanation), "svg"))
    except MissingExtraError:
        return Picture(alt=_alt(explanation), note=explanation.labels["plot_unavailable"])


def layer_heads_figure(trace: LayerTrace, explanation: LayerExplanation) -> Figure:
    """Every head's weights side by side (a grid of heatmaps sharing one scale); the
    expanded queries are outlined. Needs the ``plot`` extra."""
    from .plot import heads_grid

    names = distinct(trace.tokens)  # a repeated token with its position, "the@5"
    rows = [names[i] for i in trace.query_indices]  # the traced queries, in trace order
    outlined = [trace.query_indices.index(i) for i in explanation.queries]
    titles = [f"{explanation.labels['head']} {h}" for h in range(trace.num_heads)]
    return heads_grid(
        trace.weights,
        rows,
        distinct(trace.key_tokens),
        titles=titles,
        title=explanation.title,
        highlight_rows=outlined,
        lang=explanation.lang,
    )


def _alt(explanation: LayerExplanation) -> str:
    return f"{explanation.labels['heatmap']}: {explanation.title}"


def build_layer_document(
    trace: LayerTrace, explanation: LayerExplanation, picture: Picture | None = None
) -> list[Block]:
    """The blocks, in the order the data flows; ``picture`` (every head's weights) goes with
    the heads."""
    p = explanation.precision
    words, labels = explanation.sections, explanation.labels
    rows = range(min(len(trace.tokens), MAX_ROWS))
    cut = [Paragraph(explanation.shown(MAX_ROWS, len(trace.tokens), "tokens"))] if len(trace.tokens) > MAX_ROWS else []
    if trace.d_model > MAX_NUMBERS:
        cut.append(Paragraph(explanation.shown(MAX_NUMBERS, trace.d_model, "numbers")))

    def vector(values: Any, split: bool = False) -> str:
        return _vector(values, p, trace.d_head if split and trace.num_heads > 1 else None)

    def per_token(title: str, header: str, matrix: Any, split: bool = False) -> Table:
        return Table(
            title,
            (labels["position"], labels["tokens"], header),
            tuple((str(i), trace.tokens[i], vector(matrix[i], split)) for i in rows),
        )

    blocks: list[Block] = [Heading(1, explanation.title)]
    blocks += [Paragraph(line) for line in explanation.intro]
    blocks += cut

    # 1-4) tokens, embeddings, positional encoding, X
    if trace.embeddings is not None and trace.positional is not None:
        blocks.append(Heading(2, words["tokens"]))
        blocks.append(Lines(tuple((f"{i}", trace.tokens[i]) for i in rows)))
        blocks.append(Heading(2, words["embeddings"]))
        blocks.append(Paragraph(words["embeddings_note"]))
        blocks.append(per_token(labels["embedding"], labels["embedding"], trace.embeddings))
        blocks.append(Heading(2, words["positional"]))
        blocks.append(Paragraph(words["positional_note"]))
        blocks.append(per_token("PE", labels["positional_encoding"], trace.positional))
    blocks.append(Heading(2, words["input"]))
    blocks.append(Paragraph(words["input_note"]))
    blocks.append(per_token("X", labels["layer_input"] if trace.embeddings is not None else "X", trace.x))
    if trace.context is not None:
        context_rows = range(min(len(trace.key_tokens), MAX_ROWS))
        blocks.append(
            Table(
                words["context"],
                (labels["position"], labels["tokens"], "C"),
                tuple((str(j), trace.key_tokens[j], vector(trace.context[j])) for j in context_rows),
            )
        )

    # 5) projections and the split into heads
    blocks.append(Heading(2, words["projections"]))
    blocks.append(Paragraph(words["projections_note"]))
    for name, weight, bias in (
        ("W_Q", trace.w_q, trace.b_q),
        ("W_K", trace.w_k, trace.b_k),
        ("W_V", trace.w_v, trace.b_v),
    ):
        blocks += _weights(name, weight, bias, p, trace.d_model)
    blocks.append(per_token("Q", "Q = X W_Q + b_Q", trace.query, split=True))
    source = "C" if trace.is_cross else "X"
    key_rows = range(min(len(trace.key_tokens), MAX_ROWS))
    blocks.append(
        Table(
            "K, V",
            (labels["position"], labels["tokens"], f"K = {source} W_K + b_K", f"V = {source} W_V + b_V"),
            tuple(
                (str(j), trace.key_tokens[j], vector(trace.key[j], True), vector(trace.value[j], True))
                for j in key_rows
            ),
        )
    )

    # 6) the chosen head, step by step (the single-head document, its title made a section)
    head_trace = trace.head(explanation.head)
    shown_steps = tuple(head_trace.step(i) for i in explanation.queries)
    head_document = build_document(replace(head_trace, steps=shown_steps), explanation.head_explanation)
    blocks.append(Heading(2, words["attention"]))
    blocks += head_document[1:-1]  # its title became the heading above; its caveat comes at the end

    # 7) every head: where it looks from each expanded query, and its whole pattern when short
    blocks.append(Heading(2, words["heads"]))
    blocks.append(Paragraph(words["heads_note"]))
    if picture is not None:
        blocks.append(picture)
    for lines in explanation.head_summaries:
        blocks.append(Lines(tuple((line,) for line in lines)))
    complete = all(h.is_complete for h in trace.heads)
    if complete and len(trace.tokens) <= MAX_MATRIX and len(trace.key_tokens) <= MAX_MATRIX:
        for h, head in enumerate(trace.heads):
            blocks.append(
                Table(
                    f"{labels['head']} {h}: {labels['weights']}",
                    ("", *head.key_names),
                    tuple((head.query_names[s.index], *(fmt(w, p) for w in s.weights)) for s in head.steps),
                )
            )

    # 8) concatenation, 9) W_O
    blocks.append(Heading(2, words["concat"]))
    blocks.append(Paragraph(words["concat_note"]))
    blocks.append(per_token(labels["concat"], labels["concat"], trace.concat, split=True))
    blocks.append(Heading(2, words["output"]))
    blocks.append(Paragraph(words["output_note"]))
    blocks += _weights("W_O", trace.w_o, trace.b_o, p, trace.d_model)
    blocks.append(per_token(labels["layer_output"], labels["layer_output"], trace.output))
    blocks.append(Paragraph(explanation.caveat))
    return blocks


def _vector(values: Any, p: int, group: int | None) -> str:
    numbers = [fmt(x, p) for x in list(values)[:MAX_NUMBERS]]
    more = ", …" if len(values) > MAX_NUMBERS else ""
    if group is None:
        return "[" + ", ".join(numbers) + more + "]"
    chunks = [", ".join(numbers[i : i + group]) for i in range(0, len(numbers), group)]
    return "[" + " | ".join(chunks) + more + "]"


def _weights(name: str, weight: Any, bias: Any, p: int, d_model: int) -> list[Block]:
    """A weight matrix as a table when it is small, and its bias as one line."""
    blocks: list[Block] = []
    if d_model <= MAX_WEIGHT_MATRIX:
        blocks.append(
            Table(
                name,
                ("", *(str(c) for c in range(d_model))),  # rows and columns count from 0
                tuple((str(r), *(fmt(x, p) for x in row)) for r, row in enumerate(weight)),
            )
        )
    if bias is not None:
        blocks.append(Lines(((f"b_{name[2:]}", "=", _vector(bias, p, None)),)))
    return blocks
