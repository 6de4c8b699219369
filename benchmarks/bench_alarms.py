"""Alarm latency under ingest load: from the triggering packet to its alarm.

The gateway, the worker and the simulator run as processes on a fresh database, like the
gateway's throughput benchmark: 1,000 connections at the given rate of real-time (2011)
uploads, plus the hourly (2061) uploads of the same loggers (one packet in six), a share
of which carry an exceedance (``--exceed``). Every permit limit is the simulator's
typical one, so each exceedance is an alarm; an alarm clears on the next hourly value
under the limit, so the run raises many.

Latency of an alarm = the time the worker created it − the time the gateway received
its triggering packet (the hourly packet of the alarm's point and first data time). The
packet was committed after it was received, so this overstates the latency from commit
by up to one commit interval: the figure is an upper bound.

    python benchmarks/bench_alarms.py --db sqlite --rate 5000 --duration 30

By default the load starts once the worker is up and has run its jobs once, as in
service; ``--warm -1`` starts it with the worker, and the first seconds then measure the
worker's start-up instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
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


def _simulator_args(devices: int, rate: float, duration: float, exceed: float) -> list[str]:
    return [
        "--synthetic",
        str(devices),
        "--rate",
        str(rate),
        "--duration",
        str(duration),
        # a data-time step of ten minutes: every sixth packet is also hourly
        "--uploads",
        "2011,2061",
        "--rtd-interval",
        "600",
        "--exceed",
        str(exceed),
        "--window",
        "16",
        "--start-time",
        _recent_start(),
        "--seed",
        "7",
    ]


def _recent_start() -> str:
    """Two days ago, at midnight UTC: inside the data-time window the platform judges
    (rule monitoring.data_time_window), the same for every run of one day."""
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
    return f"{day.isoformat()}T00:00:00+00:00"


def _latencies() -> None:
    """Runs inside Django: print the latency of each exceedance alarm, in ms."""
    import django

    django.setup()
    from django.db.models import Min

    from qingshan.core.fields import epoch_millis
    from qingshan.monitoring.models import Alarm, RawPacket
    from qingshan.registry.models import Device

    device_of = dict(Device.objects.values_list("point_id", "pk"))
    out = []
    for alarm in Alarm.objects.filter(kind="exceedance").only("point_id", "first_at", "raised_at"):
        received = RawPacket.objects.filter(
            device_id=device_of[alarm.point_id], data_time=alarm.first_at, cn="2061"
        ).aggregate(first=Min("received_at"))["first"]
        if received is not None:
            out.append((epoch_millis(alarm.raised_at) or 0) - (epoch_millis(received) or 0))
    print(json.dumps(out))


def _backlog() -> None:
    """Runs inside Django: raw packets the alarm consumer has not judged yet."""
    import django

    django.setup()
    from qingshan.core.models import EventCursor
    from qingshan.monitoring.models import RawPacket

    cursor = EventCursor.objects.filter(consumer="stream:monitoring.alarms").first()
    if cursor is None:
        print(-1)  # the worker has not run the stream yet
        return
    print(RawPacket.objects.filter(pk__gt=cursor.last_id).count())


def backlog(env: dict[str, str]) -> int:
    done = subprocess.run(
        [PYTHON, __file__, "--backlog"], env=env, check=True, capture_output=True, text=True
    )
    return int(done.stdout.strip().splitlines()[-1])


def latencies(env: dict[str, str]) -> list[int]:
    done = subprocess.run(
        [PYTHON, __file__, "--latencies"], env=env, check=True, capture_output=True, text=True
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


CATCH_UP = """
import django, time
django.setup()
import qingshan.monitoring.apps  # registers the stream consumers
from qingshan.monitoring.stream import stream_dispatch

started, total = time.perf_counter(), 0
while (moved := max(stream_dispatch().values() or [0])):
    total += moved
print(total, time.perf_counter() - started)
"""


def catch_up(
    db: str, devices: int, rate: float, duration: float, exceed: float
) -> dict[str, object]:
    """The worker's own speed: ingest with no worker running, then judge the backlog alone."""
    env, data_dir = environment(db)
    register_devices(env, devices)
    register_limits(env)
    gateway, port = start_gateway(env)
    try:
        simulate(
            env,
            port,
            _simulator_args(devices, rate, duration, exceed),
            summary=data_dir / "summary.json",
        )
    finally:
        stop_gateway(gateway)
    done = subprocess.run(
        [PYTHON, "-c", CATCH_UP], env=env, check=True, capture_output=True, text=True
    )
    packets, seconds = done.stdout.split()[-2:]
    return {
        "db": db,
        "packets": int(packets),
        "seconds": round(float(seconds), 2),
        "packets_per_s": round(int(packets) / float(seconds)),
    }


def percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(share * len(ordered)))])


def wait_for_worker(env: dict[str, str], settle: float) -> None:
    """Until the worker has run the stream once, then ``settle`` seconds for the first runs
    of its other jobs: a platform in service has a worker that has been up for a while."""
    waited = time.monotonic()
    while backlog(env) < 0 and time.monotonic() - waited < 120:
        time.sleep(0.5)
    time.sleep(settle)


def run(
    db: str, devices: int, rate: float, duration: float, exceed: float, nice: int, warm: float
) -> dict[str, object]:
    env, _ = environment(db)
    register_devices(env, devices)
    register_limits(env)
    gateway, port = start_gateway(env)
    worker = start_worker(env)
    try:
        if warm >= 0:
            wait_for_worker(env, warm)
        with tempfile.TemporaryDirectory() as tmp:
            summary = simulate(
                env,
                port,
                _simulator_args(devices, rate, duration, exceed),
                summary=Path(tmp) / "summary.json",
                nice=nice,
            )
        left_at_end = backlog(env)
        waited = time.monotonic()
        while backlog(env) and time.monotonic() - waited < 300:
            time.sleep(1)  # let the worker judge the last packets
        catch_up = time.monotonic() - waited
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        stop_gateway(gateway)
    found = latencies(env)
    return {
        "db": db,
        "worker": "cold" if warm < 0 else "warm",
        "rate_asked": rate,
        "acked_per_s": round(summary["acknowledged"] / max(summary["duration"], 1e-9)),
        "backlog_at_end": left_at_end,
        "catch_up_s": round(catch_up, 1),
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
    parser.add_argument(
        "--nice", type=int, default=10, help="niceness of the simulator (0: same as the platform)"
    )
    parser.add_argument(
        "--warm",
        type=float,
        default=5,
        metavar="S",
        help="start the load S seconds after the worker's first stream run (default 5); "
        "-1: with the worker (a cold start: its first runs compete with the load)",
    )
    parser.add_argument(
        "--catch-up",
        action="store_true",
        help="no worker during the run; then time the worker judging the backlog alone",
    )
    parser.add_argument("--latencies", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backlog", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.latencies:
        _latencies()
        return
    if args.backlog:
        _backlog()
        return
    if args.catch_up:
        print(json.dumps(catch_up(args.db, args.devices, args.rate, 10, args.exceed)))
        return
    result = run(args.db, args.devices, args.rate, args.duration, args.exceed, args.nice, args.warm)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
