"""The stream of newly committed readings, for the modules that react to data as it lands.

The gateway commits raw packets and their readings in one transaction per batch and
acknowledges after commit. Raw packets are append-only with increasing ids, so "what has
been committed since I last looked" is one range scan from a cursor, never a poll of the
readings table. Each consumer (alarm evaluation, air-quality results, …) registers here
and keeps its own cursor in ``core.EventCursor``; the worker job ``monitoring.stream``
hands it the readings of every new raw packet, decoded again from the evidence itself
with the same function the gateway used, and moves the cursor in the transaction of the
consumer's own writes. A resent packet is delivered again: consumers are idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from qingshan.core.models import EventCursor
from qingshan.gateway.readings import reading_rows
from qingshan.hj212 import Frame, Packet, SegmentError, decode_frame, parse_segment
from qingshan.monitoring.models import RawPacket
from qingshan.registry.models import Device

log = logging.getLogger("qingshan.monitoring.stream")

# On PostgreSQL ids come from a sequence when a transaction inserts, not when it commits;
# with several gateway processes a lower id may commit later. A gap is waited for this
# long (by receive time) before it is taken for a rolled-back batch. SQLite reuses the ids
# of rolled-back inserts, so it has no gaps to wait for.
GAP_WAIT = dt.timedelta(seconds=2)
# raw packets per run and consumer: an alarm waits for the end of its run, so a catch-up
# in runs of 5,000 kept the first alarms of a backlog waiting seconds for the last ones
BATCH = 1000
# a consumer whose cursor has not moved for this long is not being run (no worker, or it
# fails): the gateway does not wait for it (stream_backlog, ADR 14)
STALLED = dt.timedelta(seconds=15)


class StreamReading(NamedTuple):
    """One newly committed value, as the logger sent it (a tuple: tens of thousands a second)."""

    point_id: int
    factor_code: str
    period: int  # PeriodKind
    data_time: int  # epoch seconds
    value: float | None
    flag: str
    zs: float | None  # the converted value, when the logger sent one
    received_ms: int
    device_id: int


Handler = Callable[[Any], object]


@dataclass(frozen=True)
class StreamConsumer:
    """``handle`` runs in the transaction that moves the cursor; ``prepare``, if given, runs
    before it, outside any transaction, and what it returns is what ``handle`` gets.

    On SQLite one writer at a time holds the database: CPU-heavy work (judging thousands
    of values) belongs in ``prepare`` so the write lock is held only for the writes, and
    the gateway's commits are not kept waiting.
    """

    name: str
    handle: Handler
    prepare: Callable[[list[StreamReading]], Any] | None = None


CONSUMERS: dict[str, StreamConsumer] = {}


def register_stream_consumer(
    name: str, handle: Handler, *, prepare: Callable[[list[StreamReading]], Any] | None = None
) -> None:
    CONSUMERS[name] = StreamConsumer(name, handle, prepare)


class _Points:
    """Device → point, loaded once and reloaded when an unknown device shows up."""

    def __init__(self) -> None:
        self._map: dict[int, int] = {}

    def point_of(self, device_id: int) -> int | None:
        if device_id not in self._map:
            self._map = dict(Device.objects.values_list("pk", "point_id"))
        return self._map.get(device_id)


_points = _Points()


def _packet_of(raw: bytes) -> Packet | None:
    """The packet of a stored frame. The gateway checked its framing and CRC before storing
    it, so the data segment between the length field and the CRC is parsed directly (a
    third of the cost of decoding the frame again); the full decoder is the fallback."""
    try:
        return parse_segment(raw[6 : len(raw.rstrip(b"\r\n")) - 4].decode("utf-8"))
    except (SegmentError, UnicodeDecodeError):
        event = decode_frame(raw, lenient=True)
        return event.packet if isinstance(event, Frame) else None


RawRow = tuple[int, int, int, int | None, bytes]  # id, device, received ms, data time, raw


def packet_readings(rows: list[RawRow]) -> list[StreamReading]:
    """Readings of raw packets ``(id, device_id, received_ms, data_time, raw)``."""
    readings: list[StreamReading] = []
    for _, device_id, received_ms, data_time, raw in rows:
        point_id = _points.point_of(device_id)
        packet = _packet_of(raw) if point_id is not None else None
        if packet is None or point_id is None:
            continue
        for row in reading_rows(
            packet, point_id=point_id, data_time=data_time, received_ms=received_ms
        ):
            readings.append(
                StreamReading(
                    point_id=row[0],
                    factor_code=row[1],
                    period=row[2],
                    data_time=row[3],
                    value=row[4],
                    flag=row[9],
                    zs=row[8],
                    received_ms=received_ms,
                    device_id=device_id,
                )
            )
    return readings


def _readable(rows: list[RawRow], after_id: int, now_ms: int) -> list[RawRow]:
    """The packets up to the first id gap that may still be filled (PostgreSQL only)."""
    if connection.vendor == "sqlite":
        return rows
    wait_ms = GAP_WAIT.total_seconds() * 1000
    expected = after_id + 1
    for i, row in enumerate(rows):
        if row[0] != expected and now_ms - row[2] < wait_ms and after_id > 0:
            return rows[:i]
        expected = row[0] + 1
    return rows


Packets = list[tuple[int, list[StreamReading]]]  # (raw packet id, its readings)


PACKETS_SQL = (
    f"SELECT id, device_id, received_at, data_time, raw FROM {RawPacket._meta.db_table}"  # noqa: S608
    " WHERE id > %s ORDER BY id LIMIT %s"
)


def _packets_after(after_id: int, *, now_ms: int, limit: int) -> Packets:
    """The committed packets after ``after_id``, decoded once for every consumer.

    Plain SQL: the columns hold what the stream needs (epoch milliseconds and seconds);
    the ORM would turn each into a datetime and the stream back into an integer, a third
    of the worker's time under load (measured with py-spy).
    """
    with connection.cursor() as cursor:
        cursor.execute(PACKETS_SQL, (after_id, limit))
        rows: list[RawRow] = [
            (pk, device_id, received_ms, data_time, bytes(raw))
            for pk, device_id, received_ms, data_time, raw in cursor.fetchall()
        ]
    return [(row[0], packet_readings([row])) for row in _readable(rows, after_id, now_ms)]


def _deliver(consumer: StreamConsumer, cursor: int, packets: Packets) -> int:
    """Hand a consumer the packets after its cursor; returns how many it moved past."""
    mine = [(pk, readings) for pk, readings in packets if pk > cursor]
    if not mine:
        return 0
    readings = [r for _, rs in mine for r in rs]
    work = readings if consumer.prepare is None else consumer.prepare(readings)
    with transaction.atomic():
        consumer.handle(work)
        EventCursor.objects.filter(consumer=f"stream:{consumer.name}").update(
            last_id=mine[-1][0], failures=0, last_error="", updated_at=timezone.now()
        )
    return len(mine)


def _cursor(name: str) -> int:
    return EventCursor.objects.get_or_create(consumer=f"stream:{name}")[0].last_id


def stream_run(
    name: str,
    handle: Handler,
    *,
    now_ms: int,
    limit: int = BATCH,
    prepare: Callable[[list[StreamReading]], Any] | None = None,
) -> int:
    """Deliver one consumer's new readings; returns how many raw packets it moved past."""
    cursor = _cursor(name)
    packets = _packets_after(cursor, now_ms=now_ms, limit=limit)
    return _deliver(StreamConsumer(name, handle, prepare), cursor, packets)


def stream_backlog() -> int | None:
    """Committed raw packets that the slowest live stream consumer has not read yet.

    None when no consumer's cursor has moved within ``STALLED``: nothing is judging the
    stream, and the gateway must not wait for it. A consumer that is caught up and idle
    counts as not live, which is right: there is nothing to wait for.
    """
    live = EventCursor.objects.filter(
        consumer__startswith="stream:", updated_at__gte=timezone.now() - STALLED
    ).aggregate(slowest=Min("last_id"))["slowest"]
    if live is None:
        return None
    newest = RawPacket.objects.aggregate(newest=Max("pk"))["newest"] or 0
    return max(0, int(newest) - int(live))


def stream_dispatch(*, limit: int = BATCH) -> dict[str, int]:
    """The worker job: every consumer catches up, a failing one without holding the others.

    The packets are read and decoded once for all consumers, from the lowest cursor.
    """
    import time

    cursors = {name: _cursor(name) for name in CONSUMERS}
    if not cursors:
        return {}
    packets = _packets_after(min(cursors.values()), now_ms=int(time.time() * 1000), limit=limit)
    done: dict[str, int] = {}
    for name, consumer in CONSUMERS.items():
        try:
            done[name] = _deliver(consumer, cursors[name], packets)
        except Exception as exc:
            log.exception("stream consumer %s failed", name)
            EventCursor.objects.filter(consumer=f"stream:{name}").update(
                last_error=repr(exc)[:2000]
            )
    return done
