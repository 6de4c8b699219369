"""The gateway server: connections in, authenticated packets to the writer, answers out.

Every connection is a small asyncio Protocol that feeds its bytes to its own sans-I/O
decoder; the work per read is bounded by the buffer limit, so one hostile connection never
holds up the others. A packet is answered only after the batch that holds it has been
committed (ARCHITECTURE.md: acknowledged data is never lost).

While the writer's queue is full, or judging is behind (ADR 14), what a connection sends
waits, and the connection is not read again until its turn has come: connections take
turns in the order their data arrived, one read each. Pausing and resuming every socket
at once let the kernel's order decide who was read, and under overload the same loggers
were served round after round while the others waited until they resent
(docs/benchmarks.md, fairness under overload).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from qingshan.gateway.config import GatewayConfig
from qingshan.gateway.metrics import GatewayMetrics
from qingshan.gateway.readings import TIME_OK, data_time_epoch, printable, reading_rows
from qingshan.gateway.sink import (
    Accepted,
    Batch,
    DeviceKey,
    Refusal,
    SessionClosed,
    SessionOpened,
    Sink,
)
from qingshan.gateway.writer import BatchWriter
from qingshan.hj212 import Decoder, ErrorCode, Frame, FrameError, answer_for
from qingshan.registry.passwords import device_password_matches  # pure hashlib, no Django

log = logging.getLogger("qingshan.gateway")

Event = Frame | FrameError
MN_MAX = 32  # longer than any MN (24 in HJ 212-2017): not worth a registry lookup
UNKNOWN_KEPT = 10000  # MNs remembered as unknown; a scan of random MNs cannot grow it more


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class LoggerConnection(asyncio.Protocol):
    """One data logger's TCP connection."""

    def __init__(self, gateway: Gateway, conn_id: int) -> None:
        self.gateway = gateway
        self.conn_id = conn_id
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.host = "?"
        self.decoder = Decoder(lenient=gateway.config.lenient, max_buffer=gateway.config.max_buffer)
        self.device_id: int | None = None
        self.connected_ms = now_ms()
        self.opened = self.last_frame = time.monotonic()  # last_frame: the last accepted
        self.authenticated = False  # a frame of a registered device with its password came
        self.unaccepted = 0  # bytes received since the last accepted frame (garbage budget)
        self.partial_since: float | None = None
        # events read while the registry is asked about an unknown MN: handled in order
        # once it answers (the connection is paused meanwhile)
        self.held: list[Event] | None = None
        self.packets = 0
        self.refusals = 0
        self.paused = False
        self.waiting: list[bytes] = []  # read while frames were not taken (module doc)
        self.closing = False
        self.close_reason = ""

    # asyncio callbacks -----------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername") or ("?", 0)
        self.host = str(peer[0])
        self.peer = f"{peer[0]}:{peer[1]}"
        self.gateway.connection_made(self)

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        if self.waiting or not self.gateway.admitting():
            self.waiting.append(data)
            self.gateway.wait_turn(self)
            return
        self.receive(data)

    def take_turn(self) -> None:
        data = b"".join(self.waiting)
        self.waiting.clear()
        self.resume()
        if data:
            self.receive(data)

    def receive(self, data: bytes) -> None:
        self.unaccepted += len(data)
        self.handle_events(self.decoder.receive_data(data))
        if self.closing:
            return
        if self.unaccepted > self.gateway.config.garbage_budget:
            self.gateway.garbage_seen(self)
            return
        # a started frame must finish within frame_timeout (slow-sender protection)
        if self.decoder_has_partial():
            self.partial_since = self.partial_since or time.monotonic()
        else:
            self.partial_since = None

    def handle_events(self, events: Iterable[Event]) -> None:
        for event in events:
            if self.held is not None:  # waiting for the registry: keep the order
                self.held.append(event)
                continue
            self.gateway.handle_event(self, event)
            if self.closing:
                return

    def eof_received(self) -> bool | None:
        if self.waiting or self.held is not None:
            return None  # it left before its turn: nothing of it was answered
        self.handle_events(self.decoder.receive_data(b""))
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.gateway.connection_lost(self, "peer closed" if exc is None else str(exc)[:60])

    # helpers ---------------------------------------------------------------------------
    def decoder_has_partial(self) -> bool:
        return self.decoder.buffered > 0  # bytes held for a frame not finished yet

    def close(self, reason: str) -> None:
        if self.closing or self.transport is None:
            return
        self.closing = True
        self.close_reason = reason
        self.transport.close()

    def pause(self) -> None:
        if not self.paused and self.transport is not None and not self.closing:
            self.paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.paused and self.transport is not None and not self.closing:
            self.paused = False
            self.transport.resume_reading()


class Gateway:
    def __init__(self, config: GatewayConfig, sink: Sink, metrics: GatewayMetrics | None = None):
        self.config = config
        self.sink = sink
        self.metrics = metrics or GatewayMetrics()
        self.devices: dict[str, DeviceKey] = {}
        self._verified: dict[str, str] = {}  # MN → password that matched its digest
        self._devices_mark: object = None  # the registry's change mark when last loaded
        self._unknown: dict[str, float] = {}  # MN → monotonic time it was looked up in vain
        self._lookups: dict[str, list[LoggerConnection]] = {}  # MN → connections waiting
        self._lookup_budget = (0.0, 0)  # (second, lookups made in it)
        self.connections: dict[int, LoggerConnection] = {}
        self.per_host: dict[str, int] = {}
        # (MN as sent, host) → monotonic time its connection was closed for refused frames
        self.refused_credentials: dict[tuple[str, str], float] = {}
        self.pending = 0
        self.holds: set[str] = set()  # why frames are not taken: pending, unjudged, stopping
        self.turns: deque[LoggerConnection] = deque()  # connections with data waiting
        self.unjudged: int | None = None
        self._ids = itertools.count(1)
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.writer: BatchWriter | None = None
        # the sink's other calls (devices, backlog) take turns on one thread of their own,
        # so that the sink can close what it opened there when the gateway stops
        self._sink_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway-sink")
        self._tasks: list[asyncio.Task[None]] = []
        self.committed_packets = 0
        self._frame_counters: dict[tuple[str, str], Any] = {}

    # life cycle ------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._loop.run_in_executor(self._sink_thread, self._reset_and_load)
        self.writer = BatchWriter(
            self.sink,
            on_commit=self._committed,
            batch_size=self.config.batch_size,
            commit_interval=self.config.commit_interval,
            call_in_loop=self._loop.call_soon_threadsafe,
        )
        self.writer.start()
        self._server = await self._loop.create_server(
            self._new_connection, self.config.host, self.config.port, backlog=4096
        )
        self._tasks = [
            asyncio.create_task(self._housekeeping()),
            asyncio.create_task(self._watch_devices()),
        ]
        if self.config.max_unjudged:
            self._tasks.append(asyncio.create_task(self._watch_backlog()))
        log.info(
            "event=listening host=%s port=%s devices=%d",
            self.config.host,
            self.bound_port,
            len(self.devices),
        )

    @property
    def bound_port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def _reset_and_load(self) -> None:
        self.sink.reset_connections(now_ms=now_ms())
        self._devices_mark = self.sink.devices_version()
        self._set_devices(self.sink.load_devices())

    def _set_devices(self, devices: Mapping[str, DeviceKey]) -> None:
        """A new copy of the registry: what changed takes effect for the next frame."""
        old = self.devices
        self.devices = dict(devices)
        self._verified = {}
        self._unknown = {}  # registered since, perhaps
        changed = {mn for mn, key in self.devices.items() if old.get(mn) != key}
        if changed:  # a new password or a device enabled again: its penalty is over
            for credential in [c for c in self.refused_credentials if c[0] in changed]:
                del self.refused_credentials[credential]

    async def stop(self) -> None:
        """Stop accepting, commit what was accepted, send the answers owed, then close."""
        for task in self._tasks:
            task.cancel()
        if self._server is not None:
            self._server.close()
        # no new packets, and no frames taken when the last commits free the queue;
        # answers can still be written
        self._hold("stopping")
        for conn in list(self.connections.values()):
            conn.pause()
        assert self.writer is not None and self._loop is not None
        await self._loop.run_in_executor(None, self.writer.drain)
        await asyncio.sleep(0)  # let the last commit callbacks write their answers
        for conn in list(self.connections.values()):
            conn.close("gateway shutdown")  # close() sends what is buffered first
        await asyncio.sleep(0.05)  # connection_lost callbacks record the session ends
        await self._loop.run_in_executor(None, self.writer.stop)  # the sink closes with it
        await self._loop.run_in_executor(self._sink_thread, self.sink.close)
        self._sink_thread.shutdown(wait=False)
        log.info("event=stopped committed=%d", self.committed_packets)

    # connections -----------------------------------------------------------------------
    def _new_connection(self) -> LoggerConnection:
        return LoggerConnection(self, next(self._ids))

    def connection_made(self, conn: LoggerConnection) -> None:
        cfg = self.config
        reason = None
        if len(self.connections) >= cfg.max_connections:
            reason = "max-connections"
        elif self.per_host.get(conn.host, 0) >= cfg.max_per_peer:
            reason = "max-per-peer"
        if reason:
            self.metrics.connections_refused.labels(reason).inc()
            conn.closing = True
            assert conn.transport is not None
            conn.transport.abort()
            return
        self.connections[conn.conn_id] = conn
        self.per_host[conn.host] = self.per_host.get(conn.host, 0) + 1
        self.metrics.connections.set(len(self.connections))

    def garbage_seen(self, conn: LoggerConnection) -> None:
        """The connection sent more than the garbage budget without an accepted frame. Only
        the connection is closed, never its address: 4G loggers share carrier NAT addresses
        by the hundred, and an address is limited by its connection count alone."""
        self._close(conn, "garbage")

    def _close(self, conn: LoggerConnection, reason: str) -> None:
        self.metrics.connections_closed.labels(reason).inc()
        conn.close(reason)

    def connection_lost(self, conn: LoggerConnection, reason: str) -> None:
        conn.waiting.clear()  # never answered: the logger sends them again
        conn.closing = True  # its turn, if it is waiting for one, is skipped
        if self.connections.pop(conn.conn_id, None) is None:
            return
        left = self.per_host.get(conn.host, 1) - 1
        if left:
            self.per_host[conn.host] = left
        else:
            self.per_host.pop(conn.host, None)
        self.metrics.connections.set(len(self.connections))
        if conn.device_id is not None and self.writer is not None:
            self.writer.submit(
                SessionClosed(
                    conn.device_id,
                    conn.peer,
                    conn.connected_ms,
                    now_ms(),
                    conn.packets,
                    conn.close_reason or reason,
                )
            )

    # packets ---------------------------------------------------------------------------
    def handle_event(self, conn: LoggerConnection, event: Event) -> None:
        if isinstance(event, FrameError):
            self._frame_error(conn, event)
            return
        packet = event.packet
        mn = printable((packet.mn or "")[:MN_MAX])
        if self._throttled(mn, conn.host):
            self._frames("throttled", "").inc()
            self._record_refusal(conn, mn, "throttled", self.devices.get(mn))
            self._close(conn, "throttled")
            return
        device = self.devices.get(mn)
        if device is None and self._may_look_up(mn):
            self._look_up(conn, mn, event)
            return
        if device is None or not device.active or not self._password_ok(device, packet.pw):
            self._refuse(conn, mn, device)
            return
        self._accept(conn, event, device)

    def _throttled(self, mn: str, host: str) -> bool:
        since = self.refused_credentials.get((mn, host))
        return since is not None and time.monotonic() - since < self.config.refused_cooldown

    # a device registered a moment ago: ask the registry -------------------------------
    def _may_look_up(self, mn: str) -> bool:
        """An MN not in the loaded registry is looked up, unless it was looked up in vain a
        moment ago (``unknown_mn_ttl``) or this second's lookups are spent: a flood of
        unknown MNs costs the database at most ``lookups_per_second`` indexed reads."""
        if not mn or len(mn) > MN_MAX or not mn.isprintable():
            return False
        if mn in self._lookups:
            return True  # one lookup is under way: wait for it too
        missed = self._unknown.get(mn)
        now = time.monotonic()
        if missed is not None and now - missed < self.config.unknown_mn_ttl:
            return False
        second, used = self._lookup_budget
        if int(now) != second:
            second, used = int(now), 0
        if used >= self.config.lookups_per_second:
            return False
        self._lookup_budget = (second, used + 1)
        return True

    def _look_up(self, conn: LoggerConnection, mn: str, event: Event) -> None:
        """Hold the connection's frames (in order) until the registry says who ``mn`` is."""
        conn.held = [event]
        conn.pause()
        waiting = self._lookups.get(mn)
        if waiting is not None:
            waiting.append(conn)
            return
        self._lookups[mn] = [conn]
        self.metrics.lookups.inc()
        task = asyncio.create_task(self._lookup_done(mn))
        self._tasks.append(task)
        task.add_done_callback(self._tasks.remove)

    async def _lookup_done(self, mn: str) -> None:
        assert self._loop is not None
        device: DeviceKey | None = None
        failed = False
        try:
            device = await self._loop.run_in_executor(self._sink_thread, self.sink.load_device, mn)
        except Exception:  # refused this time, asked again a moment later
            log.exception("event=device-lookup-failed mn=%s", mn[:24])
            failed = True
        if device is not None:
            self.devices[mn] = device
        else:
            if len(self._unknown) >= UNKNOWN_KEPT:
                self._unknown.pop(next(iter(self._unknown)))  # the oldest
            # a failed lookup is tried again after a second, not at once for each frame
            retry = self.config.unknown_mn_ttl - 1.0 if failed else 0.0
            self._unknown[mn] = time.monotonic() - max(0.0, retry)
        for conn in self._lookups.pop(mn, []):
            self._release_held(conn)

    def _release_held(self, conn: LoggerConnection) -> None:
        events, conn.held = conn.held or [], None
        if conn.closing:
            return
        for i, event in enumerate(events):
            self.handle_event(conn, event)
            if conn.closing:
                return
            if conn.held is not None:  # another unknown MN: the rest waits for that one
                conn.held.extend(events[i + 1 :])
                return
        if conn.unaccepted > self.config.garbage_budget:
            self.garbage_seen(conn)
        elif self.admitting():
            conn.resume()
        else:
            self.turns.append(conn)  # paused already: it is read again when its turn comes

    def _frames(self, verdict: str, cn: str) -> Any:
        """The frame counter for (verdict, command), looked up once (labels() is slow)."""
        key = (verdict, cn)
        counter = self._frame_counters.get(key)
        if counter is None:
            counter = self._frame_counters[key] = self.metrics.frames.labels(verdict, cn)
        return counter

    def _password_ok(self, device: DeviceKey, pw: str | None) -> bool:
        if pw is None:
            return False
        if self._verified.get(device.mn) == pw:
            return True
        if device_password_matches(pw, device.password_digest):
            self._verified[device.mn] = pw
            return True
        return False

    def _frame_error(self, conn: LoggerConnection, error: FrameError) -> None:
        self._frames(error.code.value, "").inc()
        mn = printable(((error.packet.mn if error.packet is not None else None) or "")[:MN_MAX])
        reason = "bad-crc" if error.code == ErrorCode.BAD_CRC else "bad-frame"
        self._record_refusal(conn, mn, reason, self.devices.get(mn))

    def _record_refusal(
        self, conn: LoggerConnection, mn: str, reason: str, device: DeviceKey | None
    ) -> None:
        """For the refused-senders table on the status page, and the device's counts."""
        if self.writer is not None:
            device_id = device.device_id if device is not None else None
            self.writer.submit(Refusal(mn, conn.host[:64], reason, device_id, now_ms()))

    def _refuse(self, conn: LoggerConnection, mn: str, device: DeviceKey | None) -> None:
        reason = (
            "unknown-device"
            if device is None
            else "inactive"
            if not device.active
            else "bad-password"
        )
        self._frames(reason, "").inc()
        log.warning("event=refused reason=%s peer=%s mn=%s", reason, conn.peer, mn[:24])
        self._record_refusal(conn, mn, reason, device)
        conn.refusals += 1
        if conn.refusals >= self.config.refusals_before_close:
            # the credential is throttled, not the address (module doc of config)
            self.refused_credentials[(mn, conn.host)] = time.monotonic()
            self._close(conn, "too many refused packets")

    def _accept(self, conn: LoggerConnection, frame: Frame, device: DeviceKey) -> None:
        packet = frame.packet
        received = now_ms()
        data_time = data_time_epoch(packet)
        conn.authenticated = True
        conn.last_frame = time.monotonic()
        conn.unaccepted = 0
        status = TIME_OK if device.window is None else device.window.status(data_time, received)
        if conn.device_id is None:
            conn.device_id = device.device_id
            assert self.writer is not None
            self.writer.submit(SessionOpened(device.device_id, conn.peer, conn.connected_ms))
        conn.packets += 1
        cn = printable((packet.cn or "")[:4])
        self._frames("accepted", cn).inc()
        version = packet.version
        accepted = Accepted(
            conn_id=conn.conn_id,
            received_ms=received,
            peer=conn.peer[:64],
            device_id=device.device_id,
            st=printable((packet.st or "")[:4]),
            cn=cn,
            qn=printable((packet.qn or "")[:20]),
            flag=packet.flag,
            version=version.value if version is not None else "",
            data_time=data_time,
            warnings=",".join(w.value for w in frame.warnings)[:200],
            raw=frame.raw,
            # outside the window: stored and answered, never judged (readings.DataTimeWindow)
            readings=reading_rows(
                packet, point_id=device.point_id, data_time=data_time, received_ms=received
            )
            if status == TIME_OK
            else [],
            answer=answer_for(packet),
            time_status=status,
        )
        assert self.writer is not None
        self.writer.submit(accepted)
        self.pending += 1
        if self.pending >= self.config.max_pending:
            self._hold("pending")

    # after commit ----------------------------------------------------------------------
    def _committed(self, batch: Batch, seconds: float, submitted: int) -> None:
        self.metrics.commit_seconds.observe(seconds)
        if batch.packets:
            self.metrics.batch_size.observe(len(batch.packets))
        sent = 0
        for accepted in batch.packets:
            if accepted.answer is None:
                continue
            conn = self.connections.get(accepted.conn_id)
            if conn is not None and conn.transport is not None and not conn.closing:
                conn.transport.write(accepted.answer)
                sent += 1
        self.metrics.acks.inc(sent)
        self.committed_packets += len(batch.packets)
        self.pending -= submitted  # stored or (after repeated failure) left unanswered
        self.metrics.pending.set(self.pending)
        if self.pending <= self.config.max_pending // 2:
            self._release("pending")

    @property
    def paused(self) -> bool:
        return bool(self.holds)

    def admitting(self) -> bool:
        """May a frame just decoded be taken now? Not while held, nor ahead of others."""
        return not self.holds and not self.turns

    def wait_turn(self, conn: LoggerConnection) -> None:
        if not conn.paused:  # paused: it is in the queue already
            conn.pause()  # the rest stays in the socket and in the logger
            self.turns.append(conn)

    def _take_turns(self) -> None:
        """Connections with data waiting, in the order it came, until the queue is full."""
        turns = self.turns
        while turns and not self.holds:
            conn = turns.popleft()
            if not conn.closing:
                conn.take_turn()

    def _hold(self, reason: str) -> None:
        """Take no more packets: a connection that sends meanwhile keeps that read and is
        not read again until its turn (the loggers keep the rest; module doc)."""
        if reason in self.holds:
            return
        if not self.holds:
            log.info("event=reading-paused reason=%s pending=%d", reason, self.pending)
        self.holds.add(reason)
        self.metrics.paused.labels(reason).set(1)

    def _release(self, reason: str) -> None:
        if reason not in self.holds:
            return
        self.holds.discard(reason)
        self.metrics.paused.labels(reason).set(0)
        if not self.holds:
            log.info("event=reading-resumed reason=%s pending=%d", reason, self.pending)
            self._take_turns()

    def backlog_seen(self, unjudged: int | None) -> None:
        """Judging before accepting more (ADR 14): while the stream consumers are more than
        ``max_unjudged`` packets behind, reading pauses; it resumes at half of that."""
        self.unjudged = unjudged
        self.metrics.unjudged.set(-1 if unjudged is None else unjudged)
        limit = self.config.max_unjudged
        if unjudged is not None and unjudged > limit:
            self._hold("unjudged")
        elif unjudged is None or unjudged <= limit // 2:
            self._release("unjudged")

    # housekeeping ----------------------------------------------------------------------
    async def _housekeeping(self) -> None:
        assert self._loop is not None
        last_refresh = time.monotonic()
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            self._close_stale(now)
            if now - last_refresh >= self.config.device_refresh:
                last_refresh = now
                await self.refresh_devices()

    async def _watch_backlog(self) -> None:
        assert self._loop is not None
        while True:
            await asyncio.sleep(self.config.backlog_interval)
            try:
                unjudged = await self._loop.run_in_executor(self._sink_thread, self.sink.backlog)
            except Exception:
                log.exception("event=backlog-check-failed")
                unjudged = None  # not knowing is no reason to stop taking data
            self.backlog_seen(unjudged)

    async def refresh_devices(self) -> None:
        assert self._loop is not None
        try:
            mark = await self._loop.run_in_executor(self._sink_thread, self.sink.devices_version)
            devices = await self._loop.run_in_executor(self._sink_thread, self.sink.load_devices)
        except Exception:
            log.exception("event=device-refresh-failed")
            return
        self._devices_mark = mark
        self._set_devices(devices)

    async def _watch_devices(self) -> None:
        """Reload the registry when its change mark moved: a device registered, changed
        (password) or disabled takes effect within about ``device_watch`` seconds."""
        assert self._loop is not None
        while True:
            await asyncio.sleep(self.config.device_watch)
            try:
                mark = await self._loop.run_in_executor(
                    self._sink_thread, self.sink.devices_version
                )
            except Exception:
                log.exception("event=device-watch-failed")
                continue
            if mark != self._devices_mark:
                await self.refresh_devices()

    def _close_stale(self, now: float) -> None:
        cfg = self.config
        self._forget_penalties(now)
        for conn in list(self.connections.values()):
            if conn.paused or conn.waiting or conn.held is not None:
                continue  # waiting on us, not on them
            if conn.partial_since is not None and now - conn.partial_since > cfg.frame_timeout:
                self._close(conn, "frame timeout")
            elif not conn.authenticated and now - conn.opened > cfg.auth_timeout:
                self._close(conn, "auth timeout")
            elif now - conn.last_frame > cfg.idle_timeout:
                self._close(conn, "idle timeout")

    def _forget_penalties(self, now: float) -> None:
        """Penalties over: a scan of many MNs must not grow the table for ever."""
        over = now - self.config.refused_cooldown
        for credential in [c for c, t in self.refused_credentials.items() if t < over]:
            del self.refused_credentials[credential]

    def stats(self) -> dict[str, Any]:
        return {
            "connections": len(self.connections),
            "pending": self.pending,
            "paused": self.paused,
            "paused_for": sorted(self.holds),
            "waiting": len(self.turns),  # connections with data waiting for their turn
            "unjudged": self.unjudged,
            "committed": self.committed_packets,
            "devices": len(self.devices),
            "throttled_credentials": len(self.refused_credentials),
        }
