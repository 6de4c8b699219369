"""Stream framing: junk, split reads, packets stuck together, resynchronisation, bounds."""

from __future__ import annotations

import random

import pytest

from qingshan.hj212 import (
    Decoder,
    ErrorCode,
    Event,
    FrameWarning,
    decode_frame,
    decode_stream,
    encode_frame,
    hj212_crc16,
)

GOOD = (
    b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;"
    b"MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
)
SEGMENT = GOOD[6:-6]
JUNK = [b"", b"junk", b"\r\n", b"\x00\xff garbage \x80", b"AT+CSQ\r\nOK\r\n", b" \n"]


def _summary(events: list[Event]) -> list[tuple[object, ...]]:
    return [(e.offset, e.ok, e.error, e.warnings, e.raw, e.packet) for e in events]


def _feed(decoder: Decoder, pieces: list[bytes]) -> list[Event]:
    events: list[Event] = []
    for piece in pieces:
        if piece:
            events += decoder.receive_data(piece)
            assert decoder.buffered < decoder.max_buffer
    return events + decoder.receive_data(b"")


@pytest.fixture(scope="module")
def noisy_stream(corpus: bytes) -> bytes:
    """The corpus with junk between (and before and after) frames."""
    rnd = random.Random(212)
    frames = corpus.split(b"\r\n##")
    parts = [rnd.choice(JUNK)]
    for i, frame in enumerate(frames):
        head = b"" if i == 0 else b"##"
        tail = b"" if i == len(frames) - 1 else b"\r\n"
        parts += [head + frame + tail, rnd.choice(JUNK)]
    return b"".join(parts)


@pytest.mark.parametrize("lenient", [False, True], ids=["strict", "lenient"])
def test_split_at_every_offset_gives_the_same_frames(noisy_stream: bytes, lenient: bool) -> None:
    """Cut the stream in two at every byte offset; the frames must not change.

    Decoding the whole 25 kB stream for each of its offsets would take minutes, so each
    cut is checked on the frames around it: from the start of the frame (or junk) the cut
    falls in, to the end of the frame after it. That window, decoded whole, must itself
    give exactly the reference frames (the decoder keeps no state across a frame
    boundary), so nothing is lost by this."""
    reference = _summary(decode_stream(noisy_stream, lenient=lenient))
    assert len(reference) == 55
    starts = [0] + [int(str(e[0])) for e in reference[1:]] + [len(noisy_stream)]
    windows: dict[int, tuple[int, int, list[tuple[object, ...]]]] = {}
    frame = 0
    for cut in range(1, len(noisy_stream)):
        while cut >= starts[frame + 1]:
            frame += 1
        if frame not in windows:
            lo, hi = starts[frame], starts[min(frame + 2, len(starts) - 1)]
            expected = [
                (int(str(e[0])) - lo, *e[1:]) for e in reference if lo <= int(str(e[0])) < hi
            ]
            assert _summary(decode_stream(noisy_stream[lo:hi], lenient=lenient)) == expected
            windows[frame] = (lo, hi, expected)
        lo, hi, expected = windows[frame]
        pieces = [noisy_stream[lo:cut], noisy_stream[cut:hi]]
        assert _summary(_feed(Decoder(lenient=lenient), pieces)) == expected, cut


@pytest.mark.parametrize("lenient", [False, True], ids=["strict", "lenient"])
def test_byte_by_byte_and_random_reads(noisy_stream: bytes, lenient: bool) -> None:
    reference = _summary(decode_stream(noisy_stream, lenient=lenient))
    one_by_one = [noisy_stream[i : i + 1] for i in range(len(noisy_stream))]
    assert _summary(_feed(Decoder(lenient=lenient), one_by_one)) == reference
    rnd = random.Random(7)
    for _ in range(20):
        pieces, pos = [], 0
        while pos < len(noisy_stream):
            size = rnd.choice((1, 2, 3, 7, 64, 500, 1460, 4096))
            pieces.append(noisy_stream[pos : pos + size])
            pos += size
        assert _summary(_feed(Decoder(lenient=lenient), pieces)) == reference


def test_offsets_count_junk_and_survive_buffer_trimming() -> None:
    decoder = Decoder()
    events = decoder.receive_data(b"xx" + GOOD + b"yyy")
    events += decoder.receive_data(GOOD[:50])
    events += decoder.receive_data(GOOD[50:] + b"z")
    events += decoder.receive_data(b"")
    assert [e.offset for e in events] == [2, 2 + len(GOOD) + 3]
    assert all(e.ok for e in events)
    assert decoder.junk_bytes == 2 + 3 + 1


def test_several_packets_in_one_read() -> None:
    events = Decoder().receive_data(GOOD * 5)
    assert [e.offset for e in events] == [i * len(GOOD) for i in range(5)]


def test_a_bad_frame_never_hides_the_next_one() -> None:
    # Declared length far too long: the decoder must not swallow the good frame after it.
    bad = b"##0900" + SEGMENT + b"1C80\r\n"
    events = decode_stream(bad + GOOD)
    assert [(e.ok, e.error) for e in events] == [(False, ErrorCode.BAD_LENGTH), (True, None)]
    assert events[1].offset == len(bad)
    # Same without CR LF between them: the next "##" ends the bad frame.
    events = decode_stream(b"##0900" + SEGMENT + b"1C80" + GOOD)
    assert [(e.ok, e.error) for e in events] == [(False, ErrorCode.BAD_LENGTH), (True, None)]
    # A header with garbage instead of a length, then a good frame.
    events = decode_stream(b"##xy" + GOOD)
    assert [(e.ok, e.error) for e in events] == [(False, ErrorCode.BAD_FRAME), (True, None)]
    assert events[0].raw == b"##"


def test_good_frame_is_delivered_without_waiting_for_more_data() -> None:
    decoder = Decoder()
    assert [e.ok for e in decoder.receive_data(GOOD)] == [True]
    assert decoder.buffered == 0


def test_triple_hash_is_resynchronised_silently() -> None:
    events = decode_stream(b"#" + GOOD)
    assert [(e.ok, e.offset) for e in events] == [(True, 1)]
    events = decode_stream(b"###" + GOOD[2:])
    assert [(e.ok, e.offset) for e in events] == [(True, 1)]


def test_trailing_hash_waits_for_the_next_read() -> None:
    decoder = Decoder()
    assert decoder.receive_data(b"noise#") == []
    assert decoder.buffered == 1
    assert [e.ok for e in decoder.receive_data(GOOD[1:])] == [True]


def test_end_of_stream_flushes_a_truncated_frame() -> None:
    decoder = Decoder()
    assert decoder.receive_data(GOOD[:60]) == []
    [event] = decoder.receive_data(b"")
    assert event.error is ErrorCode.BAD_LENGTH
    assert event.raw == GOOD[:60]
    with pytest.raises(RuntimeError):
        decoder.receive_data(GOOD)


def test_end_of_stream_inside_the_length_field() -> None:
    assert [e.error for e in decode_stream(b"##01")] == [ErrorCode.BAD_LENGTH]
    assert [e.error for e in decode_stream(b"##")] == [ErrorCode.BAD_FRAME]
    assert [e.error for e in decode_stream(b"#")] == []


def test_length_not_four_digits() -> None:
    [event] = decode_stream(b"##81" + SEGMENT + b"1C80\r\n")
    assert event.error is ErrorCode.BAD_LENGTH
    assert event.packet is not None and event.packet.cn == "1062"


def test_missing_crc_field() -> None:
    [event] = decode_stream(b"##0101" + SEGMENT + b"\r\n")
    assert (event.error, event.message) == (ErrorCode.BAD_CRC, "no CRC field")


def test_crc_that_is_not_hex_at_the_declared_place() -> None:
    [event] = decode_stream(b"##0101" + SEGMENT[:-2] + b"&&&&ZZZZ\r\n")
    assert event.error is ErrorCode.BAD_LENGTH


def test_wrong_crc_with_correct_length() -> None:
    [event] = decode_stream(GOOD.replace(b"1C80", b"1C81"))
    assert event.error is ErrorCode.BAD_CRC
    assert "1C80" in event.message
    assert event.packet is not None and event.packet.qn == "20160801085857223"


def test_lower_case_crc_is_fine_in_strict_mode() -> None:
    event = decode_frame(GOOD.replace(b"1C80", b"1c80"))
    assert event.ok and event.warnings == ()


@pytest.mark.parametrize(
    ("trailer", "consumed"), [(b"", 0), (b"\n", 1), (b"\r", 1), (b"\rX", 1), (b"X", 0)]
)
def test_missing_crlf(trailer: bytes, consumed: int) -> None:
    frame = GOOD[:-2] + trailer
    strict = decode_stream(frame)
    assert strict[0].error is ErrorCode.BAD_FRAME
    lenient = decode_stream(frame, lenient=True)
    assert lenient[0].ok
    assert lenient[0].warnings == (FrameWarning.NO_CRLF,)
    assert lenient[0].raw == GOOD[:-2] + trailer[:consumed]


def test_missing_crlf_between_frames() -> None:
    events = decode_stream((GOOD[:-2]) * 3, lenient=True)
    assert [(e.ok, e.offset) for e in events] == [(True, i * (len(GOOD) - 2)) for i in range(3)]


def test_lone_cr_waits_for_the_next_byte() -> None:
    decoder = Decoder(lenient=True)
    assert decoder.receive_data(GOOD[:-1]) == []
    [event] = decoder.receive_data(b"\n")
    assert event.ok and event.warnings == ()


def test_three_digit_crc() -> None:
    segment = b"QN=1;ST=32;CN=2011;PW=1;MN=1;Flag=4;CP=&&a=1&&"
    crc = hj212_crc16(segment)
    for tail in range(1000):
        # find a variant of the segment whose CRC has a leading zero digit
        candidate = segment.replace(b"a=1", b"a=%d" % tail)
        crc = hj212_crc16(candidate)
        if crc < 0x1000:
            break
    frame = b"##%04d%b%X\r\n" % (len(candidate), candidate, crc)
    assert decode_stream(frame)[0].error is ErrorCode.BAD_CRC
    [event] = decode_stream(frame, lenient=True)
    assert event.ok and event.warnings == (FrameWarning.CRC_3_DIGITS,)


LOG_SEGMENT = (
    "QN=20160801085857223;ST=32;CN=3020;PW=123456;MN=010000A8900016F000169DC0;Flag=5;"
    "CP=&&DataTime=20100301145000;PolId=w01018;i11001-Info=//清洗管路//&&"
)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_length_counted_in_characters(encoding: str) -> None:
    data = LOG_SEGMENT.encode(encoding)
    frame = b"##%04d%b%04X\r\n" % (len(LOG_SEGMENT), data, hj212_crc16(data))
    assert decode_stream(frame)[0].error is ErrorCode.BAD_LENGTH
    [event] = decode_stream(frame, lenient=True)
    assert event.ok
    expected = [FrameWarning.LENGTH_CHARS]
    if encoding == "gbk":
        expected.append(FrameWarning.GBK)
    assert list(event.warnings) == expected
    assert event.packet.cp.factor("i11001") == {"Info": "//清洗管路//"}


def test_length_in_characters_but_crc_wrong_is_a_length_error() -> None:
    data = LOG_SEGMENT.encode()
    frame = b"##%04d%b0000\r\n" % (len(LOG_SEGMENT), data)
    assert decode_stream(frame, lenient=True)[0].error is ErrorCode.BAD_LENGTH


def test_gbk_text() -> None:
    frame = encode_frame(LOG_SEGMENT.encode("gbk"))
    [strict] = decode_stream(frame)
    assert strict.error is ErrorCode.BAD_SEGMENT
    assert strict.warnings == (FrameWarning.GBK,)
    [event] = decode_stream(frame, lenient=True)
    assert event.ok and event.warnings == (FrameWarning.GBK,)
    assert event.packet.cp.get("i11001-Info") == "//清洗管路//"


def test_text_that_is_neither_utf8_nor_gbk() -> None:
    segment = b"ST=32;CN=2011;PW=1;MN=1;CP=&&x=\xff\xff&&"
    [event] = decode_stream(encode_frame(segment), lenient=True)
    assert event.error is ErrorCode.BAD_SEGMENT
    assert event.packet is not None  # read with replacement characters for the report


def test_segment_without_cp_is_a_segment_error() -> None:
    [event] = decode_stream(encode_frame(b"ST=32;CN=2011;PW=1;MN=1"))
    assert event.error is ErrorCode.BAD_SEGMENT
    assert event.packet is None


def test_oversize_segment() -> None:
    segment = "ST=32;CN=2011;PW=1;MN=1;CP=&&" + ";".join(f"a{i:05d}-Rtd=1" for i in range(90))
    frame = encode_frame(segment + "&&", oversize_ok=True)
    [strict] = decode_stream(frame)
    assert strict.error is ErrorCode.TOO_LONG
    [lenient] = decode_stream(frame, lenient=True)
    assert lenient.ok and lenient.warnings == (FrameWarning.OVERSIZE,)


def test_frame_larger_than_the_buffer_is_too_long() -> None:
    segment = "ST=32;CN=2011;PW=1;MN=1;CP=&&" + "x=1;" * 40 + "y=2&&"
    frame = encode_frame(segment)
    decoder = Decoder(max_buffer=64)
    events = _feed(decoder, [frame + GOOD[:10], GOOD[10:]])
    assert events[0].error is ErrorCode.TOO_LONG
    assert events[0].raw == frame[:6]
    # The decoder resynchronises on the next "##" and still gets the short frame after it.
    assert events[-1].offset == len(frame)


def test_unterminated_junk_header_is_bounded() -> None:
    decoder = Decoder(max_buffer=64)
    events = decoder.receive_data(b"##12" + b"x" * 200)
    assert [e.error for e in events] == [ErrorCode.TOO_LONG]
    assert decoder.buffered == 0
    events = decoder.receive_data(b"##12" + b"x" * 59 + b"#")
    assert [e.error for e in events] == [ErrorCode.TOO_LONG]
    assert decoder.buffered == 1  # the final "#" may start the next header


def test_max_buffer_must_hold_a_header() -> None:
    with pytest.raises(ValueError):
        Decoder(max_buffer=10)


def test_decode_frame_without_any_frame() -> None:
    event = decode_frame(b"no frame here")
    assert event.error is ErrorCode.BAD_FRAME
    assert event.offset == 0


def test_no_crlf_and_wrong_crc_is_cut_at_the_next_frame() -> None:
    bad = GOOD[:-2].replace(b"1C80", b"1C81")
    events = decode_stream(bad + GOOD, lenient=True)
    assert [(e.error, e.offset) for e in events] == [(ErrorCode.BAD_CRC, 0), (None, len(bad))]


def test_wrong_length_and_text_in_no_known_encoding() -> None:
    segment = b"ST=32;CP=&&x=\xff\xff&&"
    frame = b"##0005" + segment + b"%04X\r\n" % hj212_crc16(segment)
    [event] = decode_stream(frame, lenient=True)
    assert event.error is ErrorCode.BAD_LENGTH


def test_log_file_with_lone_lf_line_ends() -> None:
    bad = GOOD[:-2].replace(b"1C80", b"1C81") + b"\n"
    text = b"2026-01-01 rx: " + bad + b"2026-01-01 rx: " + GOOD[:-2] + b"\n"
    events = decode_stream(text, lenient=True)
    assert [(e.error, e.warnings) for e in events] == [
        (ErrorCode.BAD_CRC, ()),
        (None, (FrameWarning.NO_CRLF,)),
    ]
    assert events[0].raw == bad
    assert [e.error for e in decode_stream(b"##81\n")] == [ErrorCode.BAD_LENGTH]
