"""The gateway's front door against an in-memory sink: device changes, throttling by
credential, the authentication deadline, the garbage budget, refused senders, data times.

The same behaviour through the real `qingshan gateway` process and database is in
test_processes.py.
"""

from __future__ import annotations

import asyncio
import dataclasses

from qingshan.gateway.readings import TIME_AHEAD, TIME_BEHIND, TIME_OK, DataTimeWindow
from qingshan.gateway.sink import DeviceKey, MemorySink
from qingshan.registry.passwords import device_password_digest
from tests.gateway.helpers import FACTORS, Logger, eventually, recent, upload
from tests.gateway.test_server import CONFIG, DEVICES, MN, run, started

NEW_MN = "010000A8900016F000169D99"
WINDOW = DataTimeWindow(ahead=600, behind=31 * 86400)


def key(mn: str, device_id: int, *, pw: str = "123456", active: bool = True) -> DeviceKey:
    return DeviceKey(device_id, device_id + 10, mn, device_password_digest(pw), active, WINDOW)


def test_a_device_registered_after_the_gateway_loaded_is_answered_on_its_first_packet():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink, device_watch=3600, device_refresh=3600)
        sink.devices[NEW_MN] = key(NEW_MN, 5)  # registered; nothing tells the gateway
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(upload(NEW_MN, qn="20261122100000001") + upload(MN))
        assert (await logger.answer()).qn == "20261122100000001"  # its first packet
        assert (await logger.answer()).cn == "9014"  # and the frame behind it, in order
        assert sink.lookups == [NEW_MN]
        await logger.close()
        await gateway.stop()

    run(scenario())


def test_an_unknown_mn_is_looked_up_once_while_it_stays_unknown():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink, refusals_before_close=50, unknown_mn_ttl=60)
        logger = await Logger.connect(gateway.bound_port)
        for i in range(20):
            await logger.send(upload("UNKNOWN000001", qn=f"202611221000000{i:02d}"))
        await eventually(lambda: sum(sink.refusals.values()) == 20)
        assert sink.lookups == ["UNKNOWN000001"]  # a flood costs the registry one read
        assert sink.packets == []
        await logger.close()
        await gateway.stop()

    run(scenario())


def test_registry_lookups_per_second_are_capped():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink, refusals_before_close=500, lookups_per_second=5)
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(b"".join(upload(f"RANDOM{i:08d}") for i in range(100)))
        await eventually(lambda: sum(sink.refusals.values()) == 100)
        assert len(sink.lookups) <= 10  # at most two seconds' worth
        await logger.close()
        await gateway.stop()

    run(scenario())


def test_a_changed_password_and_a_disabled_device_take_effect_within_two_seconds():
    async def scenario():
        sink = MemorySink({MN: key(MN, 1)})
        gateway = await started(sink, device_refresh=3600)  # device_watch: 1 s by default
        sink.register(key(MN, 1, pw="new-secret"))
        loop = asyncio.get_running_loop()
        changed = loop.time()
        while True:  # a new connection per try, as a logger reconnects
            logger = await Logger.connect(gateway.bound_port)
            await logger.send(upload(MN, pw="new-secret"))
            try:
                await logger.answer(timeout=0.2)
                break
            except TimeoutError:
                assert loop.time() - changed < 2.0, "new password not taken within 2 s"
            finally:
                await logger.close()
        sink.register(key(MN, 1, pw="new-secret", active=False))
        disabled = loop.time()
        await eventually(lambda: not gateway.devices[MN].active, timeout=2.0)
        assert loop.time() - disabled < 2.0
        logger = await Logger.connect(gateway.bound_port)
        await logger.send(upload(MN, pw="new-secret", qn="20261122100000777"))
        await eventually(lambda: sum(sink.refusals.values()) >= 1)
        assert "20261122100000777" not in {p.qn for p in sink.packets}
        await logger.close()
        await gateway.stop()

    run(scenario())


def test_wrong_passwords_throttle_that_mn_from_that_address_never_the_address():
    """4G loggers share carrier NAT addresses: one bad logger must not shut out the rest."""

    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink, refusals_before_close=3, refused_cooldown=30)
        bad = await Logger.connect(gateway.bound_port)
        for i in range(3):
            await bad.send(upload(MN, pw="guess", qn=f"2026112210000000{i}"))
        assert await bad.closed_by_peer()
        # neighbours behind the same address connect afterwards and are served
        for i in range(5):
            other = f"NEIGHBOUR{i:04d}"
            sink.devices[other] = key(other, 100 + i)
            good = await Logger.connect(gateway.bound_port)
            await good.send(upload(other, qn=f"2026112210000010{i}"))
            assert (await good.answer()).qn == f"2026112210000010{i}"
            await good.close()
        # the throttled MN itself is refused at once from this address, even with the
        # right password: guessing goes no faster by reconnecting
        again = await Logger.connect(gateway.bound_port)
        await again.send(upload(MN))
        assert await again.closed_by_peer()
        assert gateway.metrics.connections_closed.labels("throttled")._value.get() == 1
        assert all(p.device_id != 1 for p in sink.packets)
        await gateway.stop()

    run(scenario())


def test_a_connection_that_never_authenticates_is_closed_at_the_deadline():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink, auth_timeout=1.0, idle_timeout=60)
        bad_frame = b"##0010QN=1;ST=31;CP=&&&&ZZZZ\r\n"
        idle = await Logger.connect(gateway.bound_port)
        chatter = await Logger.connect(gateway.bound_port)
        good = await Logger.connect(gateway.bound_port)
        await good.send(upload(MN))
        assert (await good.answer()).cn == "9014"
        start = asyncio.get_running_loop().time()
        while asyncio.get_running_loop().time() - start < 2.5:
            try:  # a malformed frame more often than any timeout: it used to live for ever
                await chatter.send(bad_frame)
            except ConnectionError:
                break
            await asyncio.sleep(0.1)
        assert await idle.closed_by_peer(timeout=3)
        assert await chatter.gone(timeout=3)
        assert gateway.metrics.connections_closed.labels("auth timeout")._value.get() == 2
        await good.send(upload(MN, qn="20261122100000002"))  # an authenticated one stays
        assert (await good.answer()).qn == "20261122100000002"
        await good.close()
        await gateway.stop()

    run(scenario())


def test_a_connection_sending_only_garbage_is_closed_after_its_byte_budget():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink, garbage_budget=8192)
        noise = await Logger.connect(gateway.bound_port)
        sent = 0
        try:
            while sent < 4_000_000:
                await noise.send(bytes(range(256)) * 4)
                sent += 1024
                await asyncio.sleep(0)
        except ConnectionError:
            pass
        assert await noise.gone(timeout=3)
        assert sent < 2_000_000  # cut off (the kernel buffers the last few hundred KB)
        assert gateway.metrics.connections_closed.labels("garbage")._value.get() == 1
        # a logger from the same address right after is served: the address is not punished
        good = await Logger.connect(gateway.bound_port)
        await good.send(upload(MN))
        assert (await good.answer()).cn == "9014"
        await good.close()
        await gateway.stop()

    run(scenario())


def test_refused_senders_are_recorded_with_mn_address_reason_and_count():
    async def scenario():
        sink = MemorySink(DEVICES)
        gateway = await started(sink, refusals_before_close=10)
        logger = await Logger.connect(gateway.bound_port)
        for i in range(3):
            await logger.send(upload("MISTYPED0001", qn=f"2026112210000000{i}"))
        await logger.send(upload(MN, pw="wrong"))
        broken = bytearray(upload(MN))
        broken[-6] = ord("0") if broken[-6] != ord("0") else ord("1")  # the CRC
        await logger.send(bytes(broken))
        await eventually(lambda: len(sink.refusals) == 3)
        assert sink.refusals == {
            ("MISTYPED0001", "127.0.0.1", "unknown-device"): 3,
            (MN, "127.0.0.1", "bad-password"): 1,
            (MN, "127.0.0.1", "bad-crc"): 1,
        }
        assert (sink.counts[1].refused, sink.counts[1].frame_errors) == (1, 1)
        await logger.close()
        await gateway.stop()

    run(scenario())


def test_data_times_outside_the_window_are_stored_and_answered_but_carry_no_readings():
    async def scenario():
        sink = MemorySink({MN: key(MN, 1)})
        gateway = await started(sink)
        logger = await Logger.connect(gateway.bound_port)
        cases = [
            ("20261122100000001", recent(minutes=-1), TIME_OK),
            ("20261122100000002", recent(days=365 * 70), TIME_AHEAD),  # "2099"
            ("20261122100000003", recent(minutes=20), TIME_AHEAD),
            ("20261122100000004", recent(days=-9000), TIME_BEHIND),  # a clock reset
            ("20261122100000005", recent(days=-30), TIME_OK),  # a resent backlog
        ]
        for qn, when, _ in cases:
            await logger.send(upload(MN, qn=qn, when=when))
            assert (await logger.answer()).qn == qn  # acknowledged whatever its time
        by_qn = {p.qn: p for p in sink.packets}
        for qn, _, status in cases:
            assert by_qn[qn].time_status == status
            assert len(by_qn[qn].readings) == (len(FACTORS) if status == TIME_OK else 0)
        await logger.close()
        await gateway.stop()

    run(scenario())


def test_the_config_refuses_out_of_range_front_door_settings():
    for name, value in [("auth_timeout", 0), ("garbage_budget", 10), ("lookups_per_second", 0)]:
        try:
            dataclasses.replace(CONFIG, **{name: value})
        except ValueError as exc:
            assert "--" + name.replace("_", "-") in str(exc)
        else:
            raise AssertionError(f"{name}={value} accepted")
