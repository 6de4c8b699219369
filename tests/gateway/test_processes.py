"""The real processes: `qingshan gateway` and `qingshan simulate` against a real database.

They run as child processes with their own database (a temporary SQLite file, or a
scratch PostgreSQL database when the suite runs on PostgreSQL), like in production.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from crash_test import crash_run
from gateway_setup import (
    PYTHON,
    db_counts,
    environment,
    register_devices,
    simulate,
    start_gateway,
    stop_gateway,
    verify_acknowledged,
)

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
        "2026-11-01T00:00:00",
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


def test_hostile_connections_cost_the_well_behaved_devices_nothing(tmp_path):
    env, _ = environment(DB)
    register_devices(env, 100)
    register_devices(env, 10, prefix="QSBAD")  # the misbehaving loggers are devices of their own
    gateway, port = start_gateway(env)
    hostile = []
    try:
        for mode in ("random-bytes", "oversize", "slow", "unknown-mn", "wrong-password"):
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
                "12",
                "--drain",
                "1",
                "--progress",
                "never",
            ]
            hostile.append(
                subprocess.Popen(
                    argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
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
    finally:
        for process in hostile:
            process.kill()
        stop_gateway(gateway)
    assert (good["acknowledged"], good["unacknowledged"], good["errors"]) == (4000, 0, 0)
    assert verify_acknowledged(env, tmp_path / "acks.csv") == {"checked": 4000, "missing": 0}
