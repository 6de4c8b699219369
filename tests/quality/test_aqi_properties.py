"""Invariants of the AQI, checked on random inputs (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.core.chinatime import CHINA_TZ
from qingshan.quality.aqi import Report, compute_aqi, iaqi, measurements
from qingshan.quality.aqi_vector import compute_aqi_arrays, compute_aqi_many
from qingshan.quality.standards import (
    AQI_STANDARDS,
    HJ633_2012,
    HJ633_2026,
    AqiStandard,
    Column,
    aqi_standard_for,
)

SWITCH = dt.datetime(2026, 3, 1, tzinfo=CHINA_TZ)
standards = st.sampled_from(AQI_STANDARDS)
reports = st.sampled_from(list(Report))


def _top(column: Column, standard: AqiStandard) -> Decimal:
    return max(b for b in standard.breakpoints[column] if b is not None)


@st.composite
def concentration(draw: st.DrawFn, top: Decimal) -> Decimal:
    """Breakpoints themselves, short decimals, and long float reprs, up to 1.5 × top."""
    limit = float(top) * 1.5
    kind = draw(st.sampled_from(["breakpoint", "decimal", "float"]))
    if kind == "breakpoint":
        return Decimal(draw(st.sampled_from([0, 2, 35, 50, 60, 75, 150, 800, int(top)])))
    if kind == "decimal":
        places = draw(st.integers(0, 3))
        units = draw(st.integers(0, int(limit * 10**places)))
        return Decimal(units).scaleb(-places)
    value = draw(st.floats(0, limit, allow_nan=False, allow_infinity=False))
    return Decimal(repr(value))


@st.composite
def records(draw: st.DrawFn) -> tuple[AqiStandard, Report, dict[str, Decimal | None]]:
    standard, report = draw(standards), draw(reports)
    indicators = {i.measurement: i.column for i in standard.hourly + standard.daily}
    indicators["so2_24h"] = Column.SO2_24H
    values: dict[str, Decimal | None] = {}
    for name in measurements(report, standard):
        top = _top(indicators[name], standard)
        values[name] = draw(st.none() | concentration(top))
    return standard, report, values


@given(standards, st.sampled_from(list(Column)), st.data())
def test_iaqi_never_decreases_as_concentration_rises(
    standard: AqiStandard, column: Column, data: st.DataObject
) -> None:
    top = _top(column, standard)
    a = data.draw(concentration(top))
    b = data.draw(concentration(top))
    lo, hi = min(a, b), max(a, b)
    if hi > top and standard.over_range_rule(column) is not None:
        return  # above 800 the over-range rule decides, tested separately
    assert iaqi(column, lo, standard=standard) <= iaqi(column, hi, standard=standard)


@given(st.sampled_from([HJ633_2026]), st.data())
def test_2026_over_range_rules_keep_monotonicity(
    standard: AqiStandard, data: st.DataObject
) -> None:
    for measurement, report in (("so2", Report.HOURLY), ("o3_8h", Report.DAILY)):
        a = data.draw(concentration(Decimal(1200)))
        b = data.draw(concentration(Decimal(1200)))
        lo, hi = (
            compute_aqi({measurement: v}, report=report, standard=standard).aqi
            for v in sorted((a, b))
        )
        assert lo is not None and hi is not None and lo <= hi


@given(records())
def test_aqi_is_the_maximum_iaqi(
    record: tuple[AqiStandard, Report, dict[str, Decimal | None]],
) -> None:
    standard, report, values = record
    result = compute_aqi(values, report=report, standard=standard)
    if not result.iaqi:
        assert result.aqi is None
        return
    assert result.aqi == max(result.iaqi.values())
    assert set(result.primary_pollutants) == (
        {s for s, v in result.iaqi.items() if v == result.aqi} if result.aqi > 50 else set()
    )
    assert set(result.exceeding_pollutants) == {s for s, v in result.iaqi.items() if v > 100}


@given(
    st.datetimes(
        min_value=dt.datetime(2025, 12, 1),
        max_value=dt.datetime(2026, 5, 1),
        timezones=st.sampled_from(
            [
                dt.UTC,
                CHINA_TZ,
                dt.timezone(dt.timedelta(hours=-5)),
                dt.timezone(dt.timedelta(hours=9)),
            ]
        ),
    )
)
def test_edition_switches_exactly_at_2026_03_01_china_time(when: dt.datetime) -> None:
    expected = HJ633_2026 if when >= SWITCH else HJ633_2012
    assert aqi_standard_for(when) is expected


@given(st.datetimes(min_value=dt.datetime(2026, 2, 28, 23), max_value=dt.datetime(2026, 3, 1, 1)))
def test_naive_datetimes_are_china_time(when: dt.datetime) -> None:
    expected = HJ633_2026 if when >= dt.datetime(2026, 3, 1) else HJ633_2012
    assert aqi_standard_for(when) is expected
    assert aqi_standard_for(when.date()) is expected


@settings(max_examples=300)
@given(st.lists(records(), min_size=1, max_size=20))
def test_vectorised_equals_row_by_row(
    batch: list[tuple[AqiStandard, Report, dict[str, Decimal | None]]],
) -> None:
    for standard in AQI_STANDARDS:
        for report in Report:
            rows = [v for s, r, v in batch if s is standard and r is report]
            if rows:
                _compare(standard, report, rows)


def _compare(standard: AqiStandard, report: Report, rows: list[dict[str, Decimal | None]]) -> None:
    names = measurements(report, standard)
    arrays = {
        n: np.array([np.nan if r.get(n) is None else float(r[n]) for r in rows])  # type: ignore[arg-type]
        for n in names
    }
    fast = compute_aqi_arrays(arrays, report=report, standard=standard)
    for i, row in enumerate(rows):
        exact = compute_aqi(row, report=report, standard=standard)
        assert (exact.aqi if exact.aqi is not None else -1) == int(fast.aqi[i]), row
        fast_iaqi = {s: int(a[i]) for s, a in fast.iaqi.items() if a[i] >= 0}
        assert dict(exact.iaqi) == fast_iaqi, row
        assert exact.primary_pollutants == fast.primary_names(i)
        assert exact.exceeding_pollutants == fast.exceeding_names(i)
        band = fast.band_index()[i]
        assert (exact.band is None and band == -1) or standard.bands[band] == exact.band


@settings(max_examples=200)
@given(st.lists(records(), min_size=1, max_size=30), reports)
def test_batches_of_mixed_editions_equal_row_by_row(
    batch: list[tuple[AqiStandard, Report, dict[str, Decimal | None]]], report: Report
) -> None:
    rows = [
        (s, {k: v for k, v in values.items() if k in measurements(report, s)})
        for s, _, values in batch
    ]
    many = compute_aqi_many(rows, report=report)
    assert many == [compute_aqi(v, report=report, standard=s) for s, v in rows]


def test_batches_route_long_decimals_row_by_row() -> None:
    # 35.000000000000000001 is above the breakpoint 35 (IAQI 51) though its double is 35.0.
    long = Decimal("35.000000000000000001")
    many = compute_aqi_many(
        [(HJ633_2012, {"pm25_24h": long}), (HJ633_2012, {"pm25_24h": 35.0})], report="daily"
    )
    assert [r.aqi for r in many] == [51, 50]
