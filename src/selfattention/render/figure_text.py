"""Text in figures: which fonts draw it, what to do with characters none can draw, and the
real text an SVG gets back.

Fonts: a CJK font is used first when one is installed (:data:`CJK_FONTS`), then DejaVu Sans,
which ships with matplotlib. A token label with a character no font has is shown as ``#n``
(its position) and other text has such characters replaced by "…"; the figure says so in a
note. An SVG keeps text as text, drawn by the browser with its own fonts, so
:func:`real_text` gives it the real labels back while it is written.

>>> printable("x" * 30)
'xxxxxxxxxxxxxxxxxxxxxxx…'
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from ..explain import get_language
from ..explain.base import Language

if TYPE_CHECKING:  # matplotlib is imported lazily, inside the functions
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "BASE_FONT",
    "CJK_FONTS",
    "MAX_LABEL_CHARS",
    "charset",
    "cjk_fonts",
    "drawable_labels",
    "drawable_text",
    "figure_language",
    "keep_tick_originals",
    "originals",
    "plain",
    "printable",
    "put_notes",
    "put_text",
    "real_text",
    "shorten",
    "style",
]

#: longer token labels are cut (with "…") so that the cells keep their room
MAX_LABEL_CHARS = 24
#: Korean (and other CJK) fonts tried first, in this order, when installed
CJK_FONTS = (
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "Source Han Sans KR",
    "NanumGothic",
    "NanumBarunGothic",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "AppleGothic",
    "UnDotum",
    "Baekmuk Gulim",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
BASE_FONT = "DejaVu Sans"  # ships with matplotlib


@contextmanager
def style() -> Iterator[None]:
    """Fonts (CJK first when installed), SVG text kept as text, reproducible SVG ids."""
    from matplotlib import rc_context

    with rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [*cjk_fonts(), BASE_FONT],
            "svg.fonttype": "none",
            "svg.hashsalt": "selfattention",
            "axes.titleweight": "bold",
        }
    ):
        yield


@cache
def cjk_fonts() -> tuple[str, ...]:
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return tuple(name for name in CJK_FONTS if name in installed)


@cache
def charset() -> frozenset[int]:
    """Every character some font of ours can draw."""
    from matplotlib import font_manager, ft2font

    files = {font.name: font.fname for font in font_manager.fontManager.ttflist}
    chars: set[int] = set()
    for name in (*cjk_fonts(), BASE_FONT):
        if name in files:
            chars.update(ft2font.FT2Font(files[name]).get_charmap())
    return frozenset(chars)


def drawable_labels(labels: Sequence[str]) -> tuple[list[str], bool]:
    """Labels as they can be drawn: one with a character no font has becomes ``#n``."""
    chars = charset()
    shown, replaced = [], False
    for i, raw in enumerate(labels):
        label = printable(raw)
        if all(ord(ch) in chars or ch.isspace() for ch in label):
            shown.append(label)
        else:
            shown.append(f"#{i}")  # its position, counted from 0
            replaced = True
    return shown, replaced


def figure_language(lang: str) -> Language:
    """The language of a figure's own words: ``lang``, or English when no installed font
    can draw its words (e.g. Korean without a CJK font); tokens keep their own handling."""
    language = get_language(lang)
    words = [language.labels[k] for k in ("query", "key", "weights", "plot_every_nth", "plot_glyphs_missing")]
    if all(not drawable_text(w)[1] for w in words):
        return language
    return get_language("en")


def put_text(fig: Figure, setter: Any, text: str, **kwargs: Any) -> bool:
    """Set a free text (title, axis title) as it can be drawn: runs of characters no
    installed font has become "…"; the SVG gets the original back. True if any was replaced."""
    shown, replaced = drawable_text(text)
    artist = setter(plain(shown), **kwargs)
    if replaced:
        originals(fig).append((artist, plain(text)))
    return replaced


def put_notes(fig: Figure, notes: list[str], glyphs_missing: bool, words: dict[str, str]) -> None:
    shown = [*notes, words["plot_glyphs_missing"]] if glyphs_missing else notes
    if not shown:
        return
    text = fig.supxlabel(plain("\n".join(shown)), fontsize=8, color="#555555", wrap=True)
    if glyphs_missing:  # the SVG draws every label, so it does not need the font note
        originals(fig).append((text, plain("\n".join(notes))))


def keep_tick_originals(fig: Figure, ax: Axes, rows: Sequence[str], cols: Sequence[str]) -> None:
    """Remember the real labels of ticks shown as #n, for the SVG."""
    for axis, labels in ((ax.yaxis, rows), (ax.xaxis, cols)):
        shown = [text.get_text() for text in axis.get_ticklabels()]
        real = [plain(printable(labels[int(t[1:]) - 1])) if t.startswith("#") and t[1:].isdigit() else t for t in shown]
        if real != shown:
            originals(fig).append((_TickLabels(axis), real))


class _TickLabels:
    """A tick axis seen as one text (its labels), so that SVG output can swap them too."""

    def __init__(self, axis: Any) -> None:
        self.axis = axis

    def get_text(self) -> list[str]:
        return [text.get_text() for text in self.axis.get_ticklabels()]

    def set_text(self, labels: Any) -> None:
        from matplotlib.ticker import FixedFormatter

        self.axis.set_major_formatter(FixedFormatter(list(labels)))


def originals(fig: Figure) -> list[tuple[Any, Any]]:
    found: list[tuple[Any, Any]] | None = getattr(fig, "_selfattention_originals", None)
    if found is None:
        found = []
        fig._selfattention_originals = found  # type: ignore[attr-defined]
    return found


def printable(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    """A token as one short line: control characters shown as escapes, long ones cut.

    >>> print(printable(chr(10).join(["two", "lines"])), printable("x" * 30))
    two\\nlines xxxxxxxxxxxxxxxxxxxxxxx…
    """
    text = "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in label)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def drawable_text(text: str) -> tuple[str, bool]:
    chars = charset()
    out, replaced = [], False
    for ch in text:
        if ord(ch) in chars or ch.isspace():
            out.append(ch)
        elif not out or out[-1] != "…":
            out.append("…")
            replaced = True
    return "".join(out), replaced


def shorten(title: str, limit: int = 90) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def plain(text: str) -> str:
    """Text that matplotlib must not read as mathtext ("$x$")."""
    return text.replace("$", r"\$")


@contextmanager
def real_text(fig: Figure, enabled: bool = True) -> Iterator[None]:
    """While saving an SVG: the real text of labels that were replaced for lack of a font.

    SVG keeps text as text, which the browser draws with its own fonts. matplotlib still
    measures it with its own and would warn about glyphs it lacks: those warnings are
    silenced here, since matplotlib does not draw this text.
    """
    swapped = [(artist, artist.get_text(), text) for artist, text in originals(fig)] if enabled else []
    try:
        for artist, _, original in swapped:
            artist.set_text(original)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
            yield
    finally:
        for artist, shown, _ in swapped:
            artist.set_text(shown)
