"""What the pages hand to ECharts and to the Excel export: a series as plain lists."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.spreadsheet import xlsx_row
from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.series import KIND_LABELS, Series
from qingshan.web.helpers import factor_label


def status_label(status: str) -> str:
    return {"valid": _("有效"), "invalid": _("无效"), "review": _("待审核")}.get(status, status)


def source_label(source: str) -> str:
    labels = {"logger": _("数采仪上报"), "derived": _("平台统计"), "bucket": _("区间汇总")}
    return labels.get(source, source)


# seconds around a lone value on the time axis: about one period of its kind
STEP = {PeriodKind.RTD: 60, PeriodKind.MINUTE: 600, PeriodKind.HOUR: 3600, PeriodKind.DAY: 86400}


def chart_payload(series: Series, *, marks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Columns for the chart script (times in epoch milliseconds, shown in China time by
    the script), its kind of data (the precision of a time), and its labels."""
    values = series.values
    has_converted = series.reference_o2 is not None or any(v.converted is not None for v in values)
    return {
        "t": [v.t * 1000 for v in values],
        "value": [v.value for v in values],
        "converted": [v.converted for v in values] if has_converted else None,
        "min": [v.min for v in values] if series.bucket else None,
        "max": [v.max for v in values] if series.bucket else None,
        "status": [v.status for v in values],
        "limit": series.limit_value,
        "lower_limit": series.lower_limit,
        "unit": series.unit,
        "bucket": series.bucket,
        "kind": KIND_LABELS.get(series.kind, "hour"),
        "step": series.bucket or STEP.get(PeriodKind(series.kind), 3600),
        "marks": marks or [],
        "labels": {
            "measured": _("实测值"),
            "converted": _("折算值（O2 %(o2)s%%）") % {"o2": series.reference_o2}
            if series.reference_o2 is not None
            else _("折算值"),
            "limit": _("限值"),
            "invalid": _("无效"),
            "review": _("待审核"),
            "min": _("最小值"),
            "max": _("最大值"),
            "empty": _("该时段没有数据"),
        },
    }


def _append(sheet: Any, values: list[Any]) -> None:
    """One row, its text (names from the registry) as text: never a formula."""
    sheet.append(xlsx_row(sheet, values))


def series_workbook(series: Series) -> bytes:
    """The shown data as an .xlsx: one row per value, with flag, validity and the limit."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("监测数据"))
    point = series.point
    tz = timezone.get_current_timezone()
    enterprise = point.outlet.enterprise.name if point.outlet is not None else ""
    _append(sheet, [_("排污单位"), enterprise])
    _append(sheet, [_("监控点"), point.name])
    _append(sheet, [_("监测因子"), factor_label(series.factor_code), series.unit])
    limit = series.limit_value
    _append(sheet, [_("限值"), limit if limit is not None else "", series.unit])
    if series.lower_limit is not None:
        _append(sheet, [_("下限"), series.lower_limit, series.unit])
    if series.reference_o2 is not None:
        _append(sheet, [_("基准氧含量 %"), series.reference_o2])
    if series.bucket:
        _append(sheet, [_("区间（秒）"), series.bucket])
    _append(sheet, [])
    _append(
        sheet,
        [
            _("数据时间"),
            _("实测值"),
            _("折算值"),
            _("最小值"),
            _("最大值"),
            _("数据标记"),
            _("有效性"),
            _("来源"),
            _("数据个数"),
            _("有效数据个数"),
            _("超限值"),
        ],
    )
    for v in series.values:
        judged = v.converted if series.reference_o2 is not None else v.value
        over = judged is not None and series.outside(judged) and v.status == "valid"
        _append(
            sheet,
            [
                dt.datetime.fromtimestamp(v.t, tz=tz).replace(tzinfo=None),
                v.value,
                v.converted,
                v.min,
                v.max,
                v.flag,
                status_label(v.status),
                source_label(v.source),
                v.count,
                v.valid_count,
                _("是") if over else "",
            ],
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
