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
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # readings imports ReadingRow from here
    from qingshan.gateway.readings import DataTimeWindow

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
    # the data times judged for this device's jurisdiction (rule monitoring.data_time_window);
    # None: every data time is taken as it comes (tests of the server alone)
    window: DataTimeWindow | None = None


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
    readings: list[ReadingRow]  # none when the data time is outside the window
    answer: bytes | None  # sent after commit; None when the logger asked for no answer
    time_status: int = 0  # the data time against the window: readings.TIME_OK, …


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


# refusal reasons that are bad frames rather than refused credentials
FRAME_ERRORS = frozenset({"bad-crc", "bad-frame"})


@dataclass(frozen=True, slots=True)
class Refusal:
    """A frame the server refused: for the refused-senders table and the device's counts."""

    mn: str  # as sent, cut to 32 characters; "" when it could not be read
    host: str  # the address, without the port
    reason: str  # monitoring.choices.RefusalReason
    device_id: int | None  # the registered device with that MN, if any
    at_ms: int


@dataclass(slots=True)
class DeviceCounts:
    """Per-device counters accumulated between two commits (deltas)."""

    refused: int = 0
    frame_errors: int = 0


@dataclass(slots=True)
class RefusalCount:
    """The refusals of one (MN, address, reason) between two commits."""

    device_id: int | None
    first_ms: int
    last_ms: int
    count: int = 0


@dataclass(slots=True)
class Batch:
    packets: list[Accepted] = field(default_factory=list)
    opened: list[SessionOpened] = field(default_factory=list)
    closed: list[SessionClosed] = field(default_factory=list)
    counts: dict[int, DeviceCounts] = field(default_factory=dict)
    refusals: dict[tuple[str, str, str], RefusalCount] = field(default_factory=dict)

    def refusal_add(self, refusal: Refusal) -> None:
        key = (refusal.mn, refusal.host, refusal.reason)
        seen = self.refusals.get(key)
        if seen is None:
            seen = self.refusals[key] = RefusalCount(refusal.device_id, refusal.at_ms, 0)
        seen.last_ms = refusal.at_ms
        seen.count += 1
        if refusal.device_id is not None:
            counts = self.counts.setdefault(refusal.device_id, DeviceCounts())
            if refusal.reason in FRAME_ERRORS:
                counts.frame_errors += 1
            else:
                counts.refused += 1

    def bookkeeping(self) -> Batch:
        """A batch of everything but the packets."""
        return Batch([], self.opened, self.closed, self.counts, self.refusals)

    def __bool__(self) -> bool:
        return bool(self.packets or self.opened or self.closed or self.counts or self.refusals)


class Sink(Protocol):
    def load_devices(self) -> Mapping[str, DeviceKey]:
        """Every registered device by MN (active or not)."""
        ...

    def load_device(self, mn: str) -> DeviceKey | None:
        """One device by MN, or None: for an MN the server has not loaded (registered since)."""
        ...

    def devices_version(self) -> object:
        """A cheap mark that changes whenever a device is added, changed or removed."""
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
        self.refusals: dict[tuple[str, str, str], int] = {}
        self.fail_next = 0  # make the next n writes raise, to test retries
        self.unjudged: int | None = None  # what backlog() answers, to test back-pressure
        self.lookups: list[str] = []  # the MNs load_device was asked for
        self.version = 0

    def register(self, device: DeviceKey) -> None:
        """Add or change a device, as the registry would."""
        self.devices[device.mn] = device
        self.version += 1

    def load_devices(self) -> Mapping[str, DeviceKey]:
        return dict(self.devices)

    def load_device(self, mn: str) -> DeviceKey | None:
        self.lookups.append(mn)
        return self.devices.get(mn)

    def devices_version(self) -> object:
        return self.version

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
        for key, seen in batch.refusals.items():
            self.refusals[key] = self.refusals.get(key, 0) + seen.count

    def backlog(self) -> int | None:
        return self.unjudged

    def close(self) -> None:
        return None
