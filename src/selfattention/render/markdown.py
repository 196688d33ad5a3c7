"""Markdown: headings, equation rows as code blocks, matrices as tables.

Tokens are always text, never markup: in headings, paragraphs, tables and captions HTML is
written as entities, Markdown's link, image, emphasis, code and table syntax is escaped with
backslashes (``[x](javascript:...)`` and ``![](http://...)`` show as typed, they do not become a
link or an image), bare web addresses are broken so they are not linked, and line breaks in a
token are written as ``&#10;`` so they cannot start a new block. Code blocks are fenced with more
backticks than any run inside them.
"""

from __future__ import annotations

import re

from .document import Block, Heading, Lines, Paragraph, Picture, Table
from .text import _aligned

__all__ = ["to_markdown"]


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            if block.level <= 2:
                out += ["", "#" * block.level + " " + _escape(block.text, intraword=True), ""]
            else:
                out += ["", f"**{_escape(block.text)}**", ""]
        elif isinstance(block, Paragraph):
            out += [_escape(block.text), ""]
        elif isinstance(block, Lines):
            rows = _aligned(block.rows)
            fence = "`" * max(3, 1 + max((len(run) for row in rows for run in _BACKTICKS.findall(row)), default=0))
            out += [fence, *rows, fence]
        elif isinstance(block, Table):
            out += ["", f"*{_escape(block.title)}*", ""]
            out.append("| " + " | ".join(_escape(h) for h in block.header) + " |")
            out.append("|" + "|".join("---" for _ in block.header) + "|")
            out += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in block.rows]
            out.append("")
        elif isinstance(block, Picture):
            if block.link is not None:
                out += ["", f"![{_escape(block.alt)}]({_link(block.link)})", ""]
            if block.note:
                out += [_escape(block.note), ""]
    text = "\n".join(out).strip() + "\n"
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def _html(text: str) -> str:
    """Markdown passes HTML through: tokens such as "<script>" must stay text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape(text: str, intraword: bool = False) -> str:
    """Text that Markdown shows as written, in headings, paragraphs and tables ("a|b" stays one
    cell, "[x](y)" stays text): HTML as entities, Markdown's punctuation escaped, bare web
    addresses broken, line breaks as character references. With ``intraword`` an underscore
    between two letters or digits stays as it is ("W_Q"): CommonMark never reads it as emphasis."""
    text = _html(text)
    punctuation = _PUNCTUATION_BUT_INTRAWORD if intraword else _PUNCTUATION
    text = punctuation.sub(lambda m: "\\" + m.group(0), text)
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)
    return text.replace("\r", "&#13;").replace("\n", "&#10;")


#: characters that make links, images, emphasis, code, strikethrough and table cells
#: (a "]" only where it would close a link or image: before "(", "[" or ":"; vectors such as
#: "[1, 2]" stay as they are)
_PUNCTUATION = re.compile(r"[\\`*_|~]|\](?=[(\[:])")
_PUNCTUATION_BUT_INTRAWORD = re.compile(r"[\\`*|~]|\](?=[(\[:])|(?<![^\W_])_|_(?![^\W_])")
#: the start of a bare address that GFM would link: "http://", "https://", "ftp://", "www."
_AUTOLINK = re.compile(r"(?i)(?:https?:|ftp:|www\.)")
_BACKTICKS = re.compile(r"`+")


def _link(path: str) -> str:
    """A relative path as a Markdown link target: forward slashes, spaces and brackets escaped."""
    from urllib.parse import quote

    return quote(path.replace("\\", "/"), safe="/._-~")
