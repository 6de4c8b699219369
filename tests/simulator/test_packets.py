"""Packets the simulator builds decode in strict mode with the right items and values."""

from __future__ import annotations

import random
from datetime import datetime

from qingshan.hj212 import CHINA_TZ, Decoder, ErrorCode, Frame, FrameWarning, decode_frame
from qingshan.simulator import PROTOCOLS, DeviceSpec, Faults, synthetic_devices
from qingshan.simulator.packets import PacketFactory, QnClock, Timeline, data_time, frame
from qingshan.simulator.signals import DeviceSignals

EPOCH = int(datetime(2026, 3, 1, 9, 59, 45, tzinfo=CHINA_TZ).timestamp())


def factory(spec: DeviceSpec, protocol: str = "2017", **kwargs: int) -> PacketFactory:
    signals = DeviceSignals(spec.factors, Faults(), random.Random(1))
    return PacketFactory(spec, PROTOCOLS[protocol], signals, **kwargs)


def decoded(data: bytes, *, lenient: bool = False) -> Frame:
    event = decode_frame(data, lenient=lenient)
    assert isinstance(event, Frame), event
    return event


def test_realtime_upload_decodes_strictly_with_header_and_factors() -> None:
    gas = synthetic_devices(1)[0]
    qn = "20260301095945123"
    packet = decoded(frame(factory(gas).segment("2011", EPOCH, qn))).packet
    assert (packet.qn, packet.st, packet.cn, packet.pw, packet.mn, packet.flag) == (
        qn,
        "31",
        "2011",
        "123456",
        "QSSIM0000000000000000001",
        5,
    )
    assert packet.cp.get("DataTime") == "20260301095945"
    factors = packet.cp.factors()
    assert list(factors) == list(gas.factors)
    assert all(fields["Flag"] == "N" for fields in factors.values())
    # pollutant gases carry the value converted to reference O2 when O2 is measured
    assert {"Rtd", "ZsRtd", "Flag"} == set(factors["a21026"])
    assert "ZsRtd" not in factors["a19001"]
    assert 3.0 <= float(factors["a19001"]["Rtd"]) <= 21.0


def test_typical_realtime_packets_are_300_to_450_bytes() -> None:
    qn = "20260301095945123"
    for spec in synthetic_devices(2):
        sizes = {len(frame(factory(spec).segment("2011", EPOCH + i, qn))) for i in range(50)}
        assert min(sizes) >= 300 and max(sizes) <= 450, sizes
        assert 6 <= len(spec.factors) <= 8


def test_period_uploads_carry_min_avg_max_and_amounts() -> None:
    water = synthetic_devices(2)[1]
    make = factory(water)
    for cn in ("2051", "2061", "2031"):
        packet = decoded(frame(make.segment(cn, EPOCH, "20260301100000001"))).packet
        assert packet.cn == cn and packet.st == "32"
        cod = packet.cp.factor("w01018")
        assert float(cod["Min"]) <= float(cod["Avg"]) <= float(cod["Max"])
        assert "Cou" in cod and "Cou" in packet.cp.factor("w00000")
        assert "Cou" not in packet.cp.factor("w01001")  # pH has no amount
        assert 6.0 <= float(packet.cp.factor("w01001")["Avg"]) <= 9.0


def test_2005_packets_have_no_qn_no_flag_and_old_codes() -> None:
    water = synthetic_devices(2)[1]
    packet = decoded(frame(factory(water, "2005").segment("2011", EPOCH, None))).packet
    assert packet.qn is None and packet.flag is None and not packet.ack_required
    assert "011" in packet.cp.factors() and "w01018" not in packet.cp.factors()


def test_2025_and_2005_ack_flags() -> None:
    spec = synthetic_devices(1)[0]
    qn = "20260301095945123"
    assert decoded(frame(factory(spec, "2025").segment("2011", EPOCH, qn))).packet.flag == 9
    old = decoded(frame(factory(spec, "2005-ack").segment("2011", EPOCH, qn))).packet
    assert old.flag == 1 and old.qn == qn and old.ack_required


def test_bad_crc_frames_are_rejected_by_the_codec() -> None:
    segment = factory(synthetic_devices(1)[0]).segment("2011", EPOCH, "20260301095945123")
    event = decode_frame(frame(segment, bad_crc=True))
    assert not event.ok and event.error == ErrorCode.BAD_CRC


def test_oversize_packets_are_valid_frames_over_1024_bytes() -> None:
    make = factory(synthetic_devices(1)[0], oversize=3000)
    data = frame(make.segment("2011", EPOCH, "20260301095945123"))
    assert 3000 <= len(data) - 12 < 3100
    assert decode_frame(data).error == ErrorCode.TOO_LONG  # strict: over 1024
    assert decoded(data, lenient=True).warnings == (FrameWarning.OVERSIZE,)


def test_timeline_emits_period_uploads_after_their_boundaries() -> None:
    start = int(datetime(2026, 3, 1, 23, 59, 0, tzinfo=CHINA_TZ).timestamp())
    timeline = Timeline(start, 30, 10, frozenset({"2011", "2051", "2061", "2031"}))
    first = timeline.step()
    assert [(cn, data_time(t)) for cn, t in first] == [("2011", "20260301235930")]
    second = timeline.step()
    assert [(cn, data_time(t)) for cn, t in second] == [
        ("2011", "20260302000000"),
        ("2051", "20260301235000"),
        ("2061", "20260301230000"),
        ("2031", "20260301000000"),
    ]


def test_qn_clock_is_strictly_increasing() -> None:
    clock = QnClock()
    last = 0
    seen = []
    for _ in range(2000):
        qn, last = clock.next(last)
        seen.append(qn)
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    assert all(len(qn) == 17 and qn.isdigit() for qn in seen)


def test_stream_of_many_packets_decodes_like_single_frames() -> None:
    make = factory(synthetic_devices(1)[0])
    frames = [frame(make.segment("2011", EPOCH + 30 * i, f"2026030109594{i}000")) for i in range(5)]
    events = Decoder().receive_data(b"".join(frames))
    assert [e.ok for e in events] == [True] * 5
