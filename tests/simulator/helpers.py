"""Run a simulation in-process against the fake platform (tests/simulator only)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from qingshan.hj212 import Packet
from qingshan.simulator import (
    DeviceSpec,
    FakePlatform,
    Faults,
    SimConfig,
    Summary,
    run_simulation,
    synthetic_devices,
)

FAST = {"ack_timeout": 0.3, "retries": 2, "drain": 2.0, "seed": 7}


def simulate(
    platform: FakePlatform | None = None,
    *,
    devices: list[DeviceSpec] | None = None,
    faults: Faults | None = None,
    **options: Any,
) -> tuple[Summary, FakePlatform]:
    """Start ``platform`` (default: answers everything), run, stop; return both."""
    platform = platform or FakePlatform()

    async def go() -> Summary:
        port = await platform.start()
        try:
            config = SimConfig(
                devices=devices if devices is not None else synthetic_devices(3),
                port=port,
                faults=faults or Faults(),
                **{**FAST, **options},
            )
            return await run_simulation(config)
        finally:
            await platform.close()

    return asyncio.run(go()), platform


def data_times(packets: list[Packet]) -> list[tuple[str | None, str | None, str | None]]:
    return [(p.mn, p.cn, p.cp.get("DataTime")) for p in packets]


__all__ = ["FAST", "data_times", "replace", "simulate"]
