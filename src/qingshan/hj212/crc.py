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


# After each byte the HJ 212 register is T[(reg >> 8) ^ byte]: the low byte is dropped, so
# the next step only needs the register's high byte x, which moves as x' = H[x ^ byte] with
# H[v] = T[v] >> 8 (hj212.md §1.1 "Speed-up": one 256-entry table lookup per byte).
_TABLE: tuple[int, ...] = tuple(_bit_steps(x) for x in range(256))
_TABLE_HIGH: tuple[int, ...] = tuple(t >> 8 for t in _TABLE)


def _powers() -> tuple[tuple[int, ...], ...]:
    """``_POW[k][v]`` = H applied k times to v, for k = 0..7."""
    powers = [tuple(range(256))]
    for _ in range(7):
        powers.append(tuple(_TABLE_HIGH[v] for v in powers[-1]))
    # H is linear over GF(2) and H^8 is the identity; the lane form below relies on both.
    assert tuple(_TABLE_HIGH[v] for v in powers[-1]) == powers[0]
    return tuple(powers)


_POW = _powers()


def hj212_crc16(data: bytes | bytearray | memoryview) -> int:
    """Return the HJ 212 Appendix A CRC of ``data`` (send it as ``format(crc, "04X")``).

    Computed without a per-byte Python loop. H (above) is linear and H^8 = I, so unrolling
    x' = H[x ^ byte] gives: the last state is the XOR of H^((n-1-i) mod 8)(byte i) over all
    bytes, plus H^((n-1) mod 8)(0xFF) for the initial register. Bytes whose positions agree
    mod 8 share a power of H, so they can be XOR-ed together first: XOR-folding the data as
    little-endian 64-bit words (big-int arithmetic, done in C) gives those 8 lane sums, and
    8 table lookups finish the job. (It also shows how weak this CRC is: swapping two bytes
    8 positions apart goes undetected.) ``_hj212_crc16_bytewise`` is the plain form.
    """
    size = len(data)
    if not size:
        return 0xFFFF
    lanes = int.from_bytes(data, "little")
    words = (size + 7) >> 3
    while words > 1:
        half = (words + 1) >> 1
        bits = half << 6
        lanes = (lanes >> bits) ^ (lanes & ((1 << bits) - 1))
        words = half
    m = size - 1
    p = _POW
    state = (
        p[m & 7][0xFF]
        ^ p[m & 7][lanes & 0xFF]
        ^ p[(m - 1) & 7][(lanes >> 8) & 0xFF]
        ^ p[(m - 2) & 7][(lanes >> 16) & 0xFF]
        ^ p[(m - 3) & 7][(lanes >> 24) & 0xFF]
        ^ p[(m - 4) & 7][(lanes >> 32) & 0xFF]
        ^ p[(m - 5) & 7][(lanes >> 40) & 0xFF]
        ^ p[(m - 6) & 7][(lanes >> 48) & 0xFF]
        ^ p[(m - 7) & 7][lanes >> 56]
    )
    return _TABLE[state]


def _hj212_crc16_bytewise(data: bytes | bytearray | memoryview) -> int:
    """The same CRC, one table lookup per byte (the reference for tests)."""
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
