"""The layout every text-like format shares: a trace and its explanation as a list of blocks.

Renderers do no maths and pick nothing: the explanation says which keys and which terms of a
long dot product the steps show (:mod:`selfattention.explain.plan`); this module formats the
numbers for display and puts the explanation's words beside them; ``text``, ``markdown`` and
``html`` then write the same blocks in their own syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..explain import Explanation, QueryExplanation
from ..explain.numbers import fmt, fmt_factor, fmt_terms, fmt_vector
from ..explain.statements import DotProductTerms
from ..record.trace import AttentionTrace, QueryTrace

__all__ = ["Block", "Heading", "Lines", "Paragraph", "Picture", "Table", "build_document"]

#: the whole-matrix view is shown up to this many tokens
MAX_MATRIX = 12
#: the command line works out at most this many queries unless --queries picks them
MAX_QUERIES = 16


@dataclass(frozen=True)
class Heading:
    level: int  # 1 = document, 2 = query, 3 = step
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Lines:
    """Aligned rows of cells, e.g. ``q0·k0 (Acting) | = | 16×1 + 0×0 + 1×1 | = | 17``."""

    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Picture:
    """A figure: ``svg`` (bytes of an SVG) to embed, or ``link`` (a relative path or URL)
    to point to, or neither, with ``note`` saying why (e.g. matplotlib is missing)."""

    alt: str
    svg: bytes | None = None
    link: str | None = None
    note: str | None = None


Block = Heading | Paragraph | Lines | Table | Picture


def build_document(trace: AttentionTrace, explanation: Explanation, precision: int | None = None) -> list[Block]:
    p = explanation.precision if precision is None else precision
    labels = explanation.labels
    blocks: list[Block] = [Heading(1, explanation.title)]
    blocks += [Paragraph(line) for line in explanation.intro]
    blocks += _inputs(trace, p, labels)
    if len(trace.steps) < len(trace.tokens):  # say so when not every query is worked out
        blocks.append(Paragraph(labels["queries_shown"].format(shown=len(trace.steps), total=len(trace.tokens))))
    for step in trace.steps:
        words = explanation.for_query(step.index)
        blocks.append(Heading(2, words.heading))
        blocks += _query_steps(trace, step, words, p, labels)
        blocks.append(Heading(3, labels["meaning"]))
        blocks += [Paragraph(sentence) for sentence in words.meaning]
    if trace.is_complete and 0 < len(trace.tokens) <= MAX_MATRIX and len(trace.key_tokens) <= MAX_MATRIX:
        blocks += _matrix_view(trace, p, labels)
    elif trace.is_complete and trace.tokens:
        total = max(len(trace.tokens), len(trace.key_tokens))
        blocks.append(Paragraph(labels["matrix_omitted"].format(limit=MAX_MATRIX, total=total)))
    blocks.append(Paragraph(explanation.caveat))
    return blocks


def _inputs(trace: AttentionTrace, p: int, labels: dict[str, str]) -> list[Block]:
    """Q (traced rows), K and V, one row per token (a repeated token with its position)."""
    rows = []
    if trace.tokens == trace.key_tokens:
        for j, token in enumerate(trace.key_names[:MAX_MATRIX]):
            rows.append(
                (
                    token,
                    fmt_vector(trace.query[j], p),
                    fmt_vector(trace.key[j], p),
                    fmt_vector(trace.value[j], p),
                )
            )
    else:  # cross-attention: queries and keys label different sequences
        queries = zip(trace.query_names[:MAX_MATRIX], trace.query, strict=False)
        rows += [(t, fmt_vector(q, p), "", "") for t, q in queries]
        rows += [
            (t, "", fmt_vector(k, p), fmt_vector(v, p))
            for t, k, v in zip(trace.key_names[:MAX_MATRIX], trace.key, trace.value, strict=False)
        ]
    title = "Q, K, V"
    if len(trace.key_tokens) > MAX_MATRIX:
        title += f" ({labels['first_of'].format(shown=MAX_MATRIX, total=len(trace.key_tokens))})"
    return [Table(title, (labels["tokens"], "q", "k", "v"), tuple(rows))]


def _terms(step: QueryTrace, trace: AttentionTrace, terms: DotProductTerms, p: int, smaller: str) -> str:
    q, k = step.query, trace.key[terms.key]
    text = fmt_terms(((q[e], k[e]) for e in terms.dims), p)  # 0.23×(-0.34): a negative factor in parentheses
    if terms.rest:
        text += f" + … ({terms.rest} {smaller}: {fmt(terms.rest_sum, p)})"
    return text


def _query_steps(
    trace: AttentionTrace, step: QueryTrace, words: QueryExplanation, p: int, labels: dict[str, str]
) -> list[Block]:
    n = step.index  # positions count from 0 everywhere: q0 is the first token's query
    headings, keys = words.steps, words.keys
    names = trace.key_names  # "the@5": a repeated token is told apart by its position
    blocks: list[Block] = []
    note = []
    if len(keys) < len(names):
        note = [Paragraph(labels["keys_shown"].format(shown=len(keys), total=len(names)))]

    blocks.append(Heading(3, headings["dot_products"]))
    if words.terms and words.terms[0].rest:
        shown, rest = len(words.terms[0].dims), words.terms[0].rest
        blocks.append(Paragraph(labels["largest_terms"].format(d=shown + rest, n=shown, rest=rest)))
    blocks += note
    blocks.append(
        Lines(
            tuple(
                (
                    f"q{n}·k{terms.key} ({names[terms.key]})",
                    "=",
                    _terms(step, trace, terms, p, labels["smaller_terms"]),
                    "=",
                    fmt(step.dot_products[terms.key], p),
                )
                for terms in words.terms
            )
        )
    )
    blocks.append(Heading(3, headings["scale"]))
    blocks.append(
        Lines(
            tuple(
                (f"{fmt_factor(step.dot_products[j], p)} × {fmt(trace.scale, p)}", "=", fmt(step.scaled_scores[j], p))
                for j in keys
            )
        )
    )
    if not np.all(step.mask == 0):
        blocks.append(Heading(3, headings["mask"]))
        blocks.append(
            Lines(
                tuple(
                    (
                        f"{fmt(step.scaled_scores[j], p)} + ({fmt(step.mask[j], p)})",
                        "=",
                        fmt(step.masked_scores[j], p) + ("" if step.allowed[j] else f"  ({labels['blocked']})"),
                    )
                    for j in keys
                )
            )
        )
    blocks.append(Heading(3, headings["softmax"]))
    m = fmt(step.max_score, p)
    rows: list[tuple[str, ...]] = [
        (f"exp({fmt(step.masked_scores[j], p)} - {m})", "=", fmt(step.exponentials[j], p)) for j in keys
    ]
    rows.append((labels["sum"], "=", fmt(step.exp_sum, p)))
    if step.fully_masked:  # weights are 0 by definition here, not 0/0
        rows += [(f"{labels['weights']}[{names[j]}]", "=", "0") for j in keys]
    else:
        rows += [
            (
                f"{labels['weights']}[{names[j]}]",
                "=",
                f"{fmt(step.exponentials[j], p)} / {fmt(step.exp_sum, p)}",
                "=",
                fmt(step.weights[j], p),
            )
            for j in keys
        ]
    blocks.append(Lines(tuple(rows)))
    if step.fully_masked:
        blocks.append(Paragraph(labels["all_blocked"]))
    blocks.append(Heading(3, headings["weighted_sum"]))
    rows = [
        (f"{fmt(step.weights[j], p)} × {fmt_vector(trace.value[j], p)}", "=", fmt_vector(step.weighted_values[j], p))
        for j in keys
    ]
    rows.append((labels["output"], "=", fmt_vector(step.output, p)))
    blocks.append(Lines(tuple(rows)))
    return blocks


def _matrix_view(trace: AttentionTrace, p: int, labels: dict[str, str]) -> list[Block]:
    header = ("", *trace.key_names)

    def table(title: str, matrix: Any) -> Table:
        return Table(
            title,
            header,
            tuple((token, *(fmt(x, p) for x in row)) for token, row in zip(trace.query_names, matrix, strict=True)),
        )

    steps = trace.steps
    masked = trace.is_causal or any(bool(np.any(s.mask != 0)) for s in steps)
    scaled = "scaled" if masked else "scaled_no_mask"  # "plus the mask" only when there is one
    outputs = Table(
        labels["times_v"],
        ("", labels["output"]),
        tuple((trace.query_names[s.index], fmt_vector(s.output, p)) for s in steps),
    )
    return [
        Heading(2, labels["matrix_view"]),
        table(labels["scores"], [s.dot_products for s in steps]),
        table(f"{labels[scaled]} ({fmt(trace.scale, p)})", [s.masked_scores for s in steps]),
        table(labels["softmax"], [s.weights for s in steps]),
        outputs,
    ]
