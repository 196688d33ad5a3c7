"""Heatmaps looked at as a person would: pixels of the PNG, text of the SVG, refusals."""

from __future__ import annotations

import io
import sys
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import selfattention as sa
from reference_loop import loop_attention
from selfattention.render import figure_text, plot
from selfattention.surfaces.files import save_figure

PIL = pytest.importorskip("PIL.Image")
pytest.importorskip("matplotlib")

SVG = "{http://www.w3.org/2000/svg}"
EX = sa.seed_example()


def seed_trace() -> sa.AttentionTrace:
    return sa.trace(**EX.trace_kwargs())


def png_pixels(fig) -> np.ndarray:
    """The PNG as a person's eye gets it: (height, width, RGB) uint8."""
    data = plot.figure_bytes(fig, "png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(PIL.open(io.BytesIO(data)).convert("RGB"))


def cell_pixel(fig, ax, row: float, col: float) -> tuple[int, int]:
    """Pixel (y, x) of a data point of the heatmap, from the axes transform of the last draw."""
    x, y = ax.transData.transform((col, row))
    height = round(fig.get_figheight() * plot.DPI)
    return round(height - y), round(x)


def luminance(rgb) -> float:
    r, g, b = (float(c) / 255 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def saturation(rgb) -> float:
    top, low = max(rgb) / 255, min(rgb) / 255
    return 0.0 if top == 0 else (top - low) / top


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]


# -- pixels ----------------------------------------------------------------------------------


def test_seed_png_size_and_heavier_weights_are_darker_and_more_saturated():
    fig = plot.trace_heatmap(seed_trace())
    pixels = png_pixels(fig)
    # the image is the figure's size at the stated resolution, and large enough for a slide
    assert pixels.shape[:2] == (round(fig.get_figheight() * plot.DPI), round(fig.get_figwidth() * plot.DPI))
    assert pixels.shape[1] >= 800 and pixels.shape[0] >= 600
    ax = fig.axes[0]
    _, weights = loop_attention(EX.query, EX.key, EX.value)  # independent reference
    samples = []
    for r in range(2):
        for c in range(2):
            # sample above the centre, where the written value is not
            y, x = cell_pixel(fig, ax, r - 0.3, c)
            samples.append((weights[r, c], pixels[y, x]))
    samples.sort(key=lambda s: s[0])
    lum = [luminance(p) for _, p in samples]
    sat = [saturation(p) for _, p in samples]
    assert lum == sorted(lum, reverse=True), (samples, lum)  # heavier -> darker
    assert sat == sorted(sat), (samples, sat)  # heavier -> more saturated
    assert lum[0] - lum[-1] > 0.6  # 0.0001 almost white, 0.9999 deep blue


def test_value_text_contrasts_with_its_cell():
    fig = plot.trace_heatmap(seed_trace())
    texts = {t.get_text(): t for t in fig.axes[0].texts}
    assert {"0.9999", "0.0001", "0.7685", "0.2315"} <= set(texts)
    png_pixels(fig)  # draw
    assert luminance(PIL.new("RGB", (1, 1), texts["0.9999"].get_color()).getpixel((0, 0))) > 0.9  # white on dark
    assert luminance(PIL.new("RGB", (1, 1), texts["0.0001"].get_color()).getpixel((0, 0))) < 0.2  # dark on light


def test_highlighted_row_is_outlined_in_orange():
    fig = plot.trace_heatmap(seed_trace(), highlight=["Machines"])
    pixels = png_pixels(fig)
    ax = fig.axes[0]

    def orange_near(row_edge: float) -> bool:
        y, x = cell_pixel(fig, ax, row_edge, 0.0)
        patch = pixels[y - 3 : y + 4, x - 3 : x + 4].reshape(-1, 3).astype(int)
        return any(r > 200 and 60 < g < 130 and b < 60 for r, g, b in patch)

    assert orange_near(0.5) and orange_near(1.5)  # both edges of row 1 ("Machines")
    assert not orange_near(-0.5)  # the top edge of row 0 is not outlined
    bold = [t for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert [t.get_text() for t in bold] == ["Machines"]


# -- SVG ---------------------------------------------------------------------------------------


def test_svg_holds_token_labels_title_and_values_as_text():
    texts = svg_texts(plot.figure_bytes(plot.trace_heatmap(seed_trace()), "svg"))
    assert texts.count("Acting") == 2 and texts.count("Machines") == 2  # both axes
    assert EX.title in texts
    assert {"0.9999", "0.0001", "0.7685", "0.2315", "query", "key", "weights"} <= set(texts)


def test_korean_labels_never_crash_and_never_draw_empty_boxes():
    tokens = ["나는", "학교에", "간다"]
    x = np.eye(3)
    t = sa.trace(x, x, x, tokens=tokens)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "Glyph missing from font" warning would fail here
        fig = plot.trace_heatmap(t, lang="ko")
        png_pixels(fig)
        svg = plot.figure_bytes(fig, "svg")
    shown = [tick.get_text() for tick in fig.axes[0].get_xticklabels()]
    if figure_text.cjk_fonts():  # a Korean font is installed: the labels are drawn as they are
        assert shown == tokens
    else:  # none: positions instead of boxes, and the figure says why
        assert shown == ["#0", "#1", "#2"]  # positions count from 0
        assert any("fonts-noto-cjk" in t.get_text() for t in fig.texts)
    # the SVG keeps the real labels (the browser draws them) without the font note
    texts = svg_texts(svg)
    assert all(texts.count(token) == 2 for token in tokens)
    assert not any("fonts-noto-cjk" in text for text in texts)
    assert any("나는 학교에 간다" in text for text in texts)  # the title


def test_dollar_signs_are_text_not_mathtext():
    fig = plot.heatmap([[0.5, 0.5]], ["$x$"], ["$a$", "b"])
    assert "$a$" in svg_texts(plot.figure_bytes(fig, "svg"))


# -- sizes and grids ----------------------------------------------------------------------------


def test_long_sequences_label_every_nth_token_and_say_so(rng):
    n = 100
    x = rng.standard_normal((n, 4))
    t = sa.trace(x, x, x, tokens=[f"w{i}" for i in range(n)])
    fig = plot.trace_heatmap(t, highlight=[37])
    ax = fig.axes[0]
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    assert len(labels) <= plot.MAX_LABELS and labels[:2] == ["w0", "w3"]
    assert "w37" in [tick.get_text() for tick in ax.get_yticklabels()]  # the outlined row is named
    assert not ax.texts  # no numbers in cells this small
    assert any("100 tokens: a label every 3 tokens" in t.get_text() for t in fig.texts)
    assert png_pixels(fig).shape[1] < 2500  # still a sensible size


def test_heads_grid_shares_one_scale_with_one_panel_per_head(rng):
    w = rng.dirichlet(np.ones(5), size=(6, 5))  # (heads, L, S)
    fig = plot.heads_grid(w, list("abcde"), list("abcde"), title="layer 0")
    heads = [ax for ax in fig.axes if ax.get_title().startswith("head")]
    assert [ax.get_title() for ax in heads] == [f"head {h}" for h in range(6)]
    assert len({ax.images[0].norm.vmax for ax in heads}) == 1  # one colour scale
    pixels = png_pixels(fig)
    # the heaviest cell of the whole stack is darker than its lightest cell
    (h1, r1, c1), (h0, r0, c0) = np.unravel_index(w.argmax(), w.shape), np.unravel_index(w.argmin(), w.shape)
    dark = pixels[cell_pixel(fig, heads[h1], r1 - 0.35, c1)]
    light = pixels[cell_pixel(fig, heads[h0], r0 - 0.35, c0)]
    assert luminance(dark) < luminance(light) - 0.3


def test_traces_grid_from_traces():
    t = seed_trace()
    fig = plot.traces_grid([t, t], titles=["h0", "h1"])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["h0", "h1"]


def test_default_head_titles_follow_the_language():
    t = seed_trace()
    fig = plot.traces_grid([t, t], lang="ko")
    expected = "헤드" if figure_text.cjk_fonts() else "head"  # without a CJK font figures fall back to English
    assert [ax.get_title() for ax in fig.axes[:2]] == [f"{expected} 0", f"{expected} 1"]


def test_scores_table_uses_the_data_range():
    scores = np.array([[-2.0, 3.0], [0.5, 1.0]])  # e.g. (layers, heads) of some score
    fig = plot.heatmap(scores, ["L0", "L1"], ["H0", "H1"], value_label="score")
    norm = fig.axes[0].images[0].norm
    assert (norm.vmin, norm.vmax) == (-2.0, 3.0)


def test_cells_never_show_scientific_notation():
    """Issue #14: a tiny weight reads "≈0" as on the page, never 5e-03 or 1e-16; exactly 0 is "0"."""
    weights = np.array([[0.996, 0.004, 0.0], [1e-16, 0.9999999, 4e-3], [0.25, 0.25, 0.5]])
    for precision, expected in ((2, "≈0"), (4, "0.004")):
        fig = plot.heatmap(weights, list("abc"), list("xyz"), precision=precision)
        texts = [t.get_text() for t in fig.axes[0].texts]  # the Text artists drawn in the cells
        assert len(texts) == 9
        assert not any("e-" in t or "e+" in t for t in texts), texts
        assert texts[1] == expected and texts[2] == "0" and texts[3] == "≈0"
    # the seed's "Acting" row (0.0001 to "Machines") and a 20-key row drawn with 2 places
    x = np.random.default_rng(0).normal(size=(20, 4)) * 3
    fig = plot.trace_heatmap(sa.trace(x, x, x))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts and not any("e-0" in t or "e-1" in t for t in texts)


def test_blocked_cells_are_grey_without_a_number():
    x = np.eye(3)
    t = sa.trace(x, x, x, tokens=list("abc"), is_causal=True)
    fig = plot.trace_heatmap(t)
    pixels = png_pixels(fig)
    ax = fig.axes[0]
    grey = pixels[cell_pixel(fig, ax, 0, 2)]  # row a, key c: blocked by the causal mask
    assert abs(int(grey[0]) - int(grey[2])) < 6 and 190 < grey[0] < 235
    assert len(ax.texts) == 6  # the 6 allowed cells of a 3x3 lower triangle


# -- files and refusals ------------------------------------------------------------------------


def test_save_png_and_svg_atomically_without_overwriting(tmp_path):
    fig = plot.trace_heatmap(seed_trace())
    png = save_figure(fig, tmp_path / "h.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert save_figure(fig, tmp_path / "h.SVG").read_bytes().startswith(b"<?xml")
    before = png.read_bytes()
    with pytest.raises(sa.InputError, match="exists: pass --force to overwrite it"):
        save_figure(plot.heatmap([[1.0]], ["a"], ["a"]), png)
    assert png.read_bytes() == before
    save_figure(plot.heatmap([[1.0]], ["a"], ["a"]), png, force=True)
    assert png.read_bytes() != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.SVG", "h.png"]  # no temporary files left


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: plot.heatmap([1.0, 2.0], ["a"], ["a", "b"]), r"shape \(2,\): expected a non-empty 2-D matrix"),
        (lambda: plot.heatmap([[1.0, 2.0]], ["a"], ["a"]), "col_labels has 1 entries but the matrix has 2"),
        (lambda: plot.heatmap([[1.0]], "a", ["a"]), "row_labels is one string"),
        (lambda: plot.heatmap([[1.0]], ["a"], ["a"], highlight_rows=[3]), "highlight_rows holds 3: expected row"),
        (lambda: plot.heatmap([["x"]], ["a"], ["a"]), "weights is not a matrix of numbers"),
        (lambda: plot.heads_grid(np.ones((2, 2)), ["a", "b"], ["a", "b"]), r"heads_grid expects a non-empty \(heads"),
        (lambda: save_figure(None, "h.jpg"), r"has extension .jpg: expected a name ending in .png or .svg"),
        (lambda: save_figure(None, "h"), "'h' has no extension"),
        (lambda: plot.trace_heatmap(seed_trace(), highlight=["nope"]), "query 'nope' is not traced"),
        (lambda: plot.trace_heatmap(seed_trace(), lang="xx"), "unknown language 'xx'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(sa.SelfAttentionError, match=message):
        call()


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    with pytest.raises(sa.core.errors.MissingExtraError, match=r"pip install 'selfattention\[plot\]'") as info:
        plot.trace_heatmap(seed_trace())
    assert isinstance(info.value, ImportError) and isinstance(info.value, ValueError)


def test_importing_the_package_does_not_import_matplotlib():
    import subprocess

    code = (
        "import sys, selfattention, selfattention.surfaces.cli, selfattention.render.plot;"
        " print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_long_and_multiline_tokens_become_one_short_label():
    fig = plot.heatmap([[0.5, 0.5]], ["a"], ["x" * 40, "two\nlines"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["x" * 23 + "…", "two\\nlines"]


def test_signed_scores_with_a_diverging_map():
    scores = np.array([[-3.0, 0.0, 3.0]])
    fig = plot.heatmap(scores, ["q"], ["a", "b", "c"], cmap="RdBu_r", vmin=-3, vmax=3)
    pixels = png_pixels(fig)
    ax = fig.axes[0]
    low, mid, high = (pixels[cell_pixel(fig, ax, -0.35, c)] for c in range(3))
    assert low[2] > low[0] + 60 and high[0] > high[2] + 60  # blue below zero, red above
    assert luminance(mid) > 0.85  # zero is near white
    with pytest.raises(sa.InputError, match="cmap 'nope' is not a matplotlib colour map"):
        plot.heatmap(scores, ["q"], ["a", "b", "c"], cmap="nope")


def test_korean_figure_words_are_korean_with_a_font_and_english_without():
    fig = plot.trace_heatmap(seed_trace(), lang="ko")
    ax = fig.axes[0]
    if figure_text.cjk_fonts():
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("키", "쿼리")
    else:  # never a title of "…": the whole figure speaks English and says why
        assert ax.get_title() == EX.title and (ax.get_xlabel(), ax.get_ylabel()) == ("key", "query")
        assert "…" not in ax.get_title()
