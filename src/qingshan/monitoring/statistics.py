"""Hourly and daily values derived from finer data (HJ 212-2017 Appendix D, HJ 75-2017).

Where a logger sends minute data but no hourly data, the hour is derived from the valid
minute values: average, minimum, maximum and the count of valid minutes; it is valid only
with at least ``monitoring.hour_min_valid_minutes`` of them (45 per HJ 75-2017, a rule
value because provinces set their own). Days are derived likewise from hourly values
(``monitoring.day_min_valid_hours``, 20 per HJ 212-2017 Appendix D). Concentrations of a
point that also measures wastewater flow are flow-weighted means (Appendix D: the
period's pollutant amount over its volume); others are arithmetic means.

Derived values live in their own table (``DerivedValue``): a value the logger sends
itself always wins. A derived value is judged by the alarm rules only when the logger
sent none for that hour or day.

A period that cannot be derived (no rule in force on its date, a data time no datetime
holds) is set aside as a dead letter and its mark removed: the other periods go on.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Max

from qingshan.core.chinatime import china_date_of_epoch, china_day_start_of_epoch
from qingshan.core.fields import epoch_seconds
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.context import Contexts
from qingshan.monitoring.dead_letters import STATISTICS, TRANSIENT, dead_letter_record
from qingshan.monitoring.evaluation import INSUFFICIENT, VALID, flag_validity
from qingshan.monitoring.models import DerivedValue, Reading, StatisticsDue
from qingshan.monitoring.stream import StreamReading
from qingshan.registry.models import MonitoringPoint

HOUR, DAY = 3600, 86400
WATER_FLOW = "w00000"  # wastewater flow, L/s (HJ 212-2017 Appendix B)
# a period is derived this long after it ends, so that the logger's own late hourly
# value (sent a few minutes after the hour) is there first
GRACE = {PeriodKind.HOUR: 10 * 60, PeriodKind.DAY: 60 * 60}
DUE_PER_RUN = 500

# (factor, data_time) -> (value, zs, flag)
Values = dict[str, list[tuple[int, float | None, float | None, str]]]


def due_mark(readings: Iterable[StreamReading]) -> None:
    """Stream consumer: the hours of new minute values and the days of new hourly ones."""
    marks = set()
    for r in readings:
        if r.period == PeriodKind.MINUTE:
            marks.add((r.point_id, PeriodKind.HOUR, r.data_time - r.data_time % HOUR))
        elif r.period == PeriodKind.HOUR:
            marks.add((r.point_id, PeriodKind.DAY, china_day_start_of_epoch(r.data_time)))
    StatisticsDue.objects.bulk_create(
        [StatisticsDue(point_id=p, period=k, data_time=t) for p, k, t in marks],
        ignore_conflicts=True,
    )


def _mean(
    values: list[tuple[int, float | None, float | None, str]],
    weights: dict[int, float] | None,
) -> tuple[float | None, float | None]:
    """Mean of the values and of their converted values (None unless all have one)."""
    numbers = [(t, v, zs) for t, v, zs, _ in values if v is not None]
    if not numbers:
        return None, None
    if weights and all(weights.get(t, 0) > 0 for t, _, _ in numbers):
        total = sum(weights[t] for t, _, _ in numbers)
        value = sum(v * weights[t] for t, v, _ in numbers) / total
    else:
        value = sum(v for _, v, _ in numbers) / len(numbers)
    zs_all = [zs for _, _, zs in numbers]
    zs = None if any(z is None for z in zs_all) else sum(zs_all) / len(zs_all)  # type: ignore[arg-type]
    # sums of values near the float maximum overflow: no mean of measurements, nothing to judge
    return _finite(value), _finite(zs)


def _finite(x: float | None) -> float | None:
    return x if x is None or math.isfinite(x) else None


def derive(
    point_id: int,
    period: int,
    start: int,
    values: Values,
    *,
    min_valid: int,
    validity: dict[str, str],
) -> list[DerivedValue]:
    """One derived value per factor from the finer values of the period."""
    now_ms = int(time.time() * 1000)
    flow = {
        t: v
        for t, v, _, flag in values.get(WATER_FLOW, [])
        if v is not None and flag_validity(flag, validity) == VALID
    }
    derived = []
    for factor, rows in values.items():
        valid = [row for row in rows if flag_validity(row[3], validity) == VALID]
        weights = flow if factor.startswith("w") and factor != WATER_FLOW else None
        value, zs = _mean(valid, weights)
        numbers = [v for _, v, _, _ in valid if v is not None]
        derived.append(
            DerivedValue(
                point_id=point_id,
                factor_code=factor,
                period=period,
                data_time=start,
                value=value,
                min=min(numbers) if numbers else None,
                max=max(numbers) if numbers else None,
                zs=zs,
                valid_count=len(numbers),
                total_count=len(rows),
                is_valid=len(numbers) >= min_valid,
                computed_at=now_ms,
            )
        )
    return derived


def _finer_values(point: MonitoringPoint, period: int, start: int) -> tuple[Values, set[str]]:
    """The values a period is derived from, and the factors the logger sent it for itself."""
    length = HOUR if period == PeriodKind.HOUR else DAY
    finer = PeriodKind.MINUTE if period == PeriodKind.HOUR else PeriodKind.HOUR
    base = Reading.objects.filter(point_id=point.pk)
    if point.factors:
        base = base.filter(factor_code__in=point.factors)  # the key's prefix: index ranges
    values: Values = defaultdict(list)
    for code, t, v, zs, flag in base.filter(
        period=finer, data_time__gte=start, data_time__lt=start + length
    ).values_list("factor_code", "data_time", "value", "zs", "flag"):
        values[code].append((epoch_seconds(t) or 0, v, zs, flag))
    if period == PeriodKind.DAY:  # hours the logger did not send come from derived hours
        sent = {(code, t) for code, rows in values.items() for t, *_ in rows}
        for code, t, v, zs, ok in DerivedValue.objects.filter(
            point_id=point.pk,
            period=PeriodKind.HOUR,
            data_time__gte=start,
            data_time__lt=start + DAY,
        ).values_list("factor_code", "data_time", "value", "zs", "is_valid"):
            t = epoch_seconds(t) or 0
            if (code, t) not in sent:
                values[code].append((t, v, zs, "N" if ok else INSUFFICIENT))
    own = set(base.filter(period=period, data_time=start).values_list("factor_code", flat=True))
    return values, own


def _arrivals(point_id: int, period: int, start: int) -> tuple[object, ...]:
    """How many values a period is derived from, and the newest arrival among them.

    Taken before the values are read and again in the transaction that stores the result:
    if it changed, a value landed in between and the period is derived again.
    """
    length = HOUR if period == PeriodKind.HOUR else DAY
    span = {"point_id": point_id, "data_time__gte": start, "data_time__lt": start + length}
    finer = PeriodKind.MINUTE if period == PeriodKind.HOUR else PeriodKind.HOUR
    sent = Reading.objects.filter(**span, period=finer).aggregate(
        n=Count("*"), t=Max("received_at")
    )
    if period == PeriodKind.HOUR:
        return sent["n"], sent["t"]
    hours = DerivedValue.objects.filter(**span, period=PeriodKind.HOUR).aggregate(
        n=Count("*"), t=Max("computed_at")
    )
    return sent["n"], sent["t"], hours["n"], hours["t"]


def _due(period: PeriodKind, now: int) -> list[tuple[int, int]]:
    """The marks of ``period`` due by ``now``, oldest first, their times as plain integers:
    a mark of year 1 is a time no datetime holds, and must not fail the others' read."""
    length = HOUR if period == PeriodKind.HOUR else DAY
    raw = ExpressionWrapper(F("data_time"), output_field=BigIntegerField())
    return list(
        StatisticsDue.objects.filter(period=period, data_time__lte=now - length - GRACE[period])
        .annotate(t=raw)
        .order_by("data_time")
        .values_list("point_id", "t")[:DUE_PER_RUN]
    )


def statistics_derive(*, now: int, contexts: Contexts) -> list[StreamReading]:
    """Derive the periods that are due; returns the values for the alarm rules to judge.

    The values are read and derived before the transaction, which holds the database only
    to store the result: at midnight every point's day is due at once, and a transaction
    around the reads kept the gateway and the stream's judging waiting for seconds
    (docs/benchmarks.md, alarm latency). A period that fails is set aside, its mark
    removed; a failing database is raised (the marks stay for the next run).
    """
    to_judge: list[StreamReading] = []
    for period in (PeriodKind.HOUR, PeriodKind.DAY):
        due = _due(period, now)
        points = MonitoringPoint.objects.in_bulk({p for p, _ in due})
        for point_id, start in due:
            point = points.get(point_id)
            if point is None:  # a deleted point: nothing to derive
                _unmark(point_id, period, start)
                continue
            try:
                to_judge.extend(_derive_due(point, period, start, contexts))
            except TRANSIENT:
                raise
            except Exception as exc:
                with transaction.atomic():
                    _unmark(point_id, period, start)
                    dead_letter_record(
                        consumer=STATISTICS,
                        exc=exc,
                        point_id=point_id,
                        period=period,
                        data_time=start,
                    )
    return to_judge


UNMARK_SQL = (
    f"DELETE FROM {StatisticsDue._meta.db_table}"  # noqa: S608 (a model's table)
    " WHERE point_id = %s AND period = %s AND data_time = %s"
)


def _unmark(point_id: int, period: int, start: int) -> None:
    """Remove a mark. Plain SQL: the ORM reads the rows it deletes first (for the signals),
    and the time of a year-1 mark reads as no datetime."""
    with connection.cursor() as cursor:
        cursor.execute(UNMARK_SQL, [point_id, period, start])


def _derive_due(
    point: MonitoringPoint, period: int, start: int, contexts: Contexts
) -> list[StreamReading]:
    """Derive and store one period and remove its mark; the values to judge."""
    seen = _arrivals(point.pk, period, start)
    derived = _derive_one(point, period, start, contexts)
    with transaction.atomic():
        _unmark(point.pk, period, start)
        if _arrivals(point.pk, period, start) != seen:
            derived = _derive_one(point, period, start, contexts)
        return _store(point, period, start, derived)


def statistics_derive_one(
    point_id: int, period: int, start: int, *, contexts: Contexts
) -> list[StreamReading]:
    """One period derived now, due or not (judge again, from the dead-letter list)."""
    return _derive_due(MonitoringPoint.objects.get(pk=point_id), period, start, contexts)


Derived = tuple[list[DerivedValue], set[str]]  # the values, and the factors sent as such


def _derive_one(point: MonitoringPoint, period: int, start: int, contexts: Contexts) -> Derived:
    ctx = contexts.point(point.pk)
    region = ctx.region_code if ctx else ""
    on = china_date_of_epoch(start)
    validity = contexts.rule("monitoring.flag_validity", region_code=region, on=on)
    name = (
        "monitoring.hour_min_valid_minutes"
        if period == PeriodKind.HOUR
        else "monitoring.day_min_valid_hours"
    )
    min_valid = int(contexts.rule(name, region_code=region, on=on))
    values, own = _finer_values(point, period, start)
    return derive(point.pk, period, start, values, min_valid=min_valid, validity=validity), own


def _store(point: MonitoringPoint, period: int, start: int, result: Derived) -> list[StreamReading]:
    derived, own = result
    DerivedValue.objects.filter(point_id=point.pk, period=period, data_time=start).delete()
    DerivedValue.objects.bulk_create(derived)
    if period == PeriodKind.HOUR:
        StatisticsDue.objects.bulk_create(
            [
                StatisticsDue(
                    point_id=point.pk,
                    period=PeriodKind.DAY,
                    data_time=china_day_start_of_epoch(start),
                )
            ],
            ignore_conflicts=True,
        )
    return [
        StreamReading(
            point_id=d.point_id,
            factor_code=d.factor_code,
            period=period,
            data_time=start,
            value=d.value,
            flag="N" if d.is_valid else INSUFFICIENT,
            zs=d.zs,
            received_ms=d.computed_at,
            device_id=0,
        )
        for d in derived
        if d.factor_code not in own
    ]
