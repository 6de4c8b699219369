"""HJ 212 data-logger simulator: many loggers, each on its own TCP connection, uploading
real-time, minute, hourly and daily data to a platform and checking every 9014 answer.

For load tests of the gateway, field-like test data, and the gateway's robustness tests
(faults and hostile loggers). Pure asyncio, no Django except for ``--from-registry``.

    config = SimConfig(devices=synthetic_devices(100), port=port, rate=2000, duration=10)
    summary = await run_simulation(config)
    assert summary.unacknowledged == 0

See ``docs/simulator.md``.
"""

from .config import HOSTILE_MODES, SimConfig
from .devices import (
    GAS_FACTORS,
    SYNTHETIC_PASSWORD,
    SYNTHETIC_PREFIX,
    WATER_FACTORS,
    DeviceSpec,
    load_devices_csv,
    registry_devices,
    station_type,
    synthetic_devices,
    synthetic_mn,
)
from .fakeplatform import FakePlatform
from .logger import unknown_mn, wrong_password
from .packets import PROTOCOLS, Protocol
from .signals import Faults
from .simulation import Simulation, run_simulation
from .stats import Summary

__all__ = [
    "GAS_FACTORS",
    "HOSTILE_MODES",
    "PROTOCOLS",
    "SYNTHETIC_PASSWORD",
    "SYNTHETIC_PREFIX",
    "WATER_FACTORS",
    "DeviceSpec",
    "FakePlatform",
    "Faults",
    "Protocol",
    "SimConfig",
    "Simulation",
    "Summary",
    "load_devices_csv",
    "registry_devices",
    "run_simulation",
    "station_type",
    "synthetic_devices",
    "synthetic_mn",
    "unknown_mn",
    "wrong_password",
]
