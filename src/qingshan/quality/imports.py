"""Import station and section data from CSV or Excel into the readings store.

The columns are those of ``qingshan quality aqi`` (hourly) and ``qingshan quality water``,
plus the station or section code: ``time, station, so2, no2, pm10, co, o3, pm25`` and
``time, section, ph, do, codmn, …``. Air ``time`` is the hour's label as bulletins print it
(its end, ``24:00`` allowed); it is stored as HJ 212 hourly data keyed by the hour's start,
exactly as if the station's logger had sent it. Water ``time`` is the sampling time, stored
as a real-time sample. Values go into ``monitoring.Reading`` under the station's point
(first value wins, as for resent packets), then their hours, days and samples are
recomputed like data arriving over HJ 212.

Every row ends up in exactly one count of the ``ImportReport`` (docs/quality.md, "Dates
in the future"): imported (at least one new value), already present (every value stored
before, identical), kept (nothing new, and a value differs from the stored one, which
stays), held for review (dated after now + the ahead minutes of the rule
``monitoring.data_time_window``: a ``HeldRow``, never a reading, until a regulator
releases it) or refused (with its line and reason). Rows older than the rule's *behind*
days are imported: back-filling history is what imports are for.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from qingshan.core.chinatime import CHINA_TZ
from qingshan.core.fields import epoch_seconds
from qingshan.core.models import User
from qingshan.core.outbox import event_record
from qingshan.core.permissions import can_edit_region
from qingshan.core.spreadsheet import csv_unescape
from qingshan.monitoring.models import Reading
from qingshan.quality.aqi import to_decimal
from qingshan.quality.choices import DataKind, HeldReason, HeldStatus
from qingshan.quality.cli import RowError, parse_time
from qingshan.quality.datatime import Windows
from qingshan.quality.factors import AIR_BY_NAME, WATER_BY_NAME, FactorMap, to_core
from qingshan.quality.models import AirStation, DataImport, HeldRow, WaterSection
from qingshan.quality.results import AIR, HOUR, RTD, results_mark, results_recompute_pending
from qingshan.quality.water_standards import WaterBody

MAX_ROWS = 200_000  # rows read, empty ones included
# this many empty rows in a row end the file: Excel keeps formatted empty rows, and a
# file of millions of them would otherwise be read to the end
MAX_EMPTY_RUN = 1000
Site = AirStation | WaterSection
Key = tuple[int, str, int, int]  # a reading's key: point, factor code, period, data time


class ImportError_(ValueError):
    """The file cannot be imported at all (no such columns, not CSV or Excel)."""


@dataclass
class ImportReport:
    """What an import did, row by row; each row is in exactly one of the five counts."""

    rows: int = 0
    imported: int = 0  # rows with at least one new value stored
    readings: int = 0  # new values stored
    present: int = 0  # every value already stored, identical: skipped
    kept: int = 0  # nothing new, some value differs from the stored one (kept)
    held: int = 0  # dated in the future: held for review
    held_known: int = 0  # of ``held``: identical to a row already waiting, not added twice
    errors: list[tuple[int, str]] = field(default_factory=list)  # refused: (line, reason)
    # (line, what differs) of every row with a value other than the stored one
    differing: list[tuple[int, str]] = field(default_factory=list)
    import_id: int | None = None
    stopped_at: int | None = None  # the line where a long run of empty rows began

    @property
    def refused(self) -> int:
        return len(self.errors)

    def message(self) -> str:
        """The result in one sentence, every count stated (the page and its message)."""
        text = _(
            "共 %(rows)s 行：已导入 %(imported)s 行（新增监测数据 %(readings)s 条），"
            "已存在跳过 %(present)s 行，与已存数据不同未导入 %(kept)s 行，"
            "日期晚于当前时间待审核 %(held)s 行，拒收 %(refused)s 行"
        ) % {
            "rows": self.rows,
            "imported": self.imported,
            "readings": self.readings,
            "present": self.present,
            "kept": self.kept,
            "held": self.held,
            "refused": self.refused,
        }
        if self.held_known:
            text += _("（待审核的行中 %(n)s 行已在待审核列表中，未重复登记）") % {
                "n": self.held_known
            }
        if self.stopped_at is not None:
            text += _(
                "；第 %(line)s 行起连续 %(run)s 行为空，已停止读取，"
                "其后如还有数据请删除空行后重新导入"
            ) % {"line": self.stopped_at, "run": MAX_EMPTY_RUN}
        return text


@dataclass
class _Row:
    """A row that parsed: where, when, and its values in the unit a logger sends."""

    line: int
    site: Site
    cells: dict[str, str]
    moment: int  # the time as written (air: the hour's end label), epoch seconds
    period: int
    data_time: int  # as stored (air: the hour's start)
    values: dict[str, float]  # factor code → value
    columns: dict[str, FactorMap]  # factor code → its column


def read_rows(name: str, data: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV (UTF-8 with or without BOM, or GB18030) or .xlsx file."""
    if name.lower().endswith(".xlsx"):
        yield from _xlsx_rows(data)
        return
    raw = data.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportError_(_("文件不是 UTF-8 或 GB18030 编码的 CSV"))
    reader = csv.DictReader(io.StringIO(text))
    for line, row in enumerate(reader, start=2):
        # our own CSV exports quote text that would start a formula: read it back as text
        yield (
            line,
            {(k or "").strip().lower(): csv_unescape((v or "").strip()) for k, v in row.items()},
        )


def _xlsx_rows(data: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(data, read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises many kinds on a file that is not .xlsx
        raise ImportError_(_("无法读取 Excel 文件：%(error)s") % {"error": error}) from None
    if (sheet.max_row or 0) > MAX_ROWS:  # the declared size: refused before reading
        raise ImportError_(_too_many_rows())
    sheet.reset_dimensions()  # a wrong declared size would cut rows off: read them all
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip().lower() for c in next(rows, ())]
    for line, cells in enumerate(rows, start=2):
        yield line, {h: _cell(c) for h, c in zip(header, cells, strict=False) if h}


def _too_many_rows() -> str:
    return _("文件超过 %(n)s 行（含空行），请删除多余的空行或分批导入") % {"n": MAX_ROWS}


def _content_rows(
    rows: Iterable[tuple[int, dict[str, str]]], report: ImportReport
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows with content: empty rows are not counted, and a long run of them ends
    the file (the report says where); more than MAX_ROWS rows read refuse the file."""
    read = empty = 0
    for line, row in rows:
        read += 1
        if read > MAX_ROWS:
            raise ImportError_(_too_many_rows())
        if any(row.values()):
            empty = 0
            yield line, row
            continue
        empty += 1
        if empty >= MAX_EMPTY_RUN:
            report.stopped_at = line - MAX_EMPTY_RUN + 1
            return


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _epoch(moment: dt.date | dt.datetime) -> int:
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TZ)
    return int(moment.timestamp())


def row_moment(text: str) -> int:
    """The row's time as epoch seconds; a time no calendar holds (9999-12-31 24:00, the
    first hours of year 1 in UTC) is a bad row, not a crash."""
    try:
        epoch = _epoch(parse_time(text))
        dt.datetime.fromtimestamp(epoch - 3600, tz=dt.UTC)
    except RowError:  # no time at all: its own message
        raise
    except (OverflowError, ValueError, OSError):
        raise RowError(_("时间 %(time)r 超出可处理的范围") % {"time": text}) from None
    return epoch


def _value(row: dict[str, str], column: str, factor: FactorMap) -> float | None:
    text = row.get(column, "")
    if not text:
        return None
    try:
        value = to_decimal(text)
    except ValueError as error:
        raise RowError(f"{column}: {error}") from None
    return float(value / factor.scale)  # back to the unit a logger sends (factors.py)


def _sites(model: type[AirStation] | type[WaterSection], user: User) -> dict[str, Any]:
    return {s.code: s for s in model.objects.all() if can_edit_region(user, s.region_code)}


def _parse(
    rows: Iterable[tuple[int, dict[str, str]]], *, air: bool, user: User, report: ImportReport
) -> list[_Row]:
    """The rows that parse; the others go to ``report.errors`` with their line."""
    key = "station" if air else "section"
    factors = AIR_BY_NAME if air else WATER_BY_NAME
    sites = _sites(AirStation if air else WaterSection, user)
    parsed: list[_Row] = []
    for line, row in _content_rows(rows, report):
        if report.rows == 0:
            _check_columns(row, key, factors)
        report.rows += 1
        try:
            parsed.append(_parse_row(line, row, key=key, air=air, sites=sites, factors=factors))
        except RowError as error:
            report.errors.append((line, str(error)))
    return parsed


def _parse_row(
    line: int,
    row: dict[str, str],
    *,
    key: str,
    air: bool,
    sites: dict[str, Any],
    factors: dict[str, FactorMap],
) -> _Row:
    site = sites.get(row.get(key, ""))
    if site is None:
        raise RowError(_("%(key)s %(code)r 不存在或无权导入") % {"key": key, "code": row.get(key)})
    moment = row_moment(row.get("time", ""))
    if not air:
        _check_body(row, site)
    values, columns = {}, {}
    for column, factor in factors.items():
        value = _value(row, column, factor)
        if value is not None:
            values[factor.code], columns[factor.code] = value, factor
    if not values:
        raise RowError(_("该行没有监测值"))
    data_time, period = (moment - 3600, HOUR) if air else (moment, RTD)
    return _Row(line, site, row, moment, period, data_time, values, columns)


def _stored(rows: list[_Row]) -> dict[Key, float | None]:
    """The readings already stored under the keys of ``rows``."""
    times: dict[tuple[int, int], set[int]] = defaultdict(set)
    codes: set[str] = set()
    for row in rows:
        times[(row.site.point_id, row.period)].add(row.data_time)
        codes |= set(row.values)
    found: dict[Key, float | None] = {}
    for (point_id, period), wanted in times.items():
        ordered = sorted(wanted)
        for i in range(0, len(ordered), 500):
            for data_time, code, value in Reading.objects.filter(
                point_id=point_id,
                period=period,
                data_time__in=ordered[i : i + 500],
                factor_code__in=sorted(codes),
            ).values_list("data_time", "factor_code", "value"):
                found[(point_id, code, period, epoch_seconds(data_time) or 0)] = value
    return found


def _held_key(site_pk: int, period: int, data_time: int, values: dict[str, Any]) -> str:
    return json.dumps([site_pk, period, data_time, sorted(values.items())])


def _waiting(kind: str, rows: list[_Row]) -> set[str]:
    """Keys of the rows already held and still waiting for these sites."""
    site = "station_id" if kind == AIR else "section_id"
    pending = HeldRow.objects.filter(
        status=HeldStatus.HELD, kind=kind, **{f"{site}__in": {r.site.pk for r in rows}}
    ).values_list(site, "period", "data_time", "values")
    return {_held_key(s, p, epoch_seconds(t) or 0, v) for s, p, t, v in pending}


def _differences(row: _Row, stored: dict[Key, float | None]) -> tuple[list[str], list[str]]:
    """(codes new to the store, descriptions of the values that differ from it)."""
    new, differ = [], []
    for code, value in row.values.items():
        key = (row.site.point_id, code, row.period, row.data_time)
        if key not in stored:
            new.append(code)
        elif stored[key] != value:
            factor = row.columns[code]
            old = stored[key]
            was = "—" if old is None else format(to_core(factor, old).normalize(), "f")
            differ.append(f"{factor.name} {row.cells.get(factor.name, '')} ≠ {was}")
    return new, differ


@transaction.atomic
def import_data(*, user: User, kind: str, name: str, data: IO[bytes]) -> ImportReport:
    """Import air (``kind="air"``) or water data rows; see the module docstring."""
    if kind not in DataKind.values:
        raise ImportError_(_("数据类型应为 air 或 water"))
    _check_size(data)
    report = ImportReport()
    rows = _parse(read_rows(name, data), air=kind == AIR, user=user, report=report)
    windows = Windows()
    stored, waiting = _stored(rows), _waiting(kind, rows)
    readings: list[Reading] = []
    held: list[_Row] = []
    marks: set[tuple[str, int, int, int]] = set()
    for row in rows:
        new = _verdict(row, stored, windows, report)
        if new is None:
            continue
        if windows.ahead(row.site.region_code, row.moment):
            _count_held(row, report, waiting, held)
            continue
        report.imported += 1
        readings += _new_readings(row, new, stored, received=windows.now * 1000)
        marks.add((kind, row.site.pk, row.period, row.data_time))
    report.readings = len(readings)
    Reading.objects.bulk_create(readings, batch_size=2000, ignore_conflicts=True)
    record = _record(user=user, kind=kind, name=name, report=report)
    _hold(record, held, windows)
    results_mark(marks)
    while results_recompute_pending():
        pass
    return report


def _verdict(
    row: _Row, stored: dict[Key, float | None], windows: Windows, report: ImportReport
) -> list[str] | None:
    """The row's codes new to the store; None (counted as present or kept) if none is."""
    new, differ = _differences(row, stored)
    if differ:
        report.differing.append((row.line, "; ".join(differ)))
    if new:
        return new
    if differ:
        report.kept += 1
    else:
        report.present += 1
    return None


def _count_held(row: _Row, report: ImportReport, waiting: set[str], held: list[_Row]) -> None:
    """Hold a future row, once: the same row already waiting is not recorded again."""
    report.held += 1
    key = _held_key(row.site.pk, row.period, row.data_time, row.values)
    if key in waiting:
        report.held_known += 1
    else:
        waiting.add(key)
        held.append(row)


def _new_readings(
    row: _Row, codes: list[str], stored: dict[Key, float | None], *, received: int
) -> list[Reading]:
    """The row's new values as readings; remembered, so a later row of the file with
    the same key is compared with them (the first value wins)."""
    out = []
    for code in codes:
        stored[(row.site.point_id, code, row.period, row.data_time)] = row.values[code]
        out.append(
            Reading(point_id=row.site.point_id, factor_code=code, period=row.period,
                    data_time=row.data_time, value=row.values[code], flag="N",
                    received_at=received)
        )  # fmt: skip
    return out


def _record(*, user: User, kind: str, name: str, report: ImportReport) -> DataImport:
    """The import's own record (and so its audit row), with every count."""
    record = DataImport(
        user=user if user.pk else None,
        kind=kind,
        file_name=name[:200],
        rows=report.rows,
        imported=report.imported,
        readings=report.readings,
        present=report.present,
        kept=report.kept,
        held=report.held,
        held_known=report.held_known,
        refused=report.refused,
        errors=[list(e) for e in report.errors[: DataImport.ERRORS_KEPT]],
    )
    record.save()  # the import's audit row
    event_record(
        topic="quality.data.imported",
        aggregate=record,
        payload={"kind": kind, "imported": report.imported, "held": report.held,
                 "refused": report.refused},
    )  # fmt: skip
    report.import_id = record.pk
    return record


def _hold(record: DataImport, rows: list[_Row], windows: Windows) -> None:
    HeldRow.objects.bulk_create(
        [
            HeldRow(
                data_import=record,
                kind=record.kind,
                station=row.site if isinstance(row.site, AirStation) else None,
                section=row.site if isinstance(row.site, WaterSection) else None,
                site_code=row.site.code,
                region_code=row.site.region_code,
                line=row.line,
                cells=row.cells,
                row_time=row.moment,
                period=row.period,
                data_time=row.data_time,
                values=row.values,
                reason=HeldReason.AHEAD,
                ahead_minutes=windows.ahead_minutes(row.site.region_code),
            )
            for row in rows
        ],
        batch_size=1000,
    )


def _check_size(data: IO[bytes]) -> None:
    """The byte limit of every import (QINGSHAN_IMPORT_MAX_BYTES), before any reading."""
    data.seek(0, 2)
    size, limit = data.tell(), int(settings.QINGSHAN_IMPORT_MAX_BYTES)
    data.seek(0)
    if size > limit:
        raise ImportError_(
            _("文件过大：%(size)s 字节，上限 %(limit)s 字节，请拆分后导入")
            % {"size": size, "limit": limit}
        )


def _check_columns(row: dict[str, str], key: str, factors: dict[str, FactorMap]) -> None:
    missing = [c for c in ("time", key) if c not in row]
    if missing:
        raise ImportError_(_("缺少列：%(columns)s") % {"columns": ", ".join(missing)})
    if not set(factors) & set(row):
        raise ImportError_(
            _("没有可导入的监测项目列（应为 %(columns)s 中的一个或多个）")
            % {"columns": ", ".join(factors)}
        )


def _check_body(row: dict[str, str], section: WaterSection) -> None:
    given = row.get("water_body", "")
    if not given:
        return
    try:
        body = WaterBody.parse(given)
    except ValueError as error:
        raise RowError(str(error)) from None
    if body != section.water_body:
        raise RowError(
            _("water_body %(given)s 与断面登记的水体类型 %(body)s 不一致")
            % {"given": given, "body": section.water_body}
        )


def decimal_or_none(text: str) -> Decimal | None:
    return Decimal(text) if text else None
