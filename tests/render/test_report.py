"""The HTML report, the CSV export, Markdown with a picture and the CLI's --plot, checked as
a reader gets them: parsed HTML, a real headless browser at phone size, parsed CSV."""

from __future__ import annotations

import base64
import csv
import io
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pytest
from click.testing import CliRunner

import selfattention as sa
from reference_loop import loop_attention
from selfattention.explain.numbers import fmt
from selfattention.render.html import html_report
from selfattention.surfaces.cli import main

EX = sa.seed_example()
SEED_FIGURES = ("0.9999", "0.7685", "1.0002", "2.9998", "1.463", "2.537")
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "poster", "data", "xlink:href", "formaction", "background"}


class Page(HTMLParser):
    """What a browser would fetch and show: URL attributes, visible text, styles, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.urls += [v or "" for k, v in attrs if k in URL_ATTRIBUTES]
        if tag not in ("meta", "img", "br", "link"):
            self._in.append(tag)

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        (self.styles if "style" in self._in else self.text).append(data)

    @property
    def visible(self) -> str:
        return " ".join(t.strip() for t in self.text if t.strip())


def parse(page: str) -> Page:
    p = Page()
    p.feed(page)
    p.close()
    return p


def seed_trace() -> sa.AttentionTrace:
    return sa.trace(**EX.trace_kwargs())


def run(*args: str, **kwargs):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **kwargs)


def assert_offline(p: Page) -> None:
    for url in p.urls:
        assert url.startswith(("data:", "#")), f"the page would load {url[:60]!r}"
    style = "".join(p.styles)
    assert "@import" not in style and "url(" not in style
    assert not [t for t, a in p.tags if t in ("script", "link", "iframe", "object", "embed")]


# -- HTML --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_html_report_is_offline_with_every_step_the_matrices_and_the_picture(lang):
    t = seed_trace()
    e = sa.explain(t, lang=lang)
    page = sa.render(t, e, "html")
    p = parse(page)
    assert_offline(p)
    assert page.startswith("<!doctype html>") and f'<html lang="{lang}">' in page
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in p.tags
    text = p.visible
    for figure in SEED_FIGURES:
        assert figure in text, figure
    for q in e.queries:  # every step of every query, and its meaning
        assert q.heading in text
        for step in ("dot_products", "scale", "softmax", "weighted_sum"):  # the mask step needs a mask
            assert q.steps[step] in text
        for sentence in q.meaning:
            assert sentence in text
    assert "16×1 + 0×0 + 1×1" in text and "2.078×1 + 0×0 + 1×1" in text  # the equation rows
    assert e.labels["matrix_view"] in text and e.caveat in text
    # the picture: one inline SVG whose labels are the tokens
    images = [a for tag, a in p.tags if tag == "img"]
    assert len(images) == 1 and images[0]["alt"].startswith(e.labels["heatmap"])
    svg = base64.b64decode(images[0]["src"].removeprefix("data:image/svg+xml;base64,"))
    labels = ["".join(x.itertext()) for x in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert labels.count("Acting") == 2 and labels.count("Machines") == 2 and "0.7685" in labels


def test_html_shows_the_mask_step_of_a_causal_trace():
    x = np.eye(3)
    t = sa.trace(x, x, x, tokens=list("abc"), is_causal=True)
    e = sa.explain(t)
    text = parse(sa.render(t, e, "html")).visible
    assert e.queries[0].steps["mask"].strip() in text and e.labels["blocked"] in text


def test_html_escapes_tokens():
    x = np.eye(2)
    t = sa.trace(x, x, x, tokens=["<script>alert(1)</script>", "a&b"])
    page = sa.render(t, sa.explain(t), "html")
    assert "<script>" not in page and "&lt;script&gt;" in page and "a&amp;b" in page
    assert_offline(parse(page))


def test_html_without_matplotlib_still_renders_and_says_why(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    t = seed_trace()
    p = parse(sa.render(t, sa.explain(t), "html"))
    assert not [tag for tag, _ in p.tags if tag == "img"]
    assert "pip install 'selfattention[plot]'" in p.visible
    assert all(figure in p.visible for figure in SEED_FIGURES)


def test_notebook_display_is_the_report_fragment():
    t = seed_trace()
    fragment = t._repr_html_()
    page = html_report(t, sa.explain(t))
    main_part = page[page.index('<main class="sa-report"') : page.index("</main>") + 7]
    assert fragment.startswith("<style>") and fragment.rstrip().endswith(main_part)
    assert "<html" not in fragment and "<body" not in fragment
    assert_offline(parse(fragment))


def test_a_trace_of_no_query_displays_without_a_picture():
    ex = sa.seed_example()
    t = sa.trace(ex.query, ex.key, ex.value, tokens=ex.tokens, queries=[])
    p = parse(t._repr_html_())
    assert not [tag for tag, _ in p.tags if tag == "img"] and "Q, K, V" in p.visible


def test_overview_outlines_the_asked_queries_in_the_whole_matrix(tmp_path):
    result = run(
        "explain",
        "--queries",
        "Machines",
        "--format",
        "html",
        "-o",
        str(tmp_path / "r.html"),
        "--plot",
        str(tmp_path / "h.svg"),
    )
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "h.svg").read_bytes()
    labels = ["".join(x.itertext()) for x in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert {"0.9999", "0.7685"} <= set(labels)  # both rows are drawn though one was asked for
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count("as the query (q") == 1  # the steps are those of the asked query


@pytest.mark.browser
def test_report_in_a_real_browser_at_phone_width(tmp_path, browser):
    t = seed_trace()
    path = tmp_path / "report.html"
    path.write_text(sa.render(t, sa.explain(t), "html"), encoding="utf-8")
    requests: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        width = page.evaluate("document.documentElement.scrollWidth")
        image = page.evaluate(
            "(() => { const i = document.images[0]; const r = i.getBoundingClientRect();"
            " return [i.complete, i.naturalWidth, r.width, r.height]; })()"
        )
        shown = page.inner_text("main")
        font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    finally:
        page.close()
    assert width <= 390  # nothing makes the phone scroll sideways (wide rows scroll in their own box)
    complete, natural, w, h = image
    assert complete and natural > 0 and 0 < w <= 390 and h > 100  # the SVG decoded and fits the screen
    assert font >= 14  # body text stays readable
    for figure in SEED_FIGURES:
        assert figure in shown
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []


@pytest.mark.browser
def test_long_dot_products_wrap_so_each_result_is_visible(tmp_path, browser):
    """Issue #14: with d = 64 each dot product writes 8 terms and the rest; the sum wraps
    between its terms so that "= result" stays on screen, on a laptop and on a phone."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 64)) * 1.7
    t = sa.trace(x, x, x, tokens=["the", "animal", "was", "tired"])
    path = tmp_path / "report.html"
    path.write_text(sa.render(t, sa.explain(t), "html"), encoding="utf-8")
    probe = """() => {
      const box = document.querySelector('.eq');  // the first query's dot products
      const frame = box.getBoundingClientRect();
      return {
        overflow: box.scrollWidth - box.clientWidth,
        page: document.documentElement.scrollWidth,
        results: [...box.querySelectorAll('td.result')].map((td) => {
          const r = td.getBoundingClientRect();
          return {text: td.innerText, left: r.left, right: r.right, inside: r.right <= frame.right + 1};
        }),
        text: box.innerText,
      };
    }"""
    seen = {}
    for width in (1280, 420):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(path.as_uri())
        seen[width] = page.evaluate(probe)
        page.close()
    for width, got in seen.items():
        assert got["overflow"] <= 1, (width, got["overflow"])  # nothing hidden to the right of the box
        assert got["page"] <= width  # and the page does not scroll sideways
        assert len(got["results"]) == 4
        for cell in got["results"]:
            assert cell["inside"] and cell["left"] >= 0 and cell["right"] <= width, (width, cell)
        assert "(56 smaller terms: " in got["text"]
    expected = [fmt(v) for v in t.steps[0].dot_products]
    assert [c["text"] for c in seen[1280]["results"]] == expected  # the results, each one whole


@pytest.mark.browser
def test_report_screenshot_at_phone_size_shows_the_heatmap(tmp_path):
    image = pytest.importorskip("PIL.Image")
    t = seed_trace()
    page, shot = tmp_path / "report.html", tmp_path / "shot.png"
    page.write_text(sa.render(t, sa.explain(t), "html"), encoding="utf-8")
    subprocess.run(
        [
            shutil.which("chromium"),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=390,1400",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = np.asarray(image.open(shot).convert("RGB")).astype(int)
    assert pixels.shape[:2] == (1400, 390)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    # the deep blue of the 0.9999 cell: nothing else on the page has that colour
    navy = (r < 40) & (g < 70) & (b > 90) & (b - g > 40)
    assert navy.sum() > 2000, navy.sum()
    rows = np.flatnonzero(navy.any(axis=1))
    assert 0 < rows.min() < 1400 and (navy.any(axis=0).sum()) < 390  # inside the screen, not a full-width band


# -- CSV ---------------------------------------------------------------------------------------


def test_csv_is_the_weight_matrix_with_token_labels(rng):
    q, k, v = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    tokens = ["The", 'cat, "quoted"', "sat", "고양이"]
    t = sa.trace(q, k, v, tokens=tokens, queries=[3, 1])
    rows = list(csv.reader(io.StringIO(sa.render(t, sa.explain(t), "csv"))))
    _, expected = loop_attention(q, k, v)
    assert rows[0] == ["query \\ key", *tokens]
    assert [r[0] for r in rows[1:]] == ["고양이", 'cat, "quoted"']  # traced queries, in the order asked
    got = np.array([[float(x) for x in r[1:]] for r in rows[1:]])
    np.testing.assert_allclose(got, expected[[3, 1]], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(got, t.weights)  # full precision: reads back exactly


def test_csv_from_the_cli_in_korean(tmp_path):
    result = run("explain", "--format", "csv", "--lang", "ko", "-o", str(tmp_path / "w.csv"))
    assert result.exit_code == 0
    rows = list(csv.reader((tmp_path / "w.csv").open(encoding="utf-8")))
    assert rows[0] == ["쿼리 \\ 키", "Acting", "Machines"]
    assert [f"{float(x):.4f}" for x in rows[2][1:]] == ["0.7685", "0.2315"]


# -- CLI --plot and Markdown -----------------------------------------------------------------------


def test_plot_png_from_the_cli(tmp_path):
    target = tmp_path / "h.png"
    result = run("explain", "--plot", str(target))
    assert result.exit_code == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {target}" in result.output  # (stderr, mixed in by the runner)
    assert "1. Dot products" in result.output  # the explanation still goes to the terminal


def test_markdown_embeds_the_picture_by_a_relative_link(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "img").mkdir()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = run("explain", "--format", "markdown", "--plot", "img/seed heat.svg", "-o", "docs/seed.md")
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "docs" / "seed.md").read_text(encoding="utf-8")
    link = '![The weights as a picture: Self-attention on "Acting Machines" (d = 3)](../img/seed%20heat.svg)'
    assert link in markdown.splitlines()
    assert (tmp_path / "img" / "seed heat.svg").read_bytes().startswith(b"<?xml")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plot", "h.jpg"], "Error: plot file 'h.jpg' has extension .jpg: expected a name ending in .png or .svg"),
        (["--plot", "h"], "Error: plot file 'h' has no extension: expected a name ending in .png or .svg"),
        (["--plot", "same.svg", "-o", "same.svg"], "Error: --plot and --output are the same file 'same.svg'"),
        (["--plot", "old.png"], "Error: output file 'old.png' exists: pass --force to overwrite it"),
        (["--plot", "new.png", "-o", "old.png"], "Error: output file 'old.png' exists: pass --force to overwrite it"),
        (["--plot", "nowhere/h.png"], "Error: output folder 'nowhere' does not exist"),
        (["--plot", "h.png", "-o", "nowhere/r.md"], "Error: output folder 'nowhere' does not exist"),
    ],
)
def test_plot_refusals_write_nothing(tmp_path, args, message):
    (tmp_path / "old.png").write_bytes(b"precious")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = run("explain", *args)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.png"]
    assert (tmp_path / "old.png").read_bytes() == b"precious"


def test_plot_force_overwrites(tmp_path):
    (tmp_path / "h.svg").write_text("old")
    result = run("explain", "--plot", str(tmp_path / "h.svg"), "--force")
    assert result.exit_code == 0 and (tmp_path / "h.svg").read_bytes().startswith(b"<?xml")


def test_plot_without_matplotlib_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = run("explain", "--plot", str(tmp_path / "h.png"))
    assert result.exit_code == 2
    assert "Error: pictures need matplotlib, which is not installed: pip install 'selfattention[plot]'" in result.output
    assert not (tmp_path / "h.png").exists()


def test_long_reports_start_with_a_table_of_contents_that_links_inside_the_page(rng):
    x = rng.standard_normal((6, 3))
    t = sa.trace(x, x, x, tokens=list("abcdef"))
    e = sa.explain(t)
    p = parse(sa.render(t, e, "html"))
    assert_offline(p)
    links = [a["href"] for tag, a in p.tags if tag == "a"]
    ids = {a["id"] for tag, a in p.tags if tag == "section"}
    assert len(links) == len(ids) >= 6 and {link.lstrip("#") for link in links} == ids
    short = parse(sa.render(seed_trace(), sa.explain(seed_trace()), "html"))
    assert not [tag for tag, _ in short.tags if tag == "nav"]  # 4 sections: no contents needed
