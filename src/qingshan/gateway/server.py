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
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from qingshan.gateway.config import GatewayConfig
from qingshan.gateway.metrics import GatewayMetrics
from qingshan.gateway.readings import data_time_epoch, reading_rows
from qingshan.gateway.sink import Accepted, Batch, DeviceKey, SessionClosed, SessionOpened, Sink
from qingshan.gateway.writer import BatchWriter
from qingshan.hj212 import Decoder, Frame, FrameError, answer_for
from qingshan.registry.passwords import device_password_matches  # pure hashlib, no Django

log = logging.getLogger("qingshan.gateway")

REFUSED, FRAME_ERROR = 0, 1


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
        self.last_frame = time.monotonic()
        self.partial_since: float | None = None
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
        for event in self.decoder.receive_data(data):
            self.gateway.handle_event(self, event)
            if self.closing:
                return
        # a started frame must finish within frame_timeout (slow-sender protection)
        if self.decoder_has_partial():
            self.partial_since = self.partial_since or time.monotonic()
        else:
            self.partial_since = None

    def eof_received(self) -> bool | None:
        if self.waiting:
            return None  # it left before its turn: nothing of it was answered
        for event in self.decoder.receive_data(b""):
            self.gateway.handle_event(self, event)
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
        self.devices: Mapping[str, DeviceKey] = {}
        self._verified: dict[str, str] = {}  # MN → password that matched its digest
        self.connections: dict[int, LoggerConnection] = {}
        self.per_host: dict[str, int] = {}
        self.refused_hosts: dict[str, float] = {}  # host → monotonic time of last refusal
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
        self._tasks = [asyncio.create_task(self._housekeeping())]
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
        self._set_devices(self.sink.load_devices())

    def _set_devices(self, devices: Mapping[str, DeviceKey]) -> None:
        self.devices = devices
        self._verified = {}

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
        elif not self._throttle_allows(conn.host):
            reason = "refused-peer"
        if reason:
            self.metrics.connections_refused.labels(reason).inc()
            conn.closing = True
            assert conn.transport is not None
            conn.transport.abort()
            return
        self.connections[conn.conn_id] = conn
        self.per_host[conn.host] = self.per_host.get(conn.host, 0) + 1
        self.metrics.connections.set(len(self.connections))

    def _throttle_allows(self, host: str) -> bool:
        """A host whose connection was closed for refused packets may open one new
        connection per cooldown; its other, well-behaved connections are left alone."""
        last = self.refused_hosts.get(host)
        now = time.monotonic()
        if last is None:
            return True
        if now - last < self.config.refused_peer_cooldown:
            return False
        self.refused_hosts[host] = now  # the next one waits a full cooldown again
        return True

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
    def handle_event(self, conn: LoggerConnection, event: Frame | FrameError) -> None:
        conn.last_frame = time.monotonic()
        if isinstance(event, FrameError):
            self._frame_error(conn, event)
            return
        packet = event.packet
        device = self.devices.get(packet.mn or "")
        if device is None or not device.active or not self._password_ok(device, packet.pw):
            self._refuse(conn, packet.mn, packet.pw, device)
            return
        self._accept(conn, event, device)

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
        mn = error.packet.mn if error.packet is not None else None
        device = self.devices.get(mn or "")
        if device is not None and self.writer is not None:
            self.writer.submit(("count", device.device_id, FRAME_ERROR))

    def _refuse(
        self, conn: LoggerConnection, mn: str | None, pw: str | None, device: DeviceKey | None
    ) -> None:
        reason = (
            "unknown-device"
            if device is None
            else "inactive"
            if not device.active
            else "bad-password"
        )
        self._frames(reason, "").inc()
        log.warning("event=refused reason=%s peer=%s mn=%s", reason, conn.peer, (mn or "")[:24])
        if device is not None and self.writer is not None:
            self.writer.submit(("count", device.device_id, REFUSED))
        conn.refusals += 1
        if conn.refusals >= self.config.refusals_before_close:
            self.refused_hosts[conn.host] = time.monotonic()
            conn.close("too many refused packets")

    def _accept(self, conn: LoggerConnection, frame: Frame, device: DeviceKey) -> None:
        packet = frame.packet
        received = now_ms()
        data_time = data_time_epoch(packet)
        if conn.device_id is None:
            conn.device_id = device.device_id
            assert self.writer is not None
            self.writer.submit(SessionOpened(device.device_id, conn.peer, conn.connected_ms))
        conn.packets += 1
        cn = (packet.cn or "")[:4]
        self._frames("accepted", cn).inc()
        version = packet.version
        accepted = Accepted(
            conn_id=conn.conn_id,
            received_ms=received,
            peer=conn.peer[:64],
            device_id=device.device_id,
            st=(packet.st or "")[:4],
            cn=cn,
            qn=(packet.qn or "")[:20],
            flag=packet.flag,
            version=version.value if version is not None else "",
            data_time=data_time,
            warnings=",".join(w.value for w in frame.warnings)[:200],
            raw=frame.raw,
            readings=reading_rows(
                packet, point_id=device.point_id, data_time=data_time, received_ms=received
            ),
            answer=answer_for(packet),
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
            devices = await self._loop.run_in_executor(self._sink_thread, self.sink.load_devices)
        except Exception:
            log.exception("event=device-refresh-failed")
            return
        self._set_devices(devices)

    def _close_stale(self, now: float) -> None:
        cfg = self.config
        # forget refused hosts once they have been quiet for a while (a scan of many
        # addresses must not grow this table forever)
        forget = now - 10 * cfg.refused_peer_cooldown
        for host in [h for h, t in self.refused_hosts.items() if t < forget]:
            del self.refused_hosts[host]
        for conn in list(self.connections.values()):
            if conn.paused or conn.waiting:
                continue  # waiting on us, not on them
            if conn.partial_since is not None and now - conn.partial_since > cfg.frame_timeout:
                conn.close("frame timeout")
            elif now - conn.last_frame > cfg.idle_timeout:
                conn.close("idle timeout")

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
        }
