"""End to end with the real processes: simulator → gateway → database → worker → API.

A logger's hourly upload carries an exceedance; seconds later the regulator sees the alarm
through the API. The very same packets sent again (loggers that missed their answers)
raise nothing more.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from gateway_setup import (
    PYTHON,
    environment,
    free_port,
    register_devices,
    register_limits,
    simulate,
    start_gateway,
    start_worker,
    stop_gateway,
)

CHINA = dt.timezone(dt.timedelta(hours=8))
DB = (
    "postgres"
    if os.environ.get("QINGSHAN_TEST_DATABASE_URL", "").startswith("postgres")
    else "sqlite"
)


def _call(port: int, path: str, *, token: str = "", body: dict | None = None) -> object:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _start_web(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    web = subprocess.Popen(
        [PYTHON, "-m", "qingshan", "web", "--port", str(port), "--log-level", "warning"], env=env
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/docs", timeout=2)
            return web, port
        except OSError:
            time.sleep(0.2)
    web.kill()
    raise RuntimeError("web server did not start")


def _resend_hourly_packets(env: dict[str, str], port: int) -> int:
    """Send every stored hourly packet again, each logger on its own connection."""
    code = (
        "import django, json; django.setup()\n"
        "from qingshan.monitoring.models import RawPacket\n"
        "rows = RawPacket.objects.filter(cn='2061').values_list('device__mn', 'raw')\n"
        "print(json.dumps([[mn, bytes(raw).decode()] for mn, raw in rows]))"
    )
    done = subprocess.run([PYTHON, "-c", code], env=env, check=True, capture_output=True, text=True)
    by_device: dict[str, list[str]] = {}
    for mn, frame in json.loads(done.stdout.strip().splitlines()[-1]):
        by_device.setdefault(mn, []).append(frame)
    for frames in by_device.values():
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall("".join(frames).encode())
            answers = b""
            while answers.count(b"CN=9014") < len(frames):
                chunk = conn.recv(65536)
                assert chunk, "the gateway closed the connection"
                answers += chunk
    return sum(len(frames) for frames in by_device.values())


def _alarms(port: int, token: str) -> list[dict]:
    page = _call(port, "/alarms?type=exceedance&limit=500", token=token)
    assert isinstance(page, dict)
    return list(page["items"])


def test_an_exceedance_from_a_logger_is_an_alarm_in_the_api_within_seconds(tmp_path):
    env, _ = environment(DB)
    register_devices(env, 10)
    register_limits(env)
    subprocess.run(
        [
            PYTHON,
            "-m",
            "qingshan",
            "createsuperuser",
            "--noinput",
            "--username",
            "chief",
            "--email",
            "chief@example.org",
        ],
        env=env | {"DJANGO_SUPERUSER_PASSWORD": "a-long-test-password"},
        check=True,
    )
    gateway, gateway_port = start_gateway(env)
    worker = start_worker(env)
    web, web_port = _start_web(env)
    run = [
        "--synthetic",
        "10",
        "--rate",
        "50",
        "--count",
        "60",
        "--uploads",
        "2011,2061",
        "--rtd-interval",
        "3600",
        "--exceed",
        "0.5",
        "--seed",
        "3",
        "--start-time",
        # three days ago: data times within the window the platform judges (rule
        # monitoring.data_time_window), whatever the date the suite runs on
        (dt.datetime.now(CHINA) - dt.timedelta(days=3))
        .replace(minute=0, second=0, microsecond=0)
        .isoformat(),
    ]
    try:
        token = _call(
            web_port, "/auth/token", body={"username": "chief", "password": "a-long-test-password"}
        )["token"]
        sent = simulate(env, gateway_port, run, summary=tmp_path / "first.json")
        assert sent["unacknowledged"] == 0
        deadline = time.monotonic() + 30
        while not (alarms := _alarms(web_port, token)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert alarms, "no exceedance alarm reached the API"
        time.sleep(3)  # the worker has judged everything by now
        before = {a["id"]: a["occurrences"] for a in _alarms(web_port, token)}
        detail = _call(web_port, f"/alarms/{alarms[0]['id']}", token=token)
        assert detail["worst_value"] > detail["limit"]
        # the same packets again, byte for byte, as loggers that missed their answers resend
        assert _resend_hourly_packets(env, gateway_port) > 0
        time.sleep(3)
        after = {a["id"]: a["occurrences"] for a in _alarms(web_port, token)}
        assert after == before
    finally:
        for process in (web, worker):
            process.terminate()
            process.wait(timeout=30)
        stop_gateway(gateway)
