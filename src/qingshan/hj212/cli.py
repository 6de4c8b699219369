"""Field-engineer tools: ``qingshan hj212 decode | encode | check``.

Also runnable as ``python -m qingshan.hj212 …``. Everything the tools do goes through the
public codec API; this module only reads files and prints.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from .decoder import MAX_SEGMENT_LENIENT, Decoder
from .encode import EncodeError, encode_packet
from .events import Event
from .jsonform import event_to_dict, packet_from_dict
from .tables import command_info

__all__ = ["main"]

_CHUNK = 65536

_EPILOG = """\
examples:
  qingshan hj212 decode capture.bin            one JSON object per frame found
  qingshan hj212 decode --lenient rx.log       accept what real devices get wrong
  nc -l 9000 | qingshan hj212 decode -         decode a live stream from stdin
  qingshan hj212 decode f.bin | qingshan hj212 encode   re-frame with correct length/CRC
  qingshan hj212 check --lenient rx.log        summary: frames, errors, versions, commands

strict mode (default) follows HJ 212-2017 §6.3 and Appendix A. --lenient also accepts a
length counted in characters, CRC-16/MODBUS (also byte-swapped) and 3-digit CRCs, frames
without CR LF, data segments over 1024 bytes and GBK text, each with a named warning.
Error codes: bad-frame, bad-length, bad-crc, bad-segment, too-long.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qingshan hj212",
        description="Decode, encode and check HJ 212 (2005/2017/2025) data-logger packets.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    decode = commands.add_parser(
        "decode",
        help="print every frame of a byte stream as one JSON object per line",
        description="Read a byte stream (capture file, log, stdin) and print one JSON "
        "object per frame found, good or bad. Junk between frames is skipped. Keys: "
        "offset (of '##'), ok, error, message, warnings, version, qn, st, cn, pw, mn, "
        "flag, pnum, pno, ack_required, cp (top-level items plus 'factors' grouped by "
        "code).",
    )
    _add_lenient(decode)
    decode.add_argument("file", nargs="?", default="-", help="input file, or - for stdin")

    encode = commands.add_parser(
        "encode",
        help="frame JSON packets (as printed by decode) with correct length and CRC",
        description="Read JSON objects, one per line, in the form 'decode' prints "
        "(only qn, st, cn, pw, mn, flag, pnum, pno and cp are used) and print each as a "
        "framed packet. A bad line is reported on stderr with its line number; the "
        "others are still encoded and the exit status is 1.",
    )
    encode.add_argument(
        "--oversize-ok",
        action="store_true",
        help="allow data segments over 1024 bytes (up to 9999)",
    )
    encode.add_argument("file", nargs="?", default="-", help="input file, or - for stdin")

    check = commands.add_parser(
        "check",
        help="summarise a capture: frames, errors, warnings, versions, commands",
        description="Decode a capture and print a summary table. Exit status 0 when "
        "every frame is good, 1 when any frame was rejected.",
    )
    _add_lenient(check)
    check.add_argument("file", help="input file, or - for stdin")
    return parser


def _add_lenient(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="accept common device deviations, each reported as a warning",
    )


def main(argv: list[str]) -> int:
    """Run ``qingshan hj212 <argv>``; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "decode":
            return _decode(args.file, args.lenient)
        if args.command == "encode":
            return _encode(args.file, args.oversize_ok)
        return _check(args.file, args.lenient)
    except BrokenPipeError:
        # the reader went away (`… | head`): stop quietly, as Unix tools do; stdout now
        # points at /dev/null so the interpreter's final flush does not complain either
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 0
    except OSError as exc:
        print(f"qingshan hj212: {exc}", file=sys.stderr)
        return 2


@contextmanager
def _open(path: str) -> Iterator[BinaryIO]:
    """The named file, or stdin for ``-`` (left open: it is not ours to close)."""
    if path == "-":
        yield sys.stdin.buffer
        return
    with open(path, "rb") as stream:
        yield stream


def _events(path: str, lenient: bool) -> Iterator[Event]:
    decoder = Decoder(lenient=lenient, max_buffer=4 * (MAX_SEGMENT_LENIENT + 12))
    with _open(path) as stream:
        while chunk := stream.read(_CHUNK):
            yield from decoder.receive_data(chunk)
    yield from decoder.receive_data(b"")


def _decode(path: str, lenient: bool) -> int:
    out = sys.stdout
    for event in _events(path, lenient):
        out.write(json.dumps(event_to_dict(event), ensure_ascii=False) + "\n")
    out.flush()
    return 0


def _encode(path: str, oversize_ok: bool) -> int:
    failures = 0
    out = sys.stdout.buffer
    with _open(path) as stream:
        for number, raw in enumerate(stream, start=1):
            line = raw.decode("utf-8", errors="replace").strip()
            if not line or line.startswith("#"):
                continue
            try:
                frame = encode_packet(packet_from_dict(json.loads(line)), oversize_ok=oversize_ok)
            except (ValueError, EncodeError) as exc:
                failures += 1
                print(f"line {number}: {exc}", file=sys.stderr)
                continue
            out.write(frame)
    out.flush()
    return 1 if failures else 0


def _check(path: str, lenient: bool) -> int:
    frames = ok = 0
    errors: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    versions: Counter[str] = Counter()
    commands: Counter[str] = Counter()
    for event in _events(path, lenient):
        frames += 1
        ok += event.ok
        if event.error is not None:
            errors[str(event.error)] += 1
        warnings.update(str(w) for w in event.warnings)
        if event.packet is not None:
            version = event.packet.version
            versions[str(version) if version else f"bits {event.packet.version_bits}"] += 1
            commands[event.packet.cn or "(none)"] += 1
    rows = [("frames", str(frames), ""), ("ok", str(ok), ""), ("rejected", str(frames - ok), "")]
    rows += _section("error", errors)
    rows += _section("warning", warnings)
    rows += _section("version", versions)
    rows += [(f"CN {cn}", str(n), _command_name(cn)) for cn, n in sorted(commands.items())]
    width = max(len(r[0]) for r in rows)
    count_width = max(len(r[1]) for r in rows)
    mode = "lenient" if lenient else "strict"
    print(f"HJ 212 check of {path} ({mode} mode)")
    for label, count, note in rows:
        print(f"  {label:<{width}}  {count:>{count_width}}  {note}".rstrip())
    return 0 if ok == frames else 1


def _section(kind: str, counts: Counter[str]) -> list[tuple[str, str, str]]:
    return [(f"{kind} {name}", str(n), "") for name, n in sorted(counts.items())]


def _command_name(cn: str) -> str:
    info = command_info(cn)
    return "" if info is None else f"{info.name_en} / {info.name_zh}"
