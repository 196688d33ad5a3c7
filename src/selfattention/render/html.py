"""HTML: one self-contained page that works offline and on a phone.

Every step of every query (the same blocks as text and Markdown), the matrices, and the
heatmap as an SVG inside a ``data:`` URI. Nothing is loaded from the network: no external
style sheets, fonts, scripts or images; the CSS is inline and uses the system's fonts
(Korean ones listed first). A long sum in an equation row (a dot product of d = 64 terms)
wraps between its terms, so that the "= result" after it stays on the screen; other wide rows
and tables scroll sideways on a narrow screen instead of shrinking the text.

The page is also the notebook display of a trace (``AttentionTrace._repr_html_``), so its
CSS is scoped to one ``.sa-report`` element and does not restyle the notebook.

>>> from selfattention import explain, trace, seed_example
>>> t = trace(**seed_example().trace_kwargs())
>>> page = html_report(t, explain(t))
>>> page.startswith("<!doctype html>"), "0.7685" in page, '<img src="data:image/svg+xml;base64,' in page
(True, True, True)
"""

from __future__ import annotations

import base64
from html import escape

from ..explain import Explanation
from ..record.trace import AttentionTrace
from .document import Block, Heading, Lines, Paragraph, Picture, Table, build_document
from .pictures import heatmap_picture, insert_picture

__all__ = ["CSS", "html_report", "to_html"]

CSS = """
.sa-report{--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--accent:#0b5cad;
 font-family:system-ui,-apple-system,"Segoe UI","Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic",
 "Nanum Gothic",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);line-height:1.55;
 max-width:60rem;margin:0 auto;padding:1rem;word-break:keep-all;overflow-wrap:anywhere}
.sa-report h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}
.sa-report h2{font-size:1.2rem;margin:2rem 0 .5rem;padding-top:.75rem;border-top:2px solid var(--line)}
.sa-report h3{font-size:1rem;margin:1.25rem 0 .35rem;color:var(--accent)}
.sa-report p{margin:.4rem 0}
.sa-report .scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
.sa-report table{border-collapse:collapse;margin:.35rem 0}
.sa-report .eq td{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"D2Coding","Noto Sans Mono CJK KR",
 monospace;font-size:.9rem;white-space:nowrap;padding:.1rem .45rem .1rem 0;vertical-align:top}
.sa-report .eq{background:var(--soft);border-radius:6px;padding:.35rem .6rem;width:fit-content;max-width:100%;
 box-sizing:border-box}
.sa-report .eq table{margin:0}
.sa-report .eq td.sum{white-space:normal;min-width:10rem}
.sa-report .eq td.sum,.sa-report .eq td.name{overflow-wrap:normal}
.sa-report .eq .term{white-space:nowrap}
.sa-report .matrix th,.sa-report .matrix td{border:1px solid var(--line);padding:.25rem .55rem;
 text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.sa-report .matrix th{background:var(--soft)}
.sa-report .matrix th[scope=row]{text-align:left}
.sa-report figure{margin:.75rem 0}
.sa-report figcaption{font-weight:600;margin:.25rem 0}
.sa-report .picture img{display:block;max-width:100%;height:auto;margin:0 auto}
.sa-report .toc ol{margin:.5rem 0;padding-left:1.5rem}
.sa-report .toc a{color:var(--accent)}
.sa-report .note{color:var(--muted);font-style:italic}
.sa-report .caveat{border-left:4px solid var(--line);padding:.25rem .75rem;color:var(--muted)}
@media (max-width:40rem){.sa-report{padding:.6rem}.sa-report h1{font-size:1.25rem}
 .sa-report .eq td{font-size:.8rem}.sa-report .eq td.name{white-space:normal}}
"""


#: a report with at least this many sections starts with a table of contents
NAV_SECTIONS = 5


def html_report(
    trace: AttentionTrace,
    explanation: Explanation,
    overview: AttentionTrace | None = None,
    *,
    fragment: bool = False,
) -> str:
    """The whole page: the document's blocks with the heatmap after the inputs.
    ``fragment`` gives only its ``<style>`` and ``<main>`` (for a notebook cell)."""
    blocks = build_document(trace, explanation)
    picture = heatmap_picture(trace, explanation, overview)
    if picture is not None:
        blocks = insert_picture(blocks, picture, explanation.labels["heatmap"])
    return to_html(blocks, lang=explanation.lang, caveat=explanation.caveat, fragment=fragment)


def to_html(blocks: list[Block], lang: str = "en", caveat: str | None = None, *, fragment: bool = False) -> str:
    """Write blocks as one HTML page; the first level-1 heading is the page title and the
    paragraph equal to ``caveat`` is set apart. ``fragment``: the page's ``<style>`` and
    ``<main>`` only, to sit inside another page."""
    title = next((b.text for b in blocks if isinstance(b, Heading) and b.level == 1), "selfattention")
    body: list[str] = []
    sections: list[tuple[str, str]] = []  # (id, heading) of each level-2 section
    first_section = None
    section_open = False
    for i, block in enumerate(blocks):
        if isinstance(block, Heading):
            if block.level == 2:
                if section_open:
                    body.append("</section>")
                first_section = len(body) if first_section is None else first_section
                sections.append((f"s{i}", block.text.strip()))
                body.append(f'<section id="s{i}">')
                section_open = True
            level = min(block.level, 3)
            body.append(f"<h{level}>{escape(block.text.strip())}</h{level}>")
        elif isinstance(block, Paragraph):
            css = ' class="caveat"' if block.text == caveat else ""
            body.append(f"<p{css}>{escape(block.text)}</p>")
        elif isinstance(block, Lines):
            body.append(f'<div class="scroll eq"><table>{"".join(_equation(row) for row in block.rows)}</table></div>')
        elif isinstance(block, Table):
            body.append(_table(block))
        elif isinstance(block, Picture):
            body.append(_picture(block))
    if section_open:
        body.append("</section>")
    if len(sections) >= NAV_SECTIONS and first_section is not None:  # a long report gets a table of contents
        links = "".join(f'<li><a href="#{ref}">{escape(text)}</a></li>' for ref, text in sections)
        body.insert(first_section, f'<nav class="toc"><ol>{links}</ol></nav>')
    main = f'<main class="sa-report" lang="{escape(lang)}">\n' + "\n".join(body) + "\n</main>\n"
    if fragment:
        return f"<style>{CSS}</style>\n{main}"
    return (
        "<!doctype html>\n"
        f'<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{main}</body>\n</html>\n"
    )


#: a sum of at least this many terms may wrap between them (shorter ones stay on one line)
WRAP_TERMS = 3


def _equation(row: tuple[str, ...]) -> str:
    """One equation row. A long sum (``a×b + c×d + ...``) wraps between its terms, each
    product kept whole (the "… (56 smaller terms: x)" tail wraps at its spaces); on a narrow
    screen the row's name (``q0·k1 (animal)``) may wrap too. The last cell, the result, is
    marked ``class="result"``.

    >>> _equation(("q0·k1", "=", "1×2 + 3×4 + 5×6", "=", "44"))[:90]
    '<tr><td class="name">q0·k1</td><td>=</td><td class="sum"><span class="term">1×2 +</span> <'
    >>> _equation(("head 0: a + b + c",))  # a row of one cell (a sentence) stays as it is
    '<tr><td>head 0: a + b + c</td></tr>'
    """
    sums = [len(text.split(" + ")) >= WRAP_TERMS for text in row[:-1]]
    cells = []
    for j, text in enumerate(row):
        if j == len(row) - 1 and j > 0:
            cells.append(f'<td class="result">{escape(text)}</td>')
        elif j > 0 and sums[j]:
            terms = text.split(" + ")
            pieces = [escape(t) + (" +" if i < len(terms) - 1 else "") for i, t in enumerate(terms)]
            spans = [p if " " in t else f'<span class="term">{p}</span>' for p, t in zip(pieces, terms, strict=True)]
            cells.append(f'<td class="sum">{" ".join(spans)}</td>')
        elif j == 0 and any(sums[1:]):
            cells.append(f'<td class="name">{escape(text)}</td>')
        else:
            cells.append(f"<td>{escape(text)}</td>")
    return "<tr>" + "".join(cells) + "</tr>"


def _table(block: Table) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in block.header)
    rows = "".join(
        "<tr>"
        + "".join(f'<th scope="row">{escape(c)}</th>' if j == 0 else f"<td>{escape(c)}</td>" for j, c in enumerate(row))
        + "</tr>"
        for row in block.rows
    )
    return (
        f'<figure class="matrix"><figcaption>{escape(block.title)}</figcaption>'
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></figure>'
    )


def _picture(block: Picture) -> str:
    parts = ['<figure class="picture">']
    if block.svg is not None:
        data = base64.b64encode(block.svg).decode("ascii")
        parts.append(f'<img src="data:image/svg+xml;base64,{data}" alt="{escape(block.alt)}">')
    elif block.link is not None:
        parts.append(f'<img src="{escape(block.link)}" alt="{escape(block.alt)}">')
    if block.note:
        parts.append(f'<p class="note">{escape(block.note)}</p>')
    parts.append("</figure>")
    return "".join(parts)
