"""Build HJ 212 uploads and talk to a gateway over real TCP, for the gateway's tests."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable

from qingshan.hj212 import CHINA_TZ, CP, Decoder, Frame, Packet, encode_packet, format_time

FACTORS = ("a21026", "a21002", "a34013", "a19001", "a01012", "a01011", "a00000")


def upload(
    mn: str,
    *,
    pw: str = "123456",
    qn: str = "20261122100000001",
    cn: str = "2011",
    when: dt.datetime | None = None,
    factors: tuple[str, ...] = FACTORS,
    value: str = "12.5",
    flag: int = 5,
) -> bytes:
    when = when or recent(minutes=-1)  # inside the window the gateway judges
    field = "Rtd" if cn == "2011" else "Avg"
    cp = CP.from_dict(
        {"DataTime": format_time(when)},
        {code: {field: value, "Flag": "N"} for code in factors},
    )
    packet = Packet(st="31", cn=cn, pw=pw, mn=mn, qn=qn, flag=flag, cp=cp)
    return encode_packet(packet)


class Logger:
    """A minimal data logger: one connection, sends bytes, collects answers."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.decoder = Decoder()
        self.answers: list[Packet] = []

    @classmethod
    async def connect(cls, port: int) -> Logger:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def answer(self, timeout: float = 5.0) -> Packet:
        """The next answer the gateway sends (raises TimeoutError if none comes)."""
        while not self.answers:
            chunk = await asyncio.wait_for(self.reader.read(4096), timeout)
            if not chunk:
                raise ConnectionError("gateway closed the connection")
            for event in self.decoder.receive_data(chunk):
                assert isinstance(event, Frame), event
                self.answers.append(event.packet)
        return self.answers.pop(0)

    async def closed_by_peer(self, timeout: float = 5.0) -> bool:
        try:
            while await asyncio.wait_for(self.reader.read(4096), timeout):
                pass
        except (TimeoutError, ConnectionError):
            return False
        return True

    async def gone(self, timeout: float = 5.0) -> bool:
        """Did the gateway close the connection (an end of stream, or a reset because we
        were still sending)?"""
        try:
            while await asyncio.wait_for(self.reader.read(4096), timeout):
                pass
        except TimeoutError:
            return False
        except ConnectionError:
            return True
        return True

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


async def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until ``predicate()`` holds (checked every 10 ms); fail after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true within {timeout} s: {predicate}")
        await asyncio.sleep(0.01)


def recent(**offset: float) -> dt.datetime:
    """A data time relative to now (China time, whole seconds): tests must not depend on
    the day they run, and the gateway judges only data times near its clock."""
    moment = dt.datetime.now(CHINA_TZ) + dt.timedelta(**offset)
    return moment.replace(microsecond=0)
