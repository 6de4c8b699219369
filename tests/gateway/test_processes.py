"""The real processes: `qingshan gateway` and `qingshan simulate` against a real database.

They run as child processes with their own database (a temporary SQLite file, or a
scratch PostgreSQL database when the suite runs on PostgreSQL), like in production.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from crash_test import crash_run
from gateway_setup import (
    PYTHON,
    db_counts,
    environment,
    register_devices,
    run_django,
    simulate,
    start_gateway,
    stop_gateway,
    verify_acknowledged,
)

from qingshan.simulator import synthetic_devices
from tests.gateway.helpers import Logger, recent, upload


def recent_start() -> str:
    """A data time two days ago, inside the window the platform judges, the same for both
    runs of a test (they must send the very same packets)."""
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
    return f"{day.isoformat()}T00:00:00+00:00"


DB = (
    "postgres"
    if os.environ.get("QINGSHAN_TEST_DATABASE_URL", "").startswith("postgres")
    else "sqlite"
)


def test_simulator_to_gateway_to_database_stores_every_acknowledged_packet_once(tmp_path):
    env, _ = environment(DB)
    register_devices(env, 50)
    gateway, port = start_gateway(env)
    run = [
        "--synthetic",
        "50",
        "--rate",
        "500",
        "--count",
        "2000",
        "--window",
        "2",
        "--start-time",
        recent_start(),
    ]
    try:
        first = simulate(
            env,
            port,
            [*run, "--ack-log", str(tmp_path / "acks.csv")],
            summary=tmp_path / "first.json",
        )
        after_first = db_counts(env)
        # the very same packets again, as loggers that missed their answers resend them
        again = simulate(env, port, run, summary=tmp_path / "again.json")
    finally:
        stop_gateway(gateway)
    assert (first["acknowledged"], first["unacknowledged"]) == (2000, 0)
    assert again["acknowledged"] == 2000
    assert verify_acknowledged(env, tmp_path / "acks.csv") == {"checked": 2000, "missing": 0}
    after_again = db_counts(env)
    assert after_again["monitoring_reading"] == after_first["monitoring_reading"]  # no doubles
    assert after_again["monitoring_rawpacket"] == 4000  # every resend kept as evidence


def test_kill_9_under_load_loses_no_acknowledged_packet():
    result = crash_run(DB, devices=50, rate=800, kills=1, every=4.0)
    assert result["checked"] > 1000
    assert result["missing"] == 0


def _refused(env: dict[str, str]) -> dict[tuple[str, str], int]:
    """The refused-senders table: (MN as sent, reason) → count."""
    out = run_django(
        env,
        "import json\n"
        "from qingshan.monitoring.models import RefusedSender\n"
        "rows = RefusedSender.objects.values_list('mn', 'reason', 'count')\n"
        "print(json.dumps([list(r) for r in rows]))",
    )
    found: dict[tuple[str, str], int] = {}
    for mn, reason, count in json.loads(out):
        found[(mn, reason)] = found.get((mn, reason), 0) + count
    return found


def _eventually(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"not true within {timeout} s"
        time.sleep(0.2)


def _hostile(env: dict[str, str], port: int, mode: str, seconds: int) -> subprocess.Popen[bytes]:
    argv = [
        PYTHON,
        "-m",
        "qingshan",
        "simulate",
        "--port",
        str(port),
        "--synthetic",
        "10",
        "--mn-prefix",
        "QSBAD",
        "--hostile",
        mode,
        "--rate",
        "50",
        "--duration",
        str(seconds),
        "--drain",
        "1",
        "--progress",
        "never",
    ]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class PasswordGuesser(threading.Thread):
    """A logger guessing the password of a registered MN as fast as it is let: five wrong
    ones a connection, reconnecting at once when cut off, until stopped."""

    def __init__(self, port: int, mn: str) -> None:
        super().__init__(daemon=True)
        self.port, self.mn = port, mn
        self.stop = threading.Event()
        self.cut_off = 0  # connections the gateway closed on it

    def run(self) -> None:
        asyncio.run(self._guess())

    async def _guess(self) -> None:
        while not self.stop.is_set():
            try:
                logger = await Logger.connect(self.port)
                frames = [upload(self.mn, pw=f"guess{i}", when=recent()) for i in range(6)]
                await logger.send(b"".join(frames))
                if await logger.gone(timeout=2):
                    self.cut_off += 1
                await logger.close()
            except OSError:
                await asyncio.sleep(0.05)


def test_hostile_connections_cost_the_well_behaved_devices_nothing(tmp_path):
    """Every hostile mode from the loggers' own address (all on 127.0.0.1, as behind one
    carrier NAT), and the honest loggers connect only after the wrong passwords have
    already been refused and their connections cut off."""
    env, _ = environment(DB)
    register_devices(env, 100)
    register_devices(env, 10, prefix="QSBAD")  # the misbehaving loggers are devices of their own
    gateway, port = start_gateway(env)
    hostile = []
    guesser = PasswordGuesser(port, synthetic_devices(1, prefix="QSBAD")[0].mn)
    try:
        modes = ("random-bytes", "oversize", "slow", "unknown-mn", "wrong-password")
        hostile = [_hostile(env, port, mode, 20) for mode in modes]
        guesser.start()
        _eventually(lambda: guesser.cut_off >= 2, 30)  # refused, cut off, and back again
        good = simulate(
            env,
            port,
            [
                "--synthetic",
                "100",
                "--rate",
                "400",
                "--count",
                "4000",
                "--window",
                "1",
                "--ack-log",
                str(tmp_path / "acks.csv"),
            ],
            summary=tmp_path / "good.json",
        )
        for process in hostile:
            process.wait(timeout=60)
        refused = _refused(env)
    finally:
        guesser.stop.set()
        for process in hostile:
            process.kill()
        stop_gateway(gateway)
    guesser.join(timeout=10)
    assert (good["acknowledged"], good["unacknowledged"], good["errors"]) == (4000, 0, 0)
    assert verify_acknowledged(env, tmp_path / "acks.csv") == {"checked": 4000, "missing": 0}
    # what a field engineer sees on the status page: who was refused, and why
    assert any(mn.startswith("ZZUNREG") and why == "unknown-device" for mn, why in refused)
    bad = synthetic_devices(1, prefix="QSBAD")[0].mn
    assert refused[(bad, "bad-password")] >= 10
    assert refused[(bad, "throttled")] >= 1  # the guesser, refused at once when it came back
    assert not any(mn.startswith("QSSIM") for mn, _ in refused)  # no honest logger refused


def test_device_changes_reach_the_running_gateway_within_two_seconds():
    """Registered a moment before it connects: answered on its first packet. A new
    password, and a disabled device, in force within 2 s. Through the real processes."""
    env, _ = environment(DB)
    register_devices(env, 1)
    # no full reload during the test: only the lookup and the change mark can do it
    gateway, port = start_gateway(env, extra=("--device-refresh", "3600"))
    (spec,) = synthetic_devices(1, prefix="QSNEW")

    async def first_answer(pw: str, qn: str, timeout: float) -> bool:
        logger = await Logger.connect(port)
        try:
            await logger.send(upload(spec.mn, pw=pw, qn=qn, when=recent(seconds=-5)))
            await logger.answer(timeout=timeout)
            return True
        except (TimeoutError, ConnectionError):
            return False
        finally:
            await logger.close()

    async def answered_within(pw: str, seconds: float) -> float:
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            if await first_answer(pw, "20261122100000002", 0.2):
                return time.monotonic() - start
        raise AssertionError(f"not answered within {seconds} s")

    async def refused_within(pw: str, seconds: float) -> float:
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            if not await first_answer(pw, "20261122100000003", 0.3):
                return time.monotonic() - start
        raise AssertionError(f"still answered after {seconds} s")

    def device_save(**fields: object) -> None:
        run_django(
            env,
            "from qingshan.core.audit import audit_context\n"
            "from qingshan.registry.models import Device\n"
            "from qingshan.registry.passwords import device_password_digest\n"
            f"d = Device.objects.get(mn={spec.mn!r})\n"
            f"fields = {fields!r}\n"
            "if 'password' in fields:\n"
            "    d.password_digest = device_password_digest(fields['password'])\n"
            "if 'is_active' in fields: d.is_active = fields['is_active']\n"
            "with audit_context(user=None, via='test'): d.save()\n",
        )

    try:
        register_devices(env, 1, prefix="QSNEW")
        assert asyncio.run(first_answer(spec.password, "20261122100000001", 5.0))
        device_save(password="changed-1")
        assert asyncio.run(answered_within("changed-1", 2.0)) < 2.0
        device_save(is_active=False)
        assert asyncio.run(refused_within("changed-1", 2.0)) < 2.0
    finally:
        stop_gateway(gateway)


def test_a_connection_that_never_authenticates_or_sends_garbage_is_cut_off():
    env, _ = environment(DB)
    register_devices(env, 1)
    gateway, port = start_gateway(env, extra=("--auth-timeout", "1", "--garbage-budget", "8192"))

    async def garbage() -> int:
        """Bytes it got to send before the gateway closed it (4 MB if never). What the kernel
        buffers on loopback (a few hundred KB) is sent before the sender sees the reset."""
        noise, sent = await Logger.connect(port), 0
        try:
            while sent < 4_000_000:
                await noise.send(bytes(range(256)) * 4)
                sent += 1024
        except ConnectionError:
            pass
        await noise.gone(timeout=3)
        return sent

    async def scenario() -> tuple[bool, bool]:
        assert await garbage() < 2_000_000  # cut off: the code before read all 4 MB
        idle = [await Logger.connect(port) for _ in range(20)]
        chatter = await Logger.connect(port)
        start = time.monotonic()
        while time.monotonic() - start < 2.5:  # a malformed frame, again and again
            try:
                await chatter.send(b"##0010QN=1;ST=31;CP=&&&&ZZZZ\r\n")
            except ConnectionError:
                break
            await asyncio.sleep(0.1)
        gone = [await logger.gone(timeout=3) for logger in idle]
        return all(gone), await chatter.gone(timeout=3)

    try:
        assert asyncio.run(scenario()) == (True, True)
    finally:
        stop_gateway(gateway)
