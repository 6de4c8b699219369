"""Findings become alarms: one open alarm per (point, factor, kind), as in ThingsBoard.

A repeat of an open alarm's condition counts an occurrence, moves its last time and
keeps the worst value, instead of adding a row; a data time already counted (a resent
packet, a value judged twice) counts nothing. Raising and clearing write the alarm's
history and a domain event (``monitoring.alarm.raised`` / ``.cleared``) in the same
transaction, for supervision cases and the environmental code to react to.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from qingshan.core.fields import epoch_seconds
from qingshan.core.models import OutboxEvent
from qingshan.core.outbox import event_record
from qingshan.monitoring.choices import AlarmAction, AlarmKind, Severity
from qingshan.monitoring.context import Contexts, PointContext, china_date
from qingshan.monitoring.evaluation import Finding
from qingshan.monitoring.models import Alarm, AlarmEntry

UPDATED = ["occurrences", "first_at", "last_at", "worst_value", "evidence", "severity"]
TIMES_KEPT = 200  # data times counted, kept on the alarm to recognise a repeat


def _severity(finding: Finding, contexts: Contexts, region_code: str) -> str:
    on = china_date(finding.data_time)
    severity = contexts.rule("monitoring.alarm_severity", region_code=region_code, on=on).get(
        finding.kind, Severity.MINOR
    )
    if finding.kind == AlarmKind.EXCEEDANCE and finding.value and finding.limit:
        ratio = contexts.rule(
            "monitoring.exceedance_critical_ratio", region_code=region_code, on=on
        )
        if finding.value >= float(ratio) * finding.limit:
            severity = Severity.CRITICAL
    return str(severity)


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
    """Raise, repeat and clear alarms; returns counts of each."""
    counts = {"raised": 0, "repeated": 0, "cleared": 0}
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
                open_alarms[key] = _raise(finding, ctx, contexts)
                counts["raised"] += 1
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
        f" worst_value = %s, evidence = {jsonb}, severity = %s WHERE id = %s"
    )
    rows = [
        (
            a.occurrences,
            epoch_seconds(a.first_at),
            epoch_seconds(a.last_at),
            a.worst_value,
            json.dumps(a.evidence),
            a.severity,
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
    ).values_list("evidence", flat=True)
    return any(finding.data_time in (evidence or {}).get("times", []) for evidence in earlier)


def _raise(finding: Finding, ctx: PointContext, contexts: Contexts) -> Alarm:
    alarm = Alarm.objects.create(
        point_id=finding.point_id,
        enterprise_id=ctx.enterprise_id,
        region_code=ctx.region_code,
        factor_code=finding.factor_code,
        kind=finding.kind,
        severity=_severity(finding, contexts, ctx.region_code),
        period=finding.period,
        first_at=finding.data_time,
        last_at=finding.data_time,
        worst_value=finding.value,
        limit_value=finding.limit,
        rule=finding.rule,
        evidence=finding.evidence | {"times": [finding.data_time]},
    )
    AlarmEntry.objects.create(alarm=alarm, action=AlarmAction.RAISED, text=finding.rule)
    event_record(topic="monitoring.alarm.raised", aggregate=alarm, payload=_event_payload(alarm))
    return alarm


def _repeat(alarm: Alarm, finding: Finding, contexts: Contexts) -> bool:
    times: list[int] = list(alarm.evidence.get("times", []))
    if finding.data_time in times:
        return False  # already counted: a resend, or the same value judged again
    if finding.data_time < (epoch_seconds(alarm.first_at) or 0) and _counted_before(finding):
        return False  # older than this alarm: counted by one cleared before it
    times = sorted([*times, finding.data_time])[-TIMES_KEPT:]
    alarm.occurrences += 1
    alarm.last_at = max(epoch_seconds(alarm.last_at) or 0, finding.data_time)
    alarm.first_at = min(epoch_seconds(alarm.first_at) or 0, finding.data_time)
    low = finding.evidence.get("side") == "below"
    alarm.worst_value = _worse(alarm.worst_value, finding.value, low=low)
    alarm.evidence = finding.evidence | {"times": times}
    severity = _severity(finding, contexts, alarm.region_code)
    if list(Severity.values).index(severity) < list(Severity.values).index(alarm.severity):
        alarm.severity = severity  # a worse occurrence raises the severity, never lowers it
    return True


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
