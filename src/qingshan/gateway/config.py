"""Gateway settings, with defaults sized by the throughput benchmark (docs/benchmarks.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

# the least each numeric setting may be; a negative max_unjudged, say, would hold reading
# for ever while a worker runs, and a zero batch size would never commit
MINIMUM: dict[str, float] = {
    "port": 0,  # 0: any free port (tests)
    "batch_size": 1,
    "commit_interval": 0,
    "max_pending": 1,
    "max_unjudged": 0,
    "backlog_interval": 0.001,
    "max_connections": 1,
    "max_per_peer": 1,
    "max_buffer": 1024,  # room for the 16-byte header, the CRC and a useful data area
    "idle_timeout": 0.001,
    "frame_timeout": 0.001,
    "refusals_before_close": 1,
    "refused_cooldown": 0,
    "auth_timeout": 0.001,
    "garbage_budget": 1024,
    "device_refresh": 0.001,
    "device_watch": 0.001,
    "unknown_mn_ttl": 0,
    "lookups_per_second": 1,
    "metrics_port": 1,
}
PORT_MAX = 65535


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    host: str = "127.0.0.1"  # loopback unless told otherwise; loggers need --host 0.0.0.0
    port: int = 9212
    # storage: one transaction per batch; a batch closes at batch_size or commit_interval
    batch_size: int = 5000
    commit_interval: float = 0.01
    # back-pressure: packets accepted but not yet committed; reading stops above it
    max_pending: int = 1000
    # committed packets the platform's stream consumers (alarm judging) have not read yet;
    # reading pauses above it, so an alarm is never more than this far behind its data
    # (ADR 14). 0: off. A consumer that has not moved for a while is not waited for.
    # 500, not 1,000: the alarm latency's p99 on PostgreSQL went from 2.2–5.2 s to 1.5–1.7 s
    max_unjudged: int = 500
    backlog_interval: float = 0.2  # seconds between looks at that backlog
    # limits
    max_connections: int = 20000
    max_per_peer: int = 512  # many outlets of one enterprise share a NAT address
    max_buffer: int = 16384  # bytes buffered per connection (a frame is at most ~10 KB)
    idle_timeout: float = 900.0  # no accepted frame for this long: close
    frame_timeout: float = 60.0  # a started frame not finished for this long: close
    # a connection must send a frame from a registered device with its password within
    # this long of opening; bad frames do not keep it open (a logger sends at once: its
    # real-time data every 30–60 s, or its backlog)
    auth_timeout: float = 120.0
    # bytes a connection may send since its last accepted frame (or its opening) without
    # one of them being accepted: four full frame buffers of garbage, then it is closed
    garbage_budget: int = 65536
    refusals_before_close: int = 5  # unknown MN / wrong PW frames on one connection
    # after a connection was closed for refused frames, the same MN from the same address
    # is refused at once for this long. Never the address alone: 4G loggers share carrier
    # NAT addresses by the hundred, and one bad logger must not shut out its neighbours
    refused_cooldown: float = 10.0
    lenient: bool = True  # real devices deviate (hj212.md §8); warnings are recorded
    # device changes reach the gateway in three ways: an unknown MN is looked up in the
    # registry when its frame arrives (and remembered as unknown for unknown_mn_ttl, at
    # most lookups_per_second lookups), the registry's change mark is read every
    # device_watch seconds and the table reloaded when it moved, and the whole table is
    # reloaded every device_refresh seconds as a safety net
    device_refresh: float = 30.0
    device_watch: float = 1.0
    unknown_mn_ttl: float = 10.0
    lookups_per_second: int = 50
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = 9213  # Prometheus /metrics; None: off

    def __post_init__(self) -> None:
        problems = [p for f in fields(self) if (p := self._problem(f.name)) is not None]
        if problems:
            raise ValueError("; ".join(problems))

    def _problem(self, name: str) -> str | None:
        value = getattr(self, name)
        if name not in MINIMUM or value is None:
            return None
        option = "--" + name.replace("_", "-")
        if isinstance(value, float) and not math.isfinite(value):
            return f"{option} must be a finite number, not {value}"
        if value < MINIMUM[name]:
            return f"{option} must be at least {MINIMUM[name]:g}, not {value}"
        if name.endswith("port") and value > PORT_MAX:
            return f"{option} must be at most {PORT_MAX}, not {value}"
        return None
