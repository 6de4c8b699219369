"""Crash test (issue 4): kill -9 the gateway under load, restart it, let the simulator
resend; afterwards every packet acknowledged — before or after the crash — is stored,
its readings exactly once.

    python benchmarks/crash_test.py --db sqlite --devices 200 --rate 2000 --kills 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_setup import (
    PYTHON,
    environment,
    free_port,
    register_devices,
    start_gateway,
    stop_gateway,
    verify_acknowledged,
)


def crash_run(db: str, devices: int, rate: float, kills: int, every: float) -> dict[str, int]:
    env, data_dir = environment(db)
    register_devices(env, devices)
    port = free_port()
    gateway, _ = start_gateway(env, port)
    ack_log = data_dir / "acks.csv"
    duration = every * (kills + 1)
    simulator = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "qingshan",
            "simulate",
            "--port",
            str(port),
            "--synthetic",
            str(devices),
            "--rate",
            str(rate),
            "--duration",
            str(duration),
            "--window",
            "4",
            "--ack-timeout",
            "2",
            "--retries",
            "30",
            "--drain",
            "30",
            "--ack-log",
            str(ack_log),
            "--progress",
            "never",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(kills):
        time.sleep(every)
        stop_gateway(gateway, kill=True)  # SIGKILL: no shutdown, no flush
        time.sleep(1.0)
        gateway, _ = start_gateway(env, port)
    simulator.wait()
    stop_gateway(gateway)
    result = verify_acknowledged(env, ack_log)
    result["simulator_exit"] = simulator.returncode
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--devices", type=int, default=200)
    p.add_argument("--rate", type=float, default=2000)
    p.add_argument("--kills", type=int, default=2)
    p.add_argument("--every", type=float, default=8.0, help="seconds between kills")
    args = p.parse_args()
    result = crash_run(args.db, args.devices, args.rate, args.kills, args.every)
    print(
        f"| crash test, {args.db}, {args.kills} x kill -9 under {args.rate:.0f}/s "
        f"| {result['checked']} acknowledged packets checked, {result['missing']} missing |"
    )
    return 0 if result["missing"] == 0 and result["checked"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
