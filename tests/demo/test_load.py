"""Loading the demo city: what lands in the database, and that a second run changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import stat
from collections import Counter, defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from qingshan.core.models import AuditLog, Region
from qingshan.demo.loader import DemoError, LoadReport, load_city
from qingshan.demo.models import DemoLoad
from qingshan.demo.standards import LIMITS, in_unit
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.registry.factors import factor_catalogue, validate_factor_codes
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.passwords import device_password_matches
from tests.demo.conftest import PLAN_DATE

COUNTY_CODES = {"330602", "330603", "330604", "330624", "330681", "330683"}


def test_regions_province_city_and_six_counties(city: LoadReport) -> None:
    counties = Region.objects.filter(parent_id="330600")
    assert set(counties.values_list("code", flat=True)) == COUNTY_CODES
    assert all(r.name_en and r.level == "county" for r in counties)
    assert Region.objects.get(code="330600").parent_id == "330000"
    assert Region.objects.get(code="330603").name == "柯桥区"


def test_at_least_200_valid_enterprises_in_all_six_counties(city: LoadReport) -> None:
    enterprises = list(Enterprise.objects.all())
    assert len(enterprises) >= 200
    per_county = Counter(e.region_code for e in enterprises)
    assert set(per_county) == COUNTY_CODES
    assert per_county.most_common(1)[0][0] == "330603"  # dyeing capital
    for enterprise in enterprises:
        enterprise.full_clean()  # the registry's own validators accept every one
        assert enterprise.credit_code[2:8] == enterprise.region_code


def test_industries_are_gbt4754_classes_of_the_city(city: LoadReport) -> None:
    codes = Counter(Enterprise.objects.values_list("industry_code", flat=True))
    for expected in ("1752", "1713", "2614", "2645", "3360", "2710", "4412", "4417", "4620"):
        assert codes[expected] > 0, expected
    dyeing = codes["1752"] + codes["1713"] + codes["1762"]
    assert dyeing == max(dyeing, codes["2614"] + codes["2645"] + codes["2661"])


def test_400_points_and_devices_measuring_catalogue_factors(city: LoadReport) -> None:
    # enterprise points; the air stations' and water sections' ambient points (no outlet)
    # are tested with the quality app
    points = list(MonitoringPoint.objects.filter(outlet__isnull=False).select_related("outlet"))
    assert len(points) >= 400 and Device.objects.count() >= 400
    catalogue = factor_catalogue()
    for point in points:
        validate_factor_codes(point.factors)
        prefix = "w" if point.outlet.medium == "water" else "a"
        assert all(catalogue[f].code.startswith(prefix) for f in point.factors), point
    assert not MonitoringPoint.objects.filter(devices__isnull=True).exists()
    assert all(len(mn) == 24 for mn in Device.objects.values_list("mn", flat=True))


def test_industry_specific_factors(city: LoadReport) -> None:
    def factors(industry: str) -> set[str]:
        rows = MonitoringPoint.objects.filter(outlet__enterprise__industry_code=industry)
        return {f for point in rows for f in point.factors}

    assert {"w20116", "w20117", "w20121"} <= factors("3360")  # electroplating metals
    assert {"a21024", "a21005", "a34013", "a19001"} <= factors("4417")  # incineration
    assert {"a21026", "a21002", "a34013"} <= factors("4412")  # cogeneration CEMS
    assert {"w01018", "w21003", "w21011", "w21001"} <= factors("4620")  # WWTP


def test_every_key_discharger_holds_a_valid_permit_with_measured_limits(
    city: LoadReport,
) -> None:
    measured: dict[int, set[str]] = defaultdict(set)
    for outlet_id, factors in MonitoringPoint.objects.values_list("outlet_id", "factors"):
        measured[outlet_id].update(factors)
    for enterprise in Enterprise.objects.filter(is_key_discharger=True):
        valid = [
            p
            for p in enterprise.permits.all()
            if p.status == "valid" and p.valid_from <= PLAN_DATE <= p.valid_to
        ]
        assert valid, enterprise
        limits = list(PermitLimit.objects.filter(permit__in=valid).select_related("outlet"))
        assert limits, enterprise
        for limit in limits:
            assert limit.outlet.enterprise_id == enterprise.pk
            assert limit.factor_code in measured[limit.outlet_id], limit
            assert limit.standard
        assert AnnualCap.objects.filter(permit__in=valid).exists(), enterprise


def test_permit_numbers_classes_and_periods(city: LoadReport) -> None:
    permits = list(Permit.objects.select_related("enterprise"))
    assert len(permits) >= Enterprise.objects.filter(is_key_discharger=True).count()
    soon = PLAN_DATE + dt.timedelta(days=90)
    for permit in permits:
        assert permit.number == f"{permit.enterprise.credit_code}001P"
        permit.full_clean()
    statuses = Counter(p.status for p in permits)
    assert statuses["valid"] > 10 * statuses["expired"] > 0
    assert any(p.status == "valid" and p.valid_to <= soon for p in permits)  # expiring
    assert {p.permit_class for p in permits} == {"key", "simplified"}


def test_limits_are_the_standard_values(city: LoadReport) -> None:
    table = {(r.standard, r.factor, r.basis): r for r in LIMITS}
    catalogue = factor_catalogue()
    for limit in PermitLimit.objects.all():
        row = table[(limit.standard, limit.factor_code, limit.basis)]
        assert limit.unit == (catalogue[limit.factor_code].unit or row.unit)  # pH: 无量纲
        assert limit.limit == in_unit(row.value, row.unit, limit.unit)
        assert limit.reference_o2 == row.reference_o2
        assert limit.lower_limit == row.lower
    ph = PermitLimit.objects.filter(factor_code="w01001")
    assert ph.exists()
    assert {(x.lower_limit, x.limit, x.basis) for x in ph} == {(6, 9, "hourly")}
    incineration = PermitLimit.objects.filter(standard__startswith="GB 18485-2014")
    assert {(x.basis, x.reference_o2) for x in incineration} == {
        ("hourly", Decimal("11.0")),
        ("daily", Decimal("11.0")),
    }
    coal = PermitLimit.objects.filter(standard__startswith="GB 13223-2011 表1 燃煤")
    assert {x.reference_o2 for x in coal} == {Decimal("6.0")}
    assert PermitLimit.objects.filter(factor_code="w20117", limit=200).exists()


def test_device_file_has_working_passwords_and_is_private(city: LoadReport, demo_dir: Path) -> None:
    path = demo_dir / "demo_devices.csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert list(rows[0]) == ["mn", "password", "point_id", "enterprise", "factors"]
    devices = {d.mn: d for d in Device.objects.select_related("point__outlet__enterprise")}
    assert len(rows) == len(devices)
    for row in rows[::20]:
        device = devices[row["mn"]]
        assert device_password_matches(row["password"], device.password_digest)
        assert int(row["point_id"]) == device.point_id
        outlet = device.point.outlet  # None for an air station's or water section's logger
        assert row["enterprise"] == (outlet.enterprise.name if outlet else device.point.name)
        assert row["factors"].split() == device.point.factors


def _snapshot() -> dict[str, int]:
    models = (
        Region,
        Enterprise,
        Outlet,
        MonitoringPoint,
        Device,
        Permit,
        PermitLimit,
        AnnualCap,
        AuditLog,
    )
    return {m.__name__: m.objects.count() for m in models}


def test_loading_twice_changes_nothing_and_says_so(city: LoadReport, demo_dir: Path) -> None:
    assert city.changed and AuditLog.objects.filter(object_type="demo.demoload").count() == 1
    before = _snapshot()
    again = load_city(seed=1, data_dir=demo_dir)
    assert not again.changed and set(again.created.values()) == {0}
    assert again.totals == city.totals
    assert _snapshot() == before
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "未做任何更改" in out.getvalue()
    assert _snapshot() == before


def test_another_seed_is_refused_without_reset(city: LoadReport, demo_dir: Path) -> None:
    with pytest.raises(DemoError, match="--reset"):
        load_city(seed=2, data_dir=demo_dir)


def test_reset_replaces_the_city(city: LoadReport, tmp_path: Path) -> None:
    old = set(Enterprise.objects.values_list("credit_code", flat=True))
    report = load_city(seed=2, reset=True, data_dir=tmp_path)
    assert report.reset and report.created["enterprises"] == report.totals["enterprises"]
    assert old.isdisjoint(Enterprise.objects.values_list("credit_code", flat=True))
    assert DemoLoad.objects.get().seed == 2
