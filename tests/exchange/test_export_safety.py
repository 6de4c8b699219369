"""Exports carry text as text: no live formula, no control character that breaks the file.

Issue 16, items 6 and 7: a name such as ``=HYPERLINK(…)`` was written as a formula into
the registry and point exports (and such a file could not be imported again), and one
control character stored in any field made the export answer 500.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from qingshan.core.spreadsheet import SafeCsvWriter, csv_escape, csv_unescape
from qingshan.monitoring.choices import PeriodKind
from qingshan.registry.models import Enterprise, MonitoringPoint
from tests.conftest import client_for
from tests.exchange.conftest import run_import
from tests.monitoring.conftest import T0, add_readings

HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "=cmd|' /C calc'!A0"
PAYLOADS = [HYPERLINK, DDE, "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def _export(user) -> bytes:
    response = client_for(user).get(reverse("exchange:export"))
    assert response.status_code == 200
    return response.content


def _cells(content: bytes, title: str) -> dict[str, openpyxl.cell.Cell]:
    """The cells of a sheet by their text, as openpyxl reads them (not read-only)."""
    sheet = openpyxl.load_workbook(io.BytesIO(content))[title]
    return {c.value: c for row in sheet.iter_rows(min_row=3) for c in row if c.value is not None}


@pytest.mark.parametrize("role", ["enterprise", "county"])
def test_formula_text_is_exported_as_text_and_re_imports_unchanged(users, role):
    enterprise = users["keqiao"]["enterprise"]
    Enterprise.objects.filter(pk=enterprise.pk).update(name=HYPERLINK, address=DDE)
    content = _export(users[role])
    cells = _cells(content, "排污单位")
    for text in (HYPERLINK, DDE):
        assert cells[text].data_type == "s", text  # a string cell: Excel shows, never runs it
    # the bureau imports the enterprise's (or its own) export again: nothing changes
    result = run_import(users["county"], content)
    assert result.failed == 0, result.problems
    assert result.counts["unchanged"] == result.total > 0
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.address) == (HYPERLINK, DDE)


def test_the_point_export_writes_a_formula_name_as_text(users):
    point = users["keqiao"]["point"]
    MonitoringPoint.objects.filter(pk=point.pk).update(name=DDE)
    Enterprise.objects.filter(pk=users["keqiao"]["enterprise"].pk).update(name=HYPERLINK)
    add_readings(point.pk, "a21026", PeriodKind.HOUR, [(T0, 20.0)])
    for role in ("enterprise", "county"):
        response = client_for(users[role]).get(
            reverse("monitoring:point-export", args=[point.pk]),
            {"factor": "a21026", "kind": "hour", "start": "2026-11-01", "end": "2026-11-01"},
        )
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        found = {c.value: c.data_type for row in sheet.iter_rows() for c in row if c.value}
        assert found[HYPERLINK] == "s" and found[DDE] == "s"


@pytest.mark.parametrize("text", PAYLOADS)
def test_csv_text_that_would_start_a_formula_is_quoted_and_reads_back(text):
    out = io.StringIO()
    SafeCsvWriter(out).writerow([text, -5, "-5", 1.5, None, "正常文本"])
    field, number, number_text, *_rest = next(csv.reader(io.StringIO(out.getvalue())))
    assert field == "'" + text  # OWASP: a leading single quote, nothing evaluated
    assert (number, number_text) == ("-5", "-5")  # numbers stay numbers
    assert csv_unescape(field) == text
    assert csv_escape("正常文本") == "正常文本" and csv_unescape("'正常") == "'正常"


def test_the_quality_csv_download_quotes_a_formula_station_name(users):
    from decimal import Decimal

    from qingshan.quality import services
    from qingshan.quality.models import AirStation

    station = services.station_create(
        user=users["regulator"],
        data={"code": "T01", "name": "测试站", "region_code": "330603", "level": "national",
              "longitude": Decimal("120.5"), "latitude": Decimal("30.0")},
    )  # fmt: skip
    AirStation.objects.filter(pk=station.pk).update(name=DDE)
    response = client_for(None).get(reverse("quality:air"), {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:2] == ["T01", "'" + DDE]


def _controls() -> list[str]:
    # PostgreSQL refuses NUL in text before any export could meet it
    return ["\x07", "\x1b"] if connection.vendor == "postgresql" else ["\x00", "\x07", "\x1b"]


def test_a_stored_control_character_does_not_break_the_exports(users):
    site = users["keqiao"]
    add_readings(site["point"].pk, "a21026", PeriodKind.HOUR, [(T0, 20.0)])
    for char in _controls():
        Enterprise.objects.filter(pk=site["enterprise"].pk).update(
            name=f"坏{char}名", address=f"{char}=cmd"
        )
        MonitoringPoint.objects.filter(pk=site["point"].pk).update(name=f"点{char}")
        for role in ("county", "enterprise", "admin"):
            cells = _cells(_export(users[role]), "排污单位")
            assert "坏\ufffd名" in cells and cells["\ufffd=cmd"].data_type == "s"
        response = client_for(users["county"]).get(
            reverse("monitoring:point-export", args=[site["point"].pk]),
            {"factor": "a21026", "kind": "hour", "start": "2026-11-01", "end": "2026-11-01"},
        )
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert "点\ufffd" in {c.value for row in sheet.iter_rows() for c in row}
