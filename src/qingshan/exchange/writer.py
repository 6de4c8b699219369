"""Writing workbooks: the empty template, the export, and the error report.

The template and the export are one format (qingshan.exchange.sheets): a header row in
Chinese, a hidden row of field names, drop-downs for choice columns, text format for
codes, and an instructions sheet, so an export can be edited and imported again.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from qingshan.core.spreadsheet import xlsx_row, xlsx_set
from qingshan.exchange import sheets
from qingshan.exchange.cells import display
from qingshan.exchange.reader import max_rows
from qingshan.exchange.sheets import FIELD_ROW, FIRST_DATA_ROW, HEADER_ROW, SHEETS, Column, Sheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FONT = Font(bold=True)
_FIELD_FONT = Font(color="808080", italic=True)
_TEXT_FORMAT = "@"
_DATE_FORMAT = "yyyy-mm-dd"

INSTRUCTIONS = (
    "青山 · 排污单位名录与排污许可 Excel 导入模板",
    "",
    "1. 每类记录一个工作表，请勿修改工作表名称和第 1 行表头；带 * 的列必填。",
    "2. 第 2 行为英文字段名（已隐藏），导入时据此识别各列；数据从第 3 行开始填写。",
    "3. 按关键字更新：已有记录（按统一社会信用代码、排放口编号、监控点名称、MN、"
    "许可证编号等关键字查找）只更新有变化的字段，新记录新增；同一文件重复导入不会产生任何修改。",
    "4. 表中没有的记录不会被删除。非必填列留空表示清空该字段；"
    "“重点排污单位”“排放方式”“启用”“状态”留空表示保持原值（新记录取默认值）；"
    "“访问密码”留空表示不修改。整列删除表示不修改该字段。",
    "5. 每行单独导入：有错误的行整行不导入，其余行照常导入；错误报告列出工作表、行号和原因。",
    "6. 代码类列（信用代码、行政区划代码、MN 等）请设为文本格式，"
    "避免 Excel 把长数字改成科学计数法。",
    "7. 日期填写为 Excel 日期或 2024-01-01 格式。不要使用公式。",
    "8. 导入顺序：排污单位 → 排放口 → 监控点 → 数采仪 → 排污许可证 → 许可限值 → 许可排放量，"
    "同一文件中可先新增上级记录再引用。",
    "9. 已注销的记录照常导出，并在“注销时间”“注销原因”列标注；导入时忽略这两列。"
    "导入不会恢复或修改已注销的记录：内容未变的行记为未变化，有变化的行报错；"
    "如需修改，请先在页面上恢复该记录。不能在已注销的记录下新增记录。",
    "",
    "各列说明：",
)


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def registry_workbook(data: Mapping[str, Iterable[Mapping[str, Any]]] | None = None) -> Workbook:
    """The template (no ``data``) or an export: kind → rows of field values."""
    book = Workbook()
    _instructions(book.active)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.title)
        rows = list((data or {}).get(sheet.kind, ()))
        _header(ws, sheet)
        for offset, row in enumerate(rows):
            _write_row(ws, sheet, FIRST_DATA_ROW + offset, row)
        _validations(ws, sheet, FIRST_DATA_ROW + max(len(rows), max_rows()))
    return book


def _instructions(ws: Worksheet) -> None:
    ws.title = sheets.INSTRUCTIONS_SHEET
    for line in INSTRUCTIONS:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    table_header = ["工作表", "列", "字段名", "必填", "说明"]
    ws.append(table_header)
    for cell in ws[ws.max_row]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for sheet in SHEETS:
        for column in sheet.columns:
            required = "是" if column.required else ""
            ws.append([sheet.title, column.header, column.field, required, _help(column)])
    for letter, width in zip("ABCDE", (14, 20, 18, 6, 80), strict=True):
        ws.column_dimensions[letter].width = width


def _help(column: Column) -> str:
    choices = "、".join(label for _value, label in column.choice_pairs())
    parts = [column.help, f"可选：{choices}" if choices else ""]
    return "；".join(p for p in parts if p)


def _header(ws: Worksheet, sheet: Sheet) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        title = ws.cell(row=HEADER_ROW, column=index, value=column.title)
        title.font = _REQUIRED_FONT if column.required else _HEADER_FONT
        title.fill = _HEADER_FILL
        title.alignment = Alignment(horizontal="center")
        if _help(column):
            title.comment = Comment(_help(column), "青山")
        name = ws.cell(row=FIELD_ROW, column=index, value=column.field)
        name.font = _FIELD_FONT
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        if column.cell_type in (sheets.CODE, sheets.PASSWORD, sheets.TEXT):
            ws.column_dimensions[letter].number_format = _TEXT_FORMAT
    ws.row_dimensions[FIELD_ROW].hidden = True
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)


def _write_row(ws: Worksheet, sheet: Sheet, number: int, row: Mapping[str, Any]) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        # text as text (never a formula), stored control characters as U+FFFD
        cell = xlsx_set(ws, row=number, column=index, value=display(column, row.get(column.field)))
        if column.cell_type == sheets.DATE:
            cell.number_format = _DATE_FORMAT
        elif column.cell_type in (sheets.CODE, sheets.TEXT):
            cell.number_format = _TEXT_FORMAT


def _validations(ws: Worksheet, sheet: Sheet, last_row: int) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        if column.cell_type == sheets.CHOICE:
            options = [label for _value, label in column.choice_pairs()]
        elif column.cell_type == sheets.BOOL:
            options = ["是", "否"]
        else:
            continue
        letter = get_column_letter(index)
        rule = DataValidation(
            type="list",
            formula1='"{}"'.format(",".join(options)),
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle="取值不在可选项中",
            error="请从下拉列表中选择：" + "、".join(options),
        )
        rule.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        ws.add_data_validation(rule)


REPORT_HEADER = ("工作表", "行号", "关键字", "原因")


def error_report(problems: Iterable[Any], *, summary: str = "") -> Workbook:
    """The rows that were not imported: sheet, Excel row number, key, and reason."""
    book = Workbook()
    ws = book.active
    ws.title = "导入错误"
    ws.append(list(REPORT_HEADER))
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for problem in problems:  # the key and reason quote the uploaded cells
        ws.append(xlsx_row(ws, [problem.sheet, problem.row, problem.key, problem.reason]))
    for letter, width in zip("ABCD", (14, 8, 40, 100), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    if summary:
        summary_sheet = book.create_sheet("汇总")
        summary_sheet.append(xlsx_row(summary_sheet, [summary]))
    return book
