"""``qingshan simulate``: play HJ 212 data loggers against a gateway.

Also ``python -m qingshan.simulator``. Parses options into a :class:`SimConfig`, runs the
simulation under uvloop when it is installed, prints the summary. Exit status 0 when every
packet that asked for an answer got its 9014, 1 when some did not, 2 for bad options.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path

from qingshan.hj212 import CHINA_TZ

from .config import HOSTILE_MODES, SimConfig
from .devices import (
    SYNTHETIC_PASSWORD,
    SYNTHETIC_PREFIX,
    DeviceSpec,
    load_devices_csv,
    registry_devices,
    synthetic_devices,
)
from .packets import PROTOCOLS, UPLOADS
from .signals import Faults
from .simulation import Simulation
from .stats import Summary

__all__ = ["build_config", "main", "parser"]

_EPILOG = f"""\
examples:
  qingshan simulate                                   demo devices (DATA_DIR/demo_devices.csv)
  qingshan simulate --devices 20 --rtd-interval 30    20 loggers in real time
  qingshan simulate --synthetic 1000 --rate 12000 --window 4 --duration 60
  qingshan simulate --synthetic 10000 --rate 300      10,000 connections, low rate
  qingshan simulate --from-registry --password 123456 --duration 600
  qingshan simulate --devices 5 --bad-crc 0.1 --split 0.2 --offline 0.5
  qingshan simulate --synthetic 5 --hostile wrong-password --count 20

synthetic devices: MN = PREFIX + index from 1, zero-padded to 24 characters
(default {SYNTHETIC_PREFIX}0000000000000000001),
one password (default {SYNTHETIC_PASSWORD}); odd indexes are stack-gas points (ST=31), even
ones wastewater outlets (ST=32) — see docs/simulator.md.
hostile modes: {", ".join(HOSTILE_MODES)}.
exit status: 0 every answer arrived, 1 some packets stayed unanswered, 2 bad options.
"""


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be a fraction between 0 and 1")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _uploads(text: str) -> tuple[str, ...]:
    codes = tuple(code.strip() for code in text.split(",") if code.strip())
    if not codes or set(codes) - set(UPLOADS):
        raise argparse.ArgumentTypeError(f"a comma-separated subset of {','.join(UPLOADS)}")
    return codes


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_TZ)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qingshan simulate",
        description="Simulate HJ 212 data loggers: each device on its own TCP connection, "
        "uploading 2011/2051/2061/2031 data and checking every 9014 answer.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = p.add_argument_group("devices")
    source = src.add_mutually_exclusive_group()
    source.add_argument(
        "--devices-csv",
        metavar="FILE",
        type=Path,
        help="mn,password,point_id,enterprise,factors rows (default: DATA_DIR/demo_devices.csv)",
    )
    source.add_argument(
        "--from-registry",
        action="store_true",
        help="active devices of the registry (needs --password)",
    )
    source.add_argument("--synthetic", metavar="N", type=int, help="N synthetic devices")
    src.add_argument("--devices", metavar="N", type=int, help="use only the first N devices")
    src.add_argument("--password", help="password for --from-registry / --synthetic devices")
    src.add_argument("--mn-prefix", default=SYNTHETIC_PREFIX, help="MN prefix of --synthetic")

    net = p.add_argument_group("platform")
    net.add_argument("--host", default="127.0.0.1")
    net.add_argument("--port", type=int, default=9212)
    net.add_argument(
        "--protocol",
        choices=tuple(PROTOCOLS),
        default="2017",
        help="2017 (Flag=5), 2025 (Flag=9), 2005 (no QN/Flag: no answers), "
        "2005-ack (Flag=1, answers with the QN in CP)",
    )
    net.add_argument(
        "--connect-concurrency",
        type=int,
        default=200,
        metavar="N",
        help="connection attempts in progress at once",
    )

    timing = p.add_argument_group("timing")
    timing.add_argument(
        "--rate",
        type=_positive,
        metavar="P",
        help="load mode: P packets/s over all devices, synthetic data times",
    )
    timing.add_argument(
        "--rtd-interval",
        type=int,
        default=30,
        metavar="S",
        help="seconds between real-time samples (data-time step in load mode)",
    )
    timing.add_argument(
        "--min-interval",
        type=int,
        default=10,
        metavar="M",
        help="minutes per 2051 minute-data period",
    )
    timing.add_argument(
        "--uploads",
        type=_uploads,
        metavar="CN,…",
        help="uploads to send (default 2011,2051,2061,2031; load mode 2011)",
    )
    timing.add_argument(
        "--start-time",
        type=_time,
        metavar="ISO",
        help="first data time in load mode (default now − 30 days)",
    )
    timing.add_argument("--duration", type=_positive, metavar="S", help="stop after S seconds")
    timing.add_argument("--count", type=int, metavar="N", help="stop after N packets")
    timing.add_argument(
        "--drain",
        type=float,
        metavar="S",
        help="after stopping, wait up to S s for answers (default ack-timeout × (retries + 1))",
    )

    acks = p.add_argument_group("acknowledgements")
    acks.add_argument("--ack-timeout", type=_positive, default=10.0, metavar="S")
    acks.add_argument("--retries", type=int, default=3, metavar="N")
    acks.add_argument(
        "--window",
        type=int,
        default=1,
        metavar="N",
        help="unanswered packets per connection (1 = like a real logger)",
    )
    acks.add_argument(
        "--no-answer-requests",
        action="store_true",
        help="ignore platform requests instead of answering 9011/9012",
    )

    faults = p.add_argument_group("faults (fractions 0..1)")
    faults.add_argument(
        "--exceed",
        type=_fraction,
        default=0.0,
        metavar="F",
        help="share of packets with a pollutant above its limit",
    )
    faults.add_argument(
        "--exceed-factor",
        type=_positive,
        default=1.5,
        metavar="X",
        help="exceedances are limit × X",
    )
    faults.add_argument(
        "--stuck",
        type=_fraction,
        default=0.0,
        metavar="F",
        help="share of devices with one factor stuck at a constant value",
    )
    faults.add_argument(
        "--zero", type=_fraction, default=0.0, metavar="F", help="share of values reported as 0"
    )
    faults.add_argument(
        "--offline",
        type=_fraction,
        default=0.0,
        metavar="F",
        help="share of devices that go offline now and then",
    )
    faults.add_argument("--offline-after", type=_positive, default=60.0, metavar="S")
    faults.add_argument("--offline-for", type=_positive, default=30.0, metavar="S")
    faults.add_argument(
        "--bad-crc",
        type=_fraction,
        default=0.0,
        metavar="F",
        help="share of transmissions with a wrong CRC",
    )
    faults.add_argument(
        "--split",
        type=_fraction,
        default=0.0,
        metavar="F",
        help="share of packets written in 2-4 pieces",
    )
    faults.add_argument("--split-gap", type=_positive, default=0.02, metavar="S")
    faults.add_argument(
        "--merge",
        type=_fraction,
        default=0.0,
        metavar="F",
        help="share of writes carrying 2-3 packets",
    )
    faults.add_argument(
        "--hostile",
        choices=HOSTILE_MODES,
        help="misbehave: random bytes, oversize frames, a byte a second, "
        "unknown MNs, wrong passwords",
    )
    faults.add_argument("--hostile-fraction", type=_fraction, default=1.0, metavar="F")
    faults.add_argument("--oversize-bytes", type=int, default=2000, metavar="N")
    faults.add_argument("--slow-interval", type=_positive, default=1.0, metavar="S")

    out = p.add_argument_group("output")
    out.add_argument(
        "--ack-log",
        type=Path,
        metavar="FILE",
        help="one line per acknowledged packet: mn,qn,cn,data_time",
    )
    out.add_argument("--json-summary", type=Path, metavar="FILE")
    out.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="live line on stderr (auto: when stderr is a terminal)",
    )
    out.add_argument("--seed", type=int, help="random seed (repeatable values and faults)")
    return p


def _default_csv() -> Path:
    data_dir = Path(os.environ.get("QINGSHAN_DATA_DIR", Path.cwd() / "data"))
    return data_dir / "demo_devices.csv"


def _devices(args: argparse.Namespace) -> list[DeviceSpec]:
    if args.synthetic is not None:
        count = args.synthetic if args.devices is None else min(args.synthetic, args.devices)
        return synthetic_devices(
            count, prefix=args.mn_prefix, password=args.password or SYNTHETIC_PASSWORD
        )
    if args.from_registry:
        if not args.password:
            raise ValueError("--from-registry needs --password (the registry keeps digests)")
        return registry_devices(args.password, limit=args.devices)
    path = args.devices_csv or _default_csv()
    if not path.exists():
        raise ValueError(
            f"no device file {path}: run `qingshan load_demo`, or give --devices-csv, "
            "--from-registry or --synthetic"
        )
    devices = load_devices_csv(path)
    if args.password:
        devices = [
            DeviceSpec(d.mn, args.password, d.factors, d.st, d.point_id, d.enterprise)
            for d in devices
        ]
    return devices if args.devices is None else devices[: args.devices]


def build_config(args: argparse.Namespace) -> SimConfig:
    """The :class:`SimConfig` for parsed options (raises ValueError for bad ones)."""
    devices = _devices(args)
    if not devices:
        raise ValueError("no devices to simulate")
    progress = args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
    return SimConfig(
        devices=devices,
        host=args.host,
        port=args.port,
        protocol=args.protocol,
        rate=args.rate,
        rtd_interval=args.rtd_interval,
        min_interval=args.min_interval,
        uploads=args.uploads,
        start_time=args.start_time,
        duration=args.duration,
        count=args.count,
        drain=args.drain,
        ack_timeout=args.ack_timeout,
        retries=args.retries,
        window=args.window,
        answer_requests=not args.no_answer_requests,
        connect_concurrency=args.connect_concurrency,
        faults=Faults(
            exceed=args.exceed,
            exceed_factor=args.exceed_factor,
            stuck=args.stuck,
            zero=args.zero,
            offline=args.offline,
            offline_after=args.offline_after,
            offline_for=args.offline_for,
            bad_crc=args.bad_crc,
            split=args.split,
            split_gap=args.split_gap,
            merge=args.merge,
        ),
        hostile=args.hostile,
        hostile_fraction=args.hostile_fraction,
        oversize_bytes=args.oversize_bytes,
        slow_interval=args.slow_interval,
        ack_log=args.ack_log,
        progress=progress,
        seed=args.seed,
        handle_signals=True,
    )


def _runner() -> asyncio.Runner:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = build_config(args)
    except (ValueError, OSError) as exc:
        print(f"qingshan simulate: {exc}", file=sys.stderr)
        return 2
    with _runner() as runner:
        summary: Summary = runner.run(Simulation(config).run())
    print(summary.text())
    if args.json_summary is not None:
        summary.write_json(args.json_summary)
    return 1 if summary.unacknowledged else 0
