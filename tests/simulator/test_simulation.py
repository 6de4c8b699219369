"""The simulator against a fake platform: acknowledgements, resends, faults, hostile modes."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from qingshan.hj212 import Decoder, ErrorCode, Frame, Packet, data_answer, encode_packet
from qingshan.simulator import FakePlatform, Faults, SimConfig, run_simulation, synthetic_devices

from .helpers import data_times, simulate


def test_packets_decode_strictly_and_every_answer_is_matched(tmp_path: Path) -> None:
    ack_log = tmp_path / "acks.csv"
    summary, platform = simulate(rate=300, count=30, ack_log=ack_log)
    packets = platform.packets()
    assert not platform.errors
    assert len(packets) == summary.sent == summary.acknowledged == 30
    assert summary.unacknowledged == summary.resends == summary.errors == 0
    devices = {d.mn: d for d in synthetic_devices(3)}
    for packet in packets:
        device = devices[packet.mn or ""]
        assert (packet.cn, packet.pw, packet.st, packet.flag) == ("2011", "123456", device.st, 5)
        assert packet.qn is not None and len(packet.qn) == 17
        assert tuple(packet.cp.factors()) == device.factors
    logged = ack_log.read_text().splitlines()
    expected = {f"{p.mn},{p.qn},{p.cn},{p.cp.get('DataTime')}" for p in packets}
    assert len(logged) == 30 and set(logged) == expected
    assert summary.ack_latency_p50_ms is not None


def test_load_mode_gives_every_packet_of_a_device_its_own_data_time() -> None:
    summary, platform = simulate(rate=2000, count=300, window=4, uploads=("2011", "2051"))
    keys = data_times(platform.packets())
    assert len(keys) == summary.sent == summary.acknowledged
    assert len(set(keys)) == len(keys)
    assert Counter(cn for _, cn, _ in keys)["2051"] > 0


def test_unanswered_packets_are_resent_with_the_same_qn_and_data_time() -> None:
    seen: set[tuple[str | None, str | None]] = set()

    def first_time(packet: Packet) -> bool:  # drop the answer to each first transmission
        key = (packet.mn, packet.qn)  # a QN is unique per device, not across devices
        new = key not in seen
        seen.add(key)
        return new

    summary, platform = simulate(FakePlatform(drop=first_time), rate=100, count=6)
    assert summary.sent == 6 and summary.acknowledged == 6 and summary.resends == 6
    received = Counter((p.mn, p.qn, p.cp.get("DataTime")) for p in platform.packets())
    assert len(received) == 6 and set(received.values()) == {2}


def test_without_answers_the_logger_gives_up_after_the_retries() -> None:
    summary, platform = simulate(FakePlatform(answer=False), rate=100, count=3, retries=2)
    assert summary.acknowledged == 0 and summary.gave_up == 3
    assert summary.unacknowledged == 3 and summary.resends == 6
    assert len(platform.packets()) == 9


def test_wrong_answers_do_not_acknowledge() -> None:
    async def answer_wrongly(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        decoder = Decoder()
        while data := await reader.read(4096):
            for event in decoder.receive_data(data):
                assert isinstance(event, Frame)
                wrong_qn = Packet(**{**_fields(event.packet), "qn": "20000101000000000"})
                writer.write(data_answer(wrong_qn))  # a QN never sent
                bad_crc = bytearray(data_answer(event.packet))
                bad_crc[-3] ^= 1  # still hex, wrong CRC
                writer.write(bytes(bad_crc))

    async def go() -> tuple[int, int, dict[str, int]]:
        server = await asyncio.start_server(answer_wrongly, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        config = SimConfig(
            devices=synthetic_devices(1),
            port=port,
            rate=50,
            count=2,
            ack_timeout=0.2,
            retries=0,
            drain=1.0,
        )
        summary = await run_simulation(config)
        server.close()
        return summary.acknowledged, summary.late_acks, summary.error_kinds

    acked, late, errors = asyncio.run(go())
    assert acked == 0 and late == 2
    assert errors.get(f"answer-{ErrorCode.BAD_CRC}") == 2


def _fields(packet: Packet) -> dict[str, object]:
    return {name: getattr(packet, name) for name in ("st", "cn", "pw", "mn", "qn", "flag", "cp")}


def test_split_writes_arrive_in_pieces_and_decode_to_the_same_packets() -> None:
    summary, platform = simulate(
        rate=50, count=8, devices=synthetic_devices(1), faults=Faults(split=1.0, split_gap=0.02)
    )
    (connection,) = platform.connections
    assert summary.acknowledged == 8 and not platform.errors
    assert len(connection.reads) >= 2 * len(connection.frames)
    assert sum(read.startswith(b"##") for read in connection.reads) == len(connection.frames)


def test_merged_writes_carry_several_packets() -> None:
    summary, platform = simulate(
        rate=50, count=9, devices=synthetic_devices(1), faults=Faults(merge=1.0)
    )
    (connection,) = platform.connections
    assert summary.acknowledged == summary.sent >= 9 and not platform.errors
    assert any(read.count(b"##") >= 2 for read in connection.reads)
    times = [f.packet.cp.get("DataTime") for f in connection.frames]
    assert len(set(times)) == len(times)


def test_bad_crc_transmissions_are_rejected_and_never_acknowledged() -> None:
    summary, platform = simulate(rate=50, count=4, retries=1, faults=Faults(bad_crc=1.0))
    assert platform.errors == Counter({ErrorCode.BAD_CRC: 8})
    assert summary.acknowledged == 0 and summary.gave_up == 4


def test_offline_devices_disconnect_reconnect_and_resend() -> None:
    summary, platform = simulate(
        duration=1.6,
        rate=40,
        window=1,
        faults=Faults(offline=1.0, offline_after=0.3, offline_for=0.2),
    )
    assert summary.offline_periods >= 3
    assert summary.connects > 3 and platform.connections_made == summary.connects
    assert summary.unacknowledged == 0 and summary.acknowledged == summary.sent > 0


def test_realtime_mode_uses_wall_clock_data_times() -> None:
    summary, platform = simulate(duration=2.2, rtd_interval=1)
    times = [p.cp.time("DataTime") for p in platform.packets()]
    qns = [p.qn for p in platform.packets()]
    assert summary.sent >= 3 and summary.acknowledged == summary.sent
    assert all(t is not None for t in times)
    assert all(
        q is not None and q.startswith(p.cp.get("DataTime") or "-")
        for q, p in zip(qns, platform.packets(), strict=True)
    )


def test_protocol_2005_sends_without_asking_for_answers() -> None:
    summary, platform = simulate(rate=100, count=6, protocol="2005")
    assert summary.sent == summary.sent_without_ack_request == 6
    assert summary.acknowledged == summary.unacknowledged == 0 and platform.answers == 0
    assert all(p.qn is None and p.flag is None for p in platform.packets())


def test_protocol_2005_ack_matches_answers_with_the_qn_in_cp() -> None:
    summary, platform = simulate(rate=100, count=6, protocol="2005-ack")
    assert summary.acknowledged == 6 and summary.errors == 0 and platform.answers == 6


def test_hostile_random_bytes_send_no_frames() -> None:
    summary, platform = simulate(rate=200, count=20, hostile="random-bytes")
    assert summary.hostile_writes == 20 and summary.sent == 0
    assert platform.bytes_received == summary.bytes_sent > 20 * 32
    assert platform.frames <= 1  # random bytes only rarely make a frame


def test_hostile_identities_are_unknown_or_wrong() -> None:
    _, unknown = simulate(rate=100, count=3, hostile="unknown-mn", retries=0)
    assert {p.mn for p in unknown.packets()} == {f"ZZUNREG{i:08d}" for i in (1, 2, 3)}
    _, wrong = simulate(rate=100, count=3, hostile="wrong-password", retries=0)
    assert {p.pw for p in wrong.packets()} == {"678901"}
    _, half = simulate(
        rate=100,
        count=40,
        hostile="unknown-mn",
        hostile_fraction=0.5,
        devices=synthetic_devices(20),
        retries=0,
    )
    assert 0 < sum((p.mn or "").startswith("ZZUNREG") for p in half.packets()) < 40


def test_hostile_oversize_and_slow() -> None:
    summary, platform = simulate(
        FakePlatform(lenient=True), rate=50, count=2, hostile="oversize", oversize_bytes=1500
    )
    assert summary.acknowledged == 2
    assert all(len(f.raw) > 1024 for c in platform.connections for f in c.frames)
    summary, platform = simulate(
        rate=50,
        count=1,
        devices=synthetic_devices(1),
        hostile="slow",
        slow_interval=0.002,
        ack_timeout=2.0,
    )
    (connection,) = platform.connections
    assert summary.acknowledged == 1
    # a byte at a time; on a loaded machine the kernel may join a few before a read
    assert len(connection.reads) > 100 and max(len(r) for r in connection.reads) <= 16


def test_platform_requests_are_answered_like_a_logger() -> None:
    request = encode_packet(
        Packet(
            st="31",
            cn="1061",
            pw="123456",
            mn="QSSIM0000000000000000001",
            qn="20260301100000000",
            flag=5,
        )
    )
    replies: list[Packet] = []

    async def ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(request)
        decoder = Decoder()
        while data := await reader.read(4096):
            for event in decoder.receive_data(data):
                assert isinstance(event, Frame)
                if event.packet.cn == "2011":
                    writer.write(data_answer(event.packet))
                else:
                    replies.append(event.packet)

    async def go() -> None:
        server = await asyncio.start_server(ask, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        config = SimConfig(
            devices=synthetic_devices(1), port=port, rate=20, count=2, ack_timeout=0.5, drain=1.0
        )
        await run_simulation(config)
        server.close()

    asyncio.run(go())
    assert [(p.cn, p.qn) for p in replies] == [
        ("9011", "20260301100000000"),
        ("1061", "20260301100000000"),
        ("9012", "20260301100000000"),
    ]
    assert replies[1].cp.get("RtdInterval") == "30" and replies[0].cp.get("QnRtn") == "1"
