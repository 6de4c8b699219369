"""Cells of the files we hand out (.xlsx and .csv): text stays text, whatever it says.

Stored text is the user's: a name such as ``=HYPERLINK("http://x","y")`` or
``=cmd|' /C calc'!A0`` must reach the spreadsheet as those characters, never as a formula
Excel evaluates (OWASP, "CSV Injection"). In an .xlsx a text cell is written with the
string type, so nothing is escaped and the text reads back exactly. A CSV has no types:
a text field that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with a single quote, which Excel shows but does not evaluate; an import of our
own CSV removes that quote again (:func:`csv_unescape`).

Control characters that XML cannot hold (``\\x00``, ``\\x07``, ``\\x1b`` …) make openpyxl
raise; they may be stored from before input refused them, so every exported text goes
through :func:`printable_text` and shows U+FFFD in their place, as the gateway does.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell

# what Excel, LibreOffice and Google Sheets read as the start of a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)*|\.\d+)([eE][+-]?\d+)?$")
_CSV_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable_text(text: str) -> str:
    """``text`` with every character an .xlsx cannot hold replaced by U+FFFD."""
    return str(ILLEGAL_CHARACTERS_RE.sub("\ufffd", text))


def xlsx_cell(ws: Any, value: Any) -> Any:
    """``value`` ready for ``ws.append`` (normal or write-only sheet): text as a string
    cell, never a formula; other values (numbers, dates, None) as they are."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, printable_text(value))
    cell.data_type = "s"  # openpyxl makes any str starting with "=" a formula
    return cell


def xlsx_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    return [xlsx_cell(ws, value) for value in values]


def xlsx_set(ws: Any, *, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` at (row, column) of a normal sheet, text as text."""
    cell = ws.cell(row=row, column=column)
    cell.value = printable_text(value) if isinstance(value, str) else value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def csv_escape(value: Any) -> Any:
    """A CSV field that no spreadsheet evaluates: text that would start a formula gets a
    leading single quote; numbers (also ``-5`` as text) are left alone."""
    if value is None or not isinstance(value, str):
        return value
    text = _CSV_CONTROL.sub("\ufffd", value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_unescape(text: str) -> str:
    """The text :func:`csv_escape` was given (an import of our own export)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class SafeCsvWriter:
    """``csv.writer`` whose every field goes through :func:`csv_escape`."""

    def __init__(self, target: Any, **options: Any) -> None:
        self._writer = csv.writer(target, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_escape(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
