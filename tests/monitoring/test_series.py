"""A point's values over a period: scoping, validity by flag, converted values, buckets."""

from __future__ import annotations

import pytest
from django.core.exceptions import ObjectDoesNotExist, ValidationError

from qingshan.core.models import RuleValue
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import DerivedValue
from qingshan.monitoring.selectors import reading_series
from tests.monitoring.conftest import T0, add_readings

HOUR, MINUTE = PeriodKind.HOUR, PeriodKind.MINUTE


def _series(user, site, **kw):
    args = {"factor_code": "a21026", "kind": "hour", "start": T0, "end": T0 + 24 * 3600}
    args.update(kw)
    return reading_series(user=user, point_id=site["point"].pk, **args)


def test_hourly_values_with_flags_marked_and_the_permit_limit(users):
    site = users["keqiao"]
    add_readings(
        site["point"].pk,
        "a21026",
        HOUR,
        [(T0, 20.0), (T0 + 3600, 80.0, "D"), (T0 + 7200, 30.0, "T"), (T0 + 10800, 31.0, "X")],
    )
    series = _series(users["county"], site)
    assert [v.value for v in series.values] == [20.0, 80.0, 30.0, 31.0]
    assert [v.status for v in series.values] == ["valid", "invalid", "review", "review"]
    assert series.limit_value == 35.0 and series.reference_o2 == 6.0
    assert series.unit == "mg/m3"


def test_the_flag_rule_from_the_rule_table_wins_over_the_default(users):
    site = users["keqiao"]
    RuleValue.objects.create(
        rule="monitoring.flag_validity",
        value={"N": "valid", "T": "valid", "D": "invalid"},
        effective_from="2020-01-01",
        source="test",
    )
    add_readings(site["point"].pk, "a21026", HOUR, [(T0, 40.0, "T")])
    assert _series(users["county"], site).values[0].status == "valid"


def test_converted_value_uses_sent_zs_else_the_measured_o2(users):
    site = users["keqiao"]
    add_readings(
        site["point"].pk,
        "a21026",
        HOUR,
        [(T0, 30.0, "N", 33.0), (T0 + 3600, 30.0), (T0 + 7200, 30.0)],
    )
    add_readings(site["point"].pk, "a19001", HOUR, [(T0 + 3600, 11.0), (T0 + 7200, 20.5)])
    values = _series(users["admin"], site).values
    assert values[0].converted == 33.0  # the logger's own
    assert values[1].converted == pytest.approx(30.0 * 15 / 10)  # (21 - 6) / (21 - 11)
    assert values[2].converted is None  # near-ambient O2: no meaningful conversion
    assert [v.value for v in values] == [30.0, 30.0, 30.0]


def test_the_loggers_hourly_value_wins_over_the_derived_one(users):
    site = users["keqiao"]
    add_readings(site["point"].pk, "a21026", HOUR, [(T0, 10.0)])
    for t, value, valid in [(T0, 99.0, True), (T0 + 3600, 12.0, True), (T0 + 7200, 50.0, False)]:
        DerivedValue.objects.create(
            point_id=site["point"].pk,
            factor_code="a21026",
            period=HOUR,
            data_time=t,
            value=value,
            valid_count=50 if valid else 20,
            total_count=60,
            is_valid=valid,
            computed_at=(t + 4000) * 1000,
        )
    values = _series(users["admin"], site).values
    assert [(v.value, v.source, v.status) for v in values] == [
        (10.0, "logger", "valid"),
        (12.0, "derived", "valid"),
        (50.0, "derived", "invalid"),
    ]


def test_a_long_minute_range_is_bucketed_by_the_database(users):
    site = users["keqiao"]
    rows = [(T0 + 60 * i, float(i % 60), "D" if i < 60 else "N") for i in range(3 * 24 * 60)]
    add_readings(site["point"].pk, "a21026", MINUTE, rows)
    add_readings(site["point"].pk, "a19001", MINUTE, [(t, 11.0) for t, *_ in rows])
    series = _series(users["admin"], site, kind="minute", end=T0 + 3 * 86400, max_points=1000)
    assert series.bucket == 300  # 3 days in ≤ 4,000 buckets of a round size
    assert len(series.values) == 3 * 24 * 12
    first, later = series.values[0], series.values[12]
    assert first.status == "invalid" and first.valid_count == 0 and first.count == 5
    assert later.status == "valid" and later.value == pytest.approx(2.0)  # 0..4
    assert later.min == 0.0 and later.max == 4.0
    assert later.converted == pytest.approx(2.0 * 1.5)


def test_a_long_hourly_range_is_bucketed_in_python(users):
    site = users["keqiao"]
    add_readings(site["point"].pk, "a21026", HOUR, [(T0 + 3600 * i, float(i)) for i in range(48)])
    series = _series(users["admin"], site, end=T0 + 48 * 3600, max_points=10)
    assert series.bucket == 21600  # 48 hours in at most 10 buckets of a round size
    assert [v.value for v in series.values] == [2.5 + 6 * i for i in range(8)]
    first = series.values[0]
    assert (first.min, first.max, first.count) == (0.0, 5.0, 6)
    assert _series(users["admin"], site, end=T0 + 48 * 3600).bucket == 0


def test_scoping_county_and_enterprise(users):
    shangyu = users["shangyu"]
    with pytest.raises(ObjectDoesNotExist):
        _series(users["county"], shangyu)
    with pytest.raises(ObjectDoesNotExist):
        _series(users["enterprise"], shangyu)
    assert _series(users["other_enterprise"], shangyu).values == []


def test_bad_ranges_are_refused(users):
    site = users["keqiao"]
    with pytest.raises(ValidationError):
        _series(users["admin"], site, start=T0, end=T0)
    with pytest.raises(ValidationError):
        _series(users["admin"], site, kind="minute", end=T0 + 500 * 86400)
    with pytest.raises(ValidationError):
        _series(users["admin"], site, kind="weekly")
