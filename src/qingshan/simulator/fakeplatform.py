"""A stand-in monitoring platform for tests and measurements: it decodes what loggers send
with the codec and answers each upload that asks for it with 9014 (``answer_for``).

It stores nothing and is no gateway: it answers at once, with no registry and no database.
Options make it misbehave the ways a test needs (drop answers, delay them, answer nothing).

    python -m qingshan.simulator.fakeplatform --port 9212     # for manual runs / benchmarks
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from qingshan.hj212 import Decoder, Frame, FrameError, Packet, answer_for

__all__ = ["FakePlatform", "PlatformConnection", "main"]


@dataclass
class PlatformConnection:
    """What one logger connection delivered: each read, and the decoded events."""

    reads: list[bytes] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    errors: list[FrameError] = field(default_factory=list)
    closed: bool = False


class _Server(asyncio.Protocol):
    def __init__(self, platform: FakePlatform) -> None:
        self.platform = platform
        self.decoder = Decoder(lenient=platform.lenient)
        self.record = PlatformConnection()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self.transport = cast(asyncio.Transport, transport)
        self.platform.connections_made += 1
        self.platform.open_connections += 1
        if self.platform.record:
            self.platform.connections.append(self.record)

    def connection_lost(self, exc: Exception | None) -> None:
        self.platform.open_connections -= 1
        self.record.closed = True
        self.transport = None

    def data_received(self, data: bytes) -> None:
        platform = self.platform
        platform.bytes_received += len(data)
        record = platform.record
        if record:
            self.record.reads.append(data)
        answers: list[bytes] = []
        for event in self.decoder.receive_data(data):
            if isinstance(event, FrameError):
                platform.errors[event.code] += 1
                if record:
                    self.record.errors.append(event)
                continue
            platform.frames += 1
            if record:
                self.record.frames.append(event)
            packet = event.packet
            if not platform.answer or (platform.drop is not None and platform.drop(packet)):
                continue
            answer = answer_for(packet)
            if answer is not None:
                answers.append(answer)
        if answers and self.transport is not None:
            platform.answers += len(answers)
            data = b"".join(answers)
            if platform.delay:
                asyncio.get_running_loop().call_later(platform.delay, self._send, data)
            else:
                self.transport.write(data)

    def _send(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)


class FakePlatform:
    """``await platform.start()`` → port; ``await platform.close()`` when done.

    ``drop(packet)`` → True leaves that packet unanswered (the logger must resend);
    ``delay`` postpones every answer; ``answer=False`` answers nothing; ``record=False``
    keeps only the counters (for load measurements).
    """

    def __init__(
        self,
        *,
        answer: bool = True,
        drop: Callable[[Packet], bool] | None = None,
        delay: float = 0.0,
        record: bool = True,
        lenient: bool = False,
    ) -> None:
        self.answer = answer
        self.drop = drop
        self.delay = delay
        self.record = record
        self.lenient = lenient
        self.connections: list[PlatformConnection] = []
        self.connections_made = 0
        self.open_connections = 0
        self.frames = 0
        self.answers = 0
        self.bytes_received = 0
        self.errors: Counter[str] = Counter()
        self._server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0, backlog: int = 4096) -> int:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Server(self), host, port, backlog=backlog, reuse_address=True
        )
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=1.0)
            self._server = None

    def packets(self) -> list[Packet]:
        """Every packet received, connection by connection (``record=True``)."""
        return [frame.packet for conn in self.connections for frame in conn.frames]


async def _serve(args: argparse.Namespace) -> None:
    from .simulation import raise_file_limit

    raise_file_limit()
    platform = FakePlatform(record=False, lenient=args.lenient, delay=args.delay)
    port = await platform.start(args.host, args.port)
    print(f"fake platform on {args.host}:{port}", file=sys.stderr)
    last = 0
    try:
        while True:
            await asyncio.sleep(args.report)
            rate = (platform.frames - last) / args.report
            last = platform.frames
            print(
                f"connections {platform.open_connections}  frames {platform.frames}"
                f"  answers {platform.answers}  errors {dict(platform.errors)}  {rate:.0f}/s",
                file=sys.stderr,
            )
    finally:
        await platform.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qingshan.simulator.fakeplatform",
        description="Answer HJ 212 uploads with 9014 and count them (no storage, no registry).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9212)
    parser.add_argument("--lenient", action="store_true", help="decode in lenient mode")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--report", type=float, default=5.0, help="seconds between reports")
    args = parser.parse_args(argv)
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:  # pragma: no cover - uvloop is a dependency
        runner = asyncio.Runner()
    with runner, contextlib.suppress(KeyboardInterrupt):
        runner.run(_serve(args))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
