"""The gateway's database sink: one transaction per batch, plain SQL on the hot path.

It runs in the gateway's writer thread, with that thread's own database connection. The
statements are the same on SQLite and PostgreSQL (``ON CONFLICT`` exists in both), and
the ORM stays out of the hot path: building model instances for ten thousand packets a
second would cost more than the inserts.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import Count, Max

from qingshan.core.chinatime import china_today
from qingshan.core.rules import rule_value
from qingshan.gateway.readings import TIME_OK, DataTimeWindow
from qingshan.gateway.sink import Batch, DeviceKey, ReadingRow
from qingshan.monitoring.dead_letters import region_expression
from qingshan.monitoring.models import (
    DeviceSession,
    DeviceState,
    RawPacket,
    Reading,
    RefusedSender,
)
from qingshan.monitoring.stream import stream_backlog
from qingshan.registry.models import Device

log = logging.getLogger("qingshan.gateway.sink")

RAW_SQL = (
    f"INSERT INTO {RawPacket._meta.db_table} (received_at, device_id, peer, st, cn, qn, flag,"
    " version, data_time, warnings, raw, time_status)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
READING_SQL = (
    f"INSERT INTO {Reading._meta.db_table} (point_id, factor_code, period, data_time, value,"
    " min, max, cou, zs, flag, eflag, received_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (point_id, period, data_time, factor_code) DO NOTHING"
)
STATE_TABLE = DeviceState._meta.db_table
STATE_SQL = (
    f"INSERT INTO {STATE_TABLE} (device_id, connected, peer, connected_since, last_seen_at,"
    " last_cn, version, packets, refused, frame_errors, out_of_window, last_out_of_window)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (device_id) DO UPDATE SET"
    " connected = excluded.connected OR {t}.connected,"
    " peer = CASE WHEN excluded.peer <> '' THEN excluded.peer ELSE {t}.peer END,"
    " connected_since = COALESCE(excluded.connected_since, {t}.connected_since),"
    " last_seen_at = COALESCE(excluded.last_seen_at, {t}.last_seen_at),"
    " last_cn = CASE WHEN excluded.last_cn <> '' THEN excluded.last_cn ELSE {t}.last_cn END,"
    " version = CASE WHEN excluded.version <> '' THEN excluded.version ELSE {t}.version END,"
    " packets = {t}.packets + excluded.packets,"
    " refused = {t}.refused + excluded.refused,"
    " frame_errors = {t}.frame_errors + excluded.frame_errors,"
    " out_of_window = {t}.out_of_window + excluded.out_of_window,"
    " last_out_of_window = COALESCE(excluded.last_out_of_window, {t}.last_out_of_window)"
).format(t=STATE_TABLE)
REFUSED_TABLE = RefusedSender._meta.db_table
REFUSED_SQL = (
    f"INSERT INTO {REFUSED_TABLE} (mn, host, reason, device_id, first_seen_at, last_seen_at,"
    " count) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (mn, host, reason) DO UPDATE SET last_seen_at = excluded.last_seen_at,"
    " count = {t}.count + excluded.count, device_id = COALESCE(excluded.device_id, {t}.device_id)"
).format(t=REFUSED_TABLE)
# the table keeps the most recent rows only: a scan of random MNs cannot fill the disk
REFUSED_PRUNE_SQL = (
    f"DELETE FROM {REFUSED_TABLE} WHERE last_seen_at < (SELECT last_seen_at FROM"
    f" {REFUSED_TABLE} ORDER BY last_seen_at DESC LIMIT 1 OFFSET {RefusedSender.KEPT})"
)
REFUSED_PRUNE_EVERY = 500  # refusal rows written between two prunes
SESSION_TABLE = DeviceSession._meta.db_table
SESSION_OPEN_SQL = (
    f"INSERT INTO {SESSION_TABLE} (device_id, peer, connected_at, packets, close_reason)"
    " VALUES (%s, %s, %s, 0, '')"
)
SESSION_CLOSE_SQL = (
    f"UPDATE {SESSION_TABLE} SET disconnected_at = %s, packets = %s, close_reason = %s"
    " WHERE device_id = %s AND connected_at = %s AND peer = %s AND disconnected_at IS NULL"
)
DISCONNECT_SQL = (
    f"UPDATE {STATE_TABLE} SET connected = %s WHERE device_id = %s"
    f" AND NOT EXISTS (SELECT 1 FROM {SESSION_TABLE} s WHERE s.device_id = %s"
    " AND s.disconnected_at IS NULL)"
)


RAW_COLUMNS = (
    "received_at",
    "device_id",
    "peer",
    "st",
    "cn",
    "qn",
    "flag",
    "version",
    "data_time",
    "warnings",
    "raw",
    "time_status",
)
READING_COLUMNS = (
    "point_id",
    "factor_code",
    "period",
    "data_time",
    "value",
    "min",
    "max",
    "cou",
    "zs",
    "flag",
    "eflag",
    "received_at",
)


def _copy_postgres(cursor: Any, raws: list[tuple[Any, ...]], readings: list[ReadingRow]) -> None:
    """PostgreSQL: COPY is an order of magnitude cheaper than row-by-row INSERT.

    Raw packets go straight in. Readings go through a temporary table first, because
    COPY cannot skip duplicates, then one INSERT … SELECT … ON CONFLICT DO NOTHING keeps
    the de-duplication of resent packets.
    """
    with cursor.copy(
        f"COPY {RawPacket._meta.db_table} ({', '.join(RAW_COLUMNS)}) FROM STDIN"
    ) as copy:
        for row in raws:
            copy.write_row(row)
    if not readings:
        return
    table = Reading._meta.db_table
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS incoming_reading"
        f" (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    columns = ", ".join(READING_COLUMNS)
    with cursor.copy(f"COPY incoming_reading ({columns}) FROM STDIN") as copy:
        for row in readings:
            copy.write_row(row)
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming_reading"
        " ON CONFLICT (point_id, period, data_time, factor_code) DO NOTHING"
    )


def _reading_key(row: ReadingRow) -> tuple[int, int, int, str]:
    """The table's key order: (point, period, data time, factor)."""
    return row[0], row[2], row[3], row[1]


def _state_rows(batch: Batch, devices: set[int] | None = None) -> list[tuple[object, ...]]:
    """One upsert row per device touched by the batch, with counter deltas (only the
    ``devices`` given, when given: those still registered)."""
    rows: dict[int, list[object]] = {}

    def row(device_id: int) -> list[object]:
        return rows.setdefault(
            device_id, [device_id, False, "", None, None, "", "", 0, 0, 0, 0, None]
        )

    for opened in batch.opened:
        r = row(opened.device_id)
        r[1], r[2], r[3] = True, opened.peer, opened.connected_ms
    for packet in batch.packets:
        r = row(packet.device_id)
        r[2], r[4], r[5], r[6] = packet.peer, packet.received_ms, packet.cn, packet.version
        r[7] = int(r[7]) + 1  # type: ignore[call-overload]
        if packet.time_status != TIME_OK:
            r[10] = int(r[10]) + 1  # type: ignore[call-overload]
            r[11] = packet.data_time  # what the logger's clock says
    for device_id, counts in batch.counts.items():
        r = row(device_id)
        r[8], r[9] = counts.refused, counts.frame_errors
    return [tuple(r) for r in rows.values() if devices is None or r[0] in devices]


def _refused_rows(batch: Batch) -> list[tuple[object, ...]]:
    return [
        (mn, host, reason, seen.device_id, seen.first_ms, seen.last_ms, seen.count)
        for (mn, host, reason), seen in batch.refusals.items()
    ]


def _windows(regions: set[str]) -> dict[str, DataTimeWindow | None]:
    """The data-time window of each jurisdiction today (rule monitoring.data_time_window);
    None where no rule is in force: every data time is then taken as it comes."""
    today = china_today()
    found: dict[str, DataTimeWindow | None] = {}
    for region in regions:
        value = rule_value(
            "monitoring.data_time_window", region_code=region, on=today, default=None
        )
        if value is None:
            log.warning("event=no-data-time-window region=%s", region or "national")
        found[region] = None if value is None else DataTimeWindow.from_rule(value)
    return found


# the jurisdiction whose window applies: the enterprise's, or the station's or section's,
# the same region the stream judges by (dead_letters.region_expression)
DEVICE_COLUMNS = ("pk", "point_id", "mn", "password_digest", "is_active", "region")


def _device_rows(devices: Any) -> Any:
    return devices.annotate(region=region_expression("point__")).values_list(*DEVICE_COLUMNS)


class WalCheckpointer:
    """SQLite: copy committed pages from the WAL back into the database, off the commit path.

    With automatic checkpoints, the commit that fills the WAL copies thousands of pages and
    syncs the file before its packets are acknowledged; the gateway's tail latency at full
    load was six times its median (docs/benchmarks.md). A PASSIVE checkpoint works beside
    the writer and the readers and never blocks them. Its own connection: SQLite releases
    the GIL while it copies.

    A checkpoint beside a busy writer never quite finishes: by the time it has copied the
    WAL, the writer has appended to it, and SQLite starts the WAL over only when a write
    transaction begins with every frame copied. Left alone the WAL grew by 100 MB a second
    and every commit got slower (1.6 GB after 20 s at 5,000 packets/s; ADR 16). So when the
    WAL passes ``restart_frames``, this thread copies pass after pass until what the writer
    appended meanwhile is small, and then asks the writer to copy the rest between two of
    its transactions (:meth:`catch_up`), where nothing can append. The writer waits for
    that last copy and its sync, so it is kept small: a sync costs about 9 µs a page here.
    """

    restart_frames = 8192  # 32 MiB of 4 KiB pages
    handoff_frames = 256  # at most what is left for the writer to copy

    def __init__(self, path: str, *, interval: float = 0.2) -> None:
        self.path, self.interval = path, interval
        self.restart_due = False  # set here, cleared by the writer once it has copied
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    @staticmethod
    def _checkpoint(cursor: Any) -> tuple[bool, int]:
        """One PASSIVE checkpoint: (another checkpoint was running, frames in the WAL)."""
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        busy, frames, _copied = cursor.fetchone()
        return bool(busy), frames

    def catch_up(self, cursor: Any) -> None:
        """Called by the writer between transactions: copy the last of a long WAL, so that
        its next transaction starts the WAL over."""
        if self.restart_due:
            busy, _ = self._checkpoint(cursor)
            self.restart_due = busy  # another checkpoint was running: after the next commit

    def _pass(self, cursor: Any) -> None:
        busy, frames = self._checkpoint(cursor)
        if busy or self.restart_due or frames < self.restart_frames:
            return
        for _ in range(8):  # each pass copies what the writer appended during the last
            busy, now = self._checkpoint(cursor)
            if busy:
                return
            if now - frames <= self.handoff_frames:
                break
            frames = now
        self.restart_due = True

    def _run(self) -> None:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        cursor = db.cursor()
        try:
            while True:
                try:
                    self._pass(cursor)
                except sqlite3.Error:
                    log.exception("event=checkpoint-failed")
                if self._stop.wait(self.interval):
                    self._checkpoint(cursor)
                    return
        finally:
            db.close()


def _q(sql: str, sqlite: bool) -> str:
    return sql.replace("%s", "?") if sqlite else sql


class DatabaseSink:
    """Writes gateway batches with the Django database connection of the calling thread."""

    def load_devices(self) -> Mapping[str, DeviceKey]:
        close_old_connections()
        return self._device_keys(_device_rows(Device.objects.all()))

    def load_device(self, mn: str) -> DeviceKey | None:
        close_old_connections()
        keys = self._device_keys(_device_rows(Device.objects.filter(mn=mn)))
        return keys.get(mn)

    @staticmethod
    def _device_keys(rows: Any) -> dict[str, DeviceKey]:
        rows = list(rows)
        windows = _windows({region or "" for *_, region in rows})
        return {
            mn: DeviceKey(pk, point, mn, digest, active, windows[region or ""])
            for pk, point, mn, digest, active, region in rows
        }

    def devices_version(self) -> object:
        """Every save of a device moves ``updated_at``; a delete or a new one moves the count
        (registry writes go through ``save()``, never ``QuerySet.update``)."""
        close_old_connections()
        found = Device.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
        return found["n"], found["at"]

    def reset_connections(self, *, now_ms: int) -> None:
        with transaction.atomic():
            DeviceState.objects.filter(connected=True).update(connected=False)
            DeviceSession.objects.filter(disconnected_at__isnull=True).update(
                disconnected_at=now_ms, close_reason="gateway restarted"
            )

    def __init__(self) -> None:
        self._prepared = False
        self._checkpointer: WalCheckpointer | None = None
        self._refused_since_prune = 0

    def _prepare(self) -> None:
        """Per-connection settings of the writer thread's connection."""
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                # an acknowledged packet survives a power cut or an OS crash, not only a
                # crash of the process (NORMAL): the WAL is synced at every commit, once
                # per batch, not per packet (docs/benchmarks.md, durability)
                cursor.execute("PRAGMA synchronous = FULL")
                cursor.execute("PRAGMA cache_size = -65536")  # 64 MiB: the hot B-tree pages
                # the WAL is copied back into the database by a thread of its own, not by
                # the commit that happens to fill it: a commit never waits for a checkpoint
                cursor.execute("PRAGMA wal_autocheckpoint = 0")
                # a WAL started over keeps its file; cut it back so that a burst's WAL
                # does not hold the disk for good
                cursor.execute("PRAGMA journal_size_limit = 67108864")
            name = str(connection.settings_dict["NAME"])
            on_disk = ":memory:" not in name and "mode=memory" not in name  # tests: no WAL
            if self._checkpointer is None and on_disk:
                self._checkpointer = WalCheckpointer(name)
                self._checkpointer.start()
        else:  # whatever the server's or the role's default: the commit waits for the flush
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = on")
        self._prepared = True

    def write(self, batch: Batch) -> None:
        try:
            if not self._prepared:
                self._prepare()
            try:
                self._commit(batch)
            except IntegrityError:
                # a device deleted while its bookkeeping was on the way: the batch's packets
                # must not wait for ever on a row that can never be written
                self._commit(batch, devices=self._registered(batch))
        except Exception:
            connection.close()  # a broken connection is reopened on the next try
            self._prepared = False
            raise
        if self._checkpointer is not None and self._checkpointer.restart_due:
            self._catch_up(self._checkpointer)

    def _commit(self, batch: Batch, *, devices: set[int] | None = None) -> None:
        with transaction.atomic():
            # the DB-API cursor itself: Django's wrapper adds per-row work on this path
            cursor = connection.connection.cursor()
            try:
                self._write(cursor, batch, sqlite=connection.vendor == "sqlite", devices=devices)
                self._refusals_write(cursor, batch, sqlite=connection.vendor == "sqlite")
            finally:
                cursor.close()

    @staticmethod
    def _registered(batch: Batch) -> set[int]:
        touched = {o.device_id for o in batch.opened} | {c.device_id for c in batch.closed}
        touched |= {p.device_id for p in batch.packets} | set(batch.counts)
        return set(Device.objects.filter(pk__in=touched).values_list("pk", flat=True))

    def _refusals_write(self, c: Any, batch: Batch, *, sqlite: bool) -> None:
        rows = _refused_rows(batch)
        if not rows:
            return
        c.executemany(_q(REFUSED_SQL, sqlite), rows)
        self._refused_since_prune += len(rows)
        if self._refused_since_prune >= REFUSED_PRUNE_EVERY:
            c.execute(REFUSED_PRUNE_SQL)
            self._refused_since_prune = 0

    @staticmethod
    def _catch_up(checkpointer: WalCheckpointer) -> None:
        try:
            with connection.cursor() as cursor:
                checkpointer.catch_up(cursor)
        except Exception:  # the batch is committed: it must not be written again for this
            log.exception("event=checkpoint-failed")

    @staticmethod
    def _write(c: Any, batch: Batch, *, sqlite: bool, devices: set[int] | None = None) -> None:
        def q(sql: str) -> str:
            return _q(sql, sqlite)

        if batch.packets:
            raws = [
                (
                    p.received_ms,
                    p.device_id,
                    p.peer,
                    p.st,
                    p.cn,
                    p.qn,
                    p.flag,
                    p.version,
                    p.data_time,
                    p.warnings,
                    p.raw,
                    p.time_status,
                )
                for p in batch.packets
            ]
            readings = [row for p in batch.packets for row in p.readings]
            # in key order the B-tree is walked forward instead of from the root for every
            # row: about a third less work per packet on SQLite (measured), fewer page misses
            readings.sort(key=_reading_key)
            if sqlite:
                c.executemany(q(RAW_SQL), raws)
                if readings:
                    c.executemany(q(READING_SQL), readings)
            else:
                _copy_postgres(c, raws, readings)
        opened = [o for o in batch.opened if devices is None or o.device_id in devices]
        if opened:
            c.executemany(
                q(SESSION_OPEN_SQL), [(o.device_id, o.peer, o.connected_ms) for o in opened]
            )
        state = _state_rows(batch, devices)
        if state:
            c.executemany(q(STATE_SQL), state)
        if batch.closed:
            c.executemany(
                q(SESSION_CLOSE_SQL),
                [
                    (
                        s.disconnected_ms,
                        s.packets,
                        s.reason[:64],
                        s.device_id,
                        s.connected_ms,
                        s.peer,
                    )
                    for s in batch.closed
                ],
            )
            c.executemany(
                q(DISCONNECT_SQL), [(False, s.device_id, s.device_id) for s in batch.closed]
            )

    def backlog(self) -> int | None:
        close_old_connections()
        return stream_backlog()

    def close(self) -> None:
        connection.close()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
