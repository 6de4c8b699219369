"""Building packets: framing, answers with the logger's version bits, requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from qingshan.hj212 import (
    CHINA_TZ,
    CP,
    EncodeError,
    ExeRtn,
    LoggerAddress,
    Packet,
    QnRtn,
    Version,
    answer_for,
    build_request,
    check_packet,
    data_answer,
    decode_frame,
    encode_frame,
    encode_packet,
    execution_result,
    notification_answer,
    notify_realtime_stop,
    notify_state_stop,
    parse_segment,
    request_answer,
    request_control,
    request_get_min_interval,
    request_get_rtd_interval,
    request_get_time,
    request_history,
    request_realtime,
    request_set_min_interval,
    request_set_password,
    request_set_rtd_interval,
    request_set_time,
    request_set_timeout,
    request_state,
)

MN = "010000A8900016F000169DC0"
QN = "20160801085857223"


def _upload(flag: int | None = 5, qn: str | None = QN, cn: str = "2011") -> Packet:
    return Packet(st="32", cn=cn, pw="123456", mn=MN, qn=qn, flag=flag)


def test_encode_frame_matches_the_standard_example() -> None:
    segment = f"QN={QN};ST=32;CN=1062;PW=100000;MN={MN};Flag=5;CP=&&RtdInterval=30&&"
    assert encode_frame(segment) == b"##0101" + segment.encode() + b"1C80\r\n"


def test_encode_frame_counts_bytes_and_limits_size() -> None:
    frame = encode_frame("CP=&&i11001-Info=//清洗//&&")
    assert frame.startswith(b"##0029")
    with pytest.raises(EncodeError, match="exceeds 1024"):
        encode_frame(b"x" * 1025)
    assert encode_frame(b"x" * 1025, oversize_ok=True).startswith(b"##1025")
    with pytest.raises(EncodeError, match="exceeds 9999"):
        encode_frame(b"x" * 10000, oversize_ok=True)


def test_data_answer_is_the_appendix_c_example() -> None:
    # 2017 Table C.14: upload Flag=5 answered by ST=91 CN=9014 Flag=4, same QN, CRC 3240.
    assert data_answer(_upload()) == (
        b"##0087QN=20160801085857223;ST=91;CN=9014;PW=123456;"
        b"MN=010000A8900016F000169DC0;Flag=4;CP=&&&&3240\r\n"
    )


def test_notification_request_and_execution_answers() -> None:
    assert notification_answer(_upload()).endswith(b"Flag=4;CP=&&&&2A80\r\n")
    assert request_answer(_upload()).endswith(b"Flag=4;CP=&&QnRtn=1&&1B00\r\n")
    assert execution_result(_upload()).endswith(b"Flag=4;CP=&&ExeRtn=1&&6240\r\n")
    assert b"QnRtn=9" in request_answer(_upload(), QnRtn.CRC_ERROR)
    assert b"ExeRtn=100" in execution_result(_upload(), ExeRtn.NO_DATA)


@pytest.mark.parametrize(("flag", "answer_flag"), [(5, "Flag=4"), (7, "Flag=4"), (9, "Flag=8")])
def test_answers_use_the_loggers_version_bits(flag: int, answer_flag: str) -> None:
    event = decode_frame(data_answer(_upload(flag)))
    assert event.ok
    assert f";{answer_flag};".encode() in event.raw
    assert not event.packet.ack_required
    assert event.packet.version is _upload(flag).version


def test_2005_answers_carry_the_qn_inside_cp() -> None:
    # HJ/T 212-2005 answers: no header QN, QN inside CP (hj212.md §4.2).
    answer = request_answer(_upload(flag=1))
    assert answer[6:-6] == (
        b"ST=91;CN=9011;PW=123456;MN=010000A8900016F000169DC0;Flag=0;"
        b"CP=&&QN=20160801085857223;QnRtn=1&&"
    )
    no_flag = data_answer(_upload(flag=None))
    assert b"Flag" not in no_flag and b"CP=&&QN=20160801085857223&&" in no_flag
    assert b"CP=&&&&" in data_answer(_upload(flag=None, qn=None))
    assert b"QN=20160801085857223;ST=91" in data_answer(_upload(flag=1), qn_in_cp=False)
    assert b"CP=&&QN=" in data_answer(_upload(flag=5), qn_in_cp=True)


def test_answer_without_pw_or_mn() -> None:
    assert data_answer(Packet(cn="2011", flag=5))[6:-6] == b"ST=91;CN=9014;Flag=4;CP=&&&&"


def test_answer_refuses_echoing_a_separator() -> None:
    with pytest.raises(EncodeError, match="separator"):
        data_answer(Packet(cn="2011", mn="a;b", flag=5))


@pytest.mark.parametrize(
    ("flag", "cn", "expected"),
    [
        (4, "2011", None),  # A bit clear: no answer
        (5, "2011", "9014"),
        (7, "2061", "9014"),
        (5, "8013", "9014"),  # unknown command: the A bit decides
        (5, "1013", "9013"),  # 2017 logger notification
        (5, "9015", "9014"),  # heartbeat is only known from 2025 on
        (9, "9015", "9013"),
        (9, "1014", "9013"),
        (5, "9014", None),  # answers are never answered
        (None, "2011", None),
    ],
)
def test_answer_for(flag: int | None, cn: str, expected: str | None) -> None:
    answer = answer_for(_upload(flag, cn=cn))
    if expected is None:
        assert answer is None
    else:
        assert answer is not None and f";CN={expected};".encode() in answer


TO = LoggerAddress(mn=MN)
MOMENT = datetime(2016, 8, 1, 8, 58, 57, 223000, tzinfo=CHINA_TZ)


def _segment(frame: bytes) -> Packet:
    event = decode_frame(frame)
    assert event.ok, event
    return event.packet


def test_build_request_sets_the_ack_bit_and_version() -> None:
    packet = _segment(build_request(TO, "1061", qn=QN))
    assert (packet.flag, packet.qn, packet.st, packet.pw) == (5, QN, "32", "123456")
    assert _segment(build_request(TO, "1061", qn=QN, ack=False)).flag == 4
    old = LoggerAddress(mn="88888880000001", st="31", version=Version.V2005)
    assert _segment(build_request(old, "1061", qn=QN)).flag == 1
    new = LoggerAddress(mn=MN, version=Version.V2025)
    assert _segment(build_request(new, "1061", qn=QN)).flag == 9
    assert _segment(build_request(TO, "1061", qn=MOMENT)).qn == QN


def test_request_builders() -> None:
    utc = MOMENT.astimezone(UTC)
    cases = [
        (request_set_timeout(TO, qn=QN, over_time=5, re_count=3), "1000", "OverTime=5;ReCount=3"),
        (request_get_time(TO, qn=QN), "1011", ""),
        (request_get_time(TO, qn=QN, pol_id="w01018"), "1011", "PolId=w01018"),
        (request_set_time(TO, qn=QN, system_time=utc), "1012", "SystemTime=20160801085857"),
        (request_get_rtd_interval(TO, qn=QN), "1061", ""),
        (request_set_rtd_interval(TO, qn=QN, seconds=30), "1062", "RtdInterval=30"),
        (request_get_min_interval(TO, qn=QN), "1063", ""),
        (request_set_min_interval(TO, qn=QN, minutes=10), "1064", "MinInterval=10"),
        (request_set_password(TO, qn=QN, new_pw="654321"), "1072", "NewPW=654321"),
        (request_realtime(TO, qn=QN), "2011", ""),
        (notify_realtime_stop(TO, qn=QN), "2012", ""),
        (request_state(TO, qn=QN), "2021", ""),
        (notify_state_stop(TO, qn=QN), "2022", ""),
        (
            request_history(TO, "2061", qn=QN, begin=MOMENT, end=MOMENT + timedelta(hours=2)),
            "2061",
            "BeginTime=20160801085857;EndTime=20160801105857",
        ),
        (request_control(TO, "3011", qn=QN, pol_id="w01018"), "3011", "PolId=w01018"),
    ]
    for frame, cn, cp_text in cases:
        packet = _segment(frame)
        assert (packet.cn, packet.cp.to_text()) == (cn, cp_text)
    old = LoggerAddress(mn="1", version=Version.V2005)
    assert _segment(request_set_password(old, qn=QN, new_pw="1")).cp.to_text() == "PW=1"


@pytest.mark.parametrize(
    "call",
    [
        lambda: request_set_timeout(TO, qn=QN, over_time=0, re_count=3),
        lambda: request_set_timeout(TO, qn=QN, over_time=5, re_count=100),
        lambda: request_set_rtd_interval(TO, qn=QN, seconds=29),
        lambda: request_set_min_interval(TO, qn=QN, minutes=7),
        lambda: request_history(TO, "2011", qn=QN, begin=MOMENT, end=MOMENT),
        lambda: request_history(TO, "2051", qn=QN, begin=MOMENT, end=MOMENT - timedelta(1)),
        lambda: request_control(TO, "2011", qn=QN),
        lambda: build_request(LoggerAddress(mn="a;b"), "1061", qn=QN),
    ],
)
def test_request_builders_refuse_bad_arguments(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]


@pytest.mark.parametrize(
    "packet",
    [
        Packet(flag=256),
        Packet(flag=-1),
        Packet(qn="a&&b"),
        Packet(mn="a\r\nb"),
        Packet(extra={"CP": "x"}),
        Packet(extra={"a-b": "x"}),
        Packet(extra={"": "x"}),
        Packet(cp=CP([[("a b ", "1")]])),
        Packet(cp=CP([[("a=b", "1")]])),
        Packet(cp=CP([[("a", "1,2")]])),
        Packet(cp=CP([[("a", "1;2")]])),
        Packet(cp=CP([[("a", "//x//;y//")]])),
        Packet(cp=CP([[("a", "//x")]])),
        Packet(cp=CP([[("a", "//x&&y//")]])),
        Packet(cp=CP([[("a", "//x\ny//")]])),
    ],
)
def test_check_packet_refuses_what_cannot_be_framed(packet: Packet) -> None:
    with pytest.raises(EncodeError):
        check_packet(packet)


def test_log_text_round_trip() -> None:
    packet = Packet(
        st="32",
        cn="3020",
        pw="1",
        mn="2",
        cp=CP([[("DataTime", "20100301145000")], [("i11001-Info", "//清洗;管路,x=y///")]]),
    )
    frame = encode_packet(packet)
    assert decode_frame(frame).packet == packet
    assert parse_segment(packet.to_segment(), strict=True) == packet
