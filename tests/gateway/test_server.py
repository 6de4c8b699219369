"""The gateway against an in-memory sink: protocol behaviour, limits, back-pressure."""

from __future__ import annotations

import asyncio
import dataclasses
import threading

import pytest

from qingshan.gateway.config import GatewayConfig
from qingshan.gateway.server import Gateway
from qingshan.gateway.sink import Batch, DeviceKey, MemorySink
from qingshan.registry.passwords import device_password_digest
from tests.gateway.helpers import FACTORS, Logger, upload
from tests.helpers import eventually_async

MN = "010000A8900016F000169DC0"
DEVICES = {
    MN: DeviceKey(1, 11, MN, device_password_digest("123456"), True),
    "INACTIVE01": DeviceKey(2, 12, "INACTIVE01", device_password_digest("123456"), False),
}
CONFIG = GatewayConfig(port=0, metrics_port=None, commit_interval=0.005)


class GatedSink(MemorySink):
    """Holds every write with packets until ``gate`` is set: a commit that takes its time."""

    def __init__(self, devices):
        super().__init__(devices)
        self.gate = threading.Event()

    def write(self, batch: Batch) -> None:
        if batch.packets:
            self.gate.wait(20)
        super().write(batch)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


async def started(sink, **overrides) -> Gateway:
    gateway = Gateway(dataclasses.replace(CONFIG, **overrides), sink)
    await gateway.start()
    return gateway


def test_upload_is_stored_then_answered_with_its_qn():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink)
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(upload(MN, qn="20261122100000123"))
        answer = await logger.answer()
        assert (answer.cn, answer.qn, answer.st, answer.flag) == (
            "9014",
            "20261122100000123",
            "91",
            4,
        )
        assert len(sink.packets) == 1 and len(sink.readings) == len(FACTORS)
        assert sink.opened[0].device_id == 1
        await logger.close()
        await gateway.stop()
        assert sink.closed and sink.closed[0].packets == 1

    run(scenario())


def test_no_answer_before_commit():
    async def scenario():
        sink = GatedSink(DEVICES)
        gateway = await started(sink)
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(upload(MN))
        with pytest.raises(TimeoutError):
            await logger.answer(timeout=0.5)
        assert sink.packets == []
        sink.gate.set()
        assert (await logger.answer()).cn == "9014"
        assert len(sink.packets) == 1
        await logger.close()
        await gateway.stop()

    run(scenario())


def test_storage_failure_is_retried_and_answered_only_once_stored():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink)
        sink.fail_next = 2
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(upload(MN))
        assert (await logger.answer()).cn == "9014"
        assert len(sink.packets) == 1 and gateway.writer.failures == 2
        await logger.close()
        await gateway.stop()

    run(scenario())


@pytest.mark.parametrize(
    ("mn", "pw"), [("UNKNOWN000001", "123456"), (MN, "654321"), ("INACTIVE01", "123456")]
)
def test_refused_packets_get_no_answer_and_repeat_offenders_are_cut_off(mn, pw):
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink, refusals_before_close=3)
        logger = await Logger.connect(gateway.bound_port)
        for i in range(3):
            await logger.send(upload(mn, pw=pw, qn=f"2026112210000000{i}"))
        assert await logger.closed_by_peer()
        assert sink.packets == []
        await gateway.stop()

    run(scenario())


def test_hostile_connections_do_not_disturb_a_good_logger():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink, max_buffer=4096, frame_timeout=1.0)
        good = await Logger.connect(gateway.bound_port)
        noise = await Logger.connect(gateway.bound_port)
        await noise.send(bytes(range(256)) * 40)  # random bytes
        huge = await Logger.connect(gateway.bound_port)
        await huge.send(b"##9999" + b"x" * 9000)  # oversize frame
        slow = await Logger.connect(gateway.bound_port)
        for qn in range(5):
            await slow.send(b"##01"[qn % 4 : qn % 4 + 1])  # a byte at a time, never finished
            await good.send(upload(MN, qn=f"2026112210000010{qn}", value=str(qn)))
            assert (await good.answer()).qn == f"2026112210000010{qn}"
            await asyncio.sleep(0.3)
        assert await slow.closed_by_peer(timeout=3)  # frame timeout
        assert len(sink.packets) == 5
        for logger in (good, noise, huge):
            await logger.close()
        await gateway.stop()

    run(scenario())


def test_back_pressure_pauses_reading_instead_of_dropping():
    async def scenario():
        sink = GatedSink(DEVICES)
        gateway = await started(sink, max_pending=5, batch_size=2)
        logger = await Logger.connect(gateway.bound_port)
        for i in range(40):
            await logger.send(upload(MN, qn=f"202611221000{i:05d}", value=str(i)))
        await eventually_async(lambda: gateway.paused, what="the gateway to pause reading")
        # the read in progress is finished (bounded by the connection buffer), then no more
        held = gateway.pending
        assert 5 <= held <= 40
        for i in range(40, 80):
            await logger.send(upload(MN, qn=f"202611221000{i:05d}", value=str(i)))
        # one read waits its turn (the connection is queued for one) ...
        await eventually_async(
            lambda: gateway.stats()["waiting"] == 1, what="the connection to wait its turn"
        )
        # ... and nothing more is taken: an absence, so no condition to wait for; this is
        # the time a gateway that went on reading would have had to take more
        await asyncio.sleep(0.3)
        assert gateway.pending == held  # one read waits its turn, the rest in the socket
        sink.gate.set()
        answers = {(await logger.answer()).qn for _ in range(80)}
        assert len(answers) == 80 and len(sink.packets) == 80
        assert not gateway.paused
        await logger.close()
        await gateway.stop()

    run(scenario())


def test_while_the_queue_is_full_loggers_take_turns_in_the_order_their_data_came():
    """A logger just served does not go ahead of one that has been waiting: with every
    socket resumed at once, the kernel's order decided, and under overload some loggers
    waited until they resent (docs/benchmarks.md, fairness under overload)."""
    other = "010000A8900016F000169DC1"
    devices = DEVICES | {other: DeviceKey(3, 13, other, device_password_digest("123456"), True)}

    def burst(mn: str, first: int, count: int = 5) -> bytes:
        return b"".join(upload(mn, qn=f"202611221000{i:05d}") for i in range(first, first + count))

    async def scenario():
        sink = GatedSink(devices)
        gateway = await started(sink, max_pending=3, batch_size=1000)
        a = await Logger.connect(gateway.bound_port)
        await a.send(burst(MN, 0))  # taken at once: the queue is now full
        await eventually_async(
            lambda: gateway.pending == 5 and gateway.paused, what="a's first burst taken"
        )
        await a.send(burst(MN, 5))  # waits for its turn
        await eventually_async(lambda: gateway.stats()["waiting"] == 1, what="a waiting")
        b = await Logger.connect(gateway.bound_port)
        await b.send(upload(other, qn="20261122100000100"))  # waits behind a's
        await eventually_async(lambda: gateway.stats()["waiting"] == 2, what="b behind a")
        await a.send(burst(MN, 10))  # a is not read again until its turn has come
        # an absence, so no condition to wait for: this is the time a gateway that read a
        # again would have had to put a's third burst ahead of b's (the order below)
        await asyncio.sleep(0.2)
        assert gateway.stats()["waiting"] == 2 and gateway.pending == 5
        sink.gate.set()
        answers = [(await a.answer()).qn for _ in range(15)] + [(await b.answer()).qn]
        assert len(set(answers)) == 16
        order = [int(p.qn[-5:]) for p in sink.packets]
        assert order == [*range(10), 100, *range(10, 15)]
        await a.close()
        await b.close()
        await gateway.stop()

    run(scenario())


def test_graceful_shutdown_commits_and_answers_what_was_accepted():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink, commit_interval=0.5, batch_size=10_000)
        logger = await Logger.connect(gateway.bound_port)
        for i in range(20):
            await logger.send(upload(MN, qn=f"202611221001{i:05d}", value=str(i)))
        await eventually_async(
            lambda: gateway.pending + gateway.committed_packets == 20,
            what="all 20 uploads accepted",
        )
        await gateway.stop()
        got = set()
        while True:
            try:
                got.add((await logger.answer(timeout=1)).qn)
            except (TimeoutError, ConnectionError):
                break
        assert len(got) == 20 and len(sink.packets) == 20

    run(scenario())


def test_unacknowledged_mode_and_2005_loggers_get_no_answer():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink)
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(upload(MN, flag=4))  # A bit off: stored, not answered
        with pytest.raises(TimeoutError):
            await logger.answer(timeout=0.5)
        assert len(sink.packets) == 1
        await logger.close()
        await gateway.stop()

    run(scenario())


def test_connection_limits():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink, max_per_peer=2)
        loggers = [await Logger.connect(gateway.bound_port) for _ in range(3)]
        assert await loggers[2].closed_by_peer(timeout=2)
        await loggers[0].send(upload(MN))
        assert (await loggers[0].answer()).cn == "9014"
        for logger in loggers:
            await logger.close()
        await gateway.stop()

    run(scenario())


def test_device_registry_changes_apply_without_restart():
    async def scenario():
        sink = MemorySink({})
        gateway = await started(sink)
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(upload(MN))
        with pytest.raises(TimeoutError):
            await logger.answer(timeout=0.3)
        sink.devices = dict(DEVICES)
        await gateway.refresh_devices()
        await logger.send(upload(MN, qn="20261122100000999"))
        assert (await logger.answer()).qn == "20261122100000999"
        await logger.close()
        await gateway.stop()

    run(scenario())
