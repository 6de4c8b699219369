"""Split-message reassembly with a bounded table and caller-supplied time."""

from __future__ import annotations

import pytest

from qingshan.hj212 import CP, Packet, Reassembler, decode_frame

from .helpers import load_samples


def _piece(pno: int, pnum: int = 2, *, mn: str = "M1", data_time: str = "20160801080000") -> Packet:
    return Packet(
        st="32",
        cn="2061",
        pw="123456",
        mn=mn,
        qn=f"2016080108585753{pno}",
        flag=7,
        pnum=pnum,
        pno=pno,
        cp=CP([[("DataTime", data_time)], [(f"w0{pno}-Avg", str(pno)), (f"w0{pno}-Flag", "N")]]),
    )


def test_pieces_in_any_order_make_one_message() -> None:
    table = Reassembler()
    assert table.add(_piece(2), now=0) is None
    assert len(table) == 1
    merged = table.add(_piece(1), now=1)
    assert merged is not None and len(table) == 0
    assert (merged.flag, merged.pnum, merged.pno) == (5, None, None)  # D bit cleared
    assert merged.qn == "20160801085857531"  # header of the first piece
    assert (
        merged.cp.to_text() == "DataTime=20160801080000;w01-Avg=1,w01-Flag=N;w02-Avg=2,w02-Flag=N"
    )


def test_retransmitted_piece_replaces_the_first_copy() -> None:
    table = Reassembler()
    table.add(_piece(1), now=0)
    table.add(_piece(1), now=1)
    assert table.add(_piece(2), now=2) is not None


def test_unsplit_and_nonsense_packets_pass_straight_through() -> None:
    table = Reassembler()
    plain = Packet(cn="2011", flag=5)
    assert table.add(plain, now=0) is plain
    nonsense = _piece(3, pnum=2)
    assert table.add(nonsense, now=0) is nonsense
    single = table.add(_piece(1, pnum=1), now=0)
    assert single is not None and single.pnum is None
    no_flag = Packet(cn="2051", pnum=1, pno=1, cp=CP([[("a", "1")]]))
    merged = table.add(no_flag, now=0)
    assert merged is not None and merged.flag is None


def test_messages_are_kept_apart_by_logger_and_time() -> None:
    table = Reassembler()
    table.add(_piece(1, mn="A"), now=0)
    table.add(_piece(1, mn="B"), now=0)
    table.add(_piece(1, data_time="20160801090000"), now=0)
    assert len(table) == 3
    assert table.add(_piece(2, mn="B"), now=0) is not None
    assert len(table) == 2


def test_timeout_drops_incomplete_messages() -> None:
    table = Reassembler(timeout=60)
    table.add(_piece(1, pnum=3), now=0)
    assert table.expire(now=60) == []
    [dropped] = table.expire(now=61)
    assert dropped.missing == [2, 3]
    assert len(table) == 0
    # A late piece starts a new message rather than completing the expired one.
    assert table.add(_piece(2, pnum=3), now=62) is None


def test_table_is_bounded() -> None:
    table = Reassembler(max_messages=2)
    for n, mn in enumerate("ABC"):
        table.add(_piece(1, mn=mn), now=n)
    assert len(table) == 2
    [evicted] = table.expire(now=3)
    assert evicted.key[0] == "A"


def test_bad_settings() -> None:
    with pytest.raises(ValueError):
        Reassembler(timeout=0)
    with pytest.raises(ValueError):
        Reassembler(max_messages=0)


def test_standard_example_piece() -> None:
    # Table C.49 piece 1 of 2 from the sample corpus.
    sample = next(s for s in load_samples() if "PNUM=2;PNO=1" in s.text)
    event = decode_frame(sample.frame)
    assert event.ok
    assert Reassembler().add(event.packet, now=0) is None
