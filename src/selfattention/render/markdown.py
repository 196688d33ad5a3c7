"""Markdown: headings, equation rows as code blocks, matrices as tables."""

from __future__ import annotations

from .document import Block, Heading, Lines, Paragraph, Picture, Table
from .text import _aligned

__all__ = ["to_markdown"]


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            if block.level <= 2:
                out += ["", "#" * block.level + " " + _html(block.text), ""]
            else:
                out += ["", f"**{_escape(block.text)}**", ""]
        elif isinstance(block, Paragraph):
            out += [_escape(block.text), ""]
        elif isinstance(block, Lines):
            out += ["```", *_aligned(block.rows), "```"]
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


def _escape(text: str) -> str:
    """Text that Markdown shows as written, in paragraphs and tables ("a|b" stays one cell)."""
    return _html(text).replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _link(path: str) -> str:
    """A relative path as a Markdown link target: forward slashes, spaces and brackets escaped."""
    from urllib.parse import quote

    return quote(path.replace("\\", "/"), safe="/._-~")
