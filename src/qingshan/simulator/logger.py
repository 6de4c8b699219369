"""One simulated data logger on its own TCP connection (an asyncio Protocol).

It keeps what a real logger keeps: a queue of packets to send, the packets waiting for a
9014 (at most ``window``), and for each its transmissions. An unanswered packet is resent
after ``ack_timeout`` with the same bytes — same QN, same DataTime — up to ``retries``
times (HJ 212-2017 Table 1); after a dropped connection everything unanswered is resent.

Answers are read on a fast path first: a 9014 is a fixed string apart from its QN and CRC,
so it is recognised by comparing bytes and checking the CRC with the codec's CRC. Anything
else switches the connection to the codec's strict :class:`~qingshan.hj212.Decoder`.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from time import monotonic
from typing import TYPE_CHECKING, cast

from qingshan.hj212 import (
    CP,
    Decoder,
    Event,
    FrameError,
    Packet,
    encode_packet,
    execution_result,
    hj212_crc16,
    notification_answer,
    request_answer,
)

from .ambient import kinds_for
from .devices import DeviceSpec
from .packets import PROTOCOLS, PacketFactory, Timeline, data_time, frame
from .signals import DeviceSignals

if TYPE_CHECKING:
    from .simulation import Simulation

__all__ = ["Logger", "Outgoing", "unknown_mn", "wrong_password"]

_ANSWERS = frozenset({"9011", "9012", "9013"})
_NOTIFICATIONS = frozenset({"2012", "2022"})


class Outgoing:
    """One upload: its bytes, and how often and when it was last transmitted."""

    __slots__ = ("ack", "attempts", "cn", "epoch", "frame", "key", "qn", "sent_at")

    def __init__(self, cn: str, epoch: int, qn: str | None, data: bytes, ack: bool) -> None:
        self.cn = cn
        self.epoch = epoch
        self.qn = qn
        self.key = qn.encode() if qn is not None else b""
        self.frame = data
        self.ack = ack and qn is not None
        self.attempts = 0
        self.sent_at = 0.0


def unknown_mn(index: int) -> str:
    """The MN a hostile ``unknown-mn`` logger uses (never registered: ``ZZUNREG`` + 8 digits)."""
    return f"ZZUNREG{index:08d}"


def wrong_password(password: str) -> str:
    """A password that differs from ``password`` (digits shifted by 5)."""
    wrong = "".join(str((int(c) + 5) % 10) if c.isdigit() else "X" for c in password)
    if wrong == password or not wrong:
        wrong = "111111" if password == "000000" else "000000"
    return wrong


class Logger(asyncio.Protocol):
    """A data logger: generates uploads, sends them, matches 9014 answers, resends."""

    def __init__(self, sim: Simulation, index: int, spec: DeviceSpec, rng: random.Random):
        config = sim.config
        self.sim = sim
        self.stats = sim.stats
        self.index = index
        self.rng = rng
        self.hostile = config.hostile if rng.random() < config.hostile_fraction else None
        if self.hostile == "unknown-mn":
            spec = DeviceSpec(unknown_mn(index), spec.password, spec.factors, spec.st)
        elif self.hostile == "wrong-password":
            spec = DeviceSpec(spec.mn, wrong_password(spec.password), spec.factors, spec.st)
        self.spec = spec
        self.protocol = PROTOCOLS[config.protocol]
        self.faults = config.faults
        self.signals = DeviceSignals(spec.factors, config.faults, rng, kinds_for(spec.st))
        self.factory = PacketFactory(
            spec,
            self.protocol,
            self.signals,
            min_interval=config.min_interval,
            oversize=config.oversize_bytes if self.hostile == "oversize" else 0,
        )
        self.timeline = Timeline(0, config.rtd_interval, config.min_interval, config.upload_set)
        self.window = 1 if self.hostile == "slow" else config.window
        self.queue: deque[Outgoing] = deque()
        self.inflight: dict[bytes, Outgoing] = {}
        self.transport: asyncio.Transport | None = None
        self.paused = False
        self.backoff = 0
        self.last_qn_ms = 0
        self.offline = bool(config.faults.offline) and rng.random() < config.faults.offline
        self._going_offline = False
        self._timers: list[asyncio.TimerHandle] = []
        self._held: list[bytes] | None = None  # writes waiting behind a split/slow write
        self._rx = bytearray()
        self._decoder: Decoder | None = None
        answer_flag = self.protocol.answer_flag
        self._ack_tail = (
            f";ST=91;CN=9014;PW={spec.password};MN={spec.mn};Flag={answer_flag};CP=&&&&".encode()
            if answer_flag is not None and not self.protocol.qn_in_cp
            else b""
        )

    # -- connection -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self.transport = cast(asyncio.Transport, transport)
        stats = self.stats
        stats.connections += 1
        stats.connects += 1
        stats.connections_peak = max(stats.connections_peak, stats.connections)
        self.backoff = 0
        self.paused = False
        self._rx = bytearray()
        self._decoder = None
        self._held = None
        loop = self.sim.loop
        if self.offline:
            after = self.faults.offline_after * self.rng.uniform(0.8, 1.2)
            self._timers.append(loop.call_later(after, self._go_offline))
        self.pump()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.stats.connections -= 1
        self.stats.disconnects += 1
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self._held = None
        if self.inflight:  # resend everything unanswered once reconnected
            self.queue.extendleft(reversed(self.inflight.values()))
            self.inflight.clear()
        if self._going_offline:
            self._going_offline = False
            self.sim.connect_later(self, self.faults.offline_for * self.rng.uniform(0.8, 1.2))
        elif not self.sim.closing:
            if exc is not None:
                self.stats.error("connection-lost")
            else:
                self.stats.error("connection-closed-by-peer")
            self.sim.reconnect(self)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self.pump()

    def _go_offline(self) -> None:
        if self.transport is not None:
            self._going_offline = True
            self.stats.offline_periods += 1
            self.transport.close()

    # -- sending --------------------------------------------------------------------------

    def ready(self) -> bool:
        """Connected, nothing queued and room in the window: may take a new packet."""
        return (
            self.transport is not None
            and not self.queue
            and not self.paused
            and len(self.inflight) < self.window
        )

    def generate(self) -> None:
        """Make the uploads of the next sample of the timeline and send what the window
        allows (a hostile ``random-bytes`` logger writes noise instead)."""
        if self.hostile == "random-bytes":
            self._noise()
            return
        steps = 1
        if self.faults.merge and self.rng.random() < self.faults.merge:
            steps = self.rng.randint(2, 3)
        for _ in range(steps):
            for cn, epoch in self.timeline.step():
                self.queue.append(self.make(cn, epoch))
        self.pump(merge=steps > 1)

    def make(self, cn: str, epoch: int) -> Outgoing:
        qn: str | None = None
        if self.protocol.qn:
            qn, self.last_qn_ms = self.sim.qn_clock.next(self.last_qn_ms)
        data = frame(self.factory.segment(cn, epoch, qn))
        return Outgoing(cn, epoch, qn, data, self.protocol.ack)

    def pump(self, *, merge: bool = False) -> None:
        """Send queued packets while the window has room (``merge``: the whole queue in
        one write, window or not)."""
        if self.transport is None or self.paused:
            return
        queue = self.queue
        if merge or (
            len(queue) > 1 and self.faults.merge and self.rng.random() < self.faults.merge
        ):
            batch: list[bytes] = []
            while queue:
                self._transmit(queue.popleft(), batch)
            self._write(b"".join(batch))
            return
        inflight = self.inflight
        window = self.window
        while queue and len(inflight) < window:
            self._transmit(queue.popleft(), None)

    def _transmit(self, out: Outgoing, batch: list[bytes] | None) -> None:
        stats = self.stats
        out.attempts += 1
        if out.attempts == 1:
            stats.sent += 1
            stats.by_cn[out.cn] += 1
            if not out.ack:
                stats.sent_no_ack += 1
        else:
            stats.resends += 1
        data = out.frame
        faults = self.faults
        if faults.bad_crc and self.rng.random() < faults.bad_crc:
            data = frame(data[6:-6], bad_crc=True)
        stats.bytes_sent += len(data)
        delay = 0.0
        if batch is not None:
            batch.append(data)
        elif self.hostile == "slow":
            delay = len(data) * self.sim.config.slow_interval
            self._write_slow(data)
        elif self._held is None and faults.split and self.rng.random() < faults.split:
            delay = self._write_split(data)
        else:
            self._write(data)
        if out.ack:
            now = self.sim.loop.time()
            # latency uses its own clock: uvloop's loop.time() is cached per iteration (ms)
            out.sent_at = monotonic() + delay
            self.inflight[out.key] = out
            self.sim.add_timeout(now + delay + self.sim.config.ack_timeout, self, out)

    def _write(self, data: bytes) -> None:
        if self._held is not None:
            self._held.append(data)
        elif self.transport is not None:
            self.transport.write(data)

    def _write_split(self, data: bytes) -> float:
        """Write ``data`` in 2–4 pieces ``split_gap`` s apart; later writes wait."""
        pieces = self.rng.randint(2, min(4, len(data)))
        cuts = sorted(self.rng.sample(range(1, len(data)), pieces - 1))
        parts = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        self._write(parts[0])
        self._held = []
        gap = self.faults.split_gap
        call_later, transport = self.sim.loop.call_later, self.transport
        for i, part in enumerate(parts[1:], start=1):
            call_later(gap * i, self._write_piece, transport, part, i == len(parts) - 1)
        return gap * (len(parts) - 1)

    def _write_slow(self, data: bytes) -> None:
        """Hostile ``slow``: one byte every ``slow_interval`` seconds (slowloris)."""
        self._held = []
        gap = self.sim.config.slow_interval
        call_later, transport = self.sim.loop.call_later, self.transport
        for i in range(len(data)):
            call_later(gap * i, self._write_piece, transport, data[i : i + 1], i == len(data) - 1)

    def _write_piece(self, transport: asyncio.Transport | None, piece: bytes, last: bool) -> None:
        if transport is None or self.transport is not transport or transport.is_closing():
            return  # the connection this write belonged to is gone
        transport.write(piece)
        if last:
            held, self._held = self._held, None
            if held:
                transport.write(b"".join(held))

    def _noise(self) -> None:
        if self.transport is None:
            return
        data = self.rng.randbytes(self.rng.randint(32, 512))
        self.stats.hostile_writes += 1
        self.stats.bytes_sent += len(data)
        self.transport.write(data)

    def timed_out(self, out: Outgoing, attempt: int) -> None:
        """No 9014 within the timeout: resend the same bytes, or give up after the retries."""
        if out.attempts != attempt or self.inflight.get(out.key) is not out:
            return  # answered, resent, or requeued after a reconnect since
        del self.inflight[out.key]
        if out.attempts <= self.sim.config.retries and self.transport is not None:
            self._transmit(out, None)
        else:
            self.stats.gave_up += 1
            self.pump()

    # -- receiving ------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._decoder is not None:
            self._events(self._decoder.receive_data(data))
            self.pump()
            return
        buf = self._rx
        buf += data
        size = len(buf)
        pos = 0
        tail = self._ack_tail
        fast = True
        while size - pos >= 6:
            head = buf[pos + 2 : pos + 6]
            if buf[pos] != 0x23 or buf[pos + 1] != 0x23 or not head.isdigit():
                fast = False
                break
            length = int(head)
            end = pos + length + 12
            if end > size:
                break
            segment = bytes(buf[pos + 6 : pos + 6 + length])
            if not (
                tail
                and segment[20:] == tail
                and segment[:3] == b"QN="
                and buf[end - 2 : end] == b"\r\n"
                and _crc_ok(segment, bytes(buf[end - 6 : end - 2]))
            ):
                fast = False
                break
            self._acked(segment[3:20])
            pos = end
        if fast:
            del buf[:pos]
        else:  # not a plain 9014: let the codec read the rest of this connection
            self._decoder = Decoder()
            rest = bytes(buf[pos:])
            self._rx = bytearray()
            self._events(self._decoder.receive_data(rest))
        self.pump()

    def _acked(self, key: bytes) -> None:
        out = self.inflight.pop(key, None)
        stats = self.stats
        if out is None:
            stats.late_acks += 1
            return
        stats.acked += 1
        stats.ack_latency(monotonic() - out.sent_at)
        log = self.sim.ack_log
        if log is not None:
            log.write(f"{self.spec.mn},{out.qn},{out.cn},{data_time(out.epoch)}\n")

    def _events(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, FrameError):
                self.stats.error(f"answer-{event.code}")
                continue
            packet = event.packet
            if packet.cn == "9014":
                self._answer(packet)
            elif packet.cn in _ANSWERS:
                self.stats.error("unexpected-answer")
            else:
                self._request(packet)

    def _answer(self, packet: Packet) -> None:
        protocol = self.protocol
        qn = packet.cp.get("QN") if protocol.qn_in_cp else packet.qn
        if qn is None:
            qn = packet.qn or packet.cp.get("QN")
            self.stats.error("answer-qn-misplaced" if qn else "answer-without-qn")
            if qn is None:
                return
        spec = self.spec
        if (
            packet.st != "91"
            or packet.mn != spec.mn
            or packet.pw != spec.password
            or packet.flag != protocol.answer_flag
            or any(name != "QN" for name, _ in packet.cp.pairs())
        ):
            self.stats.error("answer-deviation")  # matched by QN anyway, like loggers do
        self._acked(qn.encode())

    def _request(self, packet: Packet) -> None:
        """Answer a platform request as a 2017 logger (Appendix C), without acting on it
        beyond the upload intervals."""
        if not self.sim.config.answer_requests or self.transport is None:
            return
        if not packet.ack_required:
            return
        self.stats.requests_answered += 1
        if packet.cn in _NOTIFICATIONS:
            self._write(notification_answer(packet))
            return
        self._write(request_answer(packet))
        items: dict[str, str] = {}
        if packet.cn == "1011":
            items = {"SystemTime": data_time(int(self.sim.wall_time()))}
        elif packet.cn == "1061":
            items = {"RtdInterval": str(self.timeline.rtd)}
        elif packet.cn == "1063":
            items = {"MinInterval": str(self.timeline.minute // 60)}
        elif packet.cn == "1062":
            value = packet.cp.get("RtdInterval", "") or ""
            if value.isdigit() and int(value) > 0 and not self.sim.config.load_mode:
                self.timeline.rtd = int(value)
        if items:  # R2: the data travels in a packet of the request's CN and QN
            version = packet.flag >> 2 if packet.flag is not None else 0
            reply = Packet(
                st=self.spec.st,
                cn=packet.cn,
                pw=self.spec.password,
                mn=self.spec.mn,
                qn=packet.qn,
                flag=version << 2,
                cp=CP.from_dict(items),
            )
            self._write(encode_packet(reply))
        self._write(execution_result(packet))


def _crc_ok(segment: bytes, text: bytes) -> bool:
    try:
        return int(text, 16) == hj212_crc16(segment)
    except ValueError:
        return False
