"""The batch writer: one thread that owns the sink and commits batches.

Items come from the event loop through a deque; each batch is written in one transaction,
and only then does the loop learn which packets are durable and may be acknowledged. A
failing commit is retried with back-off, never dropped: while it fails, the pending count
grows and the server stops reading (back-pressure).

The loop never wakes the writer for a single packet: the writer takes everything that
arrived once per commit interval (or at once when a full batch is waiting). Waking it per
packet cost a thread switch per packet on one core: with the GIL handed back and forth,
the hand-off cost more than the packet's own work (docs/benchmarks.md).
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from qingshan.gateway.sink import Accepted, Batch, Refusal, SessionClosed, SessionOpened, Sink

log = logging.getLogger("qingshan.gateway.writer")

Item = Accepted | SessionOpened | SessionClosed | Refusal
_STOP = object()


class BatchWriter:
    def __init__(
        self,
        sink: Sink,
        *,
        on_commit: Callable[[Batch, float, int], None],
        batch_size: int,
        commit_interval: float,
        call_in_loop: Callable[..., Any],
    ) -> None:
        self.sink = sink
        self.on_commit = on_commit
        self.batch_size = batch_size
        self.commit_interval = commit_interval
        self.call_in_loop = call_in_loop
        # deque.append and popleft are atomic: the loop appends, the writer pops
        self._items: collections.deque[Any] = collections.deque()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway-writer", daemon=True)
        self.failures = 0

    def start(self) -> None:
        self._thread.start()

    def submit(self, item: Item) -> None:
        self._items.append(item)
        if len(self._items) >= self.batch_size:
            self._wake.set()

    def drain(self, timeout: float | None = None) -> bool:
        """Block until everything submitted so far is committed and reported to the loop."""
        done = threading.Event()
        self._items.append(done)
        self._wake.set()
        return done.wait(timeout)

    def stop(self, timeout: float | None = None) -> None:
        """Write everything already submitted, then end the thread."""
        self._items.append(_STOP)
        self._wake.set()
        self._thread.join(timeout)

    def _collect(self) -> tuple[Batch, bool, list[threading.Event]]:
        """Take what has arrived, up to a batch, up to a drain or stop marker."""
        batch = Batch()
        stop = False
        drained: list[threading.Event] = []
        items = self._items
        while items and len(batch.packets) < self.batch_size:
            item = items.popleft()
            if item is _STOP:
                stop = True
                break
            if isinstance(item, threading.Event):
                drained.append(item)
                break
            self._add(batch, item)
        return batch, stop, drained

    @staticmethod
    def _add(batch: Batch, item: Any) -> None:
        if isinstance(item, Accepted):
            batch.packets.append(item)
        elif isinstance(item, SessionOpened):
            batch.opened.append(item)
        elif isinstance(item, SessionClosed):
            batch.closed.append(item)
        else:
            batch.refusal_add(item)

    def _write(self, batch: Batch) -> tuple[Batch, float]:
        """Commit the batch; returns what was committed and how long the commit took.

        A storage outage is waited out (retries with back-off). If the batch still fails
        after a few tries while the database answers, one packet in it may be the cause:
        the packets are then written one by one and a packet that cannot be stored is
        logged and left unacknowledged (its logger will resend it), so it never blocks
        the others.
        """
        delay, tries = 0.05, 0
        while True:
            started = time.perf_counter()
            try:
                self.sink.write(batch)
                return batch, time.perf_counter() - started
            except Exception:
                self.failures += 1
                tries += 1
                log.exception("event=commit-failed packets=%d try=%d", len(batch.packets), tries)
                if tries >= 3 and len(batch.packets) > 1:
                    return self._write_one_by_one(batch), time.perf_counter() - started
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _write_one_by_one(self, batch: Batch) -> Batch:
        stored = batch.bookkeeping()
        head = batch.bookkeeping()
        self._write(head)  # the bookkeeping alone (retried until the database answers)
        for packet in batch.packets:
            try:
                self.sink.write(Batch(packets=[packet]))
            except Exception:
                log.exception(
                    "event=packet-not-stored device=%s qn=%s", packet.device_id, packet.qn
                )
                continue
            stored.packets.append(packet)
        return stored

    def _run(self) -> None:
        while True:
            if not self._items:  # idle: gather for one interval; else what waited goes now
                self._wake.wait(self.commit_interval)
            self._wake.clear()
            batch, stop, drained = self._collect()
            if batch:
                committed, seconds = self._write(batch)
                self.call_in_loop(self.on_commit, committed, seconds, len(batch.packets))
            for done in drained:
                done.set()
            if stop:
                self.sink.close()  # here: what the sink opened for this thread is closed
                return
