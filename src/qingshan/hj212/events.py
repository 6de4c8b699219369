"""What the decoder reports: a :class:`Frame` for each packet, a :class:`FrameError` for each
frame it had to reject. Errors are values, never exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from .packet import Packet

__all__ = ["ErrorCode", "Event", "Frame", "FrameError", "FrameWarning"]


class ErrorCode(StrEnum):
    """Why a frame was rejected. The values are stable: logs and dashboards count them."""

    #: ``##`` not followed by a length, or no CR LF after a frame (strict mode).
    BAD_FRAME = "bad-frame"
    #: Length field not 4 digits, or it does not match the data segment.
    BAD_LENGTH = "bad-length"
    #: CRC field missing, malformed, or not the CRC of the data segment.
    BAD_CRC = "bad-crc"
    #: Framing and CRC fine, but the data segment cannot be read (no CP, bad Flag, …).
    BAD_SEGMENT = "bad-segment"
    #: Data segment over 1024 bytes (strict), or a frame larger than the decoder's buffer.
    TOO_LONG = "too-long"


class FrameWarning(StrEnum):
    """A deviation from the standard that lenient mode accepted (hj212.md §8)."""

    #: The length field counts characters instead of bytes (§8.1).
    LENGTH_CHARS = "length-chars"
    #: The CRC is plain CRC-16/MODBUS (§8.3).
    CRC_MODBUS = "crc-modbus"
    #: The CRC is CRC-16/MODBUS with its two bytes swapped (§8.3).
    CRC_MODBUS_SWAPPED = "crc-modbus-swapped"
    #: The CRC has 3 hex digits: its leading zero was dropped (§8.3).
    CRC_3_DIGITS = "crc-3-digits"
    #: The frame does not end with CR LF (§8.4).
    NO_CRLF = "no-crlf"
    #: The data segment is over the 1024 bytes the standard allows (§1, §8.4).
    OVERSIZE = "oversize"
    #: The data segment is not UTF-8 and was read as GBK/GB 18030 (§8.7).
    GBK = "gbk"


@dataclass(slots=True)
class Frame:
    """A packet that passed the frame checks. ``offset`` is the stream offset of its ``##``."""

    offset: int
    raw: bytes
    packet: Packet
    warnings: tuple[FrameWarning, ...] = ()

    ok: ClassVar[bool] = True
    error: ClassVar[None] = None


@dataclass(slots=True)
class FrameError:
    """A rejected frame: why, where (offset of its ``##``), the bytes, and whatever part of
    the packet could still be read (``packet`` is ``None`` when nothing could)."""

    offset: int
    code: ErrorCode
    message: str
    raw: bytes
    packet: Packet | None = None
    warnings: tuple[FrameWarning, ...] = ()

    ok: ClassVar[bool] = False

    @property
    def error(self) -> ErrorCode:
        """Same as ``code``; lets callers treat both event types alike."""
        return self.code


Event = Frame | FrameError
