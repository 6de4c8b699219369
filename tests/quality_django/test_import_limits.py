"""The quality data import counts only rows with content and stops at its limits.

Issue 16, item 9, as it applies to the quality import: empty rows were counted (and
refused one by one), and nothing bounded the file before it was read.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from qingshan.quality import imports
from qingshan.quality.imports import MAX_EMPTY_RUN, ImportError_, import_data

pytestmark = pytest.mark.django_db

HEADER = "time,station,pm25,pm10,o3"


def _csv(*lines: str) -> io.BytesIO:
    return io.BytesIO(("\n".join([HEADER, *lines]) + "\n").encode())


def test_empty_rows_are_not_rows_and_a_long_run_of_them_ends_the_file(users: dict[str, Any]):
    empty = [",,,,"] * (MAX_EMPTY_RUN + 200)
    data = _csv("2026-11-01 10:00,NOPE,1,2,3", *empty, "2026-11-01 11:00,NOPE,1,2,3")
    report = import_data(user=users["county"], kind="air", name="air.csv", data=data)
    # one row with content was read (and refused: no such station), not 1 202
    assert (report.rows, report.refused) == (1, 1)
    assert report.stopped_at == 3
    assert f"第 3 行起连续 {MAX_EMPTY_RUN} 行为空，已停止读取" in report.message()


def test_a_workbook_declaring_too_many_rows_is_refused_before_reading(
    users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(imports, "MAX_ROWS", 100)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.cell(row=500, column=1).number_format = "@"  # a formatted, empty row far below
    sheet.cell(row=500, column=1, value=" ")
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    with pytest.raises(ImportError_, match="超过 100 行（含空行）"):
        import_data(user=users["county"], kind="air", name="air.xlsx", data=buffer)


def test_a_file_over_the_byte_limit_is_refused(users: dict[str, Any], settings: Any):
    settings.QINGSHAN_IMPORT_MAX_BYTES = 100
    data = _csv(*["2026-11-01 10:00,NOPE,1,2,3"] * 10)
    with pytest.raises(ImportError_, match="文件过大"):
        import_data(user=users["county"], kind="air", name="air.csv", data=data)


def test_our_own_csv_quoting_is_removed_on_import():
    rows = list(imports.read_rows("a.csv", io.BytesIO(b"time,station\n2026-11-01,'=X1\n")))
    assert rows == [(2, {"time": "2026-11-01", "station": "=X1"})]
