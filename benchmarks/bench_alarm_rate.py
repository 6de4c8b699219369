"""How many alarms the demo city raises: its simulated signals through the alarm engine.

Issue 17: the demo raised 544 alarms in 91 minutes, the same point and factor raised and
cleared every few minutes. This drives the demo city's data loggers (the simulator's own
signals, timeline and packet factory, with the faults ``qingshan demo`` gives them: one
value in a hundred over its limit, one logger in fifty stuck) for ``--hours`` simulated
hours through the real alarm engine (``Evaluator`` + ``findings_apply``), on a fresh
SQLite database in a temporary directory with the demo city loaded. The clock is the
data time: a simulated day takes minutes, not a day. No gateway, no TCP: each packet is
built as a logger writes it and read back with the gateway's own parser (``reading_rows``),
so values, converted values and flags are what the stream would hand the engine.

Reported: alarms raised (new alarm rows) per simulated hour and per point and hour, by
kind and severity, the reopenings (an alarm raised again within its reopen window), the
alarms open at the end, and the engine's own time (judging and writing, not building
the packets) with the values it judged per second.

    .venv/bin/python benchmarks/bench_alarm_rate.py --hours 24

The same command on an older tree (``PYTHONPATH=<tree>/src``) measures its engine on the
same simulated hours: start, seed and devices are the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

CHINA = dt.timezone(dt.timedelta(hours=8))
RTD_INTERVAL = 30  # as `qingshan demo` runs the simulator
MIN_INTERVAL = 10


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours (24)")
    parser.add_argument(
        "--start",
        default=None,
        help="first data time, ISO (default: yesterday 00:00 China time, the same all day)",
    )
    parser.add_argument("--seed", type=int, default=1, help="simulator seed (1)")
    parser.add_argument("--points", type=int, default=0, help="only the first N devices")
    parser.add_argument("--exceed", type=float, default=0.01, help="as `qingshan demo` (0.01)")
    parser.add_argument("--stuck", type=float, default=0.02, help="as `qingshan demo` (0.02)")
    parser.add_argument("--data-dir", default=None, help="keep the database here")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    return parser.parse_args(argv)


def _start(text: str | None) -> int:
    if text:
        return int(dt.datetime.fromisoformat(text).timestamp())
    today = dt.datetime.now(CHINA).date()
    return int(dt.datetime.combine(today - dt.timedelta(days=1), dt.time(), CHINA).timestamp())


def _setup(data_dir: str) -> None:
    os.environ["QINGSHAN_ENV"] = "demo"
    os.environ["QINGSHAN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshan.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", seed=1, verbosity=0, stdout=io.StringIO())


class _Loggers:
    """The demo's loggers as the simulator makes them (seeded as ``Simulation.run`` does)."""

    def __init__(self, devices_csv: Path, args: argparse.Namespace, start: int) -> None:
        from qingshan.monitoring.stream import _devices
        from qingshan.simulator.ambient import kinds_for
        from qingshan.simulator.devices import load_devices_csv
        from qingshan.simulator.packets import PROTOCOLS, UPLOADS, PacketFactory, Timeline
        from qingshan.simulator.signals import DeviceSignals, Faults

        specs = load_devices_csv(devices_csv)
        if args.points:
            specs = specs[: args.points]
        faults = Faults(exceed=args.exceed, stuck=args.stuck)
        master = random.Random(args.seed)
        self.loggers = []
        for spec in specs:
            rng = random.Random(master.getrandbits(64))
            rng.random()  # the hostile draw of Logger.__init__: the same values follow
            signals = DeviceSignals(spec.factors, faults, rng, kinds_for(spec.st))
            factory = PacketFactory(spec, PROTOCOLS["2017"], signals, min_interval=MIN_INTERVAL)
            timeline = Timeline(0, RTD_INTERVAL, MIN_INTERVAL, frozenset(UPLOADS))
            # real-time mode: each logger at its own phase within the interval
            timeline.t = start - RTD_INTERVAL + rng.randrange(RTD_INTERVAL)
            self.loggers.append((spec, factory, timeline))
        self.device_of: dict[int, int] = {}
        _devices.refresh_if_stale()
        from qingshan.registry.models import Device

        self.device_of = dict(Device.objects.values_list("point_id", "pk"))

    def tick(self, until: int) -> list[Any]:
        """The readings of every upload with a data time up to ``until``."""
        from qingshan.gateway.readings import reading_rows
        from qingshan.hj212 import parse_segment
        from qingshan.monitoring.stream import StreamReading

        readings: list[StreamReading] = []
        for spec, factory, timeline in self.loggers:
            while timeline.t + timeline.rtd <= until:
                for cn, epoch in timeline.step():
                    packet = parse_segment(factory.segment(cn, epoch, None).decode())
                    received_ms = (timeline.t + 1) * 1000
                    point_id = spec.point_id or 0
                    for row in reading_rows(
                        packet, point_id=point_id, data_time=epoch, received_ms=received_ms
                    ):
                        readings.append(
                            StreamReading(
                                row[0],
                                row[1],
                                row[2],
                                row[3],
                                row[4],
                                row[9],
                                row[8],
                                received_ms,
                                self.device_of.get(point_id, 0),
                            )
                        )
        return readings


def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="qs-alarm-rate-")
    started = time.perf_counter()
    _setup(data_dir)
    from django.db import transaction

    from qingshan.monitoring.alarms import findings_apply
    from qingshan.monitoring.context import Contexts
    from qingshan.monitoring.evaluation import Evaluator
    from qingshan.monitoring.models import Alarm, AlarmEntry

    start = _start(args.start)
    end = start + int(args.hours * 3600)
    loggers = _Loggers(Path(data_dir) / "demo_devices.csv", args, start)
    contexts = Contexts()
    evaluator = Evaluator(contexts, load_history=False)  # a fresh database has no history
    # alarms the demo city loads with it are not the run's
    before = Alarm.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    entries_before = AlarmEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    setup_seconds = time.perf_counter() - started
    values = 0
    judging = 0.0  # the engine's own time: judging and writing alarms
    t = start
    while t < end:
        t = min(t + RTD_INTERVAL, end)
        readings = loggers.tick(t)
        values += len(readings)
        began = time.perf_counter()
        with transaction.atomic():
            findings_apply(evaluator.evaluate(readings), contexts=contexts)
        judging += time.perf_counter() - began
    hours = (end - start) / 3600
    driven = {spec.point_id for spec, _, _ in loggers.loggers}
    judged = {p.point_id for p in contexts.all_points() if p.limits and p.point_id in driven}
    alarms = list(
        Alarm.objects.filter(pk__gt=before).values_list(
            "kind", "severity", "first_at", "cleared_at"
        )
    )
    by_hour = Counter(int((a[2].timestamp() - start) // 3600) for a in alarms)
    reopened = AlarmEntry.objects.filter(pk__gt=entries_before, action="reopened").count()
    return {
        "start": dt.datetime.fromtimestamp(start, CHINA).isoformat(),
        "hours": hours,
        "devices": len(loggers.loggers),
        "points_with_limits": len(judged),
        "values_judged": values,
        "alarms_raised": len(alarms),
        "alarms_per_hour": round(len(alarms) / hours, 1),
        "alarms_per_point_hour": round(len(alarms) / hours / max(len(judged), 1), 4),
        "reopened": reopened,
        "open_at_end": sum(1 for a in alarms if a[3] is None),
        "by_kind": dict(Counter(a[0] for a in alarms).most_common()),
        "by_severity": dict(Counter(a[1] for a in alarms).most_common()),
        "busiest_hour": max(by_hour.values(), default=0),
        "setup_seconds": round(setup_seconds, 1),
        "run_seconds": round(time.perf_counter() - started - setup_seconds, 1),
        "engine_seconds": round(judging, 1),
        "engine_values_per_second": round(values / judging) if judging else None,
        "data_dir": data_dir,
    }


def main(argv: list[str]) -> int:
    args = parse(argv)
    result = run(args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    for key, value in result.items():
        print(f"{key:>22}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
