"""Plain text for a terminal: headings underlined, aligned equation columns, tables."""

from __future__ import annotations

import textwrap

from .document import Block, Heading, Lines, Paragraph, Picture, Table

__all__ = ["to_text"]

WIDTH = 100


def to_text(blocks: list[Block]) -> str:
    out: list[str] = []
    previous: Block | None = None
    for block in blocks:
        if isinstance(block, Heading):
            if block.level == 1:
                out += [block.text, "=" * _width(block.text), ""]
            elif block.level == 2:
                out += ["", block.text, "-" * _width(block.text)]
            else:
                if block.text == block.text.lstrip() and out and out[-1] != "":
                    out.append("")
                out.append(block.text)
        elif isinstance(block, Paragraph):
            if isinstance(previous, Table):
                out.append("")
            out += _wrap(block.text, WIDTH) or [""]
        elif isinstance(block, Lines):
            out += ["   " + line for line in _aligned(block.rows)]
        elif isinstance(block, Table):
            out += ["", block.title, *("   " + line for line in _aligned((block.header, *block.rows), sep="  "))]
        elif isinstance(block, Picture):  # a terminal shows no picture: say where it is, or why not
            out += [f"[{block.alt}: {block.link}]"] if block.link else []
            out += _wrap(block.note, WIDTH) if block.note else []
        previous = block
    return "\n".join(out).rstrip() + "\n"


def _wrap(text: str, width: int) -> list[str]:
    """Wrap at spaces to ``width`` terminal columns (Korean characters take two, so a
    Korean line holds about half as many characters as an English one).

    >>> _wrap("가중치 가중치 가중치", 14)
    ['가중치 가중치', '가중치']
    """
    if all(ord(c) < 0x1100 for c in text):
        return textwrap.wrap(text, width, break_on_hyphens=False)
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line else lines


def _width(text: str) -> int:
    # East Asian wide characters take two terminal columns
    return sum(2 if ord(c) >= 0x1100 and not 0x2000 <= ord(c) < 0x2FFF else 1 for c in text)


def _aligned(rows: tuple[tuple[str, ...], ...], sep: str = " ") -> list[str]:
    if not rows:
        return []
    columns = max(len(r) for r in rows)
    widths = [max((_width(r[c]) for r in rows if c < len(r)), default=0) for c in range(columns)]
    lines = []
    for row in rows:
        cells = [cell + " " * (widths[c] - _width(cell)) for c, cell in enumerate(row)]
        lines.append(sep.join(cells).rstrip())
    return lines
