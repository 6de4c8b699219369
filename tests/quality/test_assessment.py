"""HJ 663 validity thresholds at their boundaries, statistics, GB 3095 compliance,
share of good days and the composite index."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingshan.quality.air_limits import (
    GB3095_2012,
    GB3095_2012_XG1_2018,
    GB3095_2026_FINAL,
    GB3095_2026_TRANSITIONAL,
    HJ663_2013,
    HJ663_2026,
    RANKING_2026_WEIGHTED_UNVERIFIED,
    Averaging,
    air_limits_for,
    assessment_rules_for,
)
from qingshan.quality.assessment import (
    StatisticValue,
    annual_compliance,
    annual_statistics,
    compliance_rate,
    composite_index,
    daily_concentrations,
    daily_max_1h,
    daily_max_8h,
    daily_mean,
    exceedance_multiple,
    good_day_ratio,
    is_valid_hour,
    monthly_mean,
    moving_8h_means,
    percentile,
    round_statistic,
    year_is_valid,
)


def test_valid_hour_needs_45_minutes() -> None:
    assert not is_valid_hour(44)
    assert is_valid_hour(45)


def test_daily_mean_needs_20_hours() -> None:
    assert daily_mean([10] * 19 + [None] * 5) is None
    assert daily_mean([10] * 19 + [30] + [None] * 4) == Decimal(11)
    assert daily_max_1h([10] * 19 + [None] * 5) is None
    assert daily_max_1h([10] * 19 + [300] + [None] * 4) == Decimal(300)


def test_8h_window_needs_6_hours() -> None:
    five = [None, None, None, 1, 2, 3, 4, 5]
    six = [None, None, 1, 2, 3, 4, 5, 6]
    assert moving_8h_means(five) == [None] * 8
    assert moving_8h_means(six)[-1] == Decimal("3.5")
    assert moving_8h_means([1] * 9) == [None] * 7 + [Decimal(1), Decimal(1)]


def _day_with_trailing_gaps(gaps: int, value: int) -> list[int | None]:
    # Windows end at labels 08…24; with `gaps` missing hours at the end, 19 − gaps are valid.
    return [value] * (24 - gaps) + [None] * gaps


def test_mda8_needs_14_windows() -> None:
    assert daily_max_8h(_day_with_trailing_gaps(5, 100), limit=160) == Decimal(100)
    assert daily_max_8h(_day_with_trailing_gaps(6, 100), limit=160) is None


def test_mda8_with_few_windows_counts_only_above_the_limit() -> None:
    assert daily_max_8h(_day_with_trailing_gaps(6, 160), limit=160) is None
    assert daily_max_8h(_day_with_trailing_gaps(6, 161), limit=160) == Decimal(161)


def test_mda8_uses_windows_ending_08_to_24_only() -> None:
    day: list[int | None] = [500] * 7 + [10] * 17  # a peak in labels 01–07
    # The first window is labels 01–08: (7·500 + 10)/8; no window reaches into the day before.
    assert daily_max_8h(day, limit=160) == Decimal("438.75")
    with pytest.raises(ValueError):
        daily_max_8h([1] * 23, limit=160)


def test_percentile_formula() -> None:
    assert percentile(range(10, 101, 10), 90) == Decimal(91)
    assert percentile([5], 95) == Decimal(5)
    assert percentile([1, 2], 100) == Decimal(2)
    # n = 365 → k(P90) = 328.6: X(328) + 0.6·(X(329) − X(328)).
    assert percentile(range(1, 366), 90) == Decimal("328.6")
    assert percentile(range(1, 366), 98) == Decimal("357.72")


@given(st.lists(st.integers(0, 5000), min_size=1, max_size=400), st.sampled_from([90, 95, 98]))
def test_percentile_equals_numpy_linear(values: list[int], p: int) -> None:
    expected = np.percentile(np.array(values, dtype=np.float64), p, method="linear")
    assert float(percentile(values, p)) == pytest.approx(expected, abs=1e-9)


def _month(year: int, month: int, days: int, value: int = 10) -> dict[dt.date, int]:
    return {dt.date(year, month, d): value for d in range(1, days + 1)}


def test_month_needs_27_days_february_25() -> None:
    assert monthly_mean(_month(2025, 2, 24), 2025, 2) is None
    assert monthly_mean(_month(2025, 2, 25), 2025, 2) == Decimal(10)
    assert monthly_mean(_month(2025, 3, 26), 2025, 3) is None
    assert monthly_mean(_month(2025, 3, 27), 2025, 3) == Decimal(10)


def _year(days_per_month: list[int]) -> dict[dt.date, int]:
    out: dict[dt.date, int] = {}
    for month, days in enumerate(days_per_month, start=1):
        out.update(_month(2025, month, days))
    return out


def test_year_needs_324_days_and_every_month() -> None:
    minimal = [27, 25, 27, 27, 27, 27, 27, 27, 27, 27, 27, 29]  # 324 days
    assert sum(minimal) == 324 and year_is_valid(_year(minimal), 2025)
    short = [27, 25, 27, 27, 27, 27, 27, 27, 27, 27, 27, 28]  # 323 days
    assert not year_is_valid(_year(short), 2025)
    one_thin_month = [31, 25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 26]
    assert sum(one_thin_month) >= 324 and not year_is_valid(_year(one_thin_month), 2025)


def test_rounding_of_statistics_is_half_even() -> None:
    assert round_statistic("PM2.5", Decimal("35.5")) == Decimal(36)
    assert round_statistic("PM2.5", Decimal("34.5")) == Decimal(34)
    assert round_statistic("CO", Decimal("4.05")) == Decimal("4.0")


def _full_year(value: int) -> dict[dt.date, int]:
    start = dt.date(2025, 1, 1)
    return {start + dt.timedelta(days=i): value for i in range(365)}


def test_annual_statistics_and_compliance() -> None:
    daily = {
        "SO2": _full_year(10),
        "NO2": _full_year(40),
        "PM10": _full_year(70),
        "PM2.5": _full_year(35),
        "CO": _full_year(4),
        "O3": _full_year(160),
    }
    stats = annual_statistics(daily, 2025)
    assert len(stats) == 10 and all(s.valid and s.n_days == 365 for s in stats)
    result = annual_compliance(stats, limits=GB3095_2012_XG1_2018)
    assert result.overall is True
    daily["PM2.5"] = {**_full_year(35), dt.date(2025, 6, 1): 10000}
    worse = annual_compliance(annual_statistics(daily, 2025), limits=GB3095_2012_XG1_2018)
    # mean 35 + 9965/365 ≈ 62.3 > 35; P95 still 35.
    assert worse.pollutants["PM2.5"] is False and worse.overall is False
    assert annual_compliance(stats, limits=GB3095_2026_TRANSITIONAL).pollutants["PM2.5"] is False


def test_compliance_is_undecided_without_a_valid_year() -> None:
    daily = {"PM2.5": {d: v for d, v in list(_full_year(10).items())[:300]}}
    stats = annual_statistics(daily, 2025)
    assert all(not s.valid for s in stats)
    result = annual_compliance(stats, limits=GB3095_2012)
    assert result.pollutants["PM2.5"] is None and result.overall is None


def test_statistic_compared_at_the_limit() -> None:
    mean = next(s for s in HJ663_2013.statistics if s.pollutant == "PM2.5" and s.percentile is None)
    at = StatisticValue(mean, 365, True, Decimal("35.4"))
    above = StatisticValue(mean, 365, True, Decimal("35.5"))
    assert annual_compliance([at], limits=GB3095_2012).statistics[mean] is True
    assert annual_compliance([above], limits=GB3095_2012).statistics[mean] is False


def test_limits_by_date_and_class() -> None:
    assert air_limits_for(dt.date(2018, 8, 31)) is GB3095_2012
    assert air_limits_for(dt.date(2018, 9, 1)) is GB3095_2012_XG1_2018
    assert air_limits_for(dt.date(2026, 2, 28)) is GB3095_2012_XG1_2018
    assert air_limits_for(dt.date(2026, 3, 1)) is GB3095_2026_TRANSITIONAL
    assert air_limits_for(dt.date(2031, 1, 1)) is GB3095_2026_FINAL
    assert GB3095_2012.limit("SO2", Averaging.ANNUAL, 1) == 20
    assert GB3095_2026_TRANSITIONAL.limit("PM2.5", Averaging.DAY) == 60
    assert GB3095_2026_FINAL.limit("NO2", Averaging.ANNUAL) == 30
    assert assessment_rules_for(dt.date(2026, 3, 1)) is HJ663_2026
    assert GB3095_2026_FINAL.provenance.verify
    with pytest.raises(KeyError):
        GB3095_2012.limit("CO", Averaging.ANNUAL)


def test_exceedance_and_rates() -> None:
    assert exceedance_multiple(90, 75) == Decimal("0.2")
    assert compliance_rate([75, 76, None, 10], 75) == Decimal(200) / 3
    assert good_day_ratio([100, 101, None, 50]) == Decimal(200) / 3
    assert good_day_ratio([None]) is None


def test_composite_index_worked_example() -> None:
    # Published example: 21/35 + 39/70 + 9/60 + 15/40 + 192/160 + 0.7/4 = 3.06.
    index = composite_index({"PM2.5": 21, "PM10": 39, "SO2": 9, "NO2": 15, "O3": 192, "CO": "0.7"})
    assert index.rounded == Decimal("3.06")
    assert index.primary_pollutant == "O3"
    assert index.items["O3"] == Decimal("1.2")
    with pytest.raises(KeyError):
        composite_index({"PM2.5": 21})


def test_weighted_composite_index_is_explicit_and_flagged() -> None:
    values = {"PM2.5": 30, "PM10": 60, "SO2": 60, "NO2": 40, "O3": 160, "CO": 4}
    index = composite_index(values, method=RANKING_2026_WEIGHTED_UNVERIFIED)
    assert index.total == Decimal(10)  # every I_i = 1; weights 1+2+1+3+1+2
    assert RANKING_2026_WEIGHTED_UNVERIFIED.provenance.verify


def test_empty_inputs() -> None:
    assert daily_max_8h([None] * 24, limit=160) is None
    assert compliance_rate([None], 75) is None
    with pytest.raises(ValueError):
        percentile([], 90)


def test_daily_concentrations_feed_the_daily_report() -> None:
    from qingshan.quality.aqi import compute_aqi
    from qingshan.quality.standards import HJ633_2012

    day = {
        "pm25": [80] * 12 + [70] * 8 + [None] * 4,  # 20 valid hours → mean 76
        "o3": [50] * 12 + [200] * 8 + [100] * 4,
        "so2": [10] * 19 + [None] * 5,  # 19 hours: not valid
    }
    daily = daily_concentrations(day)
    assert daily["pm25_24h"] == Decimal(76) and daily["so2_24h"] is None
    assert daily["o3_8h"] == Decimal(200) and daily["o3_1h"] == Decimal(200)
    result = compute_aqi(daily, report="daily", standard=HJ633_2012)
    assert result.iaqi == {"O3_8h": 137, "O3": 100, "PM2.5": 102}
    with pytest.raises(KeyError):
        daily_concentrations({"pm2.5": [1] * 24})
