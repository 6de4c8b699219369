"""`qingshan gateway`: run the HJ 212 ingestion server with the database sink."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import signal
from dataclasses import fields

from qingshan.gateway.config import GatewayConfig
from qingshan.gateway.server import Gateway
from qingshan.gateway.sink import Sink

log = logging.getLogger("qingshan.gateway")


def parse(argv: list[str]) -> argparse.Namespace:
    d = GatewayConfig()
    p = argparse.ArgumentParser(
        prog="qingshan gateway",
        description="Accept HJ 212 connections from data loggers, store every packet, and "
        "answer it only after it is committed to the database.",
    )
    p.add_argument(
        "--host",
        default=os.environ.get("QINGSHAN_GATEWAY_HOST", d.host),
        help="address to listen on (default loopback; 0.0.0.0 for real loggers)",
    )
    # a string default goes through type=int too: a bad environment value is a clear error
    p.add_argument("--port", type=int, default=os.environ.get("QINGSHAN_GATEWAY_PORT", str(d.port)))
    p.add_argument(
        "--batch-size",
        type=int,
        default=d.batch_size,
        help="most packets per transaction (default %(default)s)",
    )
    p.add_argument(
        "--commit-interval",
        type=float,
        default=d.commit_interval,
        help="seconds a batch may wait for more packets (default %(default)s)",
    )
    p.add_argument(
        "--max-pending",
        type=int,
        default=d.max_pending,
        help="accepted, uncommitted packets before reading pauses",
    )
    p.add_argument(
        "--max-unjudged",
        type=int,
        default=d.max_unjudged,
        help="committed packets not yet judged by the worker before reading pauses (0: off)",
    )
    p.add_argument("--max-connections", type=int, default=d.max_connections)
    p.add_argument(
        "--max-per-peer",
        type=int,
        default=d.max_per_peer,
        help="connections from one address (default %(default)s)",
    )
    p.add_argument(
        "--idle-timeout",
        type=float,
        default=d.idle_timeout,
        help="seconds without an accepted frame before a connection is closed",
    )
    p.add_argument("--frame-timeout", type=float, default=d.frame_timeout)
    p.add_argument(
        "--auth-timeout",
        type=float,
        default=d.auth_timeout,
        help="seconds a new connection has to send a frame of a registered device with its"
        " password (default %(default)s)",
    )
    p.add_argument(
        "--garbage-budget",
        type=int,
        default=d.garbage_budget,
        help="bytes a connection may send without an accepted frame before it is closed",
    )
    p.add_argument(
        "--refusals-before-close",
        type=int,
        default=d.refusals_before_close,
        help="refused packets (unknown MN, wrong password) before a connection is closed",
    )
    p.add_argument(
        "--refused-cooldown",
        type=float,
        default=d.refused_cooldown,
        help="seconds an MN refused too often is refused at once from the same address",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse the deviations real devices send (default: accept with warnings)",
    )
    p.add_argument(
        "--device-refresh",
        type=float,
        default=d.device_refresh,
        help="seconds between full reloads of the device registry (a safety net)",
    )
    p.add_argument(
        "--device-watch",
        type=float,
        default=d.device_watch,
        help="seconds between checks whether a device was added, changed or disabled",
    )
    p.add_argument(
        "--metrics-port",
        type=int,
        default=d.metrics_port,
        help="Prometheus metrics port on 127.0.0.1 (0: off)",
    )
    p.add_argument(
        "--log-level",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        default=os.environ.get("QINGSHAN_LOG_LEVEL", "INFO").upper(),
    )
    args = p.parse_args(argv)
    try:
        config_from(args)
    except ValueError as exc:  # a clear message and exit status 2, before anything starts
        p.error(str(exc))
    return args


def config_from(args: argparse.Namespace) -> GatewayConfig:
    names = {f.name for f in fields(GatewayConfig)}
    values = {k: v for k, v in vars(args).items() if k in names}
    values["lenient"] = not args.strict
    values["metrics_port"] = args.metrics_port or None
    return GatewayConfig(**values)


def raise_fd_limit() -> int:
    """Ten thousand loggers need ten thousand sockets: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 1_048_576 if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


async def serve(config: GatewayConfig, sink: Sink, ready: asyncio.Event | None = None) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    gateway = Gateway(config, sink)
    await gateway.start()
    if config.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(
            config.metrics_port, config.metrics_host, registry=gateway.metrics.registry
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if ready is not None:
        ready.set()
    print(f"qingshan gateway listening on {config.host}:{gateway.bound_port}", flush=True)
    await stop.wait()
    log.info("event=shutdown-requested %s", gateway.stats())
    await gateway.stop()


def main(argv: list[str]) -> int:
    args = parse(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshan.settings")
    import django

    django.setup()
    from qingshan.monitoring.sink import DatabaseSink

    raise_fd_limit()
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        pass
    asyncio.run(serve(config_from(args), DatabaseSink()))
    return 0
