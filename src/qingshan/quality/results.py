"""Results as data arrives: hourly and daily AQI of stations, sample and daily classes of
sections, recomputed from the readings whenever readings of their hour or day arrive.

The stream consumer (``readings_arrived``, registered in ``QualityConfig.ready``) gets the
readings of newly committed packets, keeps those of station and section points, and
writes one ``PendingResult`` mark per (target, period, data time); then, in the same
transaction, ``results_recompute_pending`` turns the marks into results. A result is
always recomputed from *all* the readings of its hour or day, never patched with the new
ones, so a resent packet changes nothing and a late one (yesterday's hour arriving today)
simply dirties its old hour and day. Imports write readings and marks the same way.

Conventions (docs/quality.md, "Stations and sections"):
* HJ 212 hourly data (CN 2061) carry the hour's *start*; the bulletin labels an hour by
  its end, so a natural day is the hours starting 00:00…23:00 China time (labels 01…24)
  and the AQI edition is chosen by the label (``aqi_standard_for``), the daily report's by
  the date.
* Only values flagged valid (``factors.VALID_FLAGS``) count; the hourly report uses what
  is valid, the daily statistics follow HJ 663 / GB 3095 Table 4 (``assessment``).
* Daily statistics are rounded as published (GB/T 8170 half-even, 1 µg/m³, CO 0.1 mg/m³:
  ``assessment.round_statistic``) before the daily AQI is computed from them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.db.models import QuerySet

from qingshan.core.chinatime import china_date_of_epoch, china_day_start
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import Reading
from qingshan.quality.air_limits import Averaging, air_limits_for, assessment_rules_for
from qingshan.quality.aqi import AqiResult, Report, compute_aqi, to_decimal
from qingshan.quality.aqi_vector import compute_aqi_many
from qingshan.quality.assessment import daily_concentrations, round_statistic
from qingshan.quality.factors import (
    AIR_BY_CODE,
    AIR_FACTORS,
    VALID_FLAGS,
    WATER_BY_CODE,
    WATER_FACTORS,
    FactorMap,
    to_core,
)
from qingshan.quality.models import (
    AirDay,
    AirHour,
    AirStation,
    PendingResult,
    WaterDay,
    WaterSample,
    WaterSection,
)
from qingshan.quality.standards import aqi_standard_for
from qingshan.quality.water import assess_section, average_samples, format_main_pollutants

log = logging.getLogger("qingshan.quality")

HOUR = int(PeriodKind.HOUR)
RTD = int(PeriodKind.RTD)
DAY = int(PeriodKind.DAY)
AIR, WATER = "air", "water"
#: Water samples: real-time values (automatic stations, CN 2011) and hourly data (CN 2061).
WATER_PERIODS = (HOUR, RTD)
#: Daily statistic → pollutant name of the assessment rules (for its rounding quantum).
_DAILY_POLLUTANT = {
    "so2_24h": "SO2",
    "no2_24h": "NO2",
    "pm10_24h": "PM10",
    "co_24h": "CO",
    "o3_8h": "O3",
    "o3_1h": "O3",
    "pm25_24h": "PM2.5",
}
MARKS_PER_RUN = 20_000


class ArrivingReading(Protocol):
    """What the consumer reads of a ``monitoring.stream.StreamReading``."""

    @property
    def point_id(self) -> int: ...
    @property
    def factor_code(self) -> str: ...
    @property
    def period(self) -> int: ...
    @property
    def data_time(self) -> int: ...


def _epoch(value: Any) -> int:
    return int(value.timestamp()) if isinstance(value, dt.datetime) else int(value)


# ── marking ───────────────────────────────────────────────────────────────────────


def ambient_points() -> dict[int, tuple[str, int]]:
    """Point id → (``air``, station id) or (``water``, section id)."""
    points = {p: (AIR, s) for p, s in AirStation.objects.values_list("point_id", "pk")}
    points.update({p: (WATER, s) for p, s in WaterSection.objects.values_list("point_id", "pk")})
    return points


def marks_for(
    readings: Iterable[ArrivingReading], points: Mapping[int, tuple[str, int]]
) -> set[tuple[str, int, int, int]]:
    """(kind, target, period, data time) of the results these readings affect."""
    marks: set[tuple[str, int, int, int]] = set()
    for r in readings:
        owner = points.get(r.point_id)
        if owner is None:
            continue
        kind, target = owner
        if kind == AIR and r.period == HOUR and r.factor_code in AIR_BY_CODE:
            marks.add((AIR, target, HOUR, r.data_time))
        elif kind == WATER and r.period in WATER_PERIODS and r.factor_code in WATER_BY_CODE:
            marks.add((WATER, target, r.period, r.data_time))
    return marks


def results_mark(marks: Iterable[tuple[str, int, int, int]]) -> int:
    rows = [PendingResult(kind=k, target_id=t, period=p, data_time=d) for k, t, p, d in marks]
    PendingResult.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def readings_arrived(readings: list[Any]) -> int:
    """Stream consumer: mark what the new readings affect and recompute it now.

    Runs inside the stream's transaction (with the consumer's cursor): if anything
    fails, nothing is kept and the same readings come again.
    """
    points = ambient_points()
    if not points:
        return 0
    marked = results_mark(marks_for(readings, points))
    while marked and results_recompute_pending():
        pass
    return marked


# ── recomputing ───────────────────────────────────────────────────────────────────


@transaction.atomic
def results_recompute_pending(*, limit: int = MARKS_PER_RUN) -> int:
    """Recompute the results of up to ``limit`` marks and remove those marks."""
    marks = list(
        PendingResult.objects.order_by("pk").values_list(
            "pk", "kind", "target_id", "period", "data_time"
        )[:limit]
    )
    if not marks:
        return 0
    air: dict[int, dict[dt.date, set[int]]] = defaultdict(lambda: defaultdict(set))
    water: dict[int, dict[dt.date, set[tuple[int, int]]]] = defaultdict(lambda: defaultdict(set))
    for _, kind, target, period, data_time in marks:
        # a DAY mark asks for the day's result only (backfills, rebuilds): its hours and
        # samples are left as they are
        if kind == AIR:
            hours = air[target][china_date_of_epoch(data_time)]
            if period != DAY:
                hours.add(data_time)
        elif kind == WATER:
            samples = water[target][china_date_of_epoch(data_time)]
            if period != DAY:
                samples.add((period, data_time))
    for station in AirStation.objects.filter(pk__in=list(air)):
        for day, hours in sorted(air[station.pk].items()):
            air_recompute_day(station, day, hours)
    for section in WaterSection.objects.filter(pk__in=list(water)):
        for day, samples in sorted(water[section.pk].items()):
            water_recompute_day(section, day, samples)
    ids = [m[0] for m in marks]
    for i in range(0, len(ids), 500):
        PendingResult.objects.filter(pk__in=ids[i : i + 500]).delete()
    return len(marks)


def _valid_values(
    rows: Iterable[tuple[str, Any, float | None, str]], factors: Mapping[str, FactorMap]
) -> dict[int, dict[str, Decimal]]:
    """data time → {measurement: value in the core's unit} of the valid readings."""
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for code, data_time, value, flag in rows:
        factor = factors.get(code)
        if factor is None or value is None or flag not in VALID_FLAGS:
            continue
        try:
            number = to_core(factor, value)
            to_decimal(number)  # refuses negatives and non-finite values
        except (ValueError, ArithmeticError):
            continue
        out[_epoch(data_time)][factor.name] = number
    return out


def _day_readings(
    point_id: int, day: dt.date, periods: Sequence[int], factors: Sequence[FactorMap]
) -> Any:
    start = china_day_start(day)
    return Reading.objects.filter(
        point_id=point_id,
        period__in=list(periods),
        factor_code__in=[f.code for f in factors],
        data_time__gte=start,
        data_time__lt=start + 86400,
    ).values_list("factor_code", "data_time", "value", "flag", "period")


def _drop(qs: QuerySet[Any]) -> None:
    """Delete derived rows with one DELETE: they have no dependents, and the audit log's
    delete signal (which makes Django fetch every row first) is not for derived data."""
    qs._raw_delete(qs.db)


def _aqi_fields(result: AqiResult) -> dict[str, Any]:
    return {
        "aqi": result.aqi,
        "iaqi": dict(result.iaqi),
        "primary_pollutants": ",".join(result.primary_pollutants),
        "exceeding_pollutants": ",".join(result.exceeding_pollutants),
        "standard": result.standard.code,
        "flags": "; ".join(result.flags),
    }


def air_hour_standard(hour_start: int) -> Any:
    """The edition for an hour: chosen by its label, the hour's end (docs/quality.md)."""
    return aqi_standard_for(dt.datetime.fromtimestamp(hour_start + 3600, tz=dt.UTC))


def air_recompute_day(station: AirStation, day: dt.date, hours: Iterable[int]) -> None:
    """Recompute the station's hourly reports for ``hours`` (starts, within ``day``) and
    its daily report for ``day``, from every valid reading of that day."""
    rows = _day_readings(station.point_id, day, [HOUR], AIR_FACTORS)
    by_hour = _valid_values(((c, t, v, f) for c, t, v, f, _ in rows), AIR_BY_CODE)
    wanted = sorted(set(hours))
    records = [(h, by_hour[h]) for h in wanted if by_hour.get(h)]
    results = compute_aqi_many(
        [(air_hour_standard(h), values) for h, values in records], report=Report.HOURLY
    )
    _drop(AirHour.objects.filter(station=station, data_time__in=wanted))
    AirHour.objects.bulk_create(
        [
            AirHour(
                station=station,
                data_time=h,
                day=day,
                **{
                    f.name: float(values[f.name]) if f.name in values else None for f in AIR_FACTORS
                },
                **_aqi_fields(result),
            )
            for (h, values), result in zip(records, results, strict=True)
        ]
    )
    _air_day(station, day, by_hour)


def air_daily_inputs(
    by_hour: Mapping[int, Mapping[str, Decimal]], day: dt.date, air_class: int
) -> tuple[dict[str, Decimal], int]:
    """The daily-report concentrations of a natural day (HJ 663), rounded as published,
    and the largest number of valid hours of any pollutant."""
    start = china_day_start(day)
    hourly = {
        f.name: [by_hour.get(start + 3600 * i, {}).get(f.name) for i in range(24)]
        for f in AIR_FACTORS
    }
    rules = assessment_rules_for(day)
    o3_limit = air_limits_for(day).limit("O3", Averaging.MDA8, air_class)
    daily = daily_concentrations(hourly, o3_8h_limit=o3_limit, rules=rules)
    rounded = {
        name: round_statistic(_DAILY_POLLUTANT[name], value, rules=rules)
        for name, value in daily.items()
        if value is not None
    }
    hours = max((sum(v is not None for v in values) for values in hourly.values()), default=0)
    return rounded, hours


def _air_day(
    station: AirStation, day: dt.date, by_hour: Mapping[int, Mapping[str, Decimal]]
) -> None:
    _drop(AirDay.objects.filter(station=station, day=day))
    rounded, hours = air_daily_inputs(by_hour, day, station.air_class)
    if not rounded:
        return  # no valid daily statistic: no daily report for the day
    result = compute_aqi(rounded, report=Report.DAILY, standard=aqi_standard_for(day))
    AirDay.objects.create(
        station=station,
        day=day,
        hours=hours,
        **{name: rounded.get(name) for name in _DAILY_POLLUTANT},
        **_aqi_fields(result),
    )


def _water_fields(values: Mapping[str, Decimal], water_body: str) -> dict[str, Any]:
    section = assess_section(values, water_body=water_body)
    return {
        "values": {k: format(v.normalize(), "f") for k, v in values.items()},
        "water_class": int(section.water_class) if section.water_class else None,
        "item_classes": {k: int(c) for k, c in section.item_classes.items()},
        "main_pollutants": format_main_pollutants(section.main_pollutants),
    }


def water_recompute_day(
    section: WaterSection, day: dt.date, samples: Iterable[tuple[int, int]]
) -> None:
    """Recompute the section's samples (period, data time) of ``day`` and its day."""
    rows = list(_day_readings(section.point_id, day, WATER_PERIODS, WATER_FACTORS))
    by_period = {
        period: _valid_values(
            ((c, t, v, f) for c, t, v, f, p in rows if p == period), WATER_BY_CODE
        )
        for period in WATER_PERIODS
    }
    wanted = set(samples)
    for period in WATER_PERIODS:
        times = [t for p, t in wanted if p == period]
        if times:
            _drop(WaterSample.objects.filter(section=section, period=period, data_time__in=times))
    WaterSample.objects.bulk_create(
        [
            WaterSample(
                section=section,
                period=period,
                data_time=data_time,
                day=day,
                **_water_fields(by_period[period][data_time], section.water_body),
            )
            for period, data_time in sorted(wanted)
            if by_period[period].get(data_time)
        ]
    )
    _drop(WaterDay.objects.filter(section=section, day=day))
    # hourly data when the day has any, else the real-time samples: never both, so a
    # station sending both does not count its values twice
    day_samples = next((list(s.values()) for p in WATER_PERIODS if (s := by_period[p])), [])
    if day_samples:
        WaterDay.objects.create(
            section=section,
            day=day,
            samples=len(day_samples),
            **_water_fields(average_samples(day_samples), section.water_body),
        )


def results_rebuild(
    *,
    stations: Iterable[AirStation] = (),
    sections: Iterable[WaterSection] = (),
    since: dt.date,
    until: dt.date,
) -> int:
    """Mark every hour and sample of a period for recomputation (a rule changed, data
    were corrected by hand); the worker job or the caller then recomputes them."""
    start, end = china_day_start(since), china_day_start(until) + 86400
    marks: set[tuple[str, int, int, int]] = set()
    for station in stations:
        times = Reading.objects.filter(
            point_id=station.point_id, period=HOUR, data_time__gte=start, data_time__lt=end
        ).values_list("data_time", flat=True)
        marks |= {(AIR, station.pk, HOUR, _epoch(t)) for t in times}
    for section in sections:
        pairs = Reading.objects.filter(
            point_id=section.point_id,
            period__in=WATER_PERIODS,
            data_time__gte=start,
            data_time__lt=end,
        ).values_list("period", "data_time")
        marks |= {(WATER, section.pk, p, _epoch(t)) for p, t in pairs}
    return results_mark(marks)
