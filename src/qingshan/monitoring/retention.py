"""Retention: real-time and minute readings, and raw packets, kept as long as the bureau says.

A data logger sends a real-time value of every factor every 30 seconds: about 17,000 rows
a point a day, and a raw packet for each upload. Kept for ever, one city's demo database
grew 1.3 GiB a day. How long they are kept is the jurisdiction's decision, under its
archive rules: rule ``monitoring.retention`` (migration ``0011``), per jurisdiction like
every rule, ``{"realtime_days": …, "minute_days": …, "raw_packet_days": …}``, each a
number of days or ``None`` to keep everything (the national default). Hourly and daily
values are never touched: they are what statistics, permits and reports stand on.

The worker's ``monitoring.retention`` job applies it. For each rule value in force today
it takes the enterprises' points whose jurisdiction it governs (the enterprise's region;
never an air station or water section: their values are the quality record, and a water
station's samples are real-time data) and deletes what is older than the rule's days:

- readings of period real-time or minute, point by point along the readings' key
  (point, period, data time), a bounded number of rows per transaction, so the gateway's
  writer and the web never wait long for SQLite's lock;
- raw packets of those points' loggers dated and received before the cut-off, logger by
  logger along the packets' index (device, data time), except a packet a stream consumer
  has not read yet (its cursor is behind it), one an open dead letter points to (it is to
  be judged again) and one without a data time (a command, a log: few, and not dated).

A run deletes at most ``RUN_ROWS`` rows (the next run goes on) and writes one audit row
per rule value that deleted anything (on that rule value: what, how many, before when),
never one per row.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Min

from qingshan.core.actor import audit_context
from qingshan.core.audit import audit_record
from qingshan.core.chinatime import china_date_of_epoch
from qingshan.core.choices import AuditAction
from qingshan.core.models import EventCursor, RuleValue
from qingshan.core.rules import rule_candidates
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import DeadLetter, RawPacket, Reading
from qingshan.registry.models import Device, MonitoringPoint

log = logging.getLogger("qingshan.monitoring.retention")

RULE = "monitoring.retention"
BATCH = 5000  # rows per delete transaction: tens of milliseconds of the write lock
RUN_ROWS = 1_000_000  # rows per run at most; the next run goes on
PAUSE = 0.01  # seconds between two transactions: the gateway's writer gets the lock
KINDS = (("realtime_days", PeriodKind.RTD), ("minute_days", PeriodKind.MINUTE))
PACKETS = "raw_packet_days"

READINGS = Reading._meta.db_table
# the data time of the ``BATCH``-th oldest row to go: rows before it are one batch
BOUNDARY_SQL = (
    f"SELECT data_time FROM {READINGS} WHERE point_id = %s AND period = %s"  # noqa: S608
    " AND data_time < %s ORDER BY data_time LIMIT 1 OFFSET %s"
)
DELETE_SQL = f"DELETE FROM {READINGS} WHERE point_id = %s AND period = %s AND data_time < %s"  # noqa: S608
OLDEST_SQL = (
    f"SELECT 1 FROM {READINGS} WHERE point_id = %s AND period = %s"  # noqa: S608
    " AND data_time < %s LIMIT 1"
)


@dataclass(slots=True)
class _Rule:
    """A rule value in force, and the points and loggers it governs."""

    row: RuleValue
    points: list[int] = field(default_factory=list)
    devices: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Budget:
    left: int

    def spend(self, n: int) -> None:
        self.left -= n


def retention_job() -> dict[str, int]:
    """Worker job: apply the retention rules now."""
    with audit_context(user=None, via="worker", actor_name="monitoring.retention"):
        return retention_apply(now=int(time.time()))


def retention_apply(*, now: int, limit: int = RUN_ROWS) -> dict[str, int]:
    """Delete what the rules in force say is past keeping, at most ``limit`` rows;
    returns how many of each kind went."""
    budget = _Budget(limit)
    totals: dict[str, int] = defaultdict(int)
    for rule in _rules(china_date_of_epoch(now)):
        value = rule.row.value if isinstance(rule.row.value, dict) else {}
        deleted: dict[str, Any] = {}
        for key, period in KINDS:
            days = value.get(key)
            if days is None or budget.left <= 0:
                continue
            cutoff = now - int(float(days) * 86400)
            n = _readings_prune(rule.points, period, cutoff, budget)
            if n:
                deleted[key] = (n, cutoff)
        days = value.get(PACKETS)
        if days is not None and budget.left > 0:
            cutoff = now - int(float(days) * 86400)
            n = _packets_prune(rule.devices, cutoff, budget)
            if n:
                deleted[PACKETS] = (n, cutoff)
        if deleted:
            _audit(rule.row, deleted)
        for key, (n, _) in deleted.items():
            totals[key] += n
    return dict(totals)


def _rules(on: dt.date) -> list[_Rule]:
    """Each rule value in force on ``on``, with the enterprise points of the regions it
    governs. An air station's or water section's values are the environmental quality
    record, and a surface-water station's samples are its real-time data: the rule is
    not theirs."""
    by_region: dict[str, list[int]] = defaultdict(list)
    points = MonitoringPoint.objects.filter(outlet__isnull=False)
    for pk, region in points.values_list("pk", "outlet__enterprise__region_code"):
        by_region[region or ""].append(pk)
    devices: dict[int, list[int]] = defaultdict(list)
    for pk, point_id in Device.objects.values_list("pk", "point_id"):
        devices[point_id].append(pk)
    rules: dict[int, _Rule] = {}
    for region, ids in sorted(by_region.items()):
        found = rule_candidates(RULE, region_code=region, on=on)
        if not found:
            continue
        rule = rules.setdefault(found[0].pk, _Rule(found[0]))
        rule.points += ids
        rule.devices += [d for p in ids for d in devices.get(p, ())]
    return list(rules.values())


def _readings_prune(point_ids: Iterable[int], period: int, cutoff: int, budget: _Budget) -> int:
    """Delete the point's readings of ``period`` before ``cutoff``, batch by batch."""
    with connection.cursor() as cursor:
        pending = [p for p in point_ids if _has_old(cursor, p, period, cutoff)]
    deleted = 0
    while pending and budget.left > 0:
        room = batch = min(BATCH, budget.left)
        with transaction.atomic(), connection.cursor() as cursor:
            while pending and room > 0:
                n, more = _delete_some(cursor, pending[0], period, cutoff, room)
                room -= n
                if not more:
                    pending.pop(0)
                elif n == 0:
                    break  # the room left is less than one data time's values
        deleted += batch - room
        budget.spend(batch - room)
        if room == batch:
            break  # the budget left holds not one data time's values
        time.sleep(PAUSE)
    return deleted


def _has_old(cursor: Any, point_id: int, period: int, cutoff: int) -> bool:
    cursor.execute(OLDEST_SQL, [point_id, period, cutoff])
    return cursor.fetchone() is not None


def _delete_some(
    cursor: Any, point_id: int, period: int, cutoff: int, limit: int
) -> tuple[int, bool]:
    """At most ``limit`` of the oldest rows; whether more are left to delete."""
    cursor.execute(BOUNDARY_SQL, [point_id, period, cutoff, limit])
    row = cursor.fetchone()
    before = cutoff if row is None else int(row[0])
    cursor.execute(DELETE_SQL, [point_id, period, before])
    return max(int(cursor.rowcount), 0), row is not None


def _packets_prune(device_ids: list[int], cutoff: int, budget: _Budget) -> int:
    """Delete the loggers' raw packets dated and received before ``cutoff`` that every
    stream consumer has read and no open dead letter points to, batch by batch."""
    read = EventCursor.objects.filter(consumer__startswith="stream:").aggregate(m=Min("last_id"))
    last_read = read["m"] or 0
    if not last_read:
        return 0  # nothing is known to have been read
    open_letters = DeadLetter.objects.filter(resolved_at__isnull=True)
    held = sorted({p for p in open_letters.values_list("raw_packet_id", flat=True) if p})
    pending = list(device_ids)
    deleted = 0
    while pending and budget.left > 0:
        room = min(BATCH, budget.left)
        ids: list[int] = []
        with connection.cursor() as cursor:
            while pending and len(ids) < room:
                want = room - len(ids)
                found = _old_packets(cursor, pending[0], cutoff, last_read, held, want)
                ids += found
                if len(found) < want:
                    pending.pop(0)  # this logger has no more to go
        if not ids:
            break
        with transaction.atomic(), connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM {RAW} WHERE id IN ({marks})", ids)  # noqa: S608
        deleted += len(ids)
        budget.spend(len(ids))
        time.sleep(PAUSE)
    return deleted


RAW = RawPacket._meta.db_table
# along the index (device, data time): one logger's oldest packets, in order, no sort;
# a packet without a data time (a command, a log) is not dated, and is kept
OLD_PACKETS_SQL = (
    f"SELECT id FROM {RAW} WHERE device_id = %s AND data_time < %s"  # noqa: S608
    " AND received_at < %s AND id <= %s{held} ORDER BY data_time LIMIT %s"
)


def _old_packets(
    cursor: Any, device_id: int, cutoff: int, last_read: int, held: list[int], limit: int
) -> list[int]:
    keep = f" AND id NOT IN ({', '.join(['%s'] * len(held))})" if held else ""
    params = [device_id, cutoff, cutoff * 1000, last_read, *held, limit]
    cursor.execute(OLD_PACKETS_SQL.format(held=keep), params)
    return [int(row[0]) for row in cursor.fetchall()]


def _audit(rule: RuleValue, deleted: dict[str, tuple[int, int]]) -> None:
    """One audit row for what this run deleted under ``rule``: counts and the cut-off."""
    changes: dict[str, list[Any]] = {}
    for key, (n, cutoff) in deleted.items():
        before = dt.datetime.fromtimestamp(cutoff, tz=dt.UTC).isoformat()
        changes[key.removesuffix("_days")] = [{"deleted": n, "before": before}, None]
    audit_record(rule, AuditAction.DELETE, changes)
    log.info("event=retention rule=%s deleted=%s", rule.pk, {k: v[0] for k, v in deleted.items()})
