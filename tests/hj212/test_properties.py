"""Property-based tests: encode → decode is the identity; no input makes the decoder raise."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qingshan.hj212 import (
    CP,
    Decoder,
    EncodeError,
    Event,
    Packet,
    decode_frame,
    decode_stream,
    encode_packet,
)
from qingshan.hj212.packet import _parse_cp, _parse_cp_slow

from .helpers import load_samples

SETTINGS = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

_TEXT = st.characters(
    blacklist_categories=("Cs",), blacklist_characters=";,&=\r\n", max_codepoint=0x9FFF
)
names = st.text(_TEXT, min_size=1, max_size=8).map(str.strip).filter(bool)
values = st.text(_TEXT | st.sampled_from("=&"), max_size=12).filter(
    lambda v: not v.startswith("//")
)
log_texts = (
    st.text(_TEXT | st.sampled_from(";,=/ "), max_size=20)
    .map(lambda t: f"//{t}//")
    .filter(lambda v: "//;" not in v[2:-2] and "//," not in v[2:-2])
)
header_values = st.text(_TEXT | st.sampled_from("=,&"), max_size=12)
codes = st.text(st.sampled_from("aw0123456789"), min_size=1, max_size=6)


@st.composite
def cp_groups(draw: st.DrawFn) -> list[list[tuple[str, str]]]:
    groups = []
    for _ in range(draw(st.integers(0, 5))):
        code = draw(codes)
        size = draw(st.integers(1, 4))
        keys = draw(st.lists(names, min_size=size, max_size=size))
        vals = draw(st.lists(values | log_texts, min_size=size, max_size=size))
        plain = draw(st.booleans())
        groups.append([(k if plain else f"{code}-{k}", v) for k, v in zip(keys, vals, strict=True)])
    return groups


@st.composite
def packets(draw: st.DrawFn) -> Packet:
    flag = draw(st.none() | st.integers(0, 255))
    pnum = pno = None
    if flag is not None and flag & 2:
        pnum = draw(st.integers(1, 9999))
        pno = draw(st.integers(1, pnum))
    return Packet(
        st=draw(header_values),
        cn=draw(header_values),
        pw=draw(header_values),
        mn=draw(header_values),
        qn=draw(st.none() | header_values),
        flag=flag,
        pnum=pnum,
        pno=pno,
        cp=CP(draw(cp_groups())),
    )


@SETTINGS
@given(packets())
def test_encode_then_decode_is_the_identity(packet: Packet) -> None:
    try:
        frame = encode_packet(packet)
    except EncodeError:
        assume(False)
        raise
    event = decode_frame(frame)
    assert event.ok, event
    assert event.packet == packet
    assert event.raw == frame


@SETTINGS
@given(st.lists(packets(), min_size=1, max_size=4), st.data())
def test_packets_survive_junk_and_any_read_sizes(
    packets_: list[Packet], data: st.DataObject
) -> None:
    frames = []
    for packet in packets_:
        try:
            frames.append(encode_packet(packet))
        except EncodeError:
            assume(False)
    junk = st.binary(max_size=20).map(lambda b: b.replace(b"#", b""))
    stream = b"".join(data.draw(junk) + frame for frame in frames) + data.draw(junk)
    cuts = sorted(data.draw(st.lists(st.integers(1, len(stream) - 1), max_size=6)))
    decoder = Decoder()
    events: list[Event] = []
    for lo, hi in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        if hi > lo:
            events += decoder.receive_data(stream[lo:hi])
    events += decoder.receive_data(b"")
    assert [e.packet for e in events if e.ok] == packets_
    assert all(e.ok for e in events)


@SETTINGS
@given(
    st.binary(max_size=600),
    st.lists(st.integers(1, 97), max_size=12),
    st.integers(64, 400),
    st.booleans(),
)
def test_random_bytes_never_raise_and_the_buffer_stays_bounded(
    data: bytes, sizes: list[int], max_buffer: int, lenient: bool
) -> None:
    decoder = Decoder(lenient=lenient, max_buffer=max_buffer)
    pos = 0
    for size in [*sizes, len(data)]:
        chunk = data[pos : pos + size]
        pos += size
        if chunk:
            for event in decoder.receive_data(chunk):
                assert event.raw.startswith(b"##")
            assert decoder.buffered < max_buffer
    decoder.receive_data(b"")
    assert decoder.buffered <= 1


CORPUS = b"".join(s.frame for s in load_samples()[:20])


@SETTINGS
@given(st.data())
def test_mutated_frames_never_raise(data: st.DataObject) -> None:
    stream = bytearray(CORPUS)
    for _ in range(data.draw(st.integers(1, 12))):
        at = data.draw(st.integers(0, len(stream) - 1))
        action = data.draw(st.sampled_from(["flip", "insert", "delete", "hash", "crlf"]))
        if action == "flip":
            stream[at] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "insert":
            stream[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del stream[at : at + data.draw(st.integers(1, 8))]
        elif action == "hash":
            stream[at:at] = b"##"
        else:
            stream[at:at] = b"\r\n"
    for lenient in (False, True):
        events = decode_stream(bytes(stream), lenient=lenient)
        offsets = [e.offset for e in events]
        assert offsets == sorted(set(offsets))
        for event in events:
            assert stream[event.offset : event.offset + len(event.raw)] == event.raw
            if event.ok:
                assert decode_frame(event.raw, lenient=lenient).ok


@SETTINGS
@given(st.lists(st.text(st.sampled_from("ab=;, -/x"), max_size=8), max_size=8))
def test_cp_fast_and_careful_parsers_agree(parts: list[str]) -> None:
    body = "".join(parts).replace("//", "/")
    for strict in (False, True):
        try:
            fast = _parse_cp(body, strict)
        except ValueError:
            fast = None
        try:
            slow = _parse_cp_slow(body, strict) if body else []
        except ValueError:
            slow = None
        assert fast == slow
