"""Air-quality assessment (HJ 663): valid hours and days, 8-h and daily maxima, monthly and
annual statistics with the standard's percentile, GB 3095 compliance, share of good days
and the composite index for city rankings.

Hourly series are lists indexed by hour label: a natural day is labels 01…24 (CNEMC
labels an hourly value by its end hour, digest §1.5), so ``day[0]`` is label 01 and
``day[23]`` label 24. ``None`` is a missing or invalid value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from qingshan.quality.air_limits import (
    HJ663_2013,
    RANKING_2018,
    AirLimits,
    AssessmentRules,
    RankingMethod,
    Statistic,
)
from qingshan.quality.aqi import Number, to_decimal

Values = Sequence[Number | None]


def is_valid_hour(sampled_minutes: int, *, rules: AssessmentRules = HJ663_2013) -> bool:
    """A 1-h mean needs ≥ 45 minutes of sampling (GB 3095-2012 Table 4)."""
    return sampled_minutes >= rules.hour_min_minutes


def _valid(values: Values) -> list[Decimal]:
    return [to_decimal(v) for v in values if v is not None]


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def daily_mean(hourly: Values, *, rules: AssessmentRules = HJ663_2013) -> Decimal | None:
    """24-h mean of a natural day; needs ≥ 20 valid hourly means (GB 3095-2012 Table 4)."""
    valid = _valid(hourly)
    return _mean(valid) if len(valid) >= rules.day_min_hours else None


def daily_max_1h(hourly: Values, *, rules: AssessmentRules = HJ663_2013) -> Decimal | None:
    """Daily maximum 1-h value (O3 daily report), with the 20-hour rule [VERIFY]."""
    valid = _valid(hourly)
    return max(valid) if len(valid) >= rules.day_min_hours else None


def moving_8h_means(hourly: Values, *, rules: AssessmentRules = HJ663_2013) -> list[Decimal | None]:
    """O3 8-h moving mean at each label t over labels t−7…t; valid with ≥ 6 hours in the
    window (GB 3095-2012 Table 4). The first 7 positions have no full window: ``None``."""
    out: list[Decimal | None] = [None] * min(7, len(hourly))
    for end in range(8, len(hourly) + 1):
        window = _valid(hourly[end - 8 : end])
        out.append(_mean(window) if len(window) >= rules.window_8h_min_hours else None)
    return out


def daily_max_8h(
    hourly_day: Values, *, limit: Number, rules: AssessmentRules = HJ663_2013
) -> Decimal | None:
    """O3 daily maximum 8-h mean (MDA8) of one natural day (24 values, labels 01…24).

    Windows end at labels 08…24, all inside the day (HJ 663 §6.1.2). Valid with ≥ 14 valid
    8-h means; with fewer, the day still counts only if its maximum exceeds ``limit``
    (the GB 3095 8-h limit of the area's class).
    """
    if len(hourly_day) != 24:
        raise ValueError(f"a natural day has 24 hourly values, not {len(hourly_day)}")
    means = moving_8h_means(hourly_day, rules=rules)[rules.mda8_first_window_end - 1 :]
    valid = [m for m in means if m is not None]
    if not valid:
        return None
    best = max(valid)
    if len(valid) >= rules.mda8_min_windows or best > to_decimal(limit):
        return best
    return None


def daily_concentrations(
    hourly_day: Mapping[str, Values],
    *,
    o3_8h_limit: Number = 160,
    rules: AssessmentRules = HJ663_2013,
) -> dict[str, Decimal | None]:
    """The daily-report inputs of ``aqi.compute_aqi`` from one natural day of hourly means
    (keys ``so2, no2, pm10, co, o3, pm25``; 24 values, labels 01…24): 24-h means, O3 MDA8
    (``o3_8h``, validity judged against ``o3_8h_limit``, GB 3095 class 2 by default) and
    O3 daily maximum 1-h (``o3_1h``). ``None`` where the day is not valid."""
    out: dict[str, Decimal | None] = {}
    for name, values in hourly_day.items():
        if name == "o3":
            out["o3_8h"] = daily_max_8h(values, limit=o3_8h_limit, rules=rules)
            out["o3_1h"] = daily_max_1h(values, rules=rules)
        elif name in ("so2", "no2", "pm10", "co", "pm25"):
            out[f"{name}_24h"] = daily_mean(values, rules=rules)
        else:
            raise KeyError(f"unknown hourly measurement {name!r}")
    return out


def percentile(values: Iterable[Number], p: Number) -> Decimal:
    """HJ 663 Appendix A percentile: sort ascending X(1)…X(n); k = 1 + (n − 1)·p/100;
    s = ⌊k⌋; m_p = X(s) + (X(s+1) − X(s))·(k − s). Equal to Excel PERCENTILE.INC."""
    xs = sorted(to_decimal(v) for v in values)
    if not xs:
        raise ValueError("percentile of no values")
    k = 1 + (len(xs) - 1) * to_decimal(p) / 100
    s = int(k)
    if s >= len(xs):
        return xs[-1]
    return xs[s - 1] + (xs[s] - xs[s - 1]) * (k - s)


def round_statistic(
    pollutant: str, value: Decimal, *, rules: AssessmentRules = HJ663_2013
) -> Decimal:
    """Reported precision (GB/T 8170 half-even): 1 µg/m³, CO 0.1 mg/m³ [VERIFY]."""
    quantum = rules.quanta.get(pollutant, rules.default_quantum)
    return value.quantize(quantum, rounding=ROUND_HALF_EVEN)


def month_min_days(year: int, month: int, *, rules: AssessmentRules = HJ663_2013) -> int:
    return rules.february_min_days if month == 2 else rules.month_min_days


def monthly_mean(
    daily: Mapping[dt.date, Number | None],
    year: int,
    month: int,
    *,
    rules: AssessmentRules = HJ663_2013,
) -> Decimal | None:
    """Mean of the month's valid daily means; ≥ 27 days (February ≥ 25)."""
    valid = [
        to_decimal(v)
        for d, v in daily.items()
        if (d.year, d.month) == (year, month) and v is not None
    ]
    return _mean(valid) if len(valid) >= month_min_days(year, month, rules=rules) else None


def year_is_valid(
    daily: Mapping[dt.date, Number | None], year: int, *, rules: AssessmentRules = HJ663_2013
) -> bool:
    """≥ 324 valid days in the year and, per digest §2.1 [VERIFY], ≥ 27 in each month
    (February ≥ 25)."""
    days = [d for d, v in daily.items() if d.year == year and v is not None]
    if len(days) < rules.year_min_days:
        return False
    if not rules.year_requires_each_month:
        return True
    per_month = [sum(1 for d in days if d.month == m) for m in range(1, 13)]
    return all(
        n >= month_min_days(year, m, rules=rules)
        for m, n in zip(range(1, 13), per_month, strict=True)
    )


@dataclass(frozen=True)
class StatisticValue:
    """One statistic of one pollutant over a period, before rounding."""

    statistic: Statistic
    n_days: int
    valid: bool
    value: Decimal | None


def annual_statistics(
    daily: Mapping[str, Mapping[dt.date, Number | None]],
    year: int,
    *,
    rules: AssessmentRules = HJ663_2013,
) -> list[StatisticValue]:
    """HJ 663 annual statistics of each pollutant given (``daily[pollutant][date]`` = the
    daily mean, or MDA8 for O3): annual means and percentiles, with validity."""
    out = []
    for statistic in rules.statistics:
        series = daily.get(statistic.pollutant)
        if series is None:
            continue
        values = [to_decimal(v) for d, v in series.items() if d.year == year and v is not None]
        valid = year_is_valid(series, year, rules=rules)
        value = None
        if values:
            value = (
                _mean(values)
                if statistic.percentile is None
                else percentile(values, statistic.percentile)
            )
        out.append(StatisticValue(statistic, len(values), valid, value))
    return out


@dataclass(frozen=True)
class Compliance:
    """达标: per statistic, per pollutant (all its statistics), and overall (all six)."""

    statistics: Mapping[Statistic, bool | None]
    pollutants: Mapping[str, bool | None]
    overall: bool | None


def annual_compliance(
    statistics: Iterable[StatisticValue],
    *,
    limits: AirLimits,
    air_class: int = 2,
    rules: AssessmentRules = HJ663_2013,
) -> Compliance:
    """Compare rounded annual statistics with GB 3095 limits. ``None`` = not decidable
    (invalid year or no data); a pollutant complies when all its statistics do."""
    by_stat: dict[Statistic, bool | None] = {}
    for item in statistics:
        s = item.statistic
        if not item.valid or item.value is None:
            by_stat[s] = None
            continue
        limit = limits.limit(s.pollutant, s.compared_with, air_class)
        by_stat[s] = round_statistic(s.pollutant, item.value, rules=rules) <= limit
    by_pollutant: dict[str, bool | None] = {}
    for s, ok in by_stat.items():
        previous = by_pollutant.get(s.pollutant, True)
        by_pollutant[s.pollutant] = None if ok is None or previous is None else previous and ok
    expected = {s.pollutant for s in rules.statistics}
    decided = set(by_pollutant) == expected and None not in by_pollutant.values()
    overall = all(by_pollutant.values()) if decided else None
    if not decided and False in by_pollutant.values():
        overall = False  # one failing pollutant is enough to fail
    return Compliance(by_stat, by_pollutant, overall)


def exceedance_multiple(value: Number, limit: Number) -> Decimal:
    """超标倍数 (C − S)/S; negative when below the limit."""
    s = to_decimal(limit)
    return (to_decimal(value) - s) / s


def compliance_rate(values: Iterable[Number | None], limit: Number) -> Decimal | None:
    """达标率, percent: valid values ≤ limit over valid values."""
    valid = [to_decimal(v) for v in values if v is not None]
    if not valid:
        return None
    return Decimal(sum(1 for v in valid if v <= to_decimal(limit)) * 100) / len(valid)


def good_day_ratio(daily_aqi: Iterable[int | None]) -> Decimal | None:
    """优良天数比率, percent: days with AQI ≤ 100 over days with a valid daily AQI."""
    valid = [a for a in daily_aqi if a is not None]
    if not valid:
        return None
    return Decimal(sum(1 for a in valid if a <= 100) * 100) / len(valid)


@dataclass(frozen=True)
class CompositeIndex:
    total: Decimal
    items: Mapping[str, Decimal]
    primary_pollutant: str
    method: RankingMethod

    @property
    def rounded(self) -> Decimal:
        return self.total.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def composite_index(
    values: Mapping[str, Number], *, method: RankingMethod = RANKING_2018
) -> CompositeIndex:
    """综合指数: ``values`` are the period statistics named by ``method.terms`` (annual
    means of SO2, NO2, PM10, PM2.5; CO P95 of daily means; O3 P90 of MDA8)."""
    missing = sorted(set(method.terms) - set(values))
    if missing:
        raise KeyError(f"composite index needs all six pollutants; missing {missing}")
    items = {p: to_decimal(values[p]) / s for p, (_, s) in method.terms.items()}
    total = sum((method.weights[p] * i for p, i in items.items()), Decimal(0))
    primary = max(items, key=lambda p: items[p])
    return CompositeIndex(total, items, primary, method)
