"""The processes `qingshan demo` runs next to the web server, and their clean shutdown.

The web server runs in the foreground (uvicorn handles Ctrl-C itself); every other
platform process of the demo is a child started with the same Python, and all of them
are stopped when the web server returns: the HJ 212 gateway, the worker, and a simulator
that drives every demo device in real time, so the platform is alive from the first minute.

Every port the demo opens is checked before anything starts (`port_problem`), and the demo
waits until the gateway listens (`Children.wait_listening`), so a taken port or a child that
dies at once stops the demo with a message instead of a banner announcing data that never
arrives.
"""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Child:
    name: str
    argv: tuple[str, ...]  # arguments after `python -m`


WEB_PORT = 8000
GATEWAY_PORT = 9212
METRICS_PORT = 9213  # the gateway's Prometheus metrics; 0: off
LOOPBACK = "127.0.0.1"


def demo_children(
    host: str,
    port: int,
    devices_csv: str,
    *,
    gateway_port: int = GATEWAY_PORT,
    metrics_port: int = METRICS_PORT,
    seed: int = 1,
) -> list[Child]:
    """What runs alongside the web server. The gateway listens on loopback only; the
    simulator sends real-time, minute, hourly and daily data for the demo devices, with
    the city's ``seed`` so that its loggers' signals are those its history came from."""
    gateway = str(gateway_port)
    return [
        # every simulated logger connects from 127.0.0.1: lift the per-address limit
        Child(
            "gateway",
            (
                "qingshan",
                "gateway",
                "--host",
                LOOPBACK,
                "--port",
                gateway,
                "--metrics-port",
                str(metrics_port),
                "--max-per-peer",
                "5000",
                "--log-level",
                "WARNING",
            ),
        ),
        Child("worker", ("qingshan", "worker")),
        Child(
            "simulator",
            (
                "qingshan",
                "simulate",
                "--port",
                gateway,
                "--devices-csv",
                devices_csv,
                "--rtd-interval",
                "30",
                # a few loggers misbehave, so that the alarm pages have something to show:
                # one hourly value in a hundred over its limit, one logger in fifty stuck
                "--exceed",
                "0.01",
                "--stuck",
                "0.02",
                "--progress",
                "never",
                "--seed",
                str(seed),
            ),
        ),
    ]


class Children:
    """Start child processes; stop them all (terminate, then kill) on exit."""

    def __init__(self, children: Sequence[Child], *, grace_seconds: float = 5.0) -> None:
        self.children = list(children)
        self.grace_seconds = grace_seconds
        self.processes: list[tuple[Child, subprocess.Popen[bytes]]] = []

    def __enter__(self) -> Children:
        try:
            for child in self.children:
                # argv comes from demo_children(), never from user input
                process = subprocess.Popen([sys.executable, "-m", *child.argv])  # noqa: S603
                self.processes.append((child, process))
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        for _, process in self.processes:
            if process.poll() is None:
                process.terminate()
        for child, process in self.processes:
            try:
                process.wait(timeout=self.grace_seconds)
            except subprocess.TimeoutExpired:
                print(
                    f"{child.name} did not stop in {self.grace_seconds:g} s; killing it",
                    file=sys.stderr,
                )
                process.kill()
                process.wait()

    def failed(self) -> list[tuple[str, int]]:
        """Children that have exited, with their exit codes."""
        return [(c.name, p.returncode) for c, p in self.processes if p.poll() is not None]

    def wait_listening(
        self, ports: Sequence[int], *, timeout: float = 60.0, settle: float = 1.0
    ) -> list[tuple[str, int]]:
        """Wait until every port accepts connections on loopback, then ``settle`` seconds
        more; the children that exited meanwhile (a port taken after all, a crash at
        start-up). Raises TimeoutError if a port is still closed after ``timeout``."""
        deadline = time.monotonic() + timeout
        waiting = list(ports)
        while waiting:
            if failed := self.failed():
                return failed
            if time.monotonic() > deadline:
                raise TimeoutError(waiting[0])
            if listening(waiting[0]):
                waiting.pop(0)
            else:
                time.sleep(0.2)
        time.sleep(settle)
        return self.failed()


def listening(port: int, host: str = LOOPBACK) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def port_problem(host: str, port: int) -> str | None:
    """Why a server could not listen on ``host``:``port``, or None if it can. Binds with
    SO_REUSEADDR like uvicorn, asyncio and prometheus_client, so a port whose last
    connections linger in TIME_WAIT counts as free, and one with a listener as taken."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        return f"地址 {host} 无法解析（{exc.strerror}）"
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "已被占用"
            return f"无法使用（{exc.strerror}）"
    return None
