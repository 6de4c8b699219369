"""What a simulation does: :class:`SimConfig` (devices, timing, acknowledgements, faults)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .devices import DeviceSpec
from .packets import PROTOCOLS, UPLOADS
from .signals import Faults

__all__ = ["HOSTILE_MODES", "SimConfig"]

#: Misbehaving loggers for the gateway's robustness tests (see docs/simulator.md).
HOSTILE_MODES = ("random-bytes", "oversize", "slow", "unknown-mn", "wrong-password")


@dataclass
class SimConfig:
    """Everything a run needs. ``rate`` set → load mode (synthetic data times, packets
    spread over the devices at ``rate`` per second); ``rate`` unset → real-time mode
    (each device uploads on its own schedule with wall-clock data times)."""

    devices: list[DeviceSpec]
    host: str = "127.0.0.1"
    port: int = 9212
    protocol: str = "2017"

    # timing
    rate: float | None = None
    rtd_interval: int = 30
    min_interval: int = 10
    #: CNs to upload; ``None``: 2011/2051/2061/2031 in real time, 2011 only in load mode.
    uploads: tuple[str, ...] | None = None
    #: First data time in load mode (default: now − 30 days, whole seconds).
    start_time: datetime | None = None
    duration: float | None = None
    #: Stop after this many distinct packets (all devices together).
    count: int | None = None
    #: After stopping, how long to wait for outstanding answers (default: the whole
    #: retry budget, ack_timeout × (retries + 1)).
    drain: float | None = None

    # acknowledgements (HJ 212-2017 Table 1: 10 s, 3 retries)
    ack_timeout: float = 10.0
    retries: int = 3
    #: Packets awaiting an answer per connection; 1 = like a real logger.
    window: int = 1
    #: Answer platform requests (9011/9012, 9013) like a logger would.
    answer_requests: bool = True

    # connections
    connect_concurrency: int = 200
    reconnect_min: float = 0.5
    reconnect_max: float = 30.0

    faults: Faults = field(default_factory=Faults)
    hostile: str | None = None
    #: Share of the devices that misbehave (the rest behave).
    hostile_fraction: float = 1.0
    #: Data segment size of ``oversize`` packets (bytes; > 1024, at most 9999).
    oversize_bytes: int = 2000
    #: Seconds between the bytes of a ``slow`` logger.
    slow_interval: float = 1.0

    ack_log: Path | None = None
    progress: bool = False
    progress_interval: float = 1.0
    seed: int | None = None
    #: Install SIGINT/SIGTERM handlers (the CLI does; a library caller usually not).
    handle_signals: bool = False

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}")
        if self.rate is not None and self.rate <= 0:
            raise ValueError("rate must be positive")
        if self.window < 1:
            raise ValueError("window must be at least 1")
        if self.retries < 0 or self.ack_timeout <= 0:
            raise ValueError("retries must be ≥ 0 and ack_timeout > 0")
        if self.rtd_interval < 1 or self.min_interval < 1:
            raise ValueError("intervals must be at least 1")
        if self.hostile is not None and self.hostile not in HOSTILE_MODES:
            raise ValueError(f"hostile mode must be one of {', '.join(HOSTILE_MODES)}")
        if not 1024 < self.oversize_bytes <= 9999:
            raise ValueError("oversize_bytes must be 1025..9999 (four length digits)")
        if self.uploads is not None:
            unknown = set(self.uploads) - set(UPLOADS)
            if unknown or not self.uploads:
                raise ValueError(f"uploads must be among {', '.join(UPLOADS)}")

    @property
    def load_mode(self) -> bool:
        return self.rate is not None

    @property
    def upload_set(self) -> frozenset[str]:
        if self.uploads is not None:
            return frozenset(self.uploads)
        return frozenset({"2011"}) if self.load_mode else frozenset(UPLOADS)

    @property
    def drain_seconds(self) -> float:
        if self.drain is not None:
            return self.drain
        return self.ack_timeout * (self.retries + 1)
