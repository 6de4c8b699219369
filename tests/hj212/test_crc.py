"""The HJ 212 Appendix A CRC and the Modbus CRC real devices send by mistake (hj212.md §1.1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.hj212 import hj212_crc16, modbus_crc16
from qingshan.hj212.crc import _hj212_crc16_bytewise


def appendix_a(data: bytes) -> int:
    """The standard's algorithm, bit by bit, as written in hj212.md §1.1."""
    reg = 0xFFFF
    for byte in data:
        reg = (reg >> 8) ^ byte
        for _ in range(8):
            lsb = reg & 1
            reg >>= 1
            if lsb:
                reg ^= 0xA001
    return reg


CHECK_VALUES = [
    (b"123456789", 0x2F80),
    (b"", 0xFFFF),
    (
        b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
        b"Flag=5;CP=&&RtdInterval=30&&",
        0x1C80,
    ),
    (
        b"QN=20160801085857223;ST=23;CN=2011;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=5;CP=&&DataTime=20160801085857; LA-Rtd=50.1&&",
        0x1E00,
    ),
    (
        "QN=20160801085857223;ST=32;CN=3020;PW=123456;MN=010000A8900016F000169DC0;Flag=5;"
        "CP=&&DataTime=20100301145000;PolId=w01018;i11001-Info=//清洗管路//&&".encode(),
        0x9741,
    ),
]


@pytest.mark.parametrize(("data", "crc"), CHECK_VALUES)
def test_check_values(data: bytes, crc: int) -> None:
    assert hj212_crc16(data) == crc
    assert _hj212_crc16_bytewise(data) == crc
    assert appendix_a(data) == crc


def test_not_modbus() -> None:
    assert modbus_crc16(b"123456789") == 0x4B37  # the CRC-16/MODBUS catalogue check value
    assert hj212_crc16(b"123456789") != modbus_crc16(b"123456789")


def test_accepts_bytearray_and_memoryview() -> None:
    assert hj212_crc16(bytearray(b"123456789")) == hj212_crc16(memoryview(b"123456789")) == 0x2F80


@settings(max_examples=300, database=None)
@given(st.binary(max_size=1200))
def test_fast_forms_equal_the_bit_loop(data: bytes) -> None:
    assert hj212_crc16(data) == _hj212_crc16_bytewise(data) == appendix_a(data)


def test_every_length_around_the_word_size() -> None:
    data = bytes(range(256)) * 3
    for size in range(len(data)):
        assert hj212_crc16(data[:size]) == _hj212_crc16_bytewise(data[:size])
