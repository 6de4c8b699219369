"""The processes `qingshan demo` runs next to the web server, and their clean shutdown.

The web server runs in the foreground (uvicorn handles Ctrl-C itself); every other
platform process of the demo is a child started with the same Python, and all of them
are stopped when the web server returns: the HJ 212 gateway, the worker, and a simulator
that drives every demo device in real time, so the platform is alive from the first minute.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Child:
    name: str
    argv: tuple[str, ...]  # arguments after `python -m`


GATEWAY_PORT = 9212


def demo_children(host: str, port: int, devices_csv: str) -> list[Child]:
    """What runs alongside the web server. The gateway listens on loopback only; the
    simulator sends real-time, minute, hourly and daily data for the demo devices."""
    gateway = str(GATEWAY_PORT)
    return [
        # every simulated logger connects from 127.0.0.1: lift the per-address limit
        Child(
            "gateway",
            (
                "qingshan",
                "gateway",
                "--port",
                gateway,
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
