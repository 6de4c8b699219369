"""Through the real processes (`qingshan gateway`, `qingshan worker`): one logger whose
clock reset to 2000-01-01 (and one that runs ahead to 2099, and to year 1) stalls the
judging of no one (issue 15).

Logger 1 has an open exceedance; it then sends packets dated 2000-01-01, 2099 (a value
under the limit, that would clear the exceedance if judged) and year 1. Logger 2 then
sends an hourly 99 against a limit of 10: it is an alarm within seconds, the bad packets
are stored as evidence and acknowledged, judged by nothing, and the exceedance of logger 1
is still open.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from gateway_setup import PYTHON, environment, start_gateway, stop_gateway

from tests.monitoring.conftest import china_text, hj212_frame

DB = (
    "postgres"
    if os.environ.get("QINGSHAN_TEST_DATABASE_URL", "").startswith("postgres")
    else "sqlite"
)
SO2 = "a21026"
MNS = ("QSDEADLETTER000000000001", "QSDEADLETTER000000000002")
TIMEOUT = 30.0

SETUP = f"""
import datetime as dt
from decimal import Decimal
import django
django.setup()
from qingshan.core.audit import audit_context
from qingshan.permits.models import Permit, PermitLimit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.passwords import device_password_digest
from qingshan.registry.validators import credit_code_complete, organization_code_check_char

with audit_context(user=None, via="test"):
    for i, mn in enumerate({MNS!r}):
        org = f"{{7000 + i:08d}}"
        enterprise = Enterprise.objects.create(
            credit_code=credit_code_complete("91330603" + org + organization_code_check_char(org)),
            name=f"时钟测试单位{{i}}", region_code="330603", industry_code="4411",
        )
        outlet = Outlet.objects.create(
            enterprise=enterprise, code="DA001", name="排放口", medium="air", kind="main"
        )
        point = MonitoringPoint.objects.create(outlet=outlet, name="出口", factors=["{SO2}"])
        Device.objects.create(point=point, mn=mn, password_digest=device_password_digest("123456"))
        permit = Permit.objects.create(
            number=f"{{enterprise.credit_code}}001P", enterprise=enterprise, permit_class="key",
            valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2099, 1, 1),
        )
        PermitLimit.objects.create(
            permit=permit, outlet=outlet, factor_code="{SO2}", limit=Decimal("10"),
            unit="mg/m3", basis="hourly",
        )
"""


def _query(env: dict[str, str]) -> Callable[[str], list[tuple[Any, ...]]]:
    """Plain SQL on the processes' database, from this process."""
    url = env["QINGSHAN_DATABASE_URL"]

    def run(sql: str) -> list[tuple[Any, ...]]:
        if url.startswith("sqlite"):
            with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10) as conn:
                return conn.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(url) as conn:
            return conn.execute(sql).fetchall()  # type: ignore[arg-type]

    return run


def _send(port: int, frames: list[bytes]) -> None:
    """One logger's connection: each frame sent and its answer (after commit) awaited."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        for frame in frames:
            conn.sendall(frame)
            answer = b""
            while not answer.endswith(b"\r\n"):
                chunk = conn.recv(4096)
                assert chunk, "the gateway closed the connection"
                answer += chunk
            assert b"CN=9014" in answer, answer


def _until(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"not within {TIMEOUT} s: {what}"
        time.sleep(0.2)


def _hourly(mn: str, when: str, so2: str, qn: str) -> bytes:
    return hj212_frame(mn, when, {SO2: (so2, "N")}, qn=qn)


def test_a_logger_with_a_reset_clock_stalls_no_other_loggers_alarm(tmp_path):
    env, _ = environment(DB)
    subprocess.run([PYTHON, "-c", SETUP], env=env, check=True)
    sql = _query(env)
    gateway, port = start_gateway(env)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([PYTHON, "-m", "qingshan", "worker"], env=env, stderr=log)
    [(p1,), (p2,)] = sql("SELECT point_id FROM registry_device ORDER BY mn")
    open_alarm = (
        "SELECT id, occurrences FROM monitoring_alarm WHERE kind = 'exceedance'"
        " AND cleared_at IS NULL AND point_id = {}"
    )
    hour = int(time.time()) // 3600 * 3600
    try:
        _send(port, [_hourly(MNS[0], china_text(hour - 7200), "99", "20261101000000001")])
        _until(lambda: sql(open_alarm.format(p1)), "logger 1's exceedance")

        _send(
            port,
            [
                _hourly(MNS[0], "20000101000000", "99", "20000101000000001"),  # clock reset
                _hourly(MNS[0], "20990101000000", "1", "20990101000000001"),  # ahead, under
                hj212_frame(MNS[0], "00010101000000", {SO2: ("1", "N")}, cn="2051"),
            ],
        )
        _send(port, [_hourly(MNS[1], china_text(hour - 3600), "99", "20261101000000002")])
        _until(lambda: sql(open_alarm.format(p2)), "logger 2's exceedance after the bad packets")

        [(_, occurrences)] = sql(open_alarm.format(p1))
        assert occurrences == 1  # 2099 cleared nothing, 2000-01-01 counted nothing
        stored = sorted(
            t
            for (t,) in sql(
                "SELECT r.data_time FROM monitoring_rawpacket r JOIN registry_device d"
                f" ON d.id = r.device_id WHERE d.point_id = {p1}"
            )
        )
        assert len(stored) == 4 and stored[0] < -62_000_000_000  # year 1, kept as evidence
        assert stored[-1] > 4_000_000_000  # 2099
        assert sql("SELECT COUNT(*) FROM monitoring_deadletter") == [(0,)]  # not judged at all
        marks = sql(
            "SELECT COUNT(*) FROM monitoring_statisticsdue"
            f" WHERE data_time < {hour - 40 * 86400} OR data_time > {hour + 86400}"
        )
        assert marks == [(0,)]
        # every consumer moved past everything (the status page shows no stalled consumer)
        newest = sql("SELECT MAX(id) FROM monitoring_rawpacket")[0][0]
        _until(
            lambda: (
                sql("SELECT MIN(last_id) FROM core_eventcursor WHERE consumer LIKE 'stream:%'")[0][
                    0
                ]
                == newest
            ),
            "every stream consumer past the last packet",
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
        stop_gateway(gateway)
    assert "Traceback" not in (tmp_path / "worker.log").read_text()
