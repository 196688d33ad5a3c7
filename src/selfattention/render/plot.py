"""Heatmaps of attention weights (or any labelled matrix) with matplotlib: PNG and SVG.

The API takes plain arrays, so every source draws the same picture: a trace's (L, S)
weights, a (heads, L, S) stack, or a (layers, heads) table of scores. Each function returns
a :class:`matplotlib.figure.Figure` built without pyplot (no global state, no display
needed); :func:`figure_bytes` turns it into PNG or SVG bytes, and the surfaces write those
(:func:`selfattention.surfaces.files.save_figure`).

What a figure shows: the labels of both axes (rotated when long; every n-th label past
:data:`MAX_LABELS`), each cell's value when the cell is large enough to hold it (dark text
on light cells, white on dark), a colour bar, outlined rows for the traced queries, and
blocked cells in grey without a number. Heavier weights are darker (the ``Blues`` map).

Fonts: a CJK font is used first when one is installed (Korean tokens then draw as text).
Without one, a label whose characters no installed font can draw is shown as ``#n`` (its
position) and the figure says so, instead of drawing empty boxes; SVG files keep every
label as text, which the browser draws with its own fonts.

matplotlib is an optional extra: ``pip install 'selfattention[plot]'``.

>>> fig = heatmap([[0.9, 0.1], [0.3, 0.7]], ["a", "b"], ["a", "b"], highlight_rows=[1])
>>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
['a', 'b']
>>> len(figure_bytes(fig, "png")) > 1000
True
"""

from __future__ import annotations

import io as _io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..core.errors import InputError, MissingExtraError, ShapeError
from ..explain import get_language
from ..explain.plan import title_statement
from ..record.trace import AttentionTrace
from .figure_text import (
    drawable_labels,
    figure_language,
    keep_tick_originals,
    put_notes,
    put_text,
    real_text,
    shorten,
    style,
)
from .panel import (
    CMAP,
    MAX_LABELS,
    cell_inches,
    colour_scale,
    draw_panel,
    label_notes,
    label_points,
    label_rotation,
    text_inches,
)

if TYPE_CHECKING:  # matplotlib is imported lazily, inside the functions
    from matplotlib.figure import Figure

__all__ = [
    "MAX_LABELS",
    "PLOT_FORMATS",
    "figure_bytes",
    "heads_grid",
    "heatmap",
    "plot_format",
    "require_matplotlib",
    "trace_heatmap",
    "traces_grid",
]

#: the picture formats :func:`figure_bytes` writes, by extension
PLOT_FORMATS = ("png", "svg")
#: resolution of PNG files
DPI = 150

HINT = "pip install 'selfattention[plot]'"


def require_matplotlib() -> None:
    """Raise :class:`MissingExtraError` with the install hint if matplotlib is missing.

    >>> require_matplotlib()  # installed here: nothing happens
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingExtraError(
            f"pictures need matplotlib, which is not installed: {HINT}", code="plot_needs_matplotlib", hint=HINT
        ) from None


# -- public API ------------------------------------------------------------------------------


def heatmap(
    weights: ArrayLike,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    highlight_rows: Sequence[int] = (),
    title: str | None = None,
    subtitle: str | None = None,
    blocked: ArrayLike | None = None,
    row_title: str | None = None,
    col_title: str | None = None,
    value_label: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    precision: int | None = None,
    cmap: str = CMAP,
    lang: str = "en",
) -> Figure:
    """One labelled heatmap of a 2-D matrix (rows, cols).

    ``highlight_rows`` are row positions to outline (the traced queries); ``blocked`` is a
    boolean matrix of cells to grey out (masked keys); non-finite values are greyed out too.
    The colour scale is 0..1 when every value lies in [0, 1] (weights), else the data's
    range, unless ``vmin``/``vmax`` say otherwise. ``precision`` is the decimals written in
    cells (default: 4 for tiny matrices, 2 for larger ones). ``cmap`` is a matplotlib colour
    map name (``"Blues"``: heavier is darker; e.g. ``"RdBu_r"`` with ``vmin=-vmax`` for signed
    scores). ``lang`` picks the language of the figure's own notes.

    >>> fig = heatmap(np.eye(3), ["x", "y", "z"], ["x", "y", "z"], title="identity")
    >>> fig.axes[0].get_title(), len(fig.axes)  # the heatmap and its colour bar
    ('identity', 2)
    """
    matrix = _matrix(weights, "weights")  # (rows, cols)
    rows, cols = _labels(row_labels, matrix.shape[0], "row_labels"), _labels(col_labels, matrix.shape[1], "col_labels")
    grey = _blocked(blocked, matrix.shape)
    highlight = _rows(highlight_rows, matrix.shape[0])
    require_matplotlib()
    with style():
        from matplotlib.figure import Figure

        words = figure_language(lang).labels
        cell = cell_inches(max(matrix.shape), big=1.1, budget=min(10.0, max(7.5, 0.25 * max(matrix.shape))))
        rows_shown, rows_note = drawable_labels(rows)
        cols_shown, cols_note = drawable_labels(cols)
        label_pt = label_points(cell)
        left = text_inches(rows_shown, label_pt) + (0.35 if row_title else 0.1)
        bottom = text_inches(cols_shown, label_pt) * (0.75 if label_rotation(cols_shown, cell, label_pt) else 0.0)
        bottom += 0.3 + (0.3 if col_title else 0.0)
        # room for the labels, the cells, the colour bar and a bold 12 pt title
        title_inches = text_inches([shorten(title)], 12) * 1.15 if title else 0.0
        width = max(6.0, left + cell * matrix.shape[1] + 1.8, title_inches + 0.6)
        height = max(4.5, bottom + cell * matrix.shape[0] + (1.0 if title else 0.5))
        fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
        norm = colour_scale(matrix, vmin, vmax)
        image = draw_panel(ax, matrix, rows_shown, cols_shown, grey, highlight, cell, norm, precision, cmap)
        keep_tick_originals(fig, ax, rows, cols)
        bar = fig.colorbar(image, ax=ax, shrink=min(1.0, max(0.4, 3.0 / max(1.0, cell * matrix.shape[0]))))
        missing = rows_note or cols_note
        missing |= put_text(fig, bar.ax.set_ylabel, value_label if value_label is not None else words["weights"])
        if row_title:
            missing |= put_text(fig, ax.set_ylabel, row_title)
        if col_title:
            missing |= put_text(fig, ax.set_xlabel, col_title)
        if title:
            missing |= put_text(fig, ax.set_title, shorten(title), fontsize=12)
        put_notes(fig, [n for n in (subtitle, *label_notes(rows, cols, words)) if n], missing, words)
    return fig


def heads_grid(
    weights: ArrayLike,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    titles: Sequence[str] | None = None,
    title: str | None = None,
    highlight_rows: Sequence[int] = (),
    value_label: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    precision: int | None = None,
    cmap: str = CMAP,
    lang: str = "en",
) -> Figure:
    """A grid of small heatmaps, one per head, sharing one colour scale and one colour bar.

    ``weights`` is (heads, rows, cols); ``titles`` names each head (default "head 0", ... in ``lang``).

    >>> w = np.full((3, 2, 2), 0.5)
    >>> fig = heads_grid(w, ["a", "b"], ["a", "b"])
    >>> [ax.get_title() for ax in fig.axes[:3]]
    ['head 0', 'head 1', 'head 2']
    """
    stack = np.asarray(weights, dtype=float) if not isinstance(weights, np.ndarray) else weights.astype(float)
    if stack.ndim != 3 or 0 in stack.shape:
        raise ShapeError(
            f"weights has shape {stack.shape}: heads_grid expects a non-empty (heads, rows, cols) stack",
            code="plot_heads_grid_wrong_shape",
            shape=stack.shape,
        )
    heads = stack.shape[0]
    rows, cols = _labels(row_labels, stack.shape[1], "row_labels"), _labels(col_labels, stack.shape[2], "col_labels")
    names = None if titles is None else _labels(titles, heads, "titles")
    highlight = _rows(highlight_rows, stack.shape[1])
    require_matplotlib()
    with style():
        from matplotlib.figure import Figure

        words = figure_language(lang).labels
        if names is None:  # "head 0", "헤드 0", ... in the figure's language
            names = [f"{words['head']} {h}" for h in range(heads)]
        columns = min(4, math.ceil(math.sqrt(heads)))
        lines = math.ceil(heads / columns)
        cell = cell_inches(max(stack.shape[1:]), big=0.7, budget=min(4.0, max(3.2, 0.1 * max(stack.shape[1:]))))
        rows_shown, rows_note = drawable_labels(rows)
        cols_shown, cols_note = drawable_labels(cols)
        label_pt = label_points(cell)
        margin = text_inches(rows_shown, label_pt) + 0.3
        panel_w, panel_h = cell * stack.shape[2] + 0.3, cell * stack.shape[1] + 0.5
        bottom = text_inches(cols_shown, label_pt) * 0.75 + 0.4
        fig = Figure(
            figsize=(max(5.0, margin + columns * panel_w + 1.4), max(3.0, bottom + lines * panel_h + 0.8)),
            dpi=DPI,
            layout="constrained",
        )
        axes = fig.subplots(lines, columns, squeeze=False)
        norm = colour_scale(stack, vmin, vmax)
        image = None
        missing = rows_note or cols_note
        for h in range(lines * columns):
            ax = axes[h // columns][h % columns]
            if h >= heads:
                ax.set_axis_off()
                continue
            image = draw_panel(ax, stack[h], rows_shown, cols_shown, None, highlight, cell, norm, precision, cmap)
            keep_tick_originals(fig, ax, rows, cols)
            missing |= put_text(fig, ax.set_title, names[h], fontsize=10)
            if h % columns:
                ax.tick_params(labelleft=False)
            if h + columns < heads:
                ax.tick_params(labelbottom=False)
        assert image is not None
        bar = fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8)
        missing |= put_text(fig, bar.ax.set_ylabel, value_label if value_label is not None else words["weights"])
        if title:
            missing |= put_text(fig, fig.suptitle, shorten(title), fontsize=12, fontweight="bold")
        put_notes(fig, label_notes(rows, cols, words), missing, words)
    return fig


def trace_heatmap(
    trace: AttentionTrace,
    *,
    highlight: Sequence[int | str] = (),
    title: str | None = None,
    lang: str = "en",
    precision: int | None = None,
) -> Figure:
    """The heatmap of a trace's weights: rows are its traced queries, columns its keys.

    ``highlight`` outlines queries by position or token (e.g. trace the whole sequence and
    outline the queries a learner asked about). The title defaults to the trace's title in
    ``lang``; blocked keys (mask) are grey. A repeated token is labelled with its position
    ("the@5"), as in the text.

    >>> from selfattention import trace, seed_example
    >>> fig = trace_heatmap(trace(**seed_example().trace_kwargs()), highlight=["Machines"])
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['Acting', 'Machines']
    """
    get_language(lang)  # an unknown language is refused before anything is drawn
    if not trace.steps:
        raise InputError(
            "the trace has no traced queries: there is no weight row to draw", code="plot_trace_without_queries"
        )
    require_matplotlib()
    language = figure_language(lang)
    wanted = {trace.step(q).index for q in highlight}
    rows = [r for r, step in enumerate(trace.steps) if step.index in wanted]
    blocked = np.stack([~step.allowed for step in trace.steps])  # (traced, S)
    return heatmap(
        trace.weights,
        [trace.query_names[step.index] for step in trace.steps],
        list(trace.key_names),
        highlight_rows=rows,
        title=language.say(title_statement(trace), 4) if title is None else title,
        blocked=blocked if blocked.any() else None,
        row_title=language.labels["query"],
        col_title=language.labels["key"],
        precision=precision,
        lang=language.code,
    )


def traces_grid(
    traces: Sequence[AttentionTrace],
    *,
    titles: Sequence[str] | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Figure:
    """A grid of heads from several traces of the same tokens (e.g. one per head of a layer).

    >>> from selfattention import trace, seed_example
    >>> t = trace(**seed_example().trace_kwargs())
    >>> len(traces_grid([t, t]).axes)  # two heads and a colour bar
    3
    """
    if not traces:
        raise InputError("traces is empty: give one trace per head", code="plot_traces_empty")
    first = traces[0]
    for h, t in enumerate(traces):
        if t.key_tokens != first.key_tokens or t.query_indices != first.query_indices:
            raise InputError(
                f"trace {h} has other tokens or traced queries than trace 0: a grid compares heads of one sequence",
                code="plot_traces_differ",
                trace=h,
            )
    get_language(lang)
    require_matplotlib()
    language = figure_language(lang)
    return heads_grid(
        np.stack([t.weights for t in traces]),  # (heads, traced, S)
        [first.query_names[step.index] for step in first.steps],
        list(first.key_names),
        titles=titles,
        title=title,
        value_label=language.labels["weights"],
        lang=language.code,
    )


def figure_bytes(fig: Figure, format: str = "png") -> bytes:
    """The figure as PNG or SVG bytes (SVG keeps labels as ``<text>``; no dates inside).

    >>> figure_bytes(heatmap([[1.0]], ["a"], ["a"]), "svg")[:5]
    b'<?xml'
    """
    if format not in PLOT_FORMATS:
        choices = ", ".join(PLOT_FORMATS)
        raise InputError(
            f"picture format {format!r} is not supported: choose one of {choices}",
            code="picture_format_unknown",
            format=format,
            choices=choices,
        )
    buffer = _io.BytesIO()
    with style(), real_text(fig, enabled=format == "svg"):
        metadata: dict[str, Any] = {"Date": None} if format == "svg" else {"Software": None}
        fig.savefig(buffer, format=format, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def plot_format(path: str | Path) -> str:
    """The picture format a file name asks for ("png" or "svg"); any other is refused.

    >>> plot_format("h.PNG"), plot_format("out/heads.svg")
    ('png', 'svg')
    """
    p = Path(path)
    suffix = p.suffix.lower().lstrip(".")
    if suffix not in PLOT_FORMATS:
        raise InputError(
            f"plot file {str(p)!r} has {'extension .' + suffix if suffix else 'no extension'}:"
            " expected a name ending in .png or .svg",
            code="plot_extension_unknown" if suffix else "plot_extension_missing",
            path=str(p),
            extension=suffix,
        )
    return suffix


# -- checks of the arguments ------------------------------------------------------------------


def _matrix(weights: ArrayLike, name: str) -> NDArray[np.float64]:
    try:
        matrix = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            f"{name} is not a matrix of numbers: expected a 2-D array (rows, cols)", code="plot_not_a_matrix", name=name
        ) from None
    if matrix.ndim != 2 or 0 in matrix.shape:
        raise ShapeError(
            f"{name} has shape {matrix.shape}: expected a non-empty 2-D matrix (rows, cols)",
            code="plot_matrix_wrong_shape",
            name=name,
            shape=matrix.shape,
        )
    return matrix


def _labels(labels: Sequence[str], count: int, name: str) -> list[str]:
    if isinstance(labels, str):
        raise InputError(
            f"{name} is one string: expected a list of {count} labels",
            code="plot_labels_one_string",
            name=name,
            count=count,
        )
    result = [str(label) for label in labels]
    if len(result) != count:
        raise InputError(
            f"{name} has {len(result)} entries but the matrix has {count}: give one label each",
            code="plot_labels_count",
            name=name,
            given=len(result),
            count=count,
        )
    return result


def _blocked(blocked: ArrayLike | None, shape: tuple[int, ...]) -> NDArray[np.bool_] | None:
    if blocked is None:
        return None
    grey = np.asarray(blocked)
    if grey.dtype != np.bool_ or grey.shape != shape:
        raise ShapeError(
            f"blocked has shape {grey.shape} and dtype {grey.dtype}: expected booleans of shape {shape}",
            code="plot_blocked_wrong",
            shape=grey.shape,
            dtype=str(grey.dtype),
            expected=shape,
        )
    return grey


def _rows(highlight_rows: Sequence[int], count: int) -> list[int]:
    rows = []
    for r in highlight_rows:
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or not 0 <= int(r) < count:
            raise InputError(
                f"highlight_rows holds {r!r}: expected row positions 0 to {count - 1}",
                code="plot_highlight_out_of_range",
                value=r,
                last=count - 1,
            )
        rows.append(int(r))
    return rows
