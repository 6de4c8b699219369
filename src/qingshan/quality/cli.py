"""``qingshan quality …``: AQI and surface-water classes for CSV files.

Rows are streamed in chunks of a few thousand (constant memory); the AQI of a chunk is
computed with the vectorised path, which gives the same numbers as the row-by-row one.
A bad row — an unparseable number or time, an unknown water body — is reported on stderr
with its line number and written with empty results; processing continues and the exit
status is 1 at the end.
Exit status 2 means the command could not run at all (bad options, missing columns,
unreadable file).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, TextIO

from qingshan.quality.aqi import AqiResult, Report, measurements, to_decimal
from qingshan.quality.aqi_vector import compute_aqi_many
from qingshan.quality.standards import (
    AQI_STANDARDS,
    SLOTS,
    AqiStandard,
    aqi_standard_by_code,
    aqi_standard_for,
)
from qingshan.quality.water import assess_section, format_main_pollutants
from qingshan.quality.water_standards import GB3838_2002, WaterBody

PROGRESS_EVERY = 10_000
CHUNK_ROWS = 4_096
Cells = dict[str, str]
AQI_COLUMNS = (
    "aqi", "level", "category", "primary_pollutants", "exceeding_pollutants",
    *(f"iaqi_{s.lower().replace('.', '')}" for s in SLOTS), "standard", "flags",
)  # fmt: skip
WATER_COLUMNS = ("class", "status", "main_pollutants")


class RowError(ValueError):
    """A row that cannot be computed; the message names the column and the value."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``qingshan quality`` (and ``python -m qingshan.quality``)."""
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exit_:  # --help, or a usage error already printed by argparse
        return exit_.code if isinstance(exit_.code, int) else 2
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UnicodeDecodeError:
        print(f"qingshan quality {args.command}: {args.input} is not {args.encoding} text; "
              "files saved by Excel in China are often GB18030: try --encoding gb18030",
              file=sys.stderr)  # fmt: skip
        return 2
    except (OSError, UsageError, csv.Error) as error:
        print(f"qingshan quality {args.command}: {error}", file=sys.stderr)
        return 2


class UsageError(Exception):
    """The input cannot be processed at all (e.g. a required column is missing)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qingshan quality",
        description="Environmental-quality calculations on CSV files (UTF-8).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_aqi(commands)
    _add_water(commands)
    return parser


def _add_aqi(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    codes = [s.code for s in AQI_STANDARDS]
    aqi = commands.add_parser(
        "aqi",
        help="air quality index per HJ 633-2012 / HJ 633—2026",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Compute IAQI, AQI, level, category and primary/exceeding pollutants.",
        epilog=(
            "input columns: time (ISO date or datetime, China time unless an offset is "
            "given), optional station, and\n"
            "  hourly: so2 no2 pm10 co o3 pm25 (1-h means; so2_24h optional, read when "
            "1-h SO2 > 800 under 2012 rules)\n"
            "  daily:  so2_24h no2_24h pm10_24h co_24h o3_8h o3_1h pm25_24h\n"
            "units µg/m³, CO mg/m³. Other columns are copied through.\n"
            "--standard auto picks the edition by the date of each row: before 2026-03-01 "
            "HJ633-2012, from then HJ633-2026.\n"
            f"output adds: {', '.join(AQI_COLUMNS)}"
        ),
    )
    aqi.add_argument("--input", required=True, metavar="FILE.csv", help="input CSV file")
    aqi.add_argument("--output", metavar="FILE.csv", help="output CSV file (default: stdout)")
    _add_encoding(aqi)
    aqi.add_argument("--report", choices=[r.value for r in Report], default=Report.HOURLY.value,
                     help="hourly real-time report (default) or daily report")  # fmt: skip
    aqi.add_argument("--standard", choices=["auto", *codes], default="auto",
                     help="edition of HJ 633 (default: auto, by the date of each row)")  # fmt: skip
    aqi.set_defaults(handler=run_aqi)


def _add_water(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    water = commands.add_parser(
        "water",
        help="surface-water class per GB 3838-2002 and the 2011 evaluation method",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Classify each sample: item classes, section class, status, main pollutants.",
        epilog=(
            f"input columns (mg/L; fecal_coliform 个/L; ph dimensionless): "
            f"{' '.join(GB3838_2002.codes)}\n"
            "plus water_body (river or lake; needed when tp is given). Other columns are "
            "copied through.\n"
            "output adds: class (I…V, 劣V), status, main_pollutants (e.g. nh3n(1.4);tp(0.4)) "
            "and class_<item> for each item column.\n"
            "The section class leaves out tn and fecal_coliform (2011 method)."
        ),
    )
    water.add_argument("--input", required=True, metavar="FILE.csv", help="input CSV file")
    water.add_argument("--output", metavar="FILE.csv", help="output CSV file (default: stdout)")
    _add_encoding(water)
    water.set_defaults(handler=run_water)


def _add_encoding(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--encoding",
        default="utf-8-sig",
        help="encoding of the input (default: UTF-8, with or without BOM; e.g. gb18030)",
    )


# --- AQI -------------------------------------------------------------------------------


def run_aqi(args: argparse.Namespace) -> int:
    report = Report(args.report)
    fixed = None if args.standard == "auto" else aqi_standard_by_code(args.standard)
    accepted = tuple(dict.fromkeys(m for s in AQI_STANDARDS for m in measurements(report, s)))

    def check(fields: list[str]) -> list[str]:
        if "time" not in fields:
            raise UsageError("the input has no 'time' column")
        present = [f for f in accepted if f in fields]
        if not present:
            raise UsageError(f"no {report} pollutant column; expected some of {' '.join(accepted)}")
        return present

    def compute(rows: list[dict[str, str]], present: list[str]) -> list[Cells | RowError]:
        errors: list[RowError | None] = []
        records: list[tuple[AqiStandard, dict[str, Decimal | None]]] = []
        for row in rows:
            try:
                standard = fixed or aqi_standard_for(parse_time(row.get("time") or ""))
                records.append((standard, {name: _number(row, name) for name in present}))
                errors.append(None)
            except RowError as error:
                errors.append(error)
        results = iter(compute_aqi_many(records, report=report))
        return [_aqi_cells(next(results)) if e is None else e for e in errors]

    return _stream(args, check, compute, AQI_COLUMNS)


def _aqi_cells(result: AqiResult) -> Cells:
    band = result.band
    cells = {
        "aqi": "" if result.aqi is None else str(result.aqi),
        "level": band.level if band else "",
        "category": band.category if band else "",
        "primary_pollutants": ";".join(result.primary_pollutants),
        "exceeding_pollutants": ";".join(result.exceeding_pollutants),
        "standard": result.standard.code,
        "flags": " | ".join(result.flags),
    }
    for slot in SLOTS:
        value = result.iaqi.get(slot)
        cells[f"iaqi_{slot.lower().replace('.', '')}"] = "" if value is None else str(value)
    return cells


def parse_time(text: str) -> dt.date | dt.datetime:
    """ISO date or datetime; hour label ``24:00`` is 00:00 of the next day (CNEMC labels)."""
    text = text.strip()
    if not text:
        raise RowError("time is empty")
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        for sep in ("T", " "):
            day, _, clock = text.partition(sep)
            if clock.startswith("24:00"):
                return dt.datetime.fromisoformat(f"{day}T00{clock[2:]}") + dt.timedelta(days=1)
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise RowError(f"time {text!r} is not an ISO date or datetime") from None


def _number(row: dict[str, str], column: str) -> Decimal | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        return to_decimal(text)
    except ValueError as error:
        raise RowError(f"column {column!r}: {error}") from None


# --- water -----------------------------------------------------------------------------


def run_water(args: argparse.Namespace) -> int:
    codes = GB3838_2002.codes

    def check(fields: list[str]) -> list[str]:
        present = [c for c in codes if c in fields]
        if not present:
            raise UsageError(f"no water-quality item column; expected some of {' '.join(codes)}")
        return present

    def compute(rows: list[dict[str, str]], present: list[str]) -> list[Cells | RowError]:
        return [_guarded(classify, row, present) for row in rows]

    def classify(row: dict[str, str], present: list[str]) -> Cells:
        values = {code: _number(row, code) for code in present}
        body = _water_body(row, needed=values.get("tp") is not None)
        section = assess_section(values, water_body=body)
        cells = {f"class_{code}": section.item_classes[code].label
                 if code in section.item_classes else "" for code in present}  # fmt: skip
        cells["class"] = section.water_class.label if section.water_class else ""
        cells["status"] = section.status.word if section.status else ""
        cells["main_pollutants"] = format_main_pollutants(section.main_pollutants)
        return cells

    def columns(present: list[str]) -> tuple[str, ...]:
        return (*WATER_COLUMNS, *(f"class_{c}" for c in present))

    return _stream(args, check, compute, columns)


def _water_body(row: dict[str, str], *, needed: bool) -> WaterBody:
    text = (row.get("water_body") or "").strip()
    if not text:
        if needed:
            raise RowError("water_body (river or lake) is needed to classify tp")
        return WaterBody.RIVER
    try:
        return WaterBody.parse(text)
    except ValueError as error:
        raise RowError(str(error)) from None


# --- streaming -------------------------------------------------------------------------


def _guarded(
    compute: Callable[[dict[str, str], list[str]], Cells], row: dict[str, str], present: list[str]
) -> Cells | RowError:
    try:
        return compute(row, present)
    except RowError as error:
        return error


def _stream(
    args: argparse.Namespace,
    check: Callable[[list[str]], list[str]],
    compute: Callable[[list[dict[str, str]], list[str]], list[Cells | RowError]],
    columns: tuple[str, ...] | Callable[[list[str]], tuple[str, ...]],
) -> int:
    """Read, compute and write in chunks of ``CHUNK_ROWS`` rows: constant memory, and the
    AQI can use the vectorised path."""
    if args.output and os.path.exists(args.output) and os.path.samefile(args.input, args.output):
        raise UsageError("--output must not be the input file")
    with _open_in(args.input, args.encoding) as source, _open_out(args.output) as sink:
        reader = csv.DictReader(source)
        fields = list(reader.fieldnames or [])
        present = check(fields)
        added = columns(present) if callable(columns) else columns
        writer = csv.DictWriter(sink, [*fields, *(c for c in added if c not in fields)])
        writer.writeheader()
        bad = total = 0
        for chunk in _chunks(reader):
            rows = [row for _, row in chunk]
            for (line, row), cells in zip(chunk, compute(rows, present), strict=True):
                if isinstance(cells, RowError):
                    bad += 1
                    print(f"{args.input}: line {line}: {cells}", file=sys.stderr)
                    cells = dict.fromkeys(added, "")
                row.update(cells)
                row.pop(None, None)  # type: ignore[call-overload]  # cells beyond the header
            writer.writerows(rows)
            total += len(rows)
        if bad:
            print(f"{args.input}: {bad} of {total} rows bad", file=sys.stderr)
    return 1 if bad else 0


def _chunks(reader: csv.DictReader[str]) -> Iterator[list[tuple[int, dict[str, str]]]]:
    """Rows with their line numbers, ``CHUNK_ROWS`` at a time."""
    chunk: list[tuple[int, dict[str, str]]] = []
    for row in _progress(reader):
        chunk.append((reader.line_num, row))
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _progress(rows: Iterator[dict[str, str]]) -> Iterator[dict[str, str]]:
    """Pass rows through; on a terminal, show a running count on stderr."""
    show = sys.stderr.isatty()
    count = 0
    for count, row in enumerate(rows, start=1):
        if show and count % PROGRESS_EVERY == 0:
            print(f"\r{count:,} rows", end="", file=sys.stderr, flush=True)
        yield row
    if show and count >= PROGRESS_EVERY:
        print(f"\r{count:,} rows", file=sys.stderr)


@contextlib.contextmanager
def _open_in(path: str, encoding: str) -> Iterator[TextIO]:
    # utf-8-sig by default: spreadsheets exported on Windows start with a byte-order mark.
    with open(path, encoding=encoding, newline="") as f:
        yield f


@contextlib.contextmanager
def _open_out(path: str | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        yield f
