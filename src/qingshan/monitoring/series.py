"""Selector: one point's values of one factor over a period, as a chart or a sheet shows them.

Real-time and minute values come from the readings the logger sent; hourly and daily
values are the logger's own where it sent one, else the value derived from finer data
(``DerivedValue``). Each value carries its validity (from its data flag, rule
``monitoring.flag_validity``) and, where the permit limit is set at a reference O2, the
converted concentration the limit is judged on. A long range is cut into buckets
(average, minimum, maximum of the valid values) so that a year of minute data stays a
few thousand points; the raw values are never changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.chinatime import CHINA_TZ
from qingshan.core.models import User
from qingshan.core.rules import rule_value
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.conversion import (
    MAX_MEASURED_O2,
    O2_FACTOR,
    judged_value,
    outside_limit,
)
from qingshan.monitoring.models import DerivedValue, Reading
from qingshan.permits.models import PermitLimit
from qingshan.permits.selectors import limits_in_force
from qingshan.registry import selectors as registry
from qingshan.registry.factors import factor_catalogue
from qingshan.registry.models import Enterprise, MonitoringPoint

VALID, INVALID, REVIEW = "valid", "invalid", "review"
# HJ 212-2017 table 8 as most platforms apply it (rules_cn.md §3.1); the rule table may
# override it per jurisdiction, this is the fallback until it is seeded
FLAG_VALIDITY_DEFAULT: dict[str, str] = {
    "N": VALID,
    "F": INVALID,
    "M": INVALID,
    "D": INVALID,
    "C": INVALID,
    "B": INVALID,
    "S": REVIEW,
    "T": REVIEW,
}

# a range longer than this many values is cut into buckets …
MAX_POINTS = 10_000
# … of the smallest of these sizes that gives at most this many buckets
TARGET_BUCKETS = 4_000
BUCKET_SIZES = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 7 * 86400)
MAX_RANGE_DAYS = {PeriodKind.RTD: 400, PeriodKind.MINUTE: 400, PeriodKind.HOUR: 3700}
DEFAULT_RANGE = {
    PeriodKind.RTD: dt.timedelta(hours=6),
    PeriodKind.MINUTE: dt.timedelta(days=1),
    PeriodKind.HOUR: dt.timedelta(days=30),
    PeriodKind.DAY: dt.timedelta(days=365),
}
KIND_NAMES = {"rtd": PeriodKind.RTD, "minute": PeriodKind.MINUTE, "hour": PeriodKind.HOUR}
KIND_NAMES["day"] = PeriodKind.DAY
KIND_LABELS: dict[int, str] = {int(v): k for k, v in KIND_NAMES.items()}


@dataclass(slots=True)
class SeriesValue:
    """One value on the chart: a reading, a derived value, or a bucket of readings."""

    t: int  # epoch seconds: the data time, or the start of the bucket
    value: float | None  # measured (the average of the valid values, for a bucket)
    min: float | None
    max: float | None
    converted: float | None  # at the limit's reference O2; None where there is none
    flag: str  # the logger's data flag ("" for derived values and buckets)
    status: str  # valid / invalid / review
    source: str  # logger / derived / bucket
    count: int = 1  # values behind it (a bucket's readings, a derived value's inputs)
    valid_count: int = 1

    @property
    def at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.t, tz=CHINA_TZ)


@dataclass(slots=True)
class Series:
    point: MonitoringPoint
    factor_code: str
    kind: int
    start: int
    end: int
    values: list[SeriesValue]
    limit: PermitLimit | None
    unit: str
    bucket: int = 0  # seconds per bucket; 0 = every value as stored
    validity: dict[str, str] = field(default_factory=dict)

    @property
    def reference_o2(self) -> float | None:
        if self.limit is None or self.limit.reference_o2 is None:
            return None
        return float(self.limit.reference_o2)

    @property
    def limit_value(self) -> float | None:
        return None if self.limit is None else float(self.limit.limit)

    @property
    def lower_limit(self) -> float | None:
        if self.limit is None or self.limit.lower_limit is None:
            return None
        return float(self.limit.lower_limit)

    def outside(self, judged: float) -> bool:
        return outside_limit(judged, self.limit_value, self.lower_limit)


def flag_validity(*, region_code: str = "", on: dt.date | None = None) -> dict[str, str]:
    """Flag → valid / invalid / review, from the rule table (fallback: HJ 212 common use)."""
    value = rule_value(
        "monitoring.flag_validity",
        region_code=region_code,
        on=on or timezone.localdate(),
        default=FLAG_VALIDITY_DEFAULT,
    )
    return dict(value) if isinstance(value, Mapping) else dict(FLAG_VALIDITY_DEFAULT)


def flag_status(flag: str, validity: Mapping[str, str]) -> str:
    """A value without a flag counts as valid; an unknown flag (an HJ/T 212-2005 logger's
    P, H, L …) is left for a person to review rather than silently counted."""
    if not flag:
        return VALID
    return validity.get(flag, REVIEW)


def kind_from_name(name: str | int) -> int:
    if isinstance(name, int) and name in PeriodKind.values:
        return name
    try:
        return KIND_NAMES[str(name)]
    except KeyError:
        raise ValidationError(
            {"kind": _("数据类型应为 rtd、minute、hour 或 day")}, code="bad_kind"
        ) from None


def default_range(kind: int, *, now: dt.datetime | None = None) -> tuple[int, int]:
    now = now or dt.datetime.now(dt.UTC)
    end = int(now.timestamp()) + 1
    return end - int(DEFAULT_RANGE[PeriodKind(kind)].total_seconds()), end


def point_limit(
    point: MonitoringPoint, factor_code: str, kind: int, on: dt.date
) -> PermitLimit | None:
    """The permit limit a factor at a point is judged against on a date (its outlet's
    permit in force); the daily-basis limit for daily values, else the hourly one."""
    if point.outlet_id is None:
        return None
    limits = [
        x for x in limits_in_force(outlet_id=point.outlet_id, on=on) if x.factor_code == factor_code
    ]
    if not limits:
        return None
    prefer = "daily" if kind == PeriodKind.DAY else "hourly"
    limits.sort(key=lambda x: (x.basis != prefer, -x.permit.valid_from.toordinal()))
    return limits[0]


def point_enterprise(point: MonitoringPoint) -> Enterprise:
    """The enterprise of a point reached through the registry's selectors (which list
    enterprise points only, so the outlet is there)."""
    assert point.outlet is not None
    return point.outlet.enterprise


def factor_unit(code: str) -> str:
    factor = factor_catalogue().get(code)
    return str(getattr(factor, "unit", "") or "")


def _check_range(kind: int, start: int, end: int) -> None:
    if end <= start:
        raise ValidationError({"end": _("结束时间必须晚于开始时间")}, code="bad_range")
    days = MAX_RANGE_DAYS.get(PeriodKind(kind))
    if days and end - start > days * 86400:
        raise ValidationError(
            {"end": _("时间范围过长：该数据类型最多 %(days)s 天") % {"days": days}},
            code="range_too_long",
        )


def reading_series(
    *,
    user: User,
    point_id: int,
    factor_code: str,
    kind: int | str,
    start: int | None = None,
    end: int | None = None,
    max_points: int = MAX_POINTS,
) -> Series:
    """The values of ``factor_code`` at a point the user may see (else DoesNotExist)."""
    point = registry.point_get(user=user, pk=point_id)
    kind = kind_from_name(kind)
    if start is None or end is None:
        d_start, d_end = default_range(kind)
        start = d_start if start is None else start
        end = d_end if end is None else end
    _check_range(kind, start, end)
    region = point_enterprise(point).region_code
    end_day = dt.datetime.fromtimestamp(end - 1, tz=CHINA_TZ).date()
    series = Series(
        point=point,
        factor_code=factor_code,
        kind=kind,
        start=start,
        end=end,
        values=[],
        limit=point_limit(point, factor_code, kind, end_day),
        unit="",
        validity=flag_validity(region_code=region, on=end_day),
    )
    series.unit = series.limit.unit if series.limit else factor_unit(factor_code)
    if kind in (PeriodKind.RTD, PeriodKind.MINUTE):
        count = _readings(point.pk, factor_code, kind, start, end).count()
        if count > max_points:
            series.bucket = bucket_size(start, end, min(TARGET_BUCKETS, max_points))
            series.values = _bucketed_sql(series)
            return series
        series.values = _raw_readings(series)
    else:
        series.values = _raw_aggregates(series)
        if len(series.values) > max_points:
            series.bucket = bucket_size(start, end, min(TARGET_BUCKETS, max_points))
            series.values = bucket_values(series.values, start=start, size=series.bucket)
    return series


def bucket_size(start: int, end: int, target: int = TARGET_BUCKETS) -> int:
    for size in BUCKET_SIZES:
        if (end - start) / size <= target:
            return size
    return BUCKET_SIZES[-1]


def _readings(point_id: int, factor_code: str, kind: int, start: int, end: int) -> Any:
    return Reading.objects.filter(
        point_id=point_id,
        factor_code=factor_code,
        period=kind,
        data_time__gte=start,
        data_time__lt=end,
    )


def _fetch(
    model: type[models.Model], columns: str, point_id: int, factor_code: str, series: Series
) -> list[tuple[Any, ...]]:
    """Rows of one point, factor and kind in the series' period, in time order, straight
    from the DB-API cursor: Django's per-value converters cost more than the query on a
    year of values (measured: 90 ms of 8,760 rows)."""
    sql = (
        f"SELECT data_time, {columns} FROM {model._meta.db_table}"  # noqa: S608
        " WHERE point_id = %s AND factor_code = %s AND period = %s"
        " AND data_time >= %s AND data_time < %s ORDER BY data_time"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [point_id, factor_code, series.kind, series.start, series.end])
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _o2_by_time(series: Series, *, derived: bool) -> dict[int, float | None]:
    """Measured O2 at the same point, kind and times (the logger's, then derived ones)."""
    if series.reference_o2 is None:
        return {}
    o2: dict[int, float | None] = dict(_fetch(Reading, "value", series.point.pk, O2_FACTOR, series))
    if derived:
        for t, v in _fetch(DerivedValue, "value", series.point.pk, O2_FACTOR, series):
            o2.setdefault(t, v)
    return o2


def _converter(series: Series) -> Any:
    ref = series.reference_o2
    if ref is None:
        return lambda value, zs, o2: zs
    return lambda value, zs, o2: judged_value(
        value, sent_converted=zs, o2_measured=o2, o2_reference=ref
    )


def _raw_readings(series: Series, o2: dict[int, float | None] | None = None) -> list[SeriesValue]:
    if o2 is None:
        o2 = _o2_by_time(series, derived=False)
    convert = _converter(series)
    validity = series.validity
    rows = _fetch(Reading, "value, min, max, zs, flag", series.point.pk, series.factor_code, series)
    return [
        SeriesValue(
            t=t,
            value=value,
            min=vmin,
            max=vmax,
            converted=convert(value, zs, o2.get(t)),
            flag=flag,
            status=flag_status(flag, validity),
            source="logger",
        )
        for t, value, vmin, vmax, zs, flag in rows
    ]


def _raw_aggregates(series: Series) -> list[SeriesValue]:
    """Hourly or daily values: the logger's own where sent, else the derived ones."""
    o2 = _o2_by_time(series, derived=True)
    by_time = {v.t: v for v in _raw_readings(series, o2)}
    convert = _converter(series)
    derived = _fetch(
        DerivedValue,
        "value, min, max, zs, valid_count, total_count, is_valid",
        series.point.pk,
        series.factor_code,
        series,
    )
    for t, value, vmin, vmax, zs, valid_count, total, is_valid in derived:
        if t in by_time:
            continue  # the logger's own value wins
        by_time[t] = SeriesValue(
            t=t,
            value=value,
            min=vmin,
            max=vmax,
            converted=convert(value, zs, o2.get(t)),
            flag="",
            status=VALID if is_valid else INVALID,
            source="derived",
            count=total,
            valid_count=valid_count,
        )
    return [by_time[t] for t in sorted(by_time)]


def bucket_values(values: Iterable[SeriesValue], *, start: int, size: int) -> list[SeriesValue]:
    """Average, minimum and maximum per bucket of the valid values (all values where a
    bucket has no valid one, marked with the worst status in it)."""
    groups: dict[int, list[SeriesValue]] = {}
    for v in values:
        groups.setdefault(start + (v.t - start) // size * size, []).append(v)
    out = []
    for t in sorted(groups):
        members = groups[t]
        valid = [v for v in members if v.status == VALID and v.value is not None]
        use = valid or [v for v in members if v.value is not None] or members
        numbers = [v.value for v in use if v.value is not None]
        conv = [v.converted for v in use if v.converted is not None]
        lows = [v.min if v.min is not None else v.value for v in use]
        highs = [v.max if v.max is not None else v.value for v in use]
        status = (
            VALID if valid else (REVIEW if any(v.status == REVIEW for v in members) else INVALID)
        )
        out.append(
            SeriesValue(
                t=t,
                value=sum(numbers) / len(numbers) if numbers else None,
                min=min((x for x in lows if x is not None), default=None),
                max=max((x for x in highs if x is not None), default=None),
                converted=sum(conv) / len(conv) if conv else None,
                flag="",
                status=status,
                source="bucket",
                count=len(members),
                valid_count=len(valid),
            )
        )
    return out


def _bucketed_sql(series: Series) -> list[SeriesValue]:
    """Buckets computed by the database: a year of minute values never reaches Python."""
    table = Reading._meta.db_table
    valid_flags = ["", *(f for f, s in series.validity.items() if s == VALID)]
    invalid_flags = [f for f, s in series.validity.items() if s == INVALID]
    valid = f"r.flag IN ({', '.join(['%s'] * len(valid_flags))})"
    # an unknown flag is for review, like flag_status()
    known = valid_flags + invalid_flags
    review = f"(r.flag NOT IN ({', '.join(['%s'] * len(known))}))"
    ref = series.reference_o2
    if ref is None:
        conv = "r.zs"
        join, join_params = "", []
    else:
        conv = (
            "COALESCE(r.zs, CASE WHEN o.value >= 0 AND o.value <= %s"
            " THEN r.value * (21.0 - %s) / (21.0 - o.value) END)"
        )
        join = (
            f" LEFT JOIN {table} o ON o.point_id = r.point_id AND o.factor_code = %s"
            " AND o.period = r.period AND o.data_time = r.data_time"
        )
        join_params = [O2_FACTOR]
    conv_params = [] if ref is None else [MAX_MEASURED_O2, ref]
    # only the model's table name and placeholders are formatted in; values are parameters
    sql = (
        f"SELECT (r.data_time - %s) / %s AS b,"  # noqa: S608
        f" AVG(CASE WHEN {valid} THEN r.value END),"
        f" MIN(CASE WHEN {valid} THEN COALESCE(r.min, r.value) END),"
        f" MAX(CASE WHEN {valid} THEN COALESCE(r.max, r.value) END),"
        f" AVG(CASE WHEN {valid} THEN {conv} END),"
        f" SUM(CASE WHEN {valid} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {review} THEN 1 ELSE 0 END),"
        " COUNT(*), AVG(r.value), MIN(COALESCE(r.min, r.value)), MAX(COALESCE(r.max, r.value)),"
        f" AVG({conv})"
        f" FROM {table} r{join}"
        " WHERE r.point_id = %s AND r.factor_code = %s AND r.period = %s"
        " AND r.data_time >= %s AND r.data_time < %s"
        " GROUP BY b ORDER BY b"
    )
    params: list[Any] = [series.start, series.bucket]
    params += valid_flags * 3  # average, minimum, maximum of the valid values
    params += valid_flags + conv_params  # average converted value of the valid ones
    params += valid_flags + known  # how many valid, how many for review
    params += conv_params + join_params
    params += [series.point.pk, series.factor_code, series.kind, series.start, series.end]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    for b, avg_v, min_v, max_v, conv_v, n_valid, n_review, n, avg_a, min_a, max_a, conv_a in rows:
        n_valid, n_review, n = int(n_valid or 0), int(n_review or 0), int(n)
        has_valid = n_valid > 0 and avg_v is not None
        out.append(
            SeriesValue(
                t=series.start + int(b) * series.bucket,
                value=_f(avg_v if has_valid else avg_a),
                min=_f(min_v if has_valid else min_a),
                max=_f(max_v if has_valid else max_a),
                converted=_f(conv_v if has_valid else conv_a),
                flag="",
                status=VALID if has_valid else (REVIEW if n_review else INVALID),
                source="bucket",
                count=n,
                valid_count=n_valid,
            )
        )
    return out


def _f(x: Any) -> float | None:
    return None if x is None else float(x)
