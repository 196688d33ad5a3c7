"""One heatmap panel on matplotlib axes, and the sizes that lay it out.

:func:`draw_panel` paints a (rows, cols) matrix into an ``Axes``: cells coloured on one
scale, blocked and non-finite cells grey without a number, each cell's value when it fits
(dark on light cells, white on dark), row and column labels (every n-th past
:data:`MAX_LABELS`, rotated when long), and the traced queries outlined. The other functions
size things in inches and points so that a figure grows with its labels, not the other way.
:mod:`selfattention.render.plot` builds whole figures from these panels.

>>> cell_inches(3, big=1.1, budget=7.5), label_stride(100)
(1.1, 3)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..core.errors import InputError
from ..explain.numbers import fmt_cell
from .figure_text import plain

if TYPE_CHECKING:  # matplotlib is imported lazily, inside the functions
    from matplotlib.axes import Axes

__all__ = [
    "BLOCKED",
    "CMAP",
    "HIGHLIGHT",
    "MAX_LABELS",
    "cell_inches",
    "colour_scale",
    "draw_panel",
    "label_notes",
    "label_points",
    "label_rotation",
    "label_stride",
    "text_inches",
    "text_width",
    "write_values",
]

#: past this many rows or columns only every n-th label is written
MAX_LABELS = 40
CMAP = "Blues"
HIGHLIGHT = "#e8590c"  # orange: stands out against every shade of blue
BLOCKED = "#d9d9d9"


def draw_panel(
    ax: Axes,
    matrix: NDArray[np.float64],  # (rows, cols)
    rows: list[str],
    cols: list[str],
    blocked: NDArray[np.bool_] | None,
    highlight: list[int],
    cell: float,
    norm: Any,
    precision: int | None,
    cmap_name: str,
) -> Any:
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    n_rows, n_cols = matrix.shape
    hidden = ~np.isfinite(matrix) if blocked is None else (blocked | ~np.isfinite(matrix))
    if cmap_name not in colormaps:
        raise InputError(
            f"cmap {cmap_name!r} is not a matplotlib colour map: try {CMAP!r}, 'viridis' or 'RdBu_r'",
            code="cmap_unknown",
            cmap=cmap_name,
            default=CMAP,
        )
    cmap = colormaps[cmap_name].with_extremes(bad=BLOCKED)
    image = ax.imshow(np.ma.masked_array(matrix, hidden), cmap=cmap, norm=norm, aspect="equal", interpolation="nearest")
    label_pt = label_points(cell)
    row_step, col_step = label_stride(n_rows), label_stride(n_cols)
    # every row_step-th row is labelled, and every highlighted row (its neighbours make room)
    near = {r + d for r in highlight for d in range(-row_step + 1, row_step)}
    row_ticks = sorted({*(r for r in range(0, n_rows, row_step) if r not in near), *highlight})
    ax.set_yticks(row_ticks, [plain(rows[r]) for r in row_ticks], fontsize=label_pt)
    ax.set_xticks(range(0, n_cols, col_step), [plain(cols[c]) for c in range(0, n_cols, col_step)], fontsize=label_pt)
    rotation = label_rotation([cols[c] for c in range(0, n_cols, col_step)], cell * col_step, label_pt)
    if rotation:
        for text in ax.get_xticklabels():
            text.set(rotation=rotation, ha="right", rotation_mode="anchor")
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    # thin white lines between cells, when cells are large enough to see them
    if cell >= 0.2:
        ax.set_xticks(np.arange(-0.5, n_cols, 1.0), minor=True)
        ax.set_yticks(np.arange(-0.5, n_rows, 1.0), minor=True)
        ax.grid(which="minor", color="white", linewidth=1.0)
        ax.tick_params(which="minor", length=0)
    write_values(ax, matrix, hidden, cell, norm, cmap, precision)
    for r in highlight:
        ax.add_patch(
            Rectangle(
                (-0.5, r - 0.5),
                n_cols,
                1.0,
                fill=False,
                edgecolor=HIGHLIGHT,
                linewidth=2.5 if cell >= 0.2 else 1.5,
                clip_on=False,
                zorder=5,
            )
        )
        ax.get_yticklabels()[row_ticks.index(r)].set(color=HIGHLIGHT, fontweight="bold")
    return image


def write_values(
    ax: Axes,
    matrix: NDArray[np.float64],
    hidden: NDArray[np.bool_],
    cell: float,
    norm: Any,
    cmap: Any,
    precision: int | None,
) -> None:
    """Each cell's number, if it fits: dark on light cells, white on dark ones; never in
    scientific notation (a tiny weight is "≈0", as on the page)."""
    n = max(matrix.shape)
    p = precision if precision is not None else (4 if n <= 3 else 3 if n <= 6 else 2)
    texts = np.array([[fmt_cell(x, p) for x in row] for row in matrix.tolist()], dtype=object)
    longest = max((len(t) for t, h in zip(texts.ravel(), hidden.ravel(), strict=True) if not h), default=1)
    # a digit is about 0.6 em wide; keep the text within 85% of the cell and under half its height
    points = min(12.0, 0.85 * cell * 72 / (0.62 * longest), 0.45 * cell * 72)
    if points < 5.5:
        return
    for (r, c), text in np.ndenumerate(texts):
        if hidden[r, c]:
            continue
        red, green, blue, _ = cmap(norm(matrix[r, c]))
        luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
        ax.text(c, r, text, ha="center", va="center", fontsize=points, color="white" if luminance < 0.5 else "#1a1a1a")


def label_notes(rows: Sequence[str], cols: Sequence[str], words: dict[str, str]) -> list[str]:
    total = max(len(rows), len(cols))
    if total > MAX_LABELS:
        return [words["plot_every_nth"].format(total=total, step=label_stride(total))]
    return []


def colour_scale(values: NDArray[np.float64], vmin: float | None, vmax: float | None) -> Any:
    from matplotlib.colors import Normalize

    finite = values[np.isfinite(values)]
    if finite.size and finite.min() >= 0.0 and finite.max() <= 1.0:
        low, high = 0.0, 1.0  # weights: one scale for every figure
    else:
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    low = low if vmin is None else vmin
    high = high if vmax is None else vmax
    if high <= low:
        high = low + 1.0
    return Normalize(low, high)


def label_stride(count: int) -> int:
    return max(1, math.ceil(count / MAX_LABELS))


def cell_inches(count: int, *, big: float, budget: float) -> float:
    """The side of one cell: ``big`` for a few tokens, else the ``budget`` shared by all."""
    return float(min(big, budget / max(count, 1)))


def label_points(cell: float) -> float:
    return float(min(12.0, max(6.0, cell * 72 * 0.45)))


def text_inches(labels: Sequence[str], points: float) -> float:
    longest = max((text_width(label) for label in labels), default=1)
    return float(min(3.0, longest * 0.6 * points / 72))


def text_width(text: str) -> int:
    return sum(2 if ord(ch) >= 0x1100 else 1 for ch in text)  # wide characters take two


def label_rotation(labels: Sequence[str], cell: float, points: float) -> int:
    if text_inches(labels, points) <= cell * 0.95:
        return 0
    return 90 if len(labels) > 20 else 45
