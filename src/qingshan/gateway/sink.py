"""The boundary between the server and storage.

The server hands the sink batches of accepted packets and connection events; the sink
makes them durable in one commit, or raises. Acknowledgements are sent only after
``write`` returns, so a sink must not return before its data is committed. The database
sink lives in ``qingshan.monitoring.sink``; a stream sink (NATS JetStream) can be added
beside it without touching the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

# (point_id, factor_code, period, data_time, value, min, max, cou, zs, flag, eflag, received_ms)
ReadingRow = tuple[
    int,
    str,
    int,
    int,
    float | None,
    float | None,
    float | None,
    float | None,
    float | None,
    str,
    str,
    int,
]


@dataclass(frozen=True, slots=True)
class DeviceKey:
    """What the gateway needs to know of a registered data logger."""

    device_id: int
    point_id: int
    mn: str
    password_digest: str
    active: bool


@dataclass(slots=True)
class Accepted:
    """A packet from an authenticated device, ready to be stored."""

    conn_id: int
    received_ms: int
    peer: str
    device_id: int
    st: str
    cn: str
    qn: str
    flag: int | None
    version: str
    data_time: int | None
    warnings: str
    raw: bytes
    readings: list[ReadingRow]
    answer: bytes | None  # sent after commit; None when the logger asked for no answer


@dataclass(frozen=True, slots=True)
class SessionOpened:
    device_id: int
    peer: str
    connected_ms: int


@dataclass(frozen=True, slots=True)
class SessionClosed:
    device_id: int
    peer: str
    connected_ms: int
    disconnected_ms: int
    packets: int
    reason: str


@dataclass(slots=True)
class DeviceCounts:
    """Per-device counters accumulated between two commits (deltas)."""

    refused: int = 0
    frame_errors: int = 0


@dataclass(slots=True)
class Batch:
    packets: list[Accepted] = field(default_factory=list)
    opened: list[SessionOpened] = field(default_factory=list)
    closed: list[SessionClosed] = field(default_factory=list)
    counts: dict[int, DeviceCounts] = field(default_factory=dict)


class Sink(Protocol):
    def load_devices(self) -> Mapping[str, DeviceKey]:
        """Every registered device by MN (active or not)."""
        ...

    def reset_connections(self, *, now_ms: int) -> None:
        """At start-up: no device is connected; close sessions a crash left open."""
        ...

    def write(self, batch: Batch) -> None:
        """Store the batch in one commit, or raise (nothing of it is then stored)."""
        ...

    def backlog(self) -> int | None:
        """Committed packets that live stream consumers have not read yet (ADR 14); None
        when nothing is reading the stream, so the server has nothing to wait for."""
        ...

    def close(self) -> None:
        """Called at the end in each thread that used the sink (the writer, and the thread of
        the other calls): what the sink opened for that thread is closed."""
        ...


class MemorySink:
    """A sink that keeps everything in memory: for tests of the server alone."""

    def __init__(self, devices: Mapping[str, DeviceKey]) -> None:
        self.devices = dict(devices)
        self.packets: list[Accepted] = []
        self.readings: dict[tuple[int, str, int, int], ReadingRow] = {}
        self.opened: list[SessionOpened] = []
        self.closed: list[SessionClosed] = []
        self.counts: dict[int, DeviceCounts] = {}
        self.fail_next = 0  # make the next n writes raise, to test retries
        self.unjudged: int | None = None  # what backlog() answers, to test back-pressure

    def load_devices(self) -> Mapping[str, DeviceKey]:
        return dict(self.devices)

    def reset_connections(self, *, now_ms: int) -> None:
        return None

    def write(self, batch: Batch) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise OSError("simulated storage failure")
        self.packets.extend(batch.packets)
        for packet in batch.packets:
            for row in packet.readings:
                self.readings.setdefault((row[0], row[1], row[2], row[3]), row)
        self.opened.extend(batch.opened)
        self.closed.extend(batch.closed)
        for device_id, delta in batch.counts.items():
            total = self.counts.setdefault(device_id, DeviceCounts())
            total.refused += delta.refused
            total.frame_errors += delta.frame_errors

    def backlog(self) -> int | None:
        return self.unjudged

    def close(self) -> None:
        return None
