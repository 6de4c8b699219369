"""Benchmark: real-time AQI of one year of hourly data for many stations, vectorised.

    .venv/bin/python benchmarks/bench_aqi.py                 # 2,000 stations × 8,760 h
    .venv/bin/python benchmarks/bench_aqi.py --stations 200  # quicker

Concentrations are synthetic but shaped like real station data (log-normal levels with
seasonal and daily cycles, PM10 tied to PM2.5, O3 peaking in the afternoon and in summer,
1 % missing values, rare SO2 and O3 episodes above 800 µg/m³ that exercise the over-range
rules), rounded as published (µg/m³ integers, CO to 0.1 mg/m³). The edition follows the
date of each hour, so ``--year 2026`` runs January–February under HJ 633-2012 and the rest
under HJ 633—2026. Only the AQI computation is timed (median of ``--runs``); then a random
sample of rows is recomputed with the exact row-by-row path and must agree on every value.
Prints one markdown table row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from qingshan.quality.aqi import Report, compute_aqi
from qingshan.quality.aqi_vector import compute_aqi_arrays
from qingshan.quality.standards import SLOTS, aqi_standard_for

Floats = npt.NDArray[np.float64]
POLLUTANTS = ("so2", "no2", "pm10", "co", "o3", "pm25")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=2000)
    parser.add_argument("--year", type=int, default=2026, help="calendar year of the data")
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the median is shown")
    parser.add_argument("--chunk-hours", type=int, default=128, help="hours per chunk")
    parser.add_argument("--sample", type=int, default=2000, help="rows checked row by row")
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument(
        "--threads", type=int, default=1, help="worker threads over chunks (default 1)"
    )
    return parser.parse_args(argv)


def hours_of(year: int) -> list[dt.datetime]:
    """Hour labels of the year (China time)."""
    start = dt.datetime(year, 1, 1)
    n = (dt.datetime(year + 1, 1, 1) - start) // dt.timedelta(hours=1)
    return [start + dt.timedelta(hours=h) for h in range(n)]


def synthetic(hours: int, stations: int, seed: int) -> dict[str, Floats]:
    """Hour-major arrays (hour × station, flattened) of plausible concentrations."""
    rng = np.random.default_rng(seed)
    h = np.arange(hours, dtype=np.float64)[:, None]
    day, season = 2 * np.pi * h / 24, 2 * np.pi * h / (24 * 365)
    winter = np.cos(season)  # +1 in January, −1 in July
    site = rng.normal(0, 0.35, (1, stations))  # cleaner and dirtier stations

    def lognormal(median: float, sigma: float, shape: Floats) -> Floats:
        noise = rng.normal(0, sigma, (hours, stations))
        return np.asarray(median * np.exp(shape + site + noise), dtype=np.float64)

    pm25 = lognormal(35, 0.6, 0.45 * winter - 0.1 * np.cos(day))
    data = {
        "pm25": pm25,
        "pm10": pm25 * rng.uniform(1.2, 2.2, (hours, stations)) + rng.gamma(2, 8, pm25.shape),
        "so2": lognormal(8, 0.7, 0.5 * winter),
        "no2": lognormal(30, 0.5, 0.25 * winter + 0.2 * np.cos(day - 0.5)),
        "co": lognormal(0.8, 0.45, 0.4 * winter) + 0.0,
        "o3": lognormal(60, 0.45, -0.5 * winter + 0.6 * np.sin(day - 2.2)),
    }
    episodes = rng.random((hours, stations))
    data["so2"][episodes < 2e-5] = rng.uniform(801, 1500)
    data["o3"][episodes > 1 - 2e-5] = rng.uniform(801, 1300)
    out: dict[str, Floats] = {}
    for name, values in data.items():
        rounded = np.round(values, 1) if name == "co" else np.round(values)
        rounded[rng.random(rounded.shape) < 0.01] = np.nan
        out[name] = rounded.reshape(-1)
    return out


def chunks(labels: list[dt.datetime], chunk_hours: int) -> list[tuple[int, int]]:
    """Hour ranges of at most ``chunk_hours`` that never straddle an edition change."""
    ranges, start = [], 0
    for h in range(1, len(labels) + 1):
        boundary = h == len(labels) or aqi_standard_for(labels[h]) != aqi_standard_for(
            labels[start]
        )
        if boundary or h - start == chunk_hours:
            ranges.append((start, h))
            start = h
    return ranges


def run_once(
    data: dict[str, Floats],
    labels: list[dt.datetime],
    stations: int,
    chunk_hours: int,
    threads: int,
) -> dict[str, npt.NDArray[np.int16] | npt.NDArray[np.uint8]]:
    n = len(labels) * stations
    aqi = np.empty(n, dtype=np.int16)
    primary = np.empty(n, dtype=np.uint8)
    iaqi = {s: np.full(n, -1, dtype=np.int16) for s in SLOTS}

    def one_chunk(hours: tuple[int, int]) -> None:
        # NumPy releases the GIL inside its loops, so chunks run in parallel on threads;
        # each chunk writes its own slice of the outputs.
        rows = slice(hours[0] * stations, hours[1] * stations)
        part = {k: v[rows] for k, v in data.items()}
        standard = aqi_standard_for(labels[hours[0]])
        result = compute_aqi_arrays(part, report=Report.HOURLY, standard=standard)
        aqi[rows] = result.aqi
        primary[rows] = result.primary
        for slot, values in result.iaqi.items():
            iaqi[slot][rows] = values

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one_chunk, chunks(labels, chunk_hours)))
    return {"aqi": aqi, "primary": primary, **{f"iaqi_{s}": v for s, v in iaqi.items()}}


def check_sample(
    data: dict[str, Floats],
    out: dict[str, npt.NDArray[np.int16] | npt.NDArray[np.uint8]],
    labels: list[dt.datetime],
    stations: int,
    size: int,
    seed: int,
) -> int:
    """Rows where the vectorised result differs from the row-by-row one (0 expected)."""
    rng = np.random.default_rng(seed + 1)
    n = len(labels) * stations
    rows = rng.choice(n, size=min(size, n), replace=False)
    # Make sure the rare over-range rows are checked too.
    special = np.flatnonzero((data["so2"] > 800) | (data["o3"] > 800))[:50]
    bad = 0
    for row in np.concatenate([rows, special]):
        values = {k: (None if np.isnan(v[row]) else float(v[row])) for k, v in data.items()}
        when = labels[row // stations]
        exact = compute_aqi(values, report=Report.HOURLY, standard=aqi_standard_for(when))
        fast_iaqi = {s: int(out[f"iaqi_{s}"][row]) for s in SLOTS if out[f"iaqi_{s}"][row] >= 0}
        fast_primary = tuple(s for i, s in enumerate(SLOTS) if int(out["primary"][row]) >> i & 1)
        same = (
            (exact.aqi if exact.aqi is not None else -1) == int(out["aqi"][row])
            and dict(exact.iaqi) == fast_iaqi
            and exact.primary_pollutants == fast_primary
        )
        if not same:
            bad += 1
            print(f"MISMATCH row {row}: {values} → {exact} vs {fast_iaqi}", file=sys.stderr)
    return bad


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    labels = hours_of(args.year)
    started = time.perf_counter()
    data = synthetic(len(labels), args.stations, args.seed)
    generated = time.perf_counter() - started
    times, out = [], {}
    for _ in range(args.runs):
        t0 = time.perf_counter()
        out = run_once(data, labels, args.stations, args.chunk_hours, args.threads)
        times.append(time.perf_counter() - t0)
    rows = len(labels) * args.stations
    bad = check_sample(data, out, labels, args.stations, args.sample, args.seed)
    median = statistics.median(times)
    print(
        f"(data generated in {generated:.1f} s; runs: {', '.join(f'{t:.2f}' for t in times)} s; "
        f"numpy {np.__version__}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, {args.threads} threads, load average "
        f"{os.getloadavg()[0]:.1f} at the end)",
        file=sys.stderr,
    )
    print(
        "| stations | hours | station-hours | year | threads | median of runs (s) | rows/s "
        "| sample check |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    verdict = "all equal" if bad == 0 else f"{bad} MISMATCHES"
    print(
        f"| {args.stations:,} | {len(labels):,} | {rows:,} | {args.year} | {args.threads} "
        f"| {median:.2f} "
        f"({args.runs} runs) | {rows / median:,.0f} | {args.sample:,} rows: {verdict} |"
    )
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
