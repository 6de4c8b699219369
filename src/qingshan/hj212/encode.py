"""Building frames: data segment → ``##LLLL…CCCC\\r\\n``.

The length is the UTF-8 byte count of the data segment and the CRC the Appendix A CRC of
those bytes, written as four upper-case hex digits (hj212.md §1, §8.1, §8.3: always ``%04X``).
"""

from __future__ import annotations

import re

from .crc import hj212_crc16
from .decoder import MAX_SEGMENT, MAX_SEGMENT_LENIENT
from .packet import Packet, split_key

__all__ = ["EncodeError", "check_header_value", "check_packet", "encode_frame", "encode_packet"]


class EncodeError(ValueError):
    """The packet cannot be written as HJ 212 (a separator inside a value, too long, …)."""


def encode_frame(segment: str | bytes, *, oversize_ok: bool = False) -> bytes:
    """Frame a data segment. Segments over 1024 bytes (2017 §6.3.1) need ``oversize_ok``;
    nothing over 9999 bytes fits the 4-digit length field."""
    data = segment.encode("utf-8") if isinstance(segment, str) else bytes(segment)
    limit = MAX_SEGMENT_LENIENT if oversize_ok else MAX_SEGMENT
    if len(data) > limit:
        raise EncodeError(f"data segment of {len(data)} bytes exceeds {limit}")
    return b"##%04d%b%04X\r\n" % (len(data), data, hj212_crc16(data))


def encode_packet(packet: Packet, *, oversize_ok: bool = False) -> bytes:
    """Frame a :class:`Packet` with its header items in the canonical order."""
    check_packet(packet)
    return encode_frame(packet.to_segment(), oversize_ok=oversize_ok)


def check_packet(packet: Packet) -> None:
    """Raise :class:`EncodeError` if a value would break the packet's structure.

    HJ 212 has no escaping (hj212.md §2.3), so separators cannot appear inside values;
    only a log text wrapped in ``//…//`` may hold ``;``, ``,`` and ``=``.
    """
    if packet.flag is not None and not 0 <= packet.flag <= 255:
        raise EncodeError(f"Flag={packet.flag} does not fit in 8 bits")
    for name, value in packet.header_items():
        _check_name(name, header=True)
        check_header_value(name, value)
    for group in packet.cp.groups:
        for name, value in group:
            _check_name(name, header=False)
            if value.startswith("//"):
                _check_log(name, value)
            elif _BAD_CP_VALUE.search(value):
                raise EncodeError(f"value of {name} contains a separator: {value[:40]!r}")


_BAD_NAME = re.compile(r"[=;,&\r\n]|^\s|\s$|^$")
_BAD_HEADER_VALUE = re.compile(r"[;\r\n]|&&")
_BAD_CP_VALUE = re.compile(r"[;,\r\n]|&&")


def check_header_value(name: str, value: str) -> None:
    """Raise :class:`EncodeError` if ``value`` cannot be sent as a header item."""
    if _BAD_HEADER_VALUE.search(value):
        raise EncodeError(f"value of {name} contains a separator: {value[:40]!r}")


def _check_name(name: str, *, header: bool) -> None:
    if _BAD_NAME.search(name):
        raise EncodeError(f"invalid item name {name!r}")
    if header and (name == "CP" or split_key(name)[0] is not None):
        raise EncodeError(f"{name!r} cannot be a header item")


def _check_log(name: str, value: str) -> None:
    """A value starting with ``//`` is read as a log text up to the first ``//`` that is
    followed by a separator, so it must end there and nowhere earlier."""
    inner = value[2:-2]
    wrapped = len(value) >= 4 and value.endswith("//")
    if not wrapped or "//;" in inner or "//," in inner:
        raise EncodeError(f"{name}: a value starting with '//' must be one //…// text")
    if "&&" in value or "\r" in value or "\n" in value:
        raise EncodeError(f"log text of {name} contains '&&' or a line break")
