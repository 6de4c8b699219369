"""Findings become alarms: one open alarm per (point, factor, kind), as in ThingsBoard.

A repeat of an open alarm's condition counts an occurrence, moves its last time and
keeps the worst value, instead of adding a row; a data time already counted (a resent
packet, a value judged twice) counts nothing. A raise soon after an alarm of the same
condition cleared (rule ``monitoring.alarm_reopen_minutes``, in data time) reopens that
alarm instead of making a new one: a condition that comes and goes is one alarm to act
on. Raising, reopening and clearing write the alarm's history and a domain event
(``monitoring.alarm.raised`` / ``.reopened`` / ``.cleared``) in the same transaction, for
supervision cases and the environmental code to react to.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from qingshan.core.chinatime import china_date_of_epoch
from qingshan.core.fields import epoch_seconds
from qingshan.core.models import OutboxEvent
from qingshan.core.outbox import event_record
from qingshan.monitoring.choices import AlarmAction, Severity
from qingshan.monitoring.context import Contexts, PointContext
from qingshan.monitoring.evaluation import Finding
from qingshan.monitoring.models import Alarm, AlarmEntry

UPDATED = [
    "occurrences",
    "first_at",
    "last_at",
    "worst_value",
    "evidence",
    "severity",
    "counted_times",
]
TIMES_KEPT = 200  # data times counted, kept on the alarm to recognise a repeat
ORDER = list(Severity.values)  # worst first


def _worst(*severities: str) -> str:
    return min((s for s in severities if s in ORDER), key=ORDER.index, default=Severity.MINOR)


def _severity(finding: Finding, contexts: Contexts, region_code: str) -> str:
    """The kind's severity (rule ``monitoring.alarm_severity``), or the worse one the
    severity bands gave the finding (how far over the limit, for how long). A finding
    made without the engine's runs (a caller's own) is graded by its ratio alone: the
    bands that ask for no duration."""
    on = china_date_of_epoch(finding.data_time)
    base = contexts.rule("monitoring.alarm_severity", region_code=region_code, on=on).get(
        finding.kind, Severity.MINOR
    )
    banded = finding.severity
    if not banded and finding.value and finding.limit and finding.evidence.get("side") != "below":
        bands = contexts.rule("monitoring.severity_bands", region_code=region_code, on=on)
        banded = _worst(
            *(
                str(band["severity"])
                for band in bands.get(str(finding.kind), [])
                if not float(band.get("minutes", 0))
                and finding.value >= float(band["ratio"]) * finding.limit
            ),
            str(base),
        )
    return _worst(str(base), banded) if banded else str(base)


def _event_payload(alarm: Alarm) -> dict[str, Any]:
    return {
        "alarm_id": alarm.pk,
        "point_id": alarm.point_id,
        "enterprise_id": alarm.enterprise_id,
        "region_code": alarm.region_code,
        "factor_code": alarm.factor_code,
        "kind": alarm.kind,
        "severity": alarm.severity,
    }


def _worse(old: float | None, new: float | None, *, low: bool = False) -> float | None:
    """The worst value seen: the highest, or the lowest for a value under a lower limit
    (pH below 6) and for a flow at or below zero."""
    if new is None or old is None:
        return old if new is None else new
    return min(old, new) if low or new <= 0 else max(old, new)


@transaction.atomic
def findings_apply(findings: list[Finding], *, contexts: Contexts) -> dict[str, int]:
    """Raise, repeat, reopen and clear alarms; returns counts of each."""
    counts = {"raised": 0, "repeated": 0, "reopened": 0, "cleared": 0}
    if not findings:
        return counts
    points = {f.point_id for f in findings}
    open_alarms = {
        (a.point_id, a.factor_code, a.kind): a
        for a in Alarm.objects.filter(point_id__in=points, cleared_at__isnull=True)
    }
    changed: dict[int, Alarm] = {}
    for finding in findings:
        key = (finding.point_id, finding.factor_code, finding.kind)
        alarm = open_alarms.get(key)
        if finding.raise_alarm:
            if alarm is None:
                ctx = contexts.point(finding.point_id)
                if ctx is None or _counted_before(finding):
                    continue  # a point retired (judged no more) since it was judged, or a resend
                alarm = _recently_cleared(finding, contexts, ctx.region_code)
                if alarm is not None:
                    _reopen(alarm, finding, contexts)
                    counts["reopened"] += 1
                else:
                    alarm = _raise(finding, ctx, contexts)
                    counts["raised"] += 1
                open_alarms[key] = alarm
            elif _repeat(alarm, finding, contexts):
                changed[alarm.pk] = alarm
                counts["repeated"] += 1
        elif alarm is not None and finding.data_time > (epoch_seconds(alarm.last_at) or 0):
            _clear(alarm, reason=finding.rule or "condition ended")
            del open_alarms[key]
            changed.pop(alarm.pk, None)
            counts["cleared"] += 1
    if changed:
        _save_repeats(list(changed.values()))
    return counts


def _save_repeats(alarms: list[Alarm]) -> None:
    """One UPDATE statement, many rows: an early warning repeats with every real-time value,
    and the ORM's bulk_update builds a CASE expression per column that costs more than the
    judging (measured: 1.5 s of 16 s while catching up with 58,000 packets)."""
    jsonb = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    sql = (
        f"UPDATE {Alarm._meta.db_table} SET occurrences = %s, first_at = %s, last_at = %s,"  # noqa: S608
        f" worst_value = %s, evidence = {jsonb}, severity = %s, counted_times = {jsonb}"
        " WHERE id = %s"
    )
    rows = [
        (
            a.occurrences,
            epoch_seconds(a.first_at),
            epoch_seconds(a.last_at),
            a.worst_value,
            json.dumps(a.evidence),
            a.severity,
            json.dumps(a.counted_times),
            a.pk,
        )
        for a in alarms
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _counted_before(finding: Finding) -> bool:
    """Did an alarm, cleared since, already count this data time? (a resend of old data)"""
    earlier = Alarm.objects.filter(
        point_id=finding.point_id,
        factor_code=finding.factor_code,
        kind=finding.kind,
        first_at__lte=finding.data_time,
        last_at__gte=finding.data_time,
    ).values_list("counted_times", flat=True)
    return any(finding.data_time in (times or []) for times in earlier)


def _recently_cleared(finding: Finding, contexts: Contexts, region_code: str) -> Alarm | None:
    """The alarm of the same condition whose last occurrence is at most the reopen window
    before this raise (its run's first data time), if it was cleared by its data (not by a
    retirement): the condition came back, it is the same matter."""
    minutes = contexts.rule(
        "monitoring.alarm_reopen_minutes",
        region_code=region_code,
        on=china_date_of_epoch(finding.data_time),
    )
    window = float(minutes.get(str(finding.kind), minutes.get("default", 0)))
    if window <= 0:
        return None
    start = finding.since if finding.since is not None else finding.data_time
    found = (
        Alarm.objects.filter(
            point_id=finding.point_id,
            factor_code=finding.factor_code,
            kind=finding.kind,
            cleared_at__isnull=False,
            last_at__gte=start - int(window * 60),
            last_at__lte=finding.data_time,
        )
        .order_by("-last_at", "-id")
        .first()
    )
    if found is None or found.entries.filter(text=POINT_RETIRED).exists():
        return None
    return found


def _raise(finding: Finding, ctx: PointContext, contexts: Contexts) -> Alarm:
    first = finding.since if finding.since is not None else finding.data_time
    alarm = Alarm.objects.create(
        point_id=finding.point_id,
        enterprise_id=ctx.enterprise_id,
        region_code=ctx.region_code,
        factor_code=finding.factor_code,
        kind=finding.kind,
        severity=_severity(finding, contexts, ctx.region_code),
        period=finding.period,
        first_at=min(first, finding.data_time),
        last_at=finding.data_time,
        occurrences=max(1, finding.occurrences),
        worst_value=finding.value,
        limit_value=finding.limit,
        rule=finding.rule,
        evidence=finding.evidence,
        counted_times=[finding.data_time],
    )
    AlarmEntry.objects.create(alarm=alarm, action=AlarmAction.RAISED, text=finding.rule)
    event_record(topic="monitoring.alarm.raised", aggregate=alarm, payload=_event_payload(alarm))
    return alarm


def _reopen(alarm: Alarm, finding: Finding, contexts: Contexts) -> None:
    """The cleared alarm is open again, with this occurrence counted (its acknowledgement
    and explanation stand: the same matter). No new case is opened for it."""
    _count(alarm, finding, contexts, occurrences=max(1, finding.occurrences))
    alarm.cleared_at = None
    alarm.save(update_fields=[*UPDATED, "cleared_at"])
    AlarmEntry.objects.create(alarm=alarm, action=AlarmAction.REOPENED, text=finding.rule)
    event_record(topic="monitoring.alarm.reopened", aggregate=alarm, payload=_event_payload(alarm))


def _repeat(alarm: Alarm, finding: Finding, contexts: Contexts) -> bool:
    times: list[int] = list(alarm.counted_times or [])
    if finding.data_time in times:
        return False  # already counted: a resend, or the same value judged again
    if finding.data_time < (epoch_seconds(alarm.first_at) or 0) and _counted_before(finding):
        return False  # older than this alarm: counted by one cleared before it
    _count(alarm, finding, contexts, occurrences=1)
    return True


def _count(alarm: Alarm, finding: Finding, contexts: Contexts, *, occurrences: int) -> None:
    """One more occurrence (or a run of them): times, worst value, evidence, severity."""
    times = list(alarm.counted_times or [])
    alarm.counted_times = sorted([*times, finding.data_time])[-TIMES_KEPT:]
    alarm.occurrences += occurrences
    alarm.last_at = max(epoch_seconds(alarm.last_at) or 0, finding.data_time)
    alarm.first_at = min(epoch_seconds(alarm.first_at) or 0, finding.data_time)
    low = finding.evidence.get("side") == "below"
    alarm.worst_value = _worse(alarm.worst_value, finding.value, low=low)
    alarm.evidence = finding.evidence
    severity = _severity(finding, contexts, alarm.region_code)
    if ORDER.index(severity) < ORDER.index(alarm.severity):
        alarm.severity = severity  # a worse occurrence raises the severity, never lowers it


def _clear(alarm: Alarm, *, reason: str) -> None:
    alarm.cleared_at = timezone.now()
    alarm.save(update_fields=[*UPDATED, "cleared_at"])
    AlarmEntry.objects.create(alarm=alarm, action=AlarmAction.CLEARED, text=reason)
    event_record(topic="monitoring.alarm.cleared", aggregate=alarm, payload=_event_payload(alarm))


POINT_RETIRED = "point retired"  # the reason on an alarm cleared by a retirement


def point_retired_handle(event: OutboxEvent) -> int:
    """Outbox consumer of ``registry.point.retired``: a retired point sends nothing more, so
    no check would ever clear its open alarms; they are cleared, with the retirement as the
    reason, and the alarm engine forgets the point at once. Returns how many were cleared."""
    from qingshan.monitoring import jobs  # the worker's engine, not loaded by the web process

    alarms = Alarm.objects.filter(point_id=int(event.aggregate_id), cleared_at__isnull=True)
    cleared = 0
    for alarm in alarms.select_for_update():
        _clear(alarm, reason=POINT_RETIRED)
        cleared += 1
    jobs.contexts.invalidate()
    return cleared
