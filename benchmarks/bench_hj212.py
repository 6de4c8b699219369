"""Benchmark of the HJ 212 codec: stream decoding and 9014 answer encoding.

Decoding: a realistic stream of 2011 / 2051 / 2061 uploads (300-450 bytes, 6-10 factors)
fed to one Decoder in TCP-sized reads. Encoding: ``data_answer()`` (a framed 9014) for an
upload. Each figure is the median of several repeats. The code is single-threaded, so it
runs on one core; rates are given per CPU second of this process (what one core delivers,
even on a shared machine) and per wall-clock second (what this run got).

    python benchmarks/bench_hj212.py [--frames N] [--repeats R] [--chunk BYTES] [--lenient]

Prints a markdown table row.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time

from qingshan.hj212 import CP, Decoder, Packet, data_answer, encode_packet

_WATER = ["w00000", "w01001", "w01018", "w21003", "w21011", "w21001", "w01012", "w01010"]
_AIR = ["a00000", "a21026", "a21002", "a34013", "a19001", "a01011", "a01012", "a01013"]
_AIR += ["a01014", "a21005"]


def _value(rng: random.Random) -> str:
    return f"{rng.uniform(0, 500):.{rng.choice((1, 2, 3))}f}"


def _upload(rng: random.Random, n: int) -> Packet:
    cn = rng.choice(("2011", "2051", "2061"))
    st, codes = rng.choice((("32", _WATER), ("31", _AIR)))
    count = rng.randint(6, min(10, len(codes)))
    factors: dict[str, dict[str, str]] = {}
    for code in rng.sample(codes, count):
        if cn == "2011":
            fields = {"Rtd": _value(rng), "Flag": "N"}
        else:
            fields = {"Min": _value(rng), "Avg": _value(rng), "Max": _value(rng), "Flag": "N"}
            if rng.random() < 0.3:
                fields = {"Cou": _value(rng), **fields}
        factors[code] = fields
    stamp = f"2026030{rng.randint(1, 9)}{rng.randint(10, 23)}{rng.randint(10, 59)}00"
    return Packet(
        qn=f"{stamp}{n % 1000:03d}",
        st=st,
        cn=cn,
        pw="123456",
        mn=f"3301{rng.randrange(10**10):010d}00000001",
        flag=5,
        cp=CP.from_dict({"DataTime": stamp}, factors),
    )


def make_stream(frames: int, seed: int = 212) -> tuple[bytes, Packet]:
    """``frames`` framed uploads of 300-450 bytes each, and one of their packets."""
    rng = random.Random(seed)
    parts: list[bytes] = []
    sample = None
    while len(parts) < frames:
        packet = _upload(rng, len(parts))
        frame = encode_packet(packet)
        if 300 <= len(frame) <= 450:
            parts.append(frame)
            sample = packet
    assert sample is not None
    return b"".join(parts), sample


Rates = tuple[float, float]  # (per CPU second, per wall-clock second)


def bench_decode(stream: bytes, frames: int, chunk: int, lenient: bool) -> Rates:
    decoder = Decoder(lenient=lenient)
    good = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for offset in range(0, len(stream), chunk):
        for event in decoder.receive_data(stream[offset : offset + chunk]):
            good += event.ok
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if good != frames:
        raise SystemExit(f"decoded {good} good frames, expected {frames}")
    return frames / cpu, frames / wall


def bench_encode(packet: Packet, count: int) -> Rates:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        data_answer(packet)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return count / cpu, count / wall


def _median(runs: list[Rates]) -> Rates:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=20000, help="uploads in the stream")
    parser.add_argument("--encodes", type=int, default=50000, help="9014 answers per repeat")
    parser.add_argument("--repeats", type=int, default=7, help="repeats; the median counts")
    parser.add_argument("--chunk", type=int, default=4096, help="bytes per receive_data()")
    parser.add_argument("--lenient", action="store_true", help="decode in lenient mode")
    args = parser.parse_args()

    stream, packet = make_stream(args.frames)
    decode = _median(
        [bench_decode(stream, args.frames, args.chunk, args.lenient) for _ in range(args.repeats)]
    )
    encode = _median([bench_encode(packet, args.encodes) for _ in range(args.repeats)])
    mean_size = len(stream) / args.frames
    mode = "lenient" if args.lenient else "strict"
    print(
        "| python | mode | frames | mean frame bytes | decode frames/s (CPU) "
        "| encode 9014/s (CPU) | decode frames/s (wall) | encode 9014/s (wall) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {platform.python_version()} | {mode} | {args.frames} | {mean_size:.0f} "
        f"| {decode[0]:,.0f} | {encode[0]:,.0f} | {decode[1]:,.0f} | {encode[1]:,.0f} |"
    )


if __name__ == "__main__":
    main()
