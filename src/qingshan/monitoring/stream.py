"""The stream of newly committed readings, for the modules that react to data as it lands.

The gateway commits raw packets and their readings in one transaction per batch and
acknowledges after commit. Raw packets are append-only with increasing ids, so "what has
been committed since I last looked" is one range scan from a cursor, never a poll of the
readings table. Each consumer (alarm evaluation, air-quality results, …) registers here
and keeps its own cursor in ``core.EventCursor``; the worker job ``monitoring.stream``
hands it the readings of every new raw packet, decoded again from the evidence itself
with the same function the gateway used, and moves the cursor in the transaction of the
consumer's own writes. A resent packet is delivered again: consumers are idempotent.

Only a data time within the window around the server's clock on arrival is judged (rule
``monitoring.data_time_window``, docs/monitoring.md "Which data times are judged"): the
stream checks it itself, so a packet stored before the gateway checked it, or by another
writer, yields nothing to any consumer either. A packet a consumer fails on is set aside
as a dead letter and the consumer moves on (``_deliver``): no packet stalls the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from qingshan.core.chinatime import CHINA_OFFSET_S
from qingshan.core.cursors import readable_after
from qingshan.core.models import EventCursor
from qingshan.core.rules import rule_value
from qingshan.gateway.readings import TIME_OK, UPLOADS, DataTimeWindow, reading_rows
from qingshan.hj212 import Frame, Packet, SegmentError, decode_frame, parse_segment
from qingshan.monitoring.dead_letters import TRANSIENT, dead_letter_record, region_expression
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
# the device map and the data-time windows are read again this often (a rule or a point
# changed): as the alarm engine's contexts (monitoring.context.REFRESH_SECONDS)
REFRESH_SECONDS = 60.0
WINDOW_RULE = "monitoring.data_time_window"
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


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
    ``reset``, if given, runs after a failed attempt: whatever ``prepare`` kept in memory
    (the alarm rules' series state) must not run ahead of what was rolled back.

    On SQLite one writer at a time holds the database: CPU-heavy work (judging thousands
    of values) belongs in ``prepare`` so the write lock is held only for the writes, and
    the gateway's commits are not kept waiting.
    """

    name: str
    handle: Handler
    prepare: Callable[[list[StreamReading]], Any] | None = None
    reset: Callable[[], object] | None = None


CONSUMERS: dict[str, StreamConsumer] = {}


def register_stream_consumer(
    name: str,
    handle: Handler,
    *,
    prepare: Callable[[list[StreamReading]], Any] | None = None,
    reset: Callable[[], object] | None = None,
) -> None:
    CONSUMERS[name] = StreamConsumer(name, handle, prepare, reset)


class _Devices:
    """Device → (point, region of the point), loaded once, again every ``REFRESH_SECONDS``
    and when a device shows up that was not there at the last load."""

    def __init__(self) -> None:
        self._map: dict[int, tuple[int, str]] = {}
        self._absent: set[int] = set()  # looked up since the last load: deleted devices
        self._loaded = -REFRESH_SECONDS

    def refresh_if_stale(self) -> None:
        if time.monotonic() - self._loaded >= REFRESH_SECONDS:
            self._load()

    def _load(self) -> None:
        region = region_expression("point__")
        rows = Device.objects.annotate(region=region).values_list("pk", "point_id", "region")
        self._map = {pk: (point_id, code or "") for pk, point_id, code in rows}
        self._absent = set()
        self._loaded = time.monotonic()

    def of(self, device_id: int) -> tuple[int, str] | None:
        found = self._map.get(device_id)
        if found is None and device_id not in self._absent:
            self._load()  # registered since the last load
            found = self._map.get(device_id)
            if found is None:
                self._absent.add(device_id)  # its packets outlived it: no reload per packet
        return found

    def point_of(self, device_id: int) -> int | None:
        found = self.of(device_id)
        return None if found is None else found[0]


class _Windows:
    """The data-time window per region and receipt day (China time), looked up once: the
    stream checks thousands of packets a second, each in a dictionary lookup."""

    def __init__(self) -> None:
        self._by: dict[tuple[str, int], DataTimeWindow | None] = {}
        self._loaded = time.monotonic()

    def refresh_if_stale(self) -> None:
        if time.monotonic() - self._loaded >= REFRESH_SECONDS:
            self._by = {}
            self._loaded = time.monotonic()

    def get(self, region: str, received_ms: int) -> DataTimeWindow | None:
        key = (region, (received_ms // 1000 + CHINA_OFFSET_S) // 86400)
        try:
            return self._by[key]
        except KeyError:
            found = self._by[key] = _window_rule(region, key[1])
            return found


def _window_rule(region: str, day: int) -> DataTimeWindow | None:
    """The rule in force on the receipt day; a receipt day before any rule (a test's epoch
    0) takes today's. A rule value that does not read as a window judges every data time,
    as before the rule existed, rather than stall the stream: it is logged each time it
    is looked up again (once a minute and region)."""
    on = dt.date.fromordinal(max(1, _EPOCH_ORDINAL + day))
    value = rule_value(WINDOW_RULE, region_code=region, on=on, default=None)
    if value is None:
        value = rule_value(WINDOW_RULE, region_code=region, on=timezone.localdate(), default=None)
    try:
        return None if value is None else DataTimeWindow.from_rule(value)
    except (KeyError, TypeError, ValueError):
        log.warning(
            "event=bad-rule rule=%s region=%s on=%s value=%r", WINDOW_RULE, region, on, value
        )
        return None


_devices = _Devices()
_windows = _Windows()


def _refresh() -> None:
    _devices.refresh_if_stale()
    _windows.refresh_if_stale()


def _judged(region: str, data_time: int | None, received_ms: int, time_status: int | None) -> bool:
    """Is the packet's data time within the window? The gateway's own verdict (stored since
    it checks) and the stream's must both say so: a packet the gateway stored without
    readings is never judged from its raw frame."""
    if time_status not in (None, TIME_OK):
        return False
    window = _windows.get(region, received_ms)
    return window is None or window.status(data_time, received_ms) == TIME_OK


def _packet_of(raw: bytes) -> Packet | None:
    """The packet of a stored frame. The gateway checked its framing and CRC before storing
    it, so the data segment between the length field and the CRC is parsed directly (a
    third of the cost of decoding the frame again); the full decoder is the fallback."""
    try:
        return parse_segment(raw[6 : len(raw.rstrip(b"\r\n")) - 4].decode("utf-8"))
    except (SegmentError, UnicodeDecodeError):
        event = decode_frame(raw, lenient=True)
        return event.packet if isinstance(event, Frame) else None


# id, device, received ms, data time, raw, time status
RawRow = tuple[int, int, int, int | None, bytes, int | None]


def packet_readings(rows: list[RawRow]) -> list[StreamReading]:
    """Readings of raw packets ``(id, device_id, received_ms, data_time, raw, time_status)``;
    none for a packet whose data time is outside the window."""
    readings: list[StreamReading] = []
    for _, device_id, received_ms, data_time, raw, time_status in rows:
        found = _devices.of(device_id)
        if found is None or not _judged(found[1], data_time, received_ms, time_status):
            continue
        point_id = found[0]
        packet = _packet_of(raw)
        if packet is None:
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


_row_id = itemgetter(0)


def _readable(rows: list[RawRow], after_id: int, now_ms: int) -> list[RawRow]:
    """The packets up to the first id gap that may still be filled (PostgreSQL only)."""
    if connection.vendor == "sqlite" or after_id == 0:  # a new cursor waits for no gap
        return rows
    return readable_after(
        rows,
        after_id,
        id_of=_row_id,
        age_s=lambda row: (now_ms - row[2]) / 1000,
        gap_wait_s=GAP_WAIT.total_seconds(),
    )


class Delivery(NamedTuple):
    """A committed packet as the consumers get it."""

    pk: int
    readings: list[StreamReading] | Exception  # an exception: its readings could not be read
    device_id: int
    data_time: int | None


Packets = list[Delivery]

COLUMNS = "id, device_id, received_at, data_time, raw, time_status"
PACKETS_SQL = (
    f"SELECT {COLUMNS} FROM {RawPacket._meta.db_table}"  # noqa: S608
    " WHERE id > %s ORDER BY id LIMIT %s"
)
PACKET_SQL = f"SELECT {COLUMNS} FROM {RawPacket._meta.db_table} WHERE id = %s"  # noqa: S608


def _rows(sql: str, params: tuple[int, ...]) -> list[RawRow]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            (pk, device_id, received_ms, data_time, bytes(raw), status)
            for pk, device_id, received_ms, data_time, raw, status in cursor.fetchall()
        ]


def _delivery(row: RawRow) -> Delivery:
    try:
        readings: list[StreamReading] | Exception = packet_readings([row])
    except TRANSIENT:
        raise
    except Exception as exc:  # a frame that breaks the parser: set aside by each consumer
        readings = exc
    return Delivery(row[0], readings, row[1], row[3])


def _packets_after(after_id: int, *, now_ms: int, limit: int) -> Packets:
    """The committed packets after ``after_id``, decoded once for every consumer.

    Plain SQL: the columns hold what the stream needs (epoch milliseconds and seconds);
    the ORM would turn each into a datetime and the stream back into an integer, a third
    of the worker's time under load (measured with py-spy). A data time too far out for a
    datetime (year 1) is just an integer here.
    """
    rows = _rows(PACKETS_SQL, (after_id, limit))
    _refresh()
    return [_delivery(row) for row in _readable(rows, after_id, now_ms)]


def _move(name: str, last_id: int) -> None:
    EventCursor.objects.filter(consumer=f"stream:{name}").update(
        last_id=last_id, failures=0, last_error="", updated_at=timezone.now()
    )


def _attempt(consumer: StreamConsumer, packets: Packets) -> None:
    """Deliver the packets in one transaction with the move of the cursor, or nothing."""
    readings: list[StreamReading] = []
    for packet in packets:
        if isinstance(packet.readings, Exception):
            raise packet.readings
        readings.extend(packet.readings)
    try:
        work = readings if consumer.prepare is None else consumer.prepare(readings)
        with transaction.atomic():
            consumer.handle(work)
            _move(consumer.name, packets[-1].pk)
    except Exception:
        if consumer.reset is not None:
            consumer.reset()  # rolled back: what prepare kept in memory goes too
        raise


def _deliver(consumer: StreamConsumer, cursor: int, packets: Packets) -> int:
    """Hand a consumer the packets after its cursor; returns how many it moved past.

    All in one attempt, as long as nothing fails (the cost of a run is that of one
    delivery). If the attempt fails for a reason of the data, the packets are delivered
    in halves, and halves of the half that fails, down to the packet that fails alone: it
    is set aside as a dead letter and the cursor moves past it. A failure of the database
    is raised as it is: the same packets come again next run.
    """
    mine = [packet for packet in packets if packet.pk > cursor]
    if not mine:
        return 0
    try:
        _attempt(consumer, mine)
    except TRANSIENT:
        raise
    except Exception as exc:
        _isolate(consumer, mine, exc)
    return len(mine)


def _isolate(consumer: StreamConsumer, packets: Packets, failure: Exception) -> None:
    """``packets`` failed together with ``failure``: deliver them in halves, in order."""
    if len(packets) == 1:
        _set_aside(consumer, packets[0], failure)
        return
    half = len(packets) // 2
    for part in (packets[:half], packets[half:]):
        try:
            _attempt(consumer, part)
        except TRANSIENT:
            raise
        except Exception as exc:
            _isolate(consumer, part, exc)


def _set_aside(consumer: StreamConsumer, packet: Delivery, failure: Exception) -> None:
    period = None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cn FROM {RawPacket._meta.db_table} WHERE id = %s", [packet.pk])  # noqa: S608
        row = cursor.fetchone()
    if row is not None and row[0] in UPLOADS:
        period = UPLOADS[row[0]][0]
    with transaction.atomic():
        dead_letter_record(
            consumer=consumer.name,
            exc=failure,
            raw_packet_id=packet.pk,
            device_id=packet.device_id,
            point_id=_devices.point_of(packet.device_id),
            period=period,
            data_time=packet.data_time,
        )
        _move(consumer.name, packet.pk)


def packet_redeliver(name: str, raw_packet_id: int) -> int:
    """Hand one stored packet to one consumer again, in the caller's transaction, without
    moving its cursor (judge again, from the dead-letter list); returns its readings.

    The data-time window applies as in the stream: a packet outside it yields nothing."""
    consumer = CONSUMERS.get(name)
    if consumer is None:
        raise LookupError(f"no stream consumer {name!r}")
    rows = _rows(PACKET_SQL, (raw_packet_id,))
    if not rows:
        raise LookupError(f"raw packet {raw_packet_id} is not stored")
    _refresh()
    readings = packet_readings(rows)
    try:
        work = readings if consumer.prepare is None else consumer.prepare(readings)
        consumer.handle(work)
    except Exception:
        if consumer.reset is not None:
            consumer.reset()
        raise
    return len(readings)


def _cursor(name: str) -> int:
    return EventCursor.objects.get_or_create(consumer=f"stream:{name}")[0].last_id


def stream_run(
    name: str,
    handle: Handler,
    *,
    now_ms: int,
    limit: int = BATCH,
    prepare: Callable[[list[StreamReading]], Any] | None = None,
    reset: Callable[[], object] | None = None,
) -> int:
    """Deliver one consumer's new readings; returns how many raw packets it moved past."""
    cursor = _cursor(name)
    packets = _packets_after(cursor, now_ms=now_ms, limit=limit)
    return _deliver(StreamConsumer(name, handle, prepare, reset), cursor, packets)


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

    The packets are read and decoded once for all consumers, from the lowest cursor. What
    a consumer cannot take is set aside (``_deliver``); a failing database is retried
    next run, with one log line, not a traceback four times a second.
    """
    cursors = {name: _cursor(name) for name in CONSUMERS}
    if not cursors:
        return {}
    try:
        packets = _packets_after(min(cursors.values()), now_ms=int(time.time() * 1000), limit=limit)
    except TRANSIENT as exc:
        log.warning("event=stream-retry error=%s", repr(exc)[:300])
        return {}
    done: dict[str, int] = {}
    for name, consumer in CONSUMERS.items():
        try:
            done[name] = _deliver(consumer, cursors[name], packets)
        except TRANSIENT as exc:
            log.warning("event=stream-retry consumer=%s error=%s", name, repr(exc)[:300])
            _note_failure(name, exc)
        except Exception as exc:  # a defect of the setting aside itself
            log.exception("stream consumer %s failed", name)
            _note_failure(name, exc)
    return done


def _note_failure(name: str, exc: Exception) -> None:
    with contextlib.suppress(*TRANSIENT):
        EventCursor.objects.filter(consumer=f"stream:{name}").update(last_error=repr(exc)[:2000])
