"""Judging before accepting more (ADR 14): the gateway stops reading while the platform's
stream consumers are too far behind, and reads again when they catch up."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
import uvloop

from qingshan.gateway.config import GatewayConfig
from qingshan.gateway.server import Gateway
from qingshan.gateway.sink import MemorySink
from tests.gateway.helpers import Logger, upload
from tests.gateway.test_server import DEVICES, MN
from tests.helpers import eventually_async

CONFIG = GatewayConfig(
    port=0, metrics_port=None, commit_interval=0.005, max_unjudged=100, backlog_interval=0.02
)


def run(coro, loop: str = "asyncio"):
    runner = uvloop.run if loop == "uvloop" else asyncio.run
    return runner(asyncio.wait_for(coro, 30))


async def _gateway(sink: MemorySink, **overrides) -> Gateway:
    gateway = Gateway(dataclasses.replace(CONFIG, **overrides), sink)
    await gateway.start()
    return gateway


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])  # `qingshan gateway` runs uvloop
def test_reading_pauses_while_the_stream_is_behind_and_resumes_after(loop):
    """The logger connects while the gateway holds: what it sends is read, but nothing is
    taken (stored or answered) until judging has caught up. On both event loops."""

    async def scenario():
        sink = MemorySink(DEVICES)
        sink.unjudged = 500  # the worker is 500 packets behind: more than 100
        gateway = await _gateway(sink)
        await eventually_async(
            lambda: gateway.holds == {"unjudged"}, what="the gateway to hold for the backlog"
        )
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(upload(MN, qn="20261122100000001"))
        # the upload is read and waits for its turn ...
        await eventually_async(
            lambda: gateway.stats()["waiting"] == 1, what="the upload read and waiting"
        )
        # ... and is not taken: give a gateway that took it the time to answer
        await asyncio.sleep(0.1)
        assert gateway.pending == 0 and sink.packets == [] and logger.answers == []
        sink.unjudged = 40  # caught up to under half the limit
        answer = await logger.answer()
        assert answer.qn == "20261122100000001" and len(sink.packets) == 1
        assert gateway.holds == set()
        await logger.close()
        await gateway.stop()

    run(scenario(), loop)


def test_a_stream_nobody_reads_does_not_stop_the_gateway():
    async def scenario():
        sink = MemorySink(DEVICES)
        sink.unjudged = None  # no worker running: nothing to wait for
        gateway = await _gateway(sink)
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(upload(MN, qn="20261122100000002"))
        assert (await logger.answer()).qn == "20261122100000002"
        assert gateway.holds == set()
        await logger.close()
        await gateway.stop()

    run(scenario())


def test_back_pressure_off_when_the_limit_is_zero():
    async def scenario():
        sink = MemorySink(DEVICES)
        sink.unjudged = 10**6
        gateway = await _gateway(sink, max_unjudged=0)
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(upload(MN, qn="20261122100000003"))
        assert (await logger.answer()).qn == "20261122100000003"
        await logger.close()
        await gateway.stop()

    run(scenario())
