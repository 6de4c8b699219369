"""Reading one cell: Excel's types (numbers, dates, booleans) or text, into Python values.

Codes are text even when Excel turned them into numbers; dates are Excel dates or ISO
text; choices are the Chinese label or the stored value. Every problem is a ``CellError``
whose message a clerk can act on.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from qingshan.exchange import sheets
from qingshan.exchange.sheets import Column

# doubles hold 15 significant digits; a longer number lost its last digits in Excel
_EXACT_DIGITS = 15
_FACTOR_SEPARATORS = re.compile(r"[\s,，、;；]+")
_DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_TRUE = {"是", "y", "yes", "true", "1", "启用", "√"}
_FALSE = {"否", "n", "no", "false", "0", "停用", "×"}


class CellError(ValueError):
    """The cell cannot be read as its column's type; the message says why."""


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_cell(column: Column, value: Any) -> Any:
    """The Python value for a non-empty cell of ``column``."""
    reader = _READERS[column.cell_type]
    return reader(column, value)


def empty_value(column: Column) -> Any:
    """What an empty cell means for a column that is cleared when empty."""
    if column.cell_type in (sheets.DECIMAL, sheets.INTEGER):
        return None
    if column.cell_type == sheets.FACTORS:
        return []
    return ""


def _number_text(value: int | float) -> str:
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("应为文本代码，实际为小数 %(value)s") % {"value": value})
        value = int(value)
    text = str(value)
    if len(text.lstrip("-")) > _EXACT_DIGITS:
        raise CellError(
            _("Excel 已把该代码存为数字并丢失了末几位（%(text)s），请把该列设为文本格式后重新填写")
            % {"text": text}
        )
    return text


def _code(column: Column, value: Any) -> str:
    if isinstance(value, bool):
        raise CellError(_("应为代码，实际为逻辑值"))
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, dt.date | dt.datetime):
        raise CellError(_("应为代码，实际为日期"))
    return str(value).strip()


def _text(column: Column, value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value) if float(value).is_integer() else str(value)
    if isinstance(value, dt.datetime | dt.date):
        raise CellError(_("应为文本，实际为日期"))
    return str(value).strip()


def _password(column: Column, value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    return str(value)


def _decimal(column: Column, value: Any) -> Decimal:
    if isinstance(value, bool | dt.date | dt.datetime):
        raise CellError(_("应为数字"))
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise CellError(_("应为数字，实际为 %(value)r") % {"value": value}) from None
    if not number.is_finite():
        raise CellError(_("应为数字，实际为 %(value)r") % {"value": value})
    return number


def _integer(column: Column, value: Any) -> int:
    number = _decimal(column, value)
    if number != number.to_integral_value():
        raise CellError(_("应为整数，实际为 %(value)s") % {"value": value})
    return int(number)


def _date(column: Column, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # a date whose cell lost its date format: an Excel serial day number
        if 1 <= value < 2958466:
            converted = from_excel(value)
            if isinstance(converted, dt.datetime):
                return converted.date()
        raise CellError(_("应为日期，实际为数字 %(value)s") % {"value": value})
    match = _DATE_TEXT.match(str(value).strip())
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise CellError(_("日期格式不正确：%(value)r（应为 2024-01-01 这样的日期）") % {"value": value})


def _bool(column: Column, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("应为“是”或“否”，实际为 %(value)r") % {"value": value})


def _choice(column: Column, value: Any) -> str:
    text = str(value).strip()
    for stored, label in column.choice_pairs():
        if text in (label, stored):
            return stored
    allowed = "、".join(label for _stored, label in column.choice_pairs())
    raise CellError(
        _("取值 %(value)r 不在可选项中（可选：%(allowed)s）") % {"value": text, "allowed": allowed}
    )


def _factors(column: Column, value: Any) -> list[str]:
    return [code for code in _FACTOR_SEPARATORS.split(str(value).strip()) if code]


_READERS = {
    sheets.CODE: _code,
    sheets.TEXT: _text,
    sheets.PASSWORD: _password,
    sheets.DECIMAL: _decimal,
    sheets.INTEGER: _integer,
    sheets.DATE: _date,
    sheets.BOOL: _bool,
    sheets.CHOICE: _choice,
    sheets.FACTORS: _factors,
}


def display(column: Column, value: Any) -> Any:
    """The cell value for a stored field value (the export and the error report)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if column.cell_type == sheets.CHOICE:
        return dict(column.choice_pairs()).get(value, value)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, Decimal):
        # a number in Excel when a double holds it exactly, else text (nothing is lost)
        return float(value) if value == Decimal(str(float(value))) else str(value)
    return value
