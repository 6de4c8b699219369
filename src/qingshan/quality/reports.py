"""Period reports of the public pages: county rankings, the city's days, section classes.

Only published stations and sections count. A county's (or the city's) daily value of a
pollutant is the arithmetic mean of its stations' daily values that day (HJ 663 city
concentration; the station → city procedure is an open item of docs/quality.md), rounded
as published; its daily AQI is computed from those means with the day's edition. Period
statistics follow the ranking rules (环办监测〔2018〕19号): means of SO2, NO2, PM10, PM2.5,
CO P95 of daily means, O3 P90 of MDA8, composite index Σ C_i/S_i.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from qingshan.quality.air_limits import RANKING_2018, assessment_rules_for
from qingshan.quality.aqi import Report, compute_aqi
from qingshan.quality.assessment import (
    composite_index,
    good_day_ratio,
    percentile,
    round_statistic,
)
from qingshan.quality.datatime import Windows
from qingshan.quality.models import AirDay, AirStation, WaterDay, WaterSection
from qingshan.quality.standards import aqi_standard_for
from qingshan.quality.water import (
    assess_section,
    average_samples,
    share_iii_or_better,
    share_worse_than_v,
)
from qingshan.quality.water_standards import WaterClass

DAILY_FIELDS = ("so2_24h", "no2_24h", "pm10_24h", "co_24h", "o3_8h", "o3_1h", "pm25_24h")
_POLLUTANT = {
    "so2_24h": "SO2",
    "no2_24h": "NO2",
    "pm10_24h": "PM10",
    "co_24h": "CO",
    "o3_8h": "O3",
    "o3_1h": "O3",
    "pm25_24h": "PM2.5",
}


@dataclass
class AreaDay:
    """One day of an area (county or city): mean concentrations and their daily AQI."""

    day: dt.date
    values: dict[str, Decimal]
    aqi: int | None
    primary_pollutants: tuple[str, ...]
    stations: int


@dataclass
class AreaPeriod:
    """An area over a period: good days, means, composite index and its rank."""

    region_code: str
    days: list[AreaDay] = field(default_factory=list)
    valid_days: int = 0
    good_days: int = 0
    good_day_ratio: Decimal | None = None
    statistics: dict[str, Decimal] = field(default_factory=dict)
    composite: Decimal | None = None
    primary_pollutant: str = ""
    rank: int | None = None
    level_days: dict[int, int] = field(default_factory=dict)  # AQI level 1…6 → days


def _begun(end: dt.date) -> dt.date:
    """``end``, or the last day that has begun if that is earlier: a daily result dated in
    the future is never reported (docs/quality.md, "Dates in the future"). The national
    window: at a day's resolution a region's few minutes of clock skew make no difference."""
    last = Windows().last_day("")
    return end if last is None else min(end, last)


def published_days(start: dt.date, end: dt.date) -> list[AirDay]:
    return list(
        AirDay.objects.filter(station__is_published=True, day__gte=start, day__lte=_begun(end))
        .select_related("station")
        .order_by("day")
    )


def area_days(rows: Iterable[AirDay]) -> list[AreaDay]:
    """Daily means over the stations of ``rows`` (one area), and the AQI of each day."""
    by_day: dict[dt.date, list[AirDay]] = defaultdict(list)
    for row in rows:
        by_day[row.day].append(row)
    out = []
    for day in sorted(by_day):
        rules = assessment_rules_for(day)
        values: dict[str, Decimal] = {}
        for name in DAILY_FIELDS:
            found = [getattr(r, name) for r in by_day[day] if getattr(r, name) is not None]
            if found:
                mean = sum(found, Decimal(0)) / len(found)
                values[name] = round_statistic(_POLLUTANT[name], mean, rules=rules)
        result = compute_aqi(values, report=Report.DAILY, standard=aqi_standard_for(day))
        out.append(AreaDay(day, values, result.aqi, result.primary_pollutants, len(by_day[day])))
    return out


def period_statistics(days: Sequence[AreaDay]) -> dict[str, Decimal]:
    """Ranking statistics of the period (环办监测〔2018〕19号), rounded as published."""
    stats: dict[str, Decimal] = {}
    if not days:
        return stats
    rules = assessment_rules_for(days[-1].day)
    for name, pollutant in (("so2_24h", "SO2"), ("no2_24h", "NO2"), ("pm10_24h", "PM10"),
                            ("pm25_24h", "PM2.5")):  # fmt: skip
        values = [d.values[name] for d in days if name in d.values]
        if values:
            mean = sum(values, Decimal(0)) / len(values)
            stats[pollutant] = round_statistic(pollutant, mean, rules=rules)
    co = [d.values["co_24h"] for d in days if "co_24h" in d.values]
    if co:
        stats["CO"] = round_statistic("CO", percentile(co, 95), rules=rules)
    o3 = [d.values["o3_8h"] for d in days if "o3_8h" in d.values]
    if o3:
        stats["O3"] = round_statistic("O3", percentile(o3, 90), rules=rules)
    return stats


def aqi_level(aqi: int) -> int:
    """AQI level 1…6 (HJ 633-2012 Table 2; the 2026 edition keeps the bands)."""
    return next((i for i, top in enumerate((50, 100, 150, 200, 300), start=1) if aqi <= top), 6)


def summarise(region_code: str, rows: Iterable[AirDay]) -> AreaPeriod:
    area = AreaPeriod(region_code, area_days(rows))
    aqis = [d.aqi for d in area.days if d.aqi is not None]
    area.valid_days = len(aqis)
    area.good_days = sum(1 for a in aqis if a <= 100)
    area.good_day_ratio = good_day_ratio(aqis)
    for a in aqis:
        area.level_days[aqi_level(a)] = area.level_days.get(aqi_level(a), 0) + 1
    area.statistics = period_statistics(area.days)
    if set(RANKING_2018.terms) <= set(area.statistics):
        index = composite_index(area.statistics, method=RANKING_2018)
        area.composite = index.rounded
        area.primary_pollutant = index.primary_pollutant
    return area


def county_ranking(start: dt.date, end: dt.date) -> tuple[list[AreaPeriod], AreaPeriod]:
    """Counties ranked by composite index (smaller is better; ties share a rank), and
    the whole city over the same period."""
    rows = published_days(start, end)
    by_county: dict[str, list[AirDay]] = defaultdict(list)
    for row in rows:
        by_county[row.station.region_code].append(row)
    counties = [summarise(code, county_rows) for code, county_rows in sorted(by_county.items())]
    ranked = sorted(
        counties, key=lambda c: (c.composite is None, c.composite or Decimal(0), c.region_code)
    )
    previous: Decimal | None = None
    for position, county in enumerate(ranked, start=1):
        if county.composite is None:
            continue
        county.rank = position if county.composite != previous else ranked[position - 2].rank
        previous = county.composite
    city = summarise(_city_code(by_county), rows)
    return ranked, city


def _city_code(by_county: Mapping[str, object]) -> str:
    codes = sorted(by_county)
    return f"{codes[0][:4]}00" if codes else ""


@dataclass
class SectionPeriod:
    section: WaterSection
    values: dict[str, Decimal]
    water_class: int | None
    days: int
    meets_target: bool | None


def water_period(start: dt.date, end: dt.date) -> list[SectionPeriod]:
    """Each published section's class over the period: items averaged over its daily
    values, then classified (2011 method: never average classes)."""
    days: dict[int, list[WaterDay]] = defaultdict(list)
    for row in WaterDay.objects.filter(
        section__is_published=True, day__gte=start, day__lte=_begun(end)
    ).order_by("day"):
        days[row.section_id].append(row)
    out = []
    for section in WaterSection.objects.filter(is_published=True).order_by("region_code", "code"):
        rows = days.get(section.pk, [])
        if not rows:
            out.append(SectionPeriod(section, {}, None, 0, None))
            continue
        values = average_samples([{k: Decimal(v) for k, v in r.values.items()} for r in rows])
        assessed = assess_section(values, water_body=section.water_body)
        water_class = int(assessed.water_class) if assessed.water_class else None
        meets = None if water_class is None else water_class <= section.target_class
        out.append(SectionPeriod(section, values, water_class, len(rows), meets))
    return out


def water_shares(periods: Sequence[SectionPeriod]) -> dict[str, Decimal | int | None]:
    classes = [WaterClass(p.water_class) for p in periods if p.water_class is not None]
    if not classes:
        return {"sections": 0, "iii_or_better": None, "worse_than_v": None}
    return {
        "sections": len(classes),
        "iii_or_better": share_iii_or_better(classes),
        "worse_than_v": share_worse_than_v(classes),
    }


def stations_by_county() -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for code in AirStation.objects.filter(is_published=True).values_list("region_code", flat=True):
        counts[code] += 1
    return dict(counts)
