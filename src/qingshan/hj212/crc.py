"""Checksums used on HJ 212 links.

The standard's CRC (HJ 212-2017 Appendix A, "ANSI CRC16"; HJ/T 212-2005 uses the same
function) looks like CRC-16/MODBUS but shifts the register right by 8 *before* XOR-ing in
each byte, so it is a different function (hj212.md §1.1). Check values: ``b"123456789"`` →
0x2F80, empty input → 0xFFFF. CRC-16/MODBUS is here only because real devices send it by
mistake (hj212.md §8.3) and lenient decoding recognises it.
"""

from __future__ import annotations

__all__ = ["hj212_crc16", "modbus_crc16"]


def _bit_steps(value: int) -> int:
    """Eight reflected shift steps with polynomial 0xA001 (Appendix A inner loop)."""
    for _ in range(8):
        value = (value >> 1) ^ 0xA001 if value & 1 else value >> 1
    return value


# After each byte the HJ 212 register is T[(reg >> 8) ^ byte], so the next step only needs
# the register's high byte: iterate on that 8-bit state and keep every table entry a small,
# cached int. One lookup and one XOR per byte (hj212.md §1.1 "Speed-up").
_TABLE: tuple[int, ...] = tuple(_bit_steps(x) for x in range(256))
_TABLE_HIGH: tuple[int, ...] = tuple(t >> 8 for t in _TABLE)


def hj212_crc16(data: bytes | bytearray | memoryview) -> int:
    """Return the HJ 212 Appendix A CRC of ``data`` (send it as ``format(crc, "04X")``)."""
    if not data:
        return 0xFFFF
    high = _TABLE_HIGH
    state = 0xFF  # high byte of the initial register 0xFFFF
    for byte in data[:-1]:
        state = high[state ^ byte]
    return _TABLE[state ^ data[-1]]


def modbus_crc16(data: bytes | bytearray | memoryview) -> int:
    """Return the CRC-16/MODBUS of ``data`` (init 0xFFFF, reflected poly 0xA001)."""
    table = _TABLE
    reg = 0xFFFF
    for byte in data:
        reg = (reg >> 8) ^ table[(reg ^ byte) & 0xFF]
    return reg
