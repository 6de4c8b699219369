"""Sans-I/O stream decoder: bytes in, :class:`Frame` / :class:`FrameError` events out.

Frame layout (HJ 212-2017 §6.3.1, same in 2005): ``##`` + 4-digit decimal length of the data
segment + data segment + 4 hex digits of the Appendix A CRC of the data segment + CR LF.

TCP gives a byte stream, so the decoder finds frames itself (hj212.md §8.5, §11.1): it skips
junk up to ``##``, reads the length, and checks that the CRC and CR LF sit where the length
says. When they do not, it delimits the frame by the first CR LF (or the next ``##``) instead
and reports why. A bad frame never swallows the next one: a fallback frame never extends past
the next ``##``, and a frame is only ever taken whole when its CRC and trailer fit.

Every decision depends only on the bytes of the stream (and on whether it has ended), never on
how they were split into reads, so feeding a stream byte by byte gives the same events as
feeding it at once. The buffer never holds more than ``max_buffer`` bytes between calls.
"""

from __future__ import annotations

import re

from .crc import hj212_crc16, modbus_crc16
from .events import ErrorCode, Event, Frame, FrameError, FrameWarning
from .packet import Packet, SegmentError, parse_segment

__all__ = ["MAX_SEGMENT", "MAX_SEGMENT_LENIENT", "Decoder", "decode_frame", "decode_stream"]

#: HJ 212-2017 §6.3.1 and HJ/T 212-2005: data segment 0 ≤ n ≤ 1024.
MAX_SEGMENT = 1024
#: What four length digits can say; real devices send 1025-1703 byte segments (hj212.md §8.4).
MAX_SEGMENT_LENIENT = 9999

_HEX4 = re.compile(rb"[0-9A-Fa-f]{4}")
_HEX3 = re.compile(rb"[0-9A-Fa-f]{3}")
_HASH = 0x23  # "#"
_CR = 0x0D
_LF = 0x0A


class _NeedMore(Exception):
    """The frame at hand cannot be decided until more bytes (or the end) arrive."""


class Decoder:
    """Turns a byte stream from one connection into frame events.

    ``receive_data(chunk)`` takes the bytes of one read and returns the events completed by
    it; ``receive_data(b"")`` says the stream has ended and flushes what is left.
    ``lenient=True`` accepts the deviations real devices show, each with a
    :class:`FrameWarning` on the frame.
    """

    def __init__(self, *, lenient: bool = False, max_buffer: int = 16384) -> None:
        if max_buffer < 64:
            raise ValueError("max_buffer must be at least 64 bytes")
        self.lenient = lenient
        self.max_buffer = max_buffer
        #: Bytes skipped outside any frame (line noise, modem chatter, stray CR LF).
        self.junk_bytes = 0
        self._buf = bytearray()
        self._base = 0  # stream offset of self._buf[0]
        self._eof = False
        self._events: list[Event] = []

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a frame (always < ``max_buffer``)."""
        return len(self._buf)

    def receive_data(self, data: bytes) -> list[Event]:
        """Feed the next bytes of the stream; ``b""`` marks its end. Returns new events."""
        if self._eof:
            raise RuntimeError("receive_data() called after the end of the stream")
        if data:
            self._buf += data
        else:
            self._eof = True
        pos = 0
        while True:
            try:
                new_pos = self._step(pos)
            except _NeedMore:
                break
            if new_pos is None:
                break
            pos = new_pos
        del self._buf[:pos]
        self._base += pos
        events, self._events = self._events, []
        return events

    # -- framing -------------------------------------------------------------------------

    def _step(self, pos: int) -> int | None:
        """Decide the frame at or after ``pos``; return where to continue, None when done."""
        buf = self._buf
        start = buf.find(b"##", pos)
        if start < 0:
            # Junk only. Keep a final "#": it may be the first half of the next "##".
            keep = len(buf) - 1 if buf.endswith(b"#") and not self._eof else len(buf)
            self.junk_bytes += max(keep - pos, 0)
            return keep if keep > pos else None
        self.junk_bytes += start - pos
        if start + 2 < len(buf) and buf[start + 2] == _HASH:
            self.junk_bytes += 1
            return start + 1  # "###…": the real header starts one byte later
        return self._frame(start)

    def _window(self, start: int) -> tuple[int, bool]:
        """End of the bytes usable for the frame at ``start``, and whether more can come."""
        limit = start + self.max_buffer
        return min(len(self._buf), limit), self._eof or len(self._buf) >= limit

    def _frame(self, start: int) -> int:
        buf = self._buf
        avail, final = self._window(start)
        head = bytes(buf[start + 2 : min(start + 6, avail)])
        if len(head) == 4 and head.isdigit():
            return self._declared(start, int(head), avail, final)
        digits = len(head) - len(head.lstrip(b"0123456789"))
        if digits == len(head) and not final:
            raise _NeedMore
        if digits == 0:
            message = "'##' not followed by a length"
            return self._error(start, start + 2, ErrorCode.BAD_FRAME, message)
        # "##81QN=…": length not zero-padded (hj212.md §8.4). Frame it by CR LF to report it.
        return self._fallback(start, start + 2 + digits, None, avail, final)

    def _declared(self, start: int, length: int, avail: int, final: bool) -> int:
        """Frame at ``start`` whose length field says ``length``."""
        buf = self._buf
        body = start + 6
        crc_end = body + length + 4
        if crc_end + 2 > start + self.max_buffer:
            message = f"length {length} does not fit the decoder buffer ({self.max_buffer} bytes)"
            return self._error(start, start + 6, ErrorCode.TOO_LONG, message)
        crlf = buf.find(b"\r\n", body, min(crc_end + 2, avail))
        if 0 <= crlf < crc_end:
            return self._fallback(start, body, length, avail, final)
        # Decide once the trailer is visible: CR LF, a lone LF, or anything else.
        trailer_unseen = avail < crc_end + 1 or (avail == crc_end + 1 and buf[crc_end] == _CR)
        if crlf < 0 and not final and trailer_unseen:
            raise _NeedMore
        if avail < crc_end:
            return self._fallback(start, body, length, avail, final)
        crc_text = bytes(buf[crc_end - 4 : crc_end])
        segment = bytes(buf[body : crc_end - 4])
        if _HEX4.fullmatch(crc_text) is None:
            return self._fallback(start, body, length, avail, final)
        if crlf == crc_end:
            return self._checked(start, crc_end + 2, segment, crc_text, [])
        # No CR LF after the CRC: the length is only trusted if the CRC is right there.
        if not _crc_match(segment, crc_text)[0]:
            return self._fallback(start, body, length, avail, final)
        end = crc_end + 1 if crc_end < avail and buf[crc_end] in (_CR, _LF) else crc_end
        return self._checked(start, end, segment, crc_text, [FrameWarning.NO_CRLF])

    def _fallback(self, start: int, body: int, length: int | None, avail: int, final: bool) -> int:
        """The length field is unusable: delimit the frame by its first line end (CR LF, or
        a lone LF as in log files) or the next ``##``, whichever comes first, then work out
        what is wrong with it."""
        buf = self._buf
        lf = buf.find(b"\n", body, avail)
        nxt = buf.find(b"##", start + 2, lf if lf >= 0 else avail)
        warnings = [FrameWarning.NO_CRLF]
        if nxt >= 0:
            stop = end = nxt
        elif lf >= 0:
            stop, end = lf, lf + 1
            if lf > body and buf[lf - 1] == _CR:
                stop, warnings = lf - 1, []
        elif not final:
            raise _NeedMore
        elif not self._eof:
            keep = avail - 1 if buf[avail - 1] == _HASH else avail
            message = f"no end of frame within {self.max_buffer} bytes"
            return self._error(start, keep, ErrorCode.TOO_LONG, message)
        else:
            stop = end = avail
        segment, crc_text = _split_crc(bytes(buf[body:stop]))
        if length is None:
            message = "length field is not 4 decimal digits"
            return self._error(start, end, ErrorCode.BAD_LENGTH, message, segment)
        if crc_text is None:
            if len(segment) == length:
                return self._error(start, end, ErrorCode.BAD_CRC, "no CRC field", segment)
            return self._error(
                start, end, ErrorCode.BAD_LENGTH, _length_message(length, segment), segment
            )
        if len(segment) != length:
            if self._char_count(segment) != length or not _crc_match(segment, crc_text)[0]:
                return self._error(
                    start, end, ErrorCode.BAD_LENGTH, _length_message(length, segment), segment
                )
            warnings.append(FrameWarning.LENGTH_CHARS)
        if len(crc_text) == 3:
            warnings.append(FrameWarning.CRC_3_DIGITS)
        return self._checked(start, end, segment, crc_text, warnings)

    # -- checks on a delimited frame -----------------------------------------------------

    def _checked(
        self, start: int, end: int, segment: bytes, crc_text: bytes, warnings: list[FrameWarning]
    ) -> int:
        """Frame bounds are known: check the CRC, size, text encoding and segment.

        Every deviation becomes a warning; strict mode then rejects the frame with the
        error code of its first warning, lenient mode accepts it."""
        matched, variant = _crc_match(segment, crc_text)
        if not matched:
            sent = crc_text.decode("ascii")
            message = f"CRC {sent} sent, {hj212_crc16(segment):04X} computed (HJ 212 Appendix A)"
            return self._error(start, end, ErrorCode.BAD_CRC, message, segment)
        if variant is not None:
            warnings.append(variant)
        if len(segment) > MAX_SEGMENT:
            warnings.append(FrameWarning.OVERSIZE)
        try:
            text = segment.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = segment.decode("gb18030")
            except UnicodeDecodeError:
                message = "data segment is neither UTF-8 nor GBK text"
                return self._error(start, end, ErrorCode.BAD_SEGMENT, message, segment, warnings)
            warnings.append(FrameWarning.GBK)
        if warnings and not self.lenient:
            code, message = _STRICT[warnings[0]]
            return self._error(start, end, code, message, segment, warnings)
        try:
            packet = parse_segment(text, strict=not self.lenient)
        except SegmentError as exc:
            return self._error(start, end, ErrorCode.BAD_SEGMENT, str(exc), segment, warnings)
        raw = bytes(self._buf[start:end])
        self._events.append(Frame(self._base + start, raw, packet, tuple(warnings)))
        return end

    def _char_count(self, segment: bytes) -> int | None:
        """Length in characters, for devices that count characters (hj212.md §8.1)."""
        for encoding in ("utf-8", "gb18030"):
            try:
                return len(segment.decode(encoding))
            except UnicodeDecodeError:
                continue
        return None

    def _error(
        self,
        start: int,
        end: int,
        code: ErrorCode,
        message: str,
        segment: bytes | None = None,
        warnings: list[FrameWarning] | None = None,
    ) -> int:
        """Report a rejected frame with whatever of its packet can still be read."""
        packet = None if segment is None else _salvage(segment)
        raw = bytes(self._buf[start:end])
        self._events.append(
            FrameError(self._base + start, code, message, raw, packet, tuple(warnings or ()))
        )
        return end


# Strict mode turns the first deviation into an error (HJ 212-2017 §6.3.1, Appendix A).
_STRICT: dict[FrameWarning, tuple[ErrorCode, str]] = {
    FrameWarning.NO_CRLF: (ErrorCode.BAD_FRAME, "frame does not end with CR LF"),
    FrameWarning.LENGTH_CHARS: (ErrorCode.BAD_LENGTH, "length field counts characters, not bytes"),
    FrameWarning.CRC_3_DIGITS: (ErrorCode.BAD_CRC, "CRC field has 3 hex digits, not 4"),
    FrameWarning.CRC_MODBUS: (ErrorCode.BAD_CRC, "CRC is CRC-16/MODBUS, not the HJ 212 CRC"),
    FrameWarning.CRC_MODBUS_SWAPPED: (
        ErrorCode.BAD_CRC,
        "CRC is CRC-16/MODBUS with its bytes swapped, not the HJ 212 CRC",
    ),
    FrameWarning.OVERSIZE: (ErrorCode.TOO_LONG, f"data segment exceeds {MAX_SEGMENT} bytes"),
    FrameWarning.GBK: (ErrorCode.BAD_SEGMENT, "data segment is GBK text, not UTF-8"),
}


def _crc_match(segment: bytes, crc_text: bytes) -> tuple[bool, FrameWarning | None]:
    """Whether the CRC sent matches, and the warning if it is a variant real devices send
    (hj212.md §8.3) rather than the HJ 212 Appendix A CRC."""
    sent = int(crc_text, 16)
    if sent == hj212_crc16(segment):
        return True, None
    modbus = modbus_crc16(segment)
    if sent == modbus:
        return True, FrameWarning.CRC_MODBUS
    if sent == ((modbus & 0xFF) << 8 | modbus >> 8):
        return True, FrameWarning.CRC_MODBUS_SWAPPED
    return False, None


def _salvage(segment: bytes) -> Packet | None:
    """Best-effort reading of a rejected frame's segment, for the error report."""
    try:
        return parse_segment(segment.decode("utf-8", errors="replace"))
    except SegmentError:
        return None


def _split_crc(raw_body: bytes) -> tuple[bytes, bytes | None]:
    """Split ``segment + CRC`` where the CRC is 4 (or, from buggy senders, 3) hex digits."""
    if _HEX4.fullmatch(raw_body[-4:]) and raw_body[-6:-4] == b"&&":
        return raw_body[:-4], raw_body[-4:]
    if _HEX3.fullmatch(raw_body[-3:]) and raw_body[-5:-3] == b"&&":
        return raw_body[:-3], raw_body[-3:]
    if _HEX4.fullmatch(raw_body[-4:]):
        return raw_body[:-4], raw_body[-4:]
    return raw_body, None


def _length_message(length: int, segment: bytes) -> str:
    return f"length field says {length}, the data segment has {len(segment)} bytes"


# Room for the longest frame even when its length counts 3-byte characters (§8.1).
_WHOLE_STREAM_BUFFER = 4 * (MAX_SEGMENT_LENIENT + 12)


def decode_stream(data: bytes, *, lenient: bool = False) -> list[Event]:
    """All events of a complete byte stream (a capture file, a log)."""
    decoder = Decoder(lenient=lenient, max_buffer=_WHOLE_STREAM_BUFFER)
    return decoder.receive_data(data) + decoder.receive_data(b"")


def decode_frame(data: bytes, *, lenient: bool = False) -> Event:
    """Decode one framed packet (``##…\\r\\n``). Returns its event, or a ``bad-frame`` error
    if ``data`` holds no frame; extra frames after the first are ignored."""
    events = decode_stream(data, lenient=lenient)
    if events:
        return events[0]
    return FrameError(0, ErrorCode.BAD_FRAME, "no '##' frame header found", bytes(data))
