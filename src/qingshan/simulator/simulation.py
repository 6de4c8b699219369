"""Running a simulation: connections, the upload schedule, timeouts, progress, stopping.

Two schedules drive the loggers. In real-time mode each logger uploads at its own phase
every ``rtd_interval`` seconds with wall-clock data times. In load mode one ticker hands
out ``rate`` packets per second round-robin to the loggers that are connected and have
room in their window; their data times advance synthetically, one sample step per packet,
so every packet of a device has its own DataTime.

Acknowledgement timeouts all have the same length, so they expire in the order they were
set: one deque, swept a few times per tick, replaces a timer per packet.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import random
import signal
import sys
import time
from collections import deque
from collections.abc import Coroutine
from typing import Any, TextIO

from .config import SimConfig
from .logger import Logger, Outgoing
from .packets import QnClock
from .stats import Stats, Summary, progress_line

__all__ = ["Simulation", "raise_file_limit", "run_simulation"]

_TICK = 0.005  # load-mode ticker period, s
_CREDIT_CAP = 0.1  # at most this many seconds of packets owed after a stall


def raise_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (one descriptor per connection);
    returns the soft limit now in force (0 where the platform has no such limit)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Linux/macOS
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft if soft != resource.RLIM_INFINITY else target
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


class Simulation:
    """One run. ``await Simulation(config).run()`` returns the :class:`Summary`;
    ``request_stop()`` (from the same loop) ends it early, draining answers first."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.stats = Stats()
        self.qn_clock = QnClock()
        self.closing = False  # connections are being closed on purpose: no reconnects
        self.ack_log: TextIO | None = None
        self.generated = 0
        self._stop: asyncio.Event | None = None
        self._abort: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timeouts: deque[tuple[float, Logger, Outgoing, int]] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self._connect_slots: asyncio.Semaphore | None = None
        self.loggers: list[Logger] = []
        self._started = 0.0
        self._generation_ended = 0.0
        self._signals = 0

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None, "the simulation is not running"
        return self._loop

    @staticmethod
    def wall_time() -> float:
        return time.time()

    # -- control --------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Stop generating packets, wait for outstanding answers, then end the run."""
        if self._stop is not None:
            self._stop.set()

    def abort(self) -> None:
        """End the run now, without waiting for outstanding answers."""
        self.request_stop()
        if self._abort is not None:
            self._abort.set()

    def _on_signal(self) -> None:
        self._signals += 1
        if self._signals == 1:
            print(
                "\nstopping: waiting for outstanding answers (again to quit now)", file=sys.stderr
            )
            self.request_stop()
        else:
            self.abort()

    # -- connections ----------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = self.loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self, logger: Logger) -> None:
        if self.closing:
            return
        assert self._connect_slots is not None
        async with self._connect_slots:
            if self.closing or logger.transport is not None:
                return
            try:
                await self.loop.create_connection(
                    lambda: logger, self.config.host, self.config.port
                )
            except OSError as exc:
                self.stats.error(f"connect-{type(exc).__name__}")
                self.reconnect(logger)

    def connect_later(self, logger: Logger, delay: float) -> None:
        if not self.closing:
            self.loop.call_later(delay, self._reconnect_now, logger)

    def _reconnect_now(self, logger: Logger) -> None:
        if not self.closing and logger.transport is None:
            self._spawn(self._connect(logger))

    def reconnect(self, logger: Logger) -> None:
        """Try again after a growing, jittered delay (reset by a successful connection)."""
        config = self.config
        delay = min(config.reconnect_max, config.reconnect_min * 2.0**logger.backoff)
        logger.backoff = min(logger.backoff + 1, 30)
        self.connect_later(logger, delay * logger.rng.uniform(0.5, 1.0))

    # -- acknowledgement timeouts ---------------------------------------------------------

    def add_timeout(self, deadline: float, logger: Logger, out: Outgoing) -> None:
        timeouts = self._timeouts
        if not timeouts or timeouts[-1][0] <= deadline:
            timeouts.append((deadline, logger, out, out.attempts))
        else:  # a slow or split write: later than the ones after it, so its own timer
            self.loop.call_at(deadline, logger.timed_out, out, out.attempts)

    def _expire(self) -> None:
        timeouts = self._timeouts
        now = self.loop.time()
        while timeouts and timeouts[0][0] <= now:
            _, logger, out, attempt = timeouts.popleft()
            logger.timed_out(out, attempt)

    async def _sweeper(self) -> None:
        period = min(0.05, self.config.ack_timeout / 10.0)
        while True:
            await asyncio.sleep(period)
            self._expire()

    # -- schedules ------------------------------------------------------------------------

    def _may_generate(self) -> bool:
        count = self.config.count
        if count is not None and self.generated >= count:
            self.request_stop()
            return False
        return True

    async def _load_ticker(self) -> None:
        rate = self.config.rate
        assert rate is not None
        loggers = self.loggers
        n = len(loggers)
        pointer = 0
        credit = 0.0
        loop = self.loop
        last = loop.time()
        count = self.config.count
        while True:
            await asyncio.sleep(_TICK)
            now = loop.time()
            credit = min(credit + (now - last) * rate, rate * _CREDIT_CAP + 1.0)
            last = now
            misses = 0
            while credit >= 1.0 and misses < n:
                logger = loggers[pointer]
                pointer += 1
                if pointer == n:
                    pointer = 0
                if logger.ready():
                    if count is not None and self.generated >= count:
                        self.request_stop()
                        return
                    logger.generate()
                    self.generated += 1
                    credit -= 1.0
                    misses = 0
                else:
                    misses += 1

    async def _realtime_schedule(self) -> None:
        config = self.config
        now = int(time.time())
        heap: list[tuple[int, int]] = []
        for i, logger in enumerate(self.loggers):
            first = now + 1 + logger.rng.randrange(config.rtd_interval)
            logger.timeline.t = first - config.rtd_interval
            heap.append((first, i))
        heapq.heapify(heap)
        while heap:
            wall = time.time()
            while heap and heap[0][0] <= wall:
                if not self._may_generate():
                    return
                _, i = heapq.heappop(heap)
                logger = self.loggers[i]
                if logger.hostile == "random-bytes":
                    logger.timeline.t += logger.timeline.rtd
                    logger.generate()
                else:
                    for cn, epoch in logger.timeline.step():
                        logger.queue.append(logger.make(cn, epoch))
                    logger.pump()
                self.generated += 1
                heapq.heappush(heap, (logger.timeline.t + logger.timeline.rtd, i))
            delay = (heap[0][0] - time.time()) if heap else 0.5
            await asyncio.sleep(min(0.5, max(0.01, delay)))

    async def _progress(self) -> None:
        stream = sys.stderr
        tty = stream.isatty()
        interval = self.config.progress_interval
        last_sent, last = self.stats.sent, time.monotonic()
        while True:
            await asyncio.sleep(interval)
            if self.ack_log is not None:
                self.ack_log.flush()
            if not self.config.progress:
                continue
            now = time.monotonic()
            rate = (self.stats.sent - last_sent) / max(now - last, 1e-9)
            last_sent, last = self.stats.sent, now
            line = progress_line(self.stats, rate, self.pending())
            self.stats.window_latency = type(self.stats.window_latency)()
            stream.write(f"\r{line}\x1b[K" if tty else f"{line}\n")
            stream.flush()

    def pending(self) -> int:
        """Packets sent and not answered yet (in flight, or waiting to be resent)."""
        return sum(
            len(lg.inflight) + sum(1 for out in lg.queue if out.attempts) for lg in self.loggers
        )

    def _idle(self) -> bool:
        return all(not lg.inflight and not lg.queue for lg in self.loggers)

    # -- the run --------------------------------------------------------------------------

    async def run(self) -> Summary:
        config = self.config
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._abort = asyncio.Event()
        self._connect_slots = asyncio.Semaphore(config.connect_concurrency)
        raise_file_limit()
        master = random.Random(config.seed)
        self.loggers = [
            Logger(self, i, spec, random.Random(master.getrandbits(64)))
            for i, spec in enumerate(config.devices, start=1)
        ]
        if config.load_mode:
            start = int(
                config.start_time.timestamp()
                if config.start_time is not None
                else time.time() - 30 * 86400
            )
            for logger in self.loggers:
                logger.timeline.t = start
        installed: list[signal.Signals] = []
        if config.handle_signals:
            for signum in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    self.loop.add_signal_handler(signum, self._on_signal)
                    installed.append(signum)
        if config.ack_log is not None:
            self.ack_log = open(config.ack_log, "w", encoding="utf-8")  # noqa: SIM115
        background = [
            self.loop.create_task(self._sweeper()),
            self.loop.create_task(self._progress()),
        ]
        try:
            self._started = time.monotonic()
            for logger in self.loggers:
                self._spawn(self._connect(logger))
            schedule = self._load_ticker() if config.load_mode else self._realtime_schedule()
            generator = self.loop.create_task(schedule)
            background.append(generator)
            waiters = [self.loop.create_task(self._stop.wait())]
            timeout = config.duration
            await asyncio.wait(waiters, timeout=timeout)
            for waiter in waiters:
                waiter.cancel()
            self._generation_ended = time.monotonic()
            generator.cancel()
            await self._drain()
        finally:
            self.closing = True
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await self._close_all()
            for installed_signal in installed:
                self.loop.remove_signal_handler(installed_signal)
            if self.ack_log is not None:
                self.ack_log.close()
            if config.progress:
                sys.stderr.write("\n")
        return self._summary()

    async def _drain(self) -> None:
        assert self._abort is not None
        deadline = time.monotonic() + self.config.drain_seconds
        while not self._idle() and not self._abort.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._abort.wait(), timeout=min(0.05, left))

    async def _close_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for logger in self.loggers:
            if logger.transport is not None:
                logger.transport.close()
        for _ in range(100):  # let connection_lost run
            if not any(logger.transport is not None for logger in self.loggers):
                break
            await asyncio.sleep(0.01)

    def _summary(self) -> Summary:
        stats = self.stats
        ended = self._generation_ended or time.monotonic()
        duration = max(ended - self._started, 1e-9)
        pending = self.pending()
        p50, p99 = stats.latency.percentile(0.5), stats.latency.percentile(0.99)
        return Summary(
            devices=len(self.loggers),
            protocol=self.config.protocol,
            duration=round(duration, 3),
            sent=stats.sent,
            acknowledged=stats.acked,
            unacknowledged=stats.gave_up + pending,
            resends=stats.resends,
            errors=sum(stats.errors.values()),
            rate=round(stats.sent / duration, 1),
            ack_latency_p50_ms=None if p50 is None else round(p50 * 1000.0, 3),
            ack_latency_p99_ms=None if p99 is None else round(p99 * 1000.0, 3),
            gave_up=stats.gave_up,
            pending_at_end=pending,
            sent_without_ack_request=stats.sent_no_ack,
            late_acks=stats.late_acks,
            bytes_sent=stats.bytes_sent,
            connects=stats.connects,
            disconnects=stats.disconnects,
            connections_peak=stats.connections_peak,
            offline_periods=stats.offline_periods,
            hostile_writes=stats.hostile_writes,
            requests_answered=stats.requests_answered,
            error_kinds=dict(stats.errors),
            by_cn=dict(stats.by_cn),
        )


async def run_simulation(config: SimConfig) -> Summary:
    """Run a simulation to its end (duration, count, or ``request_stop``) and summarise."""
    return await Simulation(config).run()
