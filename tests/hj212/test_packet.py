"""The data segment: header items in any order, the CP data area, typed accessors."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from qingshan.hj212 import (
    CHINA_TZ,
    CP,
    Packet,
    SegmentError,
    Version,
    format_qn,
    format_time,
    parse_decimal,
    parse_segment,
    parse_time,
    split_key,
)

UPLOAD = (
    "QN=20160801085857223;ST=32;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;"
    "CP=&&DataTime=20160801085857;w01001-Rtd=7.1,w01001-Flag=N;"
    "w01018-SampleTime=20160801070000,w01018-Rtd=2.2,w01018-Flag=N,w01018-EFlag=A01&&"
)


def test_header_and_cp() -> None:
    packet = parse_segment(UPLOAD, strict=True)
    assert (packet.qn, packet.st, packet.cn, packet.pw) == (
        "20160801085857223",
        "32",
        "2011",
        "123456",
    )
    assert packet.mn == "010000A8900016F000169DC0"
    assert (packet.flag, packet.pnum, packet.pno) == (5, None, None)
    assert packet.version is Version.V2017
    assert packet.ack_required and not packet.is_split
    assert packet.cp.groups[1] == [("w01001-Rtd", "7.1"), ("w01001-Flag", "N")]
    assert packet.cp.top_level() == {"DataTime": "20160801085857"}
    assert packet.cp.factors()["w01018"] == {
        "SampleTime": "20160801070000",
        "Rtd": "2.2",
        "Flag": "N",
        "EFlag": "A01",
    }
    assert packet.cp.factor("w99999") == {}
    assert packet.cp.decimal("w01018-Rtd") == Decimal("2.2")
    assert packet.data_time == datetime(2016, 8, 1, 8, 58, 57, tzinfo=CHINA_TZ)
    assert packet.to_segment() == UPLOAD


def test_items_in_any_order_and_optional_ones_missing() -> None:
    packet = parse_segment(
        "CN=3020;QN=20190424002722330;MN=23040281003022;PW=123456;ST=32;CP=&&DT=0&&",
        strict=True,
    )
    assert (packet.cn, packet.qn, packet.st, packet.flag) == (
        "3020",
        "20190424002722330",
        "32",
        None,
    )
    assert packet.version is Version.V2005  # no Flag: HJ/T 212-2005 style (hj212.md §2.1)
    assert not packet.ack_required


def test_flag_after_cp_and_split_numbers() -> None:
    packet = parse_segment("ST=32;CN=2061;PW=1;MN=2;PNO=0002;PNUM=0002;CP=&&a=1&&;Flag=7")
    assert (packet.flag, packet.pnum, packet.pno) == (7, 2, 2)
    assert packet.is_split and packet.ack_required
    with pytest.raises(SegmentError, match="after the closing"):
        parse_segment("ST=32;CN=2061;PW=1;MN=2;CP=&&a=1&&;Flag=7", strict=True)


@pytest.mark.parametrize(
    ("flag", "version"), [(0, Version.V2005), (5, Version.V2017), (9, Version.V2025), (13, None)]
)
def test_version_from_flag(flag: int, version: Version | None) -> None:
    packet = parse_segment(f"ST=32;CN=2011;PW=1;MN=2;Flag={flag};CP=&&&&")
    assert packet.version is version
    assert packet.version_bits == flag >> 2


def test_versions_bits() -> None:
    assert [v.bits for v in Version] == [0, 1, 2]


def test_unknown_header_items_are_kept() -> None:
    packet = parse_segment("ST=32;CN=2011;PW=1;MN=2;Vendor=x;CP=&&&&")
    assert packet.extra == {"Vendor": "x"}
    assert packet.to_segment() == "ST=32;CN=2011;PW=1;MN=2;Vendor=x;CP=&&&&"


@pytest.mark.parametrize(
    ("segment", "message"),
    [
        ("ST=32;CN=2011", "no 'CP=&&'"),
        ("ST=32;CN=2011;CP=&&", "not closed"),
        ("ST=32;Flag=x;CP=&&&&", "not a decimal"),
        ("ST=32;PNUM=١;CP=&&&&", "not a decimal"),
        ("ST=32;PNO=-1;CP=&&&&", "not a decimal"),
    ],
)
def test_unreadable_segments(segment: str, message: str) -> None:
    with pytest.raises(SegmentError, match=message):
        parse_segment(segment)


@pytest.mark.parametrize(
    ("segment", "message"),
    [
        ("ST=32;CN=2011;PW=1;MN=2;Flag=5CP=&&&&", "not terminated"),
        ("ST=32;CN=2011;PW=1;;MN=2;CP=&&&&", "empty header item"),
        ("ST=32;CN=2011;garbage;PW=1;MN=2;CP=&&&&", "not 'Name=value'"),
        ("ST=32;CN=2011;PW=1;CP=&&&&", "missing: MN"),
        ("CN=2011;CP=&&&&", "missing: ST, PW, MN"),
        ("ST=32;CN=2011;PW=1;MN=2;Flag=256;CP=&&&&", "8 bits"),
        ("ST=32;CN=2011;PW=1;MN=2;Flag=6;CP=&&&&", "D bit"),
        ("ST=32;CN=2011;PW=1;MN=2;Flag=6;PNUM=2;PNO=3;CP=&&&&", "D bit"),
        ("ST=32;CN=2011;PW=1;MN=2;CP=&&a=1;;b=2&&", "not 'name=value'"),
        ("ST=32;CN=2011;PW=1;MN=2;CP=&&a=1,bare&&", "not 'name=value'"),
        ("ST=32;CN=2011;PW=1;MN=2;CP=&&a=//x;y//;bare&&", "not 'name=value'"),
    ],
)
def test_strict_rules(segment: str, message: str) -> None:
    with pytest.raises(SegmentError, match=message):
        parse_segment(segment, strict=True)
    parse_segment(segment)  # lenient mode reads all of them


def test_lenient_cp_oddities() -> None:
    packet = parse_segment("ST=32;CP=&&a=1;;b=2,flagonly, ;c=x=y;&&")
    assert packet.cp.groups == [[("a", "1")], [("b", "2"), ("flagonly", "")], [("c", "x=y")]]
    packet = parse_segment("ST=32;CP=&&a=//x//;;b=1&&")
    assert packet.cp.groups == [[("a", "//x//")], [("b", "1")]]
    packet = parse_segment("Flag=5CP=&&&&")  # the standard's own typo (C.19)
    assert packet.flag == 5


def test_names_are_stripped_values_are_not() -> None:
    packet = parse_segment("ST=32;CP=&&DataTime=20160801085857; LA-Rtd=50.1 ,i12003-Info =0&&")
    assert packet.cp.as_dict() == {
        "DataTime": "20160801085857",
        "LA-Rtd": "50.1 ",
        "i12003-Info": "0",
    }
    assert parse_segment(" ST =32;CP=&&&&").st == "32"


def test_log_text_is_kept_intact() -> None:
    text = "//R:4e 26;26,45=30 //x// 0d 0a//"
    packet = parse_segment(f"ST=32;CP=&&DataTime=1;PolId=w01018;i11001-Info={text};DT=0&&")
    assert packet.cp.get("i11001-Info") == text
    assert packet.cp.get("DT") == "0"
    assert packet.cp.groups[-1] == [("DT", "0")]
    packet = parse_segment("ST=32;CP=&&a=//x,y//,b=//,c=1//z&&")
    assert packet.cp.groups == [[("a", "//x,y//"), ("b", "//"), ("c", "1//z")]]


def test_empty_cp() -> None:
    packet = parse_segment("ST=91;CN=9014;PW=1;MN=2;Flag=4;CP=&&&&")
    assert packet.cp.groups == []
    assert packet.cp.get("QnRtn", "none") == "none"


def test_cp_lookups_and_building() -> None:
    cp = CP.from_dict(
        {"DataTime": "20240101000000"}, {"w01018": {"Rtd": "1", "Flag": "N"}, "x": {}}
    )
    assert cp.to_text() == "DataTime=20240101000000;w01018-Rtd=1,w01018-Flag=N"
    assert next(iter(cp.pairs())) == ("DataTime", "20240101000000")
    assert cp.time("DataTime") == datetime(2024, 1, 1, tzinfo=CHINA_TZ)
    assert cp.decimal("missing") is None
    duplicate = CP([[("a", "1")], [("a", "2")]])
    assert duplicate.get("a") == "2" and duplicate.as_dict() == {"a": "2"}
    assert CP.from_dict().groups == []


def test_split_key() -> None:
    assert split_key("a01013-Rtd") == ("a01013", "Rtd")
    assert split_key("SB1-RS") == ("SB1", "RS")
    assert split_key("DataTime") == (None, "DataTime")
    assert split_key("-Rtd") == (None, "-Rtd")
    assert split_key("w01-Zs-Avg") == ("w01", "Zs-Avg")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("-18.74", Decimal("-18.74")),
        ("+3", Decimal(3)),
        (".5", Decimal("0.5")),
        ("7.", Decimal(7)),
        ("0.09055002", Decimal("0.09055002")),
        ("", None),
        ("NaN", None),
        ("1e5", None),
        ("1_000", None),
        (" 1", None),
        (None, None),
    ],
)
def test_parse_decimal(text: str | None, value: Decimal | None) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("20160801085857", datetime(2016, 8, 1, 8, 58, 57, tzinfo=CHINA_TZ)),
        ("20160824003817000", datetime(2016, 8, 24, 0, 38, 17, tzinfo=CHINA_TZ)),
        ("20160801085857223", datetime(2016, 8, 1, 8, 58, 57, 223000, tzinfo=CHINA_TZ)),
        ("201608010858", datetime(2016, 8, 1, 8, 58, tzinfo=CHINA_TZ)),
        ("2016080108", datetime(2016, 8, 1, 8, tzinfo=CHINA_TZ)),
        ("20160801", datetime(2016, 8, 1, tzinfo=CHINA_TZ)),
        ("20161301000000", None),
        ("2016080108585", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_time(text: str | None, moment: datetime | None) -> None:
    assert parse_time(text) == moment


def test_times_are_china_time() -> None:
    moment = parse_time("20160801085857")
    assert moment is not None and moment.utcoffset() == timedelta(hours=8)
    utc = datetime(2016, 8, 1, 0, 58, 57, 223456, tzinfo=CHINA_TZ).astimezone(
        datetime.now().astimezone().tzinfo
    )
    assert format_time(utc) == "20160801005857"
    assert format_qn(utc) == "20160801005857223"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2016, 8, 1))


def test_packet_defaults() -> None:
    packet = Packet()
    assert packet.version is Version.V2005
    assert packet.data_time is None
    assert packet.to_segment() == "CP=&&&&"
