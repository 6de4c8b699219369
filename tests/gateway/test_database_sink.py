"""Gateway → database: every acknowledged packet stored exactly once, resends included."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest

from qingshan.gateway.config import GatewayConfig
from qingshan.gateway.server import Gateway
from qingshan.hj212 import CHINA_TZ
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import DeviceSession, DeviceState, RawPacket, Reading
from qingshan.monitoring.sink import DatabaseSink
from tests.gateway.helpers import FACTORS, Logger, recent, upload

pytestmark = pytest.mark.django_db(transaction=True)
CONFIG = GatewayConfig(port=0, metrics_port=None, commit_interval=0.005)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def with_gateway(scenario, **overrides):
    gateway = Gateway(dataclasses.replace(CONFIG, **overrides), DatabaseSink())
    await gateway.start()
    try:
        await scenario(gateway)
    finally:
        await gateway.stop()


def test_acknowledged_packets_are_stored_once_even_when_resent(users):
    device = users["keqiao"]["device"]
    point = users["keqiao"]["point"]
    start = recent(days=-2).replace(minute=0, second=0)
    packets = [
        upload(
            device.mn,
            qn=f"2026112210{i:07d}",
            when=start + dt.timedelta(seconds=30 * i),
            value=f"{10 + i}.5",
        )
        for i in range(20)
    ]

    async def scenario(gateway):
        logger = await Logger.connect(gateway.bound_port)
        for packet in packets:
            await logger.send(packet)
            assert (await logger.answer()).cn == "9014"
        for packet in packets[:5]:  # the logger missed these answers and resends
            await logger.send(packet)
            assert (await logger.answer()).cn == "9014"
        hourly = upload(device.mn, cn="2061", qn="20261122110000000", when=start)
        await logger.send(hourly)
        await logger.answer()
        await logger.close()

    run(with_gateway(scenario))
    readings = Reading.objects.filter(point=point)
    assert readings.filter(period=PeriodKind.RTD).count() == 20 * len(FACTORS)
    assert readings.filter(period=PeriodKind.HOUR).count() == len(FACTORS)
    first = readings.get(factor_code="a21026", period=PeriodKind.RTD, data_time=start)
    assert first.value == 10.5 and first.flag == "N"
    assert RawPacket.objects.filter(device=device).count() == 26  # resends kept as evidence
    raw = RawPacket.objects.filter(device=device).order_by("id").first()
    assert bytes(raw.raw) == packets[0].rstrip(b"\r\n") or bytes(raw.raw) == packets[0]
    state = DeviceState.objects.get(device=device)
    assert state.packets == 26 and state.last_cn == "2061" and not state.connected
    session = DeviceSession.objects.get(device=device)
    assert session.packets == 26 and session.disconnected_at is not None


def test_refused_and_broken_frames_are_counted_for_the_device(users):
    device = users["keqiao"]["device"]

    async def scenario(gateway):
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(upload(device.mn, pw="000000"))
        bad = bytearray(upload(device.mn, qn="20261122100000002"))
        bad[-6] = ord("0") if bad[-6] != ord("0") else ord("1")  # break the CRC
        await logger.send(bytes(bad))
        await logger.send(upload(device.mn, qn="20261122100000003"))
        assert (await logger.answer()).qn == "20261122100000003"
        await logger.close()

    run(with_gateway(scenario))
    state = DeviceState.objects.get(device=device)
    assert (state.packets, state.refused, state.frame_errors) == (1, 1, 1)


def test_restart_closes_sessions_left_open_by_a_crash(users):
    device = users["keqiao"]["device"]
    DeviceState.objects.create(device=device, connected=True)
    DeviceSession.objects.create(
        device=device, peer="10.0.0.1:5000", connected_at=1_790_000_000_000
    )

    async def scenario(gateway):
        await asyncio.sleep(0)

    run(with_gateway(scenario))
    assert not DeviceState.objects.get(device=device).connected
    assert DeviceSession.objects.get(device=device).close_reason == "gateway restarted"


def test_a_checkpoint_that_fails_after_the_commit_does_not_fail_the_batch(users):
    """The writer's WAL catch-up runs after its commit: if it fails, the packets are
    already stored, so they are answered and not written a second time."""
    import sqlite3

    from qingshan.monitoring.sink import WalCheckpointer

    class FailingCheckpointer(WalCheckpointer):
        def catch_up(self, cursor):
            raise sqlite3.OperationalError("disk I/O error")

        def stop(self):  # never started
            return None

    device = users["keqiao"]["device"]
    sink = DatabaseSink()
    sink._checkpointer = FailingCheckpointer("unused.sqlite3")  # never started: no thread
    sink._checkpointer.restart_due = True

    async def scenario(gateway):
        logger = await Logger.connect(gateway.bound_port)
        for i in range(3):
            await logger.send(upload(device.mn, qn=f"2026112210000000{i}"))
            assert (await logger.answer()).cn == "9014"
        await logger.close()

    async def with_sink():
        gateway = Gateway(CONFIG, sink)
        await gateway.start()
        try:
            await scenario(gateway)
        finally:
            await gateway.stop()

    run(with_sink())
    assert RawPacket.objects.filter(device=device).count() == 3


def _wal_database(path, columns):
    """A database in WAL mode whose commits never checkpoint themselves, as the sink's."""
    import sqlite3

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute(f"CREATE TABLE t ({columns})")
    return db


def test_the_wal_is_copied_back_and_reused_while_writes_go_on(tmp_path):
    """Commits never checkpoint themselves (wal_autocheckpoint = 0); the checkpointer keeps
    the WAL from growing with every page ever written."""
    import time

    from qingshan.monitoring.sink import WalCheckpointer

    path = tmp_path / "wal.sqlite3"
    db = _wal_database(path, "x BLOB")
    checkpointer = WalCheckpointer(str(path), interval=0.005)
    checkpointer.start()
    for _ in range(400):
        db.execute("INSERT INTO t VALUES (randomblob(4000))")  # one page and more a commit
        time.sleep(0.002)
    checkpointer.stop()
    wal_bytes = (tmp_path / "wal.sqlite3-wal").stat().st_size
    # without it the WAL holds every page written: 4.9 MB for these 400 commits. A quarter
    # of that leaves room for a busy machine, whose checkpointer thread runs late (two
    # suites side by side left 432 KB, then more than 819 KB, over bounds of 410 and 819)
    assert wal_bytes < 4_948_152 / 4
    assert db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 400


def test_a_writer_that_never_pauses_still_gets_its_wal_started_over(tmp_path):
    """Back-to-back commits leave a PASSIVE checkpoint no moment with every frame copied,
    so SQLite never starts the WAL over; the writer's catch-up between transactions does
    (without it these 500 commits left a WAL of 16 MB, every page ever written)."""

    from qingshan.monitoring.sink import WalCheckpointer

    path = tmp_path / "wal.sqlite3"
    db = _wal_database(path, "k INTEGER PRIMARY KEY, x BLOB")
    checkpointer = WalCheckpointer(str(path), interval=0.005)
    checkpointer.restart_frames = 64
    checkpointer.start()
    cursor = db.cursor()
    for i in range(500):
        db.execute("BEGIN")
        db.executemany("INSERT INTO t VALUES (?, randomblob(3000))", [(i,), (i + 10_000,)])
        db.execute("COMMIT")
        checkpointer.catch_up(cursor)
    checkpointer.stop()
    wal_bytes = (tmp_path / "wal.sqlite3-wal").stat().st_size
    assert wal_bytes < 4_000_000  # 1 MB seen; a late checkpointer thread on a busy machine
    assert db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1000


def test_a_packet_outside_the_data_time_window_is_stored_answered_and_counted_not_read(users):
    """A logger whose clock reset, and one dated 2099: evidence kept, nothing judged."""
    from qingshan.monitoring.choices import DataTimeStatus

    device = users["keqiao"]["device"]
    point = users["keqiao"]["point"]
    clock_reset = dt.datetime(2000, 1, 1, 0, 0, tzinfo=CHINA_TZ)

    async def scenario(gateway):
        logger = await Logger.connect(gateway.bound_port)
        for qn, when in [
            ("20261122100000001", recent(minutes=-1)),
            ("20261122100000002", clock_reset),
            ("20261122100000003", recent(days=365 * 73)),
        ]:
            await logger.send(upload(device.mn, qn=qn, when=when))
            assert (await logger.answer()).qn == qn  # acknowledged whatever its time
        await logger.close()

    run(with_gateway(scenario))
    status = dict(RawPacket.objects.filter(device=device).values_list("qn", "time_status"))
    assert status == {
        "20261122100000001": DataTimeStatus.OK,
        "20261122100000002": DataTimeStatus.BEHIND,
        "20261122100000003": DataTimeStatus.AHEAD,
    }
    assert Reading.objects.filter(point=point).count() == len(FACTORS)  # the good one's
    state = DeviceState.objects.get(device=device)
    assert state.packets == 3 and state.out_of_window == 2
    assert state.last_out_of_window is not None and state.last_out_of_window.year > 2090


def test_refused_senders_are_kept_with_mn_address_reason_first_last_and_count(users):
    from qingshan.monitoring.models import RefusedSender

    device = users["keqiao"]["device"]

    async def scenario(gateway):
        logger = await Logger.connect(gateway.bound_port)
        for i in range(3):
            await logger.send(upload("MISTYPED0001", qn=f"2026112210000000{i}"))
        await logger.send(upload(device.mn, pw="000000"))
        await logger.send(upload(device.mn, qn="20261122100000009"))
        assert (await logger.answer()).qn == "20261122100000009"
        await logger.close()

    run(with_gateway(scenario, refusals_before_close=10))
    rows = {
        (r.mn, r.reason): r for r in RefusedSender.objects.all()
    }  # one row per (MN, address, reason), counted
    assert set(rows) == {("MISTYPED0001", "unknown-device"), (device.mn, "bad-password")}
    typo = rows[("MISTYPED0001", "unknown-device")]
    assert (typo.count, typo.host, typo.device_id) == (3, "127.0.0.1", None)
    assert typo.first_seen_at <= typo.last_seen_at
    assert rows[(device.mn, "bad-password")].device_id == device.pk


def test_the_refused_senders_table_keeps_only_the_most_recent_rows(users, monkeypatch):
    from qingshan.gateway.sink import Batch, Refusal
    from qingshan.monitoring import sink as sink_module
    from qingshan.monitoring.models import RefusedSender

    monkeypatch.setattr(
        sink_module,
        "REFUSED_PRUNE_SQL",
        sink_module.REFUSED_PRUNE_SQL.replace(f"OFFSET {RefusedSender.KEPT}", "OFFSET 50"),
    )
    sink = DatabaseSink()
    for second in range(6):  # a scan of 600 random MNs
        batch = Batch()
        for i in range(100):
            batch.refusal_add(
                Refusal(f"RND{second}{i:04d}", "10.0.0.9", "unknown-device", None, second * 1000)
            )
        sink.write(batch)
    sink.close()
    assert 50 <= RefusedSender.objects.count() <= 50 + sink_module.REFUSED_PRUNE_EVERY
    assert RefusedSender.objects.filter(mn__startswith="RND5").count() == 100  # the newest


def test_a_device_deleted_while_its_counts_were_on_the_way_does_not_stall_the_writer(users):
    """Its bookkeeping can never be written (the state row's foreign key): the packets of
    the same batch are stored and the rest of it is dropped, instead of retrying for ever."""
    from qingshan.gateway.sink import Batch, DeviceCounts, SessionOpened
    from qingshan.registry.models import Device, MonitoringPoint
    from qingshan.registry.passwords import device_password_digest

    keep = users["keqiao"]["device"]
    point = MonitoringPoint.objects.create(outlet=users["keqiao"]["outlet"], name="临时点位")
    gone = Device.objects.create(point=point, mn="TEMP000000000001", password_digest="x")
    gone_id = gone.pk
    gone.delete()
    assert device_password_digest  # the device really was a registered one
    sink = DatabaseSink()
    batch = Batch(
        opened=[SessionOpened(gone_id, "10.0.0.1:1", 1), SessionOpened(keep.pk, "10.0.0.2:2", 1)],
        counts={gone_id: DeviceCounts(refused=1)},
    )
    sink.write(batch)
    sink.close()
    assert DeviceSession.objects.filter(device=keep).count() == 1
    assert not DeviceState.objects.filter(device_id=gone_id).exists()


def test_the_writer_commits_durably(users):
    """SQLite: synchronous=FULL on the writer's connection (a commit survives power loss);
    PostgreSQL: synchronous_commit on, whatever the server's default."""
    from django.db import connection

    from qingshan.gateway.sink import Batch, SessionOpened

    sink = DatabaseSink()
    sink.write(Batch(opened=[SessionOpened(users["keqiao"]["device"].pk, "10.0.0.2:2", 1)]))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 2  # FULL
        else:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    sink.close()


def test_control_characters_from_a_logger_never_fail_a_batch(users):
    """PostgreSQL refuses a NUL in text: one such frame used to fail its whole batch, and a
    refused MN with a NUL wedged the writer. Stored with U+FFFD; the raw bytes exact."""
    from qingshan.hj212.crc import hj212_crc16
    from qingshan.monitoring.models import RefusedSender

    device = users["keqiao"]["device"]
    when = recent(minutes=-1).strftime("%Y%m%d%H%M%S").encode()

    def frame(segment: bytes) -> bytes:
        return b"##%04d%s%04X\r\n" % (len(segment), segment, hj212_crc16(segment))

    nul_reading = frame(
        b"QN=2026112210000\x00001;ST=31;CN=2011;PW=123456;MN="
        + device.mn.encode()
        + b";Flag=5;CP=&&DataTime="
        + when
        + b";a2\x0026-Rtd=1.0,a21026-Rtd=2.0,a21026-Flag=N\x00&&"
    )
    nul_mn = frame(b"QN=1;ST=31;CN=2011;PW=1;MN=AB\x00CD;Flag=5;CP=&&DataTime=" + when + b"&&")

    async def scenario(gateway):
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(nul_mn + nul_reading + upload(device.mn, qn="20261122100000009"))
        assert (await logger.answer()).qn == "2026112210000\x00001"  # echoed as sent
        assert (await logger.answer()).qn == "20261122100000009"
        await logger.close()

    run(with_gateway(scenario))
    raw = RawPacket.objects.get(device=device, qn="2026112210000\ufffd001")
    assert b"\x00" in bytes(raw.raw)  # the evidence exactly as sent
    codes = set(
        Reading.objects.filter(point=users["keqiao"]["point"]).values_list("factor_code", "flag")
    )
    assert ("a2\ufffd26", "") in codes and ("a21026", "N\ufffd") in codes
    assert RefusedSender.objects.get(mn="AB\ufffdCD").reason == "unknown-device"
