"""Import station and section data from CSV or Excel into the readings store.

The columns are those of ``qingshan quality aqi`` (hourly) and ``qingshan quality water``,
plus the station or section code: ``time, station, so2, no2, pm10, co, o3, pm25`` and
``time, section, ph, do, codmn, …``. Air ``time`` is the hour's label as bulletins print it
(its end, ``24:00`` allowed); it is stored as HJ 212 hourly data keyed by the hour's start,
exactly as if the station's logger had sent it. Water ``time`` is the sampling time, stored
as a real-time sample. Values go into ``monitoring.Reading`` under the station's point
(first value wins, as for resent packets), then their hours, days and samples are
recomputed like data arriving over HJ 212. A bad row is reported with its line number and
skipped; the others are imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from qingshan.core.models import User
from qingshan.core.permissions import can_edit_region
from qingshan.monitoring.models import Reading
from qingshan.quality.aqi import to_decimal
from qingshan.quality.cli import RowError, parse_time
from qingshan.quality.factors import AIR_BY_NAME, WATER_BY_NAME, FactorMap
from qingshan.quality.models import AirStation, WaterSection
from qingshan.quality.results import AIR, HOUR, RTD, WATER, results_mark, results_recompute_pending
from qingshan.quality.standards import CHINA_TZ
from qingshan.quality.water_standards import WaterBody

MAX_ROWS = 200_000


class ImportError_(ValueError):
    """The file cannot be imported at all (no such columns, not CSV or Excel)."""


@dataclass
class ImportReport:
    rows: int = 0
    readings: int = 0  # new readings stored
    errors: list[tuple[int, str]] = field(default_factory=list)


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
        yield line, {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}


def _xlsx_rows(data: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(data, read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises many kinds on a file that is not .xlsx
        raise ImportError_(_("无法读取 Excel 文件：%(error)s") % {"error": error}) from None
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip().lower() for c in next(rows, ())]
    for line, cells in enumerate(rows, start=2):
        yield line, {h: _cell(c) for h, c in zip(header, cells, strict=False) if h}


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


@transaction.atomic
def import_data(*, user: User, kind: str, name: str, data: IO[bytes]) -> ImportReport:
    """Import air (``kind="air"``) or water data rows; see the module docstring."""
    air = kind == AIR
    key = "station" if air else "section"
    factors = AIR_BY_NAME if air else WATER_BY_NAME
    sites = _sites(AirStation if air else WaterSection, user)
    report = ImportReport()
    readings: list[Reading] = []
    marks: set[tuple[str, int, int, int]] = set()
    received = int(time.time() * 1000)
    columns_checked = False
    for line, row in read_rows(name, data):
        if not columns_checked:
            _check_columns(row, key, factors)
            columns_checked = True
        report.rows += 1
        if report.rows > MAX_ROWS:
            raise ImportError_(_("文件超过 %(n)s 行，请分批导入") % {"n": MAX_ROWS})
        try:
            site = sites.get(row.get(key, ""))
            if site is None:
                raise RowError(
                    _("%(key)s %(code)r 不存在或无权导入") % {"key": key, "code": row.get(key)}
                )
            moment = _epoch(parse_time(row.get("time", "")))
            if not air:
                _check_body(row, site)
            data_time, period = (moment - 3600, HOUR) if air else (moment, RTD)
            values = {f.code: _value(row, column, f) for column, f in factors.items()}
        except RowError as error:
            report.errors.append((line, str(error)))
            continue
        for code, value in values.items():
            if value is not None:
                readings.append(
                    Reading(point_id=site.point_id, factor_code=code, period=period,
                            data_time=data_time, value=value, flag="N", received_at=received)
                )  # fmt: skip
        marks.add((AIR if air else WATER, site.pk, period, data_time))
    before = Reading.objects.filter(point_id__in=[s.point_id for s in sites.values()]).count()
    Reading.objects.bulk_create(readings, batch_size=2000, ignore_conflicts=True)
    report.readings = (
        Reading.objects.filter(point_id__in=[s.point_id for s in sites.values()]).count() - before
    )
    results_mark(marks)
    while results_recompute_pending():
        pass
    return report


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
