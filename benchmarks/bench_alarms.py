"""Alarm latency under ingest load: from the triggering packet to its alarm.

The gateway, the worker and the simulator run as processes on a fresh database, like the
gateway's throughput benchmark: 1,000 connections at the given rate of real-time (2011)
uploads, plus the hourly (2061) uploads of the same loggers, a share of which carry an
exceedance (``--exceed``). Every permit limit is the simulator's typical one, so each
exceedance is an alarm; an alarm clears on the next hourly value under the limit, so
the run raises many.

Latency of an alarm = the time the worker created it − the time the gateway received
its triggering packet (the hourly packet of the alarm's point and first data time). The
packet was committed after it was received, so this overstates the latency from commit
by up to one commit interval: the figure is an upper bound.

    python benchmarks/bench_alarms.py --db sqlite --rate 5000 --duration 30
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_setup import (
    PYTHON,
    environment,
    register_devices,
    register_limits,
    simulate,
    start_gateway,
    start_worker,
    stop_gateway,
)

LATENCY_SQL = """
SELECT a.id, a.raised_at, MIN(r.received_at)
FROM monitoring_alarm a
JOIN registry_device d ON d.point_id = a.point_id
JOIN monitoring_rawpacket r ON r.device_id = d.id AND r.data_time = a.first_at AND r.cn = '2061'
WHERE a.kind = 'exceedance'
GROUP BY a.id, a.raised_at
"""


def _latencies() -> None:
    """Runs inside Django: print the latency of each exceedance alarm, in ms."""
    import django

    django.setup()
    from django.db import connection

    from qingshan.core.fields import epoch_millis

    out = []
    with connection.cursor() as cursor:
        cursor.execute(LATENCY_SQL)
        for _, raised_at, received_ms in cursor.fetchall():
            if isinstance(raised_at, str):  # SQLite returns the text form
                import datetime as dt

                raised_at = dt.datetime.fromisoformat(raised_at)
                if raised_at.tzinfo is None:
                    raised_at = raised_at.replace(tzinfo=dt.UTC)
            out.append((epoch_millis(raised_at) or 0) - received_ms)
    print(json.dumps(out))


def latencies(env: dict[str, str]) -> list[int]:
    done = subprocess.run(
        [PYTHON, __file__, "--latencies"], env=env, check=True, capture_output=True, text=True
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(share * len(ordered)))])


def run(db: str, devices: int, rate: float, duration: float, exceed: float) -> dict[str, object]:
    env, _ = environment(db)
    register_devices(env, devices)
    register_limits(env)
    gateway, port = start_gateway(env)
    worker = start_worker(env)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            summary = simulate(
                env,
                port,
                [
                    "--synthetic",
                    str(devices),
                    "--rate",
                    str(rate),
                    "--duration",
                    str(duration),
                    "--uploads",
                    "2011,2061",
                    "--exceed",
                    str(exceed),
                    "--window",
                    "16",
                    "--start-time",
                    "2026-11-01T00:00:00",
                    "--seed",
                    "7",
                ],
                summary=Path(tmp) / "summary.json",
            )
        time.sleep(3)  # let the worker judge the last packets
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        stop_gateway(gateway)
    found = latencies(env)
    return {
        "db": db,
        "rate_asked": rate,
        "acked_per_s": round(summary["acked"] / max(summary["elapsed"], 1e-9)),
        "alarms": len(found),
        "p50_ms": percentile(found, 0.5) if found else None,
        "p99_ms": percentile(found, 0.99) if found else None,
        "max_ms": max(found) if found else None,
        "mean_ms": round(statistics.fmean(found)) if found else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=5000)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--exceed", type=float, default=0.02)
    parser.add_argument("--latencies", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.latencies:
        _latencies()
        return
    print(json.dumps(run(args.db, args.devices, args.rate, args.duration, args.exceed)))


if __name__ == "__main__":
    main()
