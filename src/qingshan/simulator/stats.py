"""Counters, acknowledgement latency, the live progress line and the final summary.

Counting is plain integer attributes on one :class:`Stats` object and a logarithmic
histogram for latency (one ``bisect`` per acknowledgement), so the hot path stays cheap.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Histogram", "Stats", "Summary"]

# Bucket upper bounds in seconds: 10 µs × 1.05^k up to ~200 s (≈ 350 buckets, ±2.5 %).
_BOUNDS: tuple[float, ...] = tuple(1e-5 * 1.05**k for k in range(350))


class Histogram:
    """Latency distribution with ~5 % wide buckets; percentiles read off cumulatively."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(_BOUNDS) + 1)
        self.total = 0

    def add(self, seconds: float) -> None:
        self.counts[bisect_left(_BOUNDS, seconds)] += 1
        self.total += 1

    def merge(self, other: Histogram) -> None:
        for i, count in enumerate(other.counts):
            self.counts[i] += count
        self.total += other.total

    def percentile(self, fraction: float) -> float | None:
        """Upper bound of the bucket holding the ``fraction`` quantile (seconds)."""
        if not self.total:
            return None
        rank = fraction * self.total
        seen = 0
        for i, count in enumerate(self.counts):
            seen += count
            if seen >= rank and count:
                return _BOUNDS[min(i, len(_BOUNDS) - 1)]
        return _BOUNDS[-1]


class Stats:
    """Live counters of one simulation."""

    def __init__(self) -> None:
        self.connections = 0
        self.connections_peak = 0
        self.connects = 0
        self.disconnects = 0
        self.offline_periods = 0
        self.sent = 0  # distinct packets sent (first transmission)
        self.sent_no_ack = 0  # of those, packets that ask for no answer (A=0)
        self.acked = 0
        self.resends = 0
        self.gave_up = 0  # no answer after all retries
        self.late_acks = 0  # answers to a QN no longer waited for (after a resend)
        self.bytes_sent = 0
        self.hostile_writes = 0
        self.requests_answered = 0
        self.errors: Counter[str] = Counter()
        self.by_cn: Counter[str] = Counter()
        self.latency = Histogram()
        self.window_latency = Histogram()  # since the last progress line

    def error(self, kind: str) -> None:
        self.errors[kind] += 1

    def ack_latency(self, seconds: float) -> None:
        self.latency.add(seconds)
        self.window_latency.add(seconds)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 3)


@dataclass
class Summary:
    """What a simulation did. Latency is from the last transmission of a packet to its
    9014, in milliseconds (``None`` when nothing was acknowledged)."""

    devices: int
    protocol: str
    duration: float
    sent: int
    acknowledged: int
    unacknowledged: int
    resends: int
    errors: int
    rate: float
    ack_latency_p50_ms: float | None
    ack_latency_p99_ms: float | None
    gave_up: int = 0
    pending_at_end: int = 0
    sent_without_ack_request: int = 0
    late_acks: int = 0
    bytes_sent: int = 0
    connects: int = 0
    disconnects: int = 0
    connections_peak: int = 0
    offline_periods: int = 0
    hostile_writes: int = 0
    requests_answered: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    by_cn: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    def text(self) -> str:
        """The human summary printed at the end of a run."""

        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value:.1f} ms"

        lines = [
            f"devices        {self.devices} (HJ 212-{self.protocol})",
            f"duration       {self.duration:.1f} s",
            f"sent           {self.sent}  ({self.rate:.0f} packets/s)",
            f"acknowledged   {self.acknowledged}",
            f"unacknowledged {self.unacknowledged}"
            f"  (gave up {self.gave_up}, still waiting {self.pending_at_end})",
            f"resends        {self.resends}",
            f"errors         {self.errors}"
            + (
                "  (" + ", ".join(f"{k} {v}" for k, v in sorted(self.error_kinds.items())) + ")"
                if self.error_kinds
                else ""
            ),
            f"ack latency    p50 {ms(self.ack_latency_p50_ms)}, p99 {ms(self.ack_latency_p99_ms)}",
            f"connections    peak {self.connections_peak}, connects {self.connects},"
            f" disconnects {self.disconnects}",
        ]
        if self.sent_without_ack_request:
            lines.append(
                f"no answer asked {self.sent_without_ack_request}"
                " (A=0: acknowledgements cannot be checked)"
            )
        if self.late_acks:
            lines.append(f"late answers   {self.late_acks} (to a QN already resent or given up)")
        if self.hostile_writes:
            lines.append(f"hostile writes {self.hostile_writes}")
        if self.offline_periods:
            lines.append(f"offline        {self.offline_periods} periods")
        if self.by_cn:
            lines.append(
                "by CN          " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_cn.items()))
            )
        return "\n".join(lines)


def progress_line(stats: Stats, rate: float, pending: int) -> str:
    """One line for the terminal: connections, counters, rate and recent latency."""
    window = stats.window_latency
    p50, p99 = window.percentile(0.5), window.percentile(0.99)
    latency = "-" if p50 is None else f"{p50 * 1000:.1f}/{(p99 or 0) * 1000:.1f} ms"
    errors = sum(stats.errors.values())
    return (
        f"conn {stats.connections}  sent {stats.sent}  acked {stats.acked}  unacked {pending}"
        f"  resends {stats.resends}  errors {errors}  rate {rate:.0f}/s  p50/p99 {latency}"
    )
