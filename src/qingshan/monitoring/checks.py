"""Alarms for silence: a data logger that stopped talking, an hour that never came.

Silence cannot be seen in the data that arrive, so these run on a schedule. Both respect
declarations: a point declared under maintenance or shut down raises neither, and the
declaration stays on record next to the gap.

A point whose check fails (no rule in force for its region, say) is left out and handed
back in ``failures``, for the job to set aside: the other points are checked.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from qingshan.core.chinatime import china_date_of_epoch
from qingshan.core.fields import epoch_seconds
from qingshan.monitoring.choices import AlarmKind, PeriodKind
from qingshan.monitoring.context import Contexts, PointContext
from qingshan.monitoring.dead_letters import TRANSIENT
from qingshan.monitoring.declarations import declarations_covering
from qingshan.monitoring.evaluation import Finding
from qingshan.monitoring.models import DerivedValue, Reading
from qingshan.registry.models import Device

HOUR = 3600
LOOKBACK_HOURS = 24  # a point that sent hourly data within this is expected to go on

Failures = list[tuple[int, Exception]]  # (point, what made its check fail)


def _minutes(
    contexts: Contexts, rule: str, ctx: PointContext, now: int, failures: Failures | None
) -> int | None:
    """A rule in minutes for one point; a failure that is not the database's is the point's
    own: handed back in ``failures`` (None: raised, for a caller checking one point)."""
    try:
        return int(contexts.rule(rule, region_code=ctx.region_code, on=china_date_of_epoch(now)))
    except TRANSIENT:
        raise
    except Exception as exc:
        if failures is None:
            raise
        failures.append((ctx.point_id, exc))
        return None


def _declared(point_ids: set[int], at: int) -> set[int]:
    return set(declarations_covering(point_ids, at, at).values_list("point_id", flat=True))


def offline_findings(
    *,
    now: int,
    contexts: Contexts,
    point_ids: set[int] | None = None,
    failures: Failures | None = None,
) -> list[Finding]:
    """Active devices with no packet for longer than their interval: the device's own
    ``offline_after_minutes`` when set, else the rule ``monitoring.offline_after_minutes``
    of the point's jurisdiction. ``point_ids``: only those points."""
    devices = Device.objects.filter(is_active=True)
    if point_ids is not None:
        devices = devices.filter(point_id__in=point_ids)
    rows = []
    for point_id, mn, last_seen_ms, created_at, own_minutes in devices.values_list(
        "point_id", "mn", "state__last_seen_at", "created_at", "offline_after_minutes"
    ):
        ctx = contexts.point(point_id)
        if ctx is None:
            continue
        last_seen = epoch_seconds(last_seen_ms) or int(created_at.timestamp())
        rows.append((ctx, mn, last_seen, own_minutes))
    declared = _declared({row[0].point_id for row in rows}, now)
    findings = []
    for ctx, mn, last_seen, own_minutes in rows:
        minutes = own_minutes or _minutes(
            contexts, "monitoring.offline_after_minutes", ctx, now, failures
        )
        if minutes is None:
            continue
        if now - last_seen <= minutes * 60:
            findings.append(Finding(False, ctx.point_id, "", AlarmKind.OFFLINE, now))
        elif ctx.point_id not in declared:
            # the data time is the last packet's: checking again repeats nothing
            findings.append(
                Finding(
                    True,
                    ctx.point_id,
                    "",
                    AlarmKind.OFFLINE,
                    last_seen,
                    rule="offline",
                    evidence={"mn": mn, "last_seen": last_seen, "threshold_minutes": minutes},
                )
            )
    return findings


def _hour_sql(table: str, when: str) -> str:
    return (
        f"SELECT 1 FROM {table} WHERE point_id = %s AND factor_code = %s"  # noqa: S608 (models)
        f" AND period = %s AND {when} LIMIT 1"
    )


class _HourProbe:
    """Does a point have an hourly value (sent or derived) at, or before, an hour?

    A point at a time, with the same few statements on one cursor: built through the ORM,
    a thousand points cost seconds of the worker's time every run, time the stream's
    judging waited for (docs/benchmarks.md, alarm latency).
    """

    TABLES = (Reading._meta.db_table, DerivedValue._meta.db_table)
    AT = [_hour_sql(t, "data_time = %s") for t in TABLES]
    BEFORE = [_hour_sql(t, "data_time >= %s AND data_time < %s") for t in TABLES]

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def _any(self, statements: list[str], point_id: int, factor: str, *times: int) -> bool:
        for sql in statements:
            self.cursor.execute(sql, (point_id, factor, PeriodKind.HOUR, *times))
            if self.cursor.fetchone() is not None:
                return True
        return False

    def has_hour(self, point_id: int, factor: str, hour: int) -> bool:
        return self._any(self.AT, point_id, factor, hour)

    def expects_hours(self, point_id: int, factor: str, hour: int) -> bool:
        return self._any(self.BEFORE, point_id, factor, hour - LOOKBACK_HOURS * HOUR, hour)


def missing_findings(
    *,
    now: int,
    contexts: Contexts,
    point_ids: set[int] | None = None,
    failures: Failures | None = None,
) -> list[Finding]:
    """Points that send hourly data (or minute data to derive it) but lack the last hour."""
    findings = []
    points: list[tuple[PointContext, int]] = []
    for ctx in contexts.all_points():
        if not ctx.factors or (point_ids is not None and ctx.point_id not in point_ids):
            continue
        grace = _minutes(contexts, "monitoring.missing_hour_grace_minutes", ctx, now, failures)
        if grace is None:
            continue
        # the last hour whose values should be here by now: it ended more than grace ago
        hour = (now - grace * 60) // HOUR * HOUR - HOUR
        points.append((ctx, hour))
    missing: list[tuple[PointContext, int, str]] = []
    with connection.cursor() as cursor:
        probe = _HourProbe(cursor)
        for ctx, hour in points:
            factor = ctx.factors[0]
            if probe.has_hour(ctx.point_id, factor, hour):
                findings.append(Finding(False, ctx.point_id, "", AlarmKind.MISSING, hour))
            elif probe.expects_hours(ctx.point_id, factor, hour):
                missing.append((ctx, hour, factor))
    declared_at: dict[int, set[int]] = {}
    for ctx, hour, factor in missing:
        if hour not in declared_at:
            declared_at[hour] = _declared({c.point_id for c, h in points if h == hour}, hour)
        if ctx.point_id in declared_at[hour]:
            continue
        findings.append(
            Finding(
                True,
                ctx.point_id,
                "",
                AlarmKind.MISSING,
                hour,
                period=PeriodKind.HOUR,
                rule="missing.hourly",
                evidence={"hour": hour, "factor": factor},
            )
        )
    return findings
