"""Gateway settings, with defaults sized by the throughput benchmark (docs/benchmarks.md)."""

from __future__ import annotations

from dataclasses import dataclass


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
    max_unjudged: int = 1000
    backlog_interval: float = 0.2  # seconds between looks at that backlog
    # limits
    max_connections: int = 20000
    max_per_peer: int = 512  # many outlets of one enterprise share a NAT address
    max_buffer: int = 16384  # bytes buffered per connection (a frame is at most ~10 KB)
    idle_timeout: float = 900.0  # no complete frame for this long: close
    frame_timeout: float = 60.0  # a started frame not finished for this long: close
    refusals_before_close: int = 5  # unknown MN / wrong PW frames on one connection
    refused_peer_cooldown: float = 10.0  # a refused peer may reconnect once per this
    lenient: bool = True  # real devices deviate (hj212.md §8); warnings are recorded
    device_refresh: float = 30.0  # seconds between reloads of the device registry
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = 9213  # Prometheus /metrics; None: off
