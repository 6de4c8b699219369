"""Terminal text that lines up when it mixes Chinese and Latin characters."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    """Columns a terminal uses for ``text``: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def box(lines: list[str]) -> str:
    """``lines`` framed in a box drawn with box-drawing characters."""
    inner = max(width(line) for line in lines)
    top, bottom = "┌" + "─" * (inner + 2) + "┐", "└" + "─" * (inner + 2) + "┘"
    return "\n".join([top, *(f"│ {pad(line, inner)} │" for line in lines), bottom])
