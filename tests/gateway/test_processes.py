"""The real processes: `qingshan gateway` and `qingshan simulate` against a real database.

They run as child processes with their own database (a temporary SQLite file, or a
scratch PostgreSQL database when the suite runs on PostgreSQL), like in production.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from crash_test import crash_run
from gateway_setup import (
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
