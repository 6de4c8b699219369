"""Opening an uploaded workbook and checking its shape before anything is written.

Everything that makes the whole file unusable — not an xlsx, a corrupt zip, a sheet or
column the format does not know, a formula, too large — is a ``WorkbookError`` with one
message; nothing has been written when it is raised. Cell values are left raw: a bad
cell is a problem of its row, found later (qingshan.exchange.cells).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from qingshan.exchange.cells import is_empty
from qingshan.exchange.sheets import (
    FIELD_ROW,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    SHEETS,
    SHEETS_BY_NAME,
    Sheet,
)

DEFAULT_MAX_ROWS = 50_000
# this many empty rows in a row end a sheet: Excel keeps formatted empty rows, and a file
# of millions of them would otherwise be read to the end (minutes of work, for nothing)
MAX_EMPTY_RUN = 1000
# an xlsx is a zip of XML; refuse archives that inflate far beyond their size (zip bombs)
MAX_INFLATION = 25


class WorkbookError(Exception):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass(slots=True)
class SourceRow:
    """One non-empty data row: its Excel row number and its raw cells by field name."""

    number: int
    cells: dict[str, Any]


@dataclass(slots=True)
class SourceSheet:
    """One data sheet of the upload: which columns it has and its rows."""

    sheet: Sheet
    fields: frozenset[str]
    rows: list[SourceRow] = field(default_factory=list)
    # the row after which reading stopped (a long run of empty rows), or None
    stopped_at: int | None = None

    def note(self) -> str:
        """What the user must know about rows not read, or ""."""
        if self.stopped_at is None:
            return ""
        return _(
            "工作表“%(sheet)s”第 %(row)s 行起连续 %(run)s 行为空，已停止读取该表；"
            "其后如还有数据，请删除空行后重新导入"
        ) % {
            "sheet": self.sheet.title,
            "row": self.stopped_at - MAX_EMPTY_RUN + 1,
            "run": MAX_EMPTY_RUN,
        }


@dataclass(slots=True)
class _Budget:
    """Rows left to read in the whole file, empty ones included: reading costs time."""

    left: int


def max_bytes() -> int:
    return int(settings.QINGSHAN_IMPORT_MAX_BYTES)


def max_rows() -> int:
    return int(getattr(settings, "QINGSHAN_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def max_rows_read() -> int:
    """The rows of a file read at most, empty ones included (also its declared size)."""
    return 2 * max_rows() + MAX_EMPTY_RUN


def workbook_read(source: IO[bytes]) -> list[SourceSheet]:
    """The data sheets of an uploaded workbook, in import order, or a WorkbookError."""
    _check_container(source)
    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise WorkbookError(
            _("文件已损坏或不是有效的 .xlsx 工作簿（%(error)s）") % {"error": exc}
        ) from exc
    try:
        found = _data_sheets(book.sheetnames)
        budget = _Budget(left=max_rows_read())
        result = [_read_sheet(sheet, book[name], budget) for sheet, name in found]
    finally:
        book.close()
    total = sum(len(s.rows) for s in result)
    if total > max_rows():
        raise WorkbookError(_rows_over_cap(total))
    return sorted(result, key=lambda s: SHEETS.index(s.sheet))


def _rows_over_cap(count: int) -> str:
    return _("数据行数超过上限 %(cap)s 行（至少 %(count)s 行），请拆分成多个文件导入") % {
        "cap": max_rows(),
        "count": count,
    }


def _check_container(source: IO[bytes]) -> None:
    source.seek(0, 2)
    size = source.tell()
    source.seek(0)
    if size > max_bytes():
        raise WorkbookError(
            _("文件过大：%(size)s 字节，上限 %(limit)s 字节，请拆分后导入")
            % {"size": size, "limit": max_bytes()}
        )
    if size == 0 or not zipfile.is_zipfile(source):
        raise WorkbookError(_("不是 .xlsx 文件（请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”）"))
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookError(_("文件已损坏：%(error)s") % {"error": exc}) from exc
    finally:
        source.seek(0)
    if "xl/workbook.xml" not in names:
        raise WorkbookError(_("不是 .xlsx 工作簿（压缩包中没有 xl/workbook.xml）"))
    if inflated > max(size, 1) * MAX_INFLATION and inflated > max_bytes():
        raise WorkbookError(_("文件解压后过大，疑似异常文件，已拒绝"))


def _data_sheets(names: Sequence[str]) -> list[tuple[Sheet, str]]:
    found: dict[str, tuple[Sheet, str]] = {}
    for name in names:
        key = name.strip()
        if key == INSTRUCTIONS_SHEET:
            continue
        sheet = SHEETS_BY_NAME.get(key)
        if sheet is None:
            raise WorkbookError(_unknown_sheet(name))
        if sheet.kind in found:
            raise WorkbookError(
                _("工作表“%(name)s”与“%(other)s”重复")
                % {"name": name, "other": found[sheet.kind][1]}
            )
        found[sheet.kind] = (sheet, name)
    if not found:
        raise WorkbookError(_unknown_sheet(""))
    return list(found.values())


def _unknown_sheet(name: str) -> str:
    expected = "、".join(s.title for s in SHEETS)
    if not name:
        return _("工作簿中没有可导入的工作表（工作表名称应为：%(expected)s）") % {
            "expected": expected
        }
    return _("未知的工作表“%(name)s”（工作表名称应为：%(expected)s，或“%(help)s”）") % {
        "name": name,
        "expected": expected,
        "help": INSTRUCTIONS_SHEET,
    }


def _rows_read_over_cap(sheet: Sheet, count: int) -> str:
    return _(
        "工作表“%(sheet)s”有 %(count)s 行以上（含空行），超过可读取的上限 %(cap)s 行；"
        "请删除数据下方多余的空行（选中这些行 → 删除）或拆分成多个文件后重新导入"
    ) % {"sheet": sheet.title, "count": count, "cap": max_rows_read()}


def _read_sheet(sheet: Sheet, ws: Any, budget: _Budget) -> SourceSheet:
    if not isinstance(ws, ReadOnlyWorksheet):
        raise WorkbookError(_("“%(name)s”不是普通工作表") % {"name": sheet.title})
    declared = ws.max_row or 0
    if declared > budget.left:  # refused before a single row is read
        raise WorkbookError(_rows_read_over_cap(sheet, declared))
    ws.reset_dimensions()  # some programs write a wrong size; read every row
    reader = _RowReader(sheet, ws, budget)
    rows = iter(reader)
    header = next(rows, (HEADER_ROW, []))[1]
    second = next(rows, None)
    if not any(not is_empty(v) for v in header) and second is None:
        return SourceSheet(sheet=sheet, fields=frozenset())  # an emptied sheet: skip it
    columns, has_field_row = _columns(sheet, header, second[1] if second else [])
    present = frozenset(c for c in columns if c)
    missing = [c.header for c in sheet.required if c.field not in present]
    if missing:
        raise WorkbookError(
            _("工作表“%(sheet)s”缺少必填列：%(columns)s")
            % {"sheet": sheet.title, "columns": "、".join(missing)}
        )
    result = SourceSheet(sheet=sheet, fields=present)
    if second is not None and not has_field_row:
        _add_row(result, columns, *second)
    for number, values in rows:
        _add_row(result, columns, number, values)
    result.stopped_at = reader.stopped_at
    return result


class _RowReader:
    """The rows of a sheet, until a run of MAX_EMPTY_RUN empty rows ends it; more rows
    than the file's budget, or more rows with content than the cap, refuse the file."""

    def __init__(self, sheet: Sheet, ws: ReadOnlyWorksheet, budget: _Budget) -> None:
        self.sheet, self.ws, self.budget = sheet, ws, budget
        self.stopped_at: int | None = None

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        cap = max_rows()
        empty_run = 0
        for number, cells in enumerate(self.ws.iter_rows(), start=1):
            self.budget.left -= 1
            if self.budget.left < 0:
                raise WorkbookError(_rows_read_over_cap(self.sheet, number))
            self._refuse_formulas(cells)
            values = [cell.value for cell in cells]
            if any(not is_empty(v) for v in values):
                empty_run = 0
                if number > cap + FIELD_ROW:
                    raise WorkbookError(_rows_over_cap(number - FIELD_ROW))
            else:
                empty_run += 1
                if empty_run >= MAX_EMPTY_RUN:
                    self.stopped_at = number
                    return
            yield number, values

    def _refuse_formulas(self, cells: Sequence[Any]) -> None:
        for cell in cells:
            if getattr(cell, "data_type", None) == "f":
                raise WorkbookError(
                    _("工作表“%(sheet)s”的单元格 %(cell)s 含有公式；请把公式转换为数值后再导入")
                    % {"sheet": self.ws.title, "cell": cell.coordinate}
                )


def _normal(value: Any) -> str:
    return "" if is_empty(value) else " ".join(str(value).split()).rstrip("*＊ ")


def _columns(sheet: Sheet, header: list[Any], second: list[Any]) -> tuple[list[str | None], bool]:
    """The field of each column position, and whether row 2 is the field-name row."""
    by_header = {c.header: c.field for c in sheet.columns} | {
        c.field: c.field for c in sheet.columns
    }
    fields = {c.field for c in sheet.columns}
    second_names = [_normal(v) for v in second]
    has_field_row = any(second_names) and all(n in fields for n in second_names if n)
    width = max(len(header), len(second_names) if has_field_row else 0)
    columns: list[str | None] = []
    for index in range(width):
        name = second_names[index] if has_field_row and index < len(second_names) else ""
        title = _normal(header[index]) if index < len(header) else ""
        columns.append(_column_field(sheet, by_header, name or title, columns))
    return columns, has_field_row


def _column_field(
    sheet: Sheet, by_header: dict[str, str], title: str, seen: list[str | None]
) -> str | None:
    if not title:
        return None
    found = by_header.get(title)
    if found is None:
        raise WorkbookError(
            _("工作表“%(sheet)s”有未知的列“%(column)s”（可用的列：%(columns)s）")
            % {
                "sheet": sheet.title,
                "column": title,
                "columns": "、".join(c.header for c in sheet.columns),
            }
        )
    if found in seen:
        raise WorkbookError(
            _("工作表“%(sheet)s”的列“%(column)s”重复") % {"sheet": sheet.title, "column": title}
        )
    return found


def _add_row(
    target: SourceSheet, columns: list[str | None], number: int, values: list[Any]
) -> None:
    cells = {
        name: value
        for name, value in zip(columns, values, strict=False)
        if name is not None and not is_empty(value)
    }
    # a value under a column without a header would be silently lost: say so instead
    if any(not is_empty(v) for v in values[len(columns) :]) or any(
        name is None and not is_empty(v) for name, v in zip(columns, values, strict=False)
    ):
        raise WorkbookError(
            _("工作表“%(sheet)s”第 %(row)s 行有数据在没有表头的列中")
            % {"sheet": target.sheet.title, "row": number}
        )
    if cells:
        target.rows.append(SourceRow(number=number, cells=cells))
