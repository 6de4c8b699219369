"""The point page's Excel export holds the values the chart shows, marked as the chart does."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from qingshan.monitoring.choices import PeriodKind
from tests.monitoring.conftest import T0, add_readings
from tests.web.test_external_urls import external_references


def _rows(response):
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_export_of_hourly_values_with_converted_flags_and_limit(users, client_as):
    point = users["keqiao"]["point"]
    add_readings(
        point.pk,
        "a21026",
        PeriodKind.HOUR,
        [(T0, 20.0), (T0 + 3600, 30.0, "N"), (T0 + 7200, 90.0, "D"), (T0 + 10800, 31.0, "T")],
    )
    add_readings(point.pk, "a19001", PeriodKind.HOUR, [(T0 + 3600, 11.0)])
    response = client_as(users["enterprise"]).get(
        reverse("monitoring:point-export", args=[point.pk]),
        {"factor": "a21026", "kind": "hour", "start": "2026-11-01", "end": "2026-11-01"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _rows(response)
    head = {row[0]: row[1:] for row in rows[:5] if row and row[0]}
    assert head["排污单位"][0] == users["keqiao"]["enterprise"].name
    assert head["限值"][:2] == [35, "mg/m3"]
    assert head["基准氧含量 %"][0] == 6
    header = rows.index(next(r for r in rows if r and r[0] == "数据时间"))
    data = rows[header + 1 :]
    assert [(r[0].strftime("%H:%M"), r[1], r[5], r[6]) for r in data] == [
        ("00:00", 20.0, "N", "有效"),
        ("01:00", 30.0, "N", "有效"),
        ("02:00", 90.0, "D", "无效"),
        ("03:00", 31.0, "T", "待审核"),
    ]
    assert data[1][2] == pytest.approx(45.0)  # 30 × (21 − 6) / (21 − 11)
    assert data[1][10] == "是"  # the converted value is over the limit, the measured is not
    assert data[2][10] in ("", None)  # invalid data never counts as over the limit


def test_a_ph_range_is_exported_and_drawn_with_both_bounds(users, client_as):
    from decimal import Decimal

    from qingshan.permits.models import PermitLimit

    site = users["keqiao"]
    site["point"].factors = [*site["point"].factors, "w01001"]
    site["point"].save()
    PermitLimit.objects.create(
        permit=site["permit"],
        outlet=site["outlet"],
        factor_code="w01001",
        limit=Decimal(9),
        lower_limit=Decimal(6),
        unit="无量纲",
        basis="hourly",
    )
    add_readings(site["point"].pk, "w01001", PeriodKind.HOUR, [(T0, 7.1), (T0 + 3600, 5.2)])
    query = {"factor": "w01001", "kind": "hour", "start": "2026-11-01", "end": "2026-11-01"}
    client = client_as(users["enterprise"])
    rows = _rows(client.get(reverse("monitoring:point-export", args=[site["point"].pk]), query))
    head = {row[0]: row[1:] for row in rows[:6] if row and row[0]}
    assert head["限值"][0] == 9 and head["下限"][0] == 6
    data = rows[rows.index(next(r for r in rows if r and r[0] == "数据时间")) + 1 :]
    assert [(r[1], r[10]) for r in data] == [(7.1, None), (5.2, "是")]  # under 6 is over

    page = client.get(reverse("monitoring:point", args=[site["point"].pk]), query)
    assert page.context["chart"]["lower_limit"] == 6.0
    assert "6–9" in page.content.decode()
    api = client.get(f"/api/v1/points/{site['point'].pk}/readings", {"factor": "w01001"})
    assert api.json()["limit"]["lower"] == 6.0 and api.json()["limit"]["value"] == 9.0


def test_export_follows_the_language(users, client_as):
    client = client_as(users["county"])
    client.cookies["django_language"] = "en"
    point = users["keqiao"]["point"]
    rows = _rows(client.get(reverse("monitoring:point-export", args=[point.pk])))
    assert rows[0][0] == "Enterprise"


def test_monitoring_pages_reference_only_their_own_origin(users, client_as, make_alarm):
    alarm = make_alarm(users["keqiao"])
    client = client_as(users["regulator"])
    for url in [
        reverse("monitoring:overview"),
        reverse("monitoring:point", args=[users["keqiao"]["point"].pk]),
        reverse("monitoring:alarm-list"),
        reverse("monitoring:alarm", args=[alarm.pk]),
        reverse("monitoring:declaration-list"),
    ]:
        html = client.get(url).content.decode()
        assert external_references(html) == [], url
