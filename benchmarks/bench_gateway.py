"""Gateway throughput, acknowledgement latency and connection capacity (issue 4).

    python benchmarks/bench_gateway.py throughput --db sqlite --devices 1000 --rate 14000
    python benchmarks/bench_gateway.py latency --db sqlite --rate 5000
    python benchmarks/bench_gateway.py connections --devices 10000

The gateway and the simulator run as separate processes, each pinned to one of the two
cores. Throughput counts packets acknowledged by the gateway (so committed first) per
second of the run; afterwards the database is checked: every acknowledged packet is there.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_setup import (
    cpu_seconds,
    db_counts,
    environment,
    register_devices,
    rss_mib,
    simulate,
    start_gateway,
    stop_gateway,
)


def one_run(args: argparse.Namespace, sim_args: list[str]) -> dict[str, float]:
    env, data_dir = environment(args.db)
    register_devices(env, args.devices)
    gateway, port = start_gateway(
        env, cpu=0 if args.pin else None, extra=tuple(args.gateway_option)
    )
    peak = [0.0]

    def watch() -> None:
        while gateway.poll() is None:
            try:
                peak[0] = max(peak[0], rss_mib(gateway.pid)[0])
            except (FileNotFoundError, ProcessLookupError):
                return
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()
    cpu_before = cpu_seconds(gateway.pid)
    try:
        summary = simulate(
            env,
            port,
            ["--synthetic", str(args.devices), *sim_args],
            cpu=1 if args.pin else None,
            summary=data_dir / "summary.json",
        )
        rss_peak = rss_mib(gateway.pid)[1]
        gateway_cpu = cpu_seconds(gateway.pid) - cpu_before
    finally:
        stop_gateway(gateway)
    counts = db_counts(env)
    acked = summary["acknowledged"]
    assert counts["monitoring_rawpacket"] >= acked, (counts, acked)
    return {
        "rate": summary["rate"],
        "acked": acked,
        "unacked": summary["unacknowledged"],
        "resends": summary["resends"],
        "sent": summary["sent"],
        "p50": summary["ack_latency_p50_ms"] or 0.0,
        "p99": summary["ack_latency_p99_ms"] or 0.0,
        "raw": counts["monitoring_rawpacket"],
        "readings": counts["monitoring_reading"],
        "rss_mib": max(rss_peak, peak[0]),
        "connections": summary["connections_peak"],
        "gateway_cpu": gateway_cpu / summary["duration"],
        "simulator_cpu": summary["cpu_seconds"] / summary["duration"],
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("mode", choices=["throughput", "latency", "connections"])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--devices", type=int, default=None)
    p.add_argument("--rate", type=float, default=None)
    p.add_argument("--duration", type=float, default=30)
    p.add_argument("--window", type=int, default=4)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-pin", dest="pin", action="store_false")
    p.add_argument(
        "--gateway-option",
        action="append",
        default=[],
        help="passed to `qingshan gateway`, e.g. --gateway-option=--max-pending=4000",
    )
    args = p.parse_args()
    defaults = {"throughput": (1000, 14000), "latency": (1000, 5000), "connections": (10000, 300)}
    args.devices = args.devices or defaults[args.mode][0]
    args.rate = args.rate or defaults[args.mode][1]
    sim = [
        "--rate",
        str(args.rate),
        "--duration",
        str(args.duration),
        "--window",
        str(args.window if args.mode == "throughput" else 1),
        "--ack-timeout",
        "10",
    ]
    runs = [one_run(args, sim) for _ in range(args.repeat)]
    for run in runs:
        print(f"  run: {run}", file=sys.stderr)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(
        f"| gateway {args.mode}, {args.db}, {args.devices} connections, offered {args.rate:.0f}/s "
        f"| {med['rate']:.0f} packets/s acked+committed, ack p50 {med['p50']:.1f} ms / "
        f"p99 {med['p99']:.1f} ms, gateway RSS {med['rss_mib']:.0f} MiB, "
        f"{med['connections']:.0f} connections (median of {len(runs)}) |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
