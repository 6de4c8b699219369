"""Turn an accepted HJ 212 upload into reading rows (HJ 212-2017 Table 9, §6.3.3)."""

from __future__ import annotations

import datetime as dt
import math

from qingshan.gateway.sink import ReadingRow
from qingshan.hj212 import Packet, parse_time

RTD, MINUTE, HOUR, DAY = 1, 2, 3, 4  # monitoring.choices.PeriodKind

# CN → (period kind, field with the value, field with the converted value)
UPLOADS: dict[str, tuple[int, str, str]] = {
    "2011": (RTD, "Rtd", "ZsRtd"),  # real-time data
    "2051": (MINUTE, "Avg", "ZsAvg"),  # minute data
    "2061": (HOUR, "Avg", "ZsAvg"),  # hourly data
    "2031": (DAY, "Avg", "ZsAvg"),  # daily data
    "2041": (DAY, "RT", ""),  # facility running time per day (RT, hours)
}

MAX_CODE = 8  # column width of factor_code: longer codes are not factor codes


def _number(text: str | None) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def data_time_epoch(packet: Packet) -> int | None:
    """``DataTime`` (China time, ``YYYYMMDDhhmmss``) as epoch seconds, or None."""
    text = packet.cp.get("DataTime")
    if text is not None and len(text) == 14 and text.isdigit():
        try:  # the common case without building a datetime (hot path)
            day = _ordinal(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            return None
        hour, minute, second = int(text[8:10]), int(text[10:12]), int(text[12:14])
        if hour > 23 or minute > 59 or second > 59:
            return None
        return (day - _EPOCH_DAY) * 86400 + hour * 3600 + minute * 60 + second - _CHINA_OFFSET
    moment = parse_time(text)  # other lengths the codec accepts; aware, China time
    return None if moment is None else int(moment.timestamp())


_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()
_CHINA_OFFSET = 8 * 3600  # HJ 212 times are Beijing time, UTC+8, no daylight saving


def _ordinal(year: int, month: int, day: int) -> int:
    return dt.date(year, month, day).toordinal()  # raises ValueError on 20261301 etc.


def reading_rows(
    packet: Packet, *, point_id: int, data_time: int | None, received_ms: int
) -> list[ReadingRow]:
    """The readings an upload carries; none for other commands or without a DataTime."""
    spec = UPLOADS.get(packet.cn or "")
    if spec is None or data_time is None:
        return []
    period, value_field, zs_field = spec
    by_code: dict[str, dict[str, str]] = {}
    for group in packet.cp.groups:  # one pass over the pairs, grouped by factor code
        for key, value in group:
            code, dash, name = key.partition("-")
            if dash and 0 < len(code) <= MAX_CODE:
                by_code.setdefault(code, {})[name] = value
    return [
        (
            point_id,
            code,
            period,
            data_time,
            _number(fields.get(value_field)),
            _number(fields.get("Min")),
            _number(fields.get("Max")),
            _number(fields.get("Cou")),
            _number(fields.get(zs_field)) if zs_field else None,
            (fields.get("Flag") or "")[:2],
            (fields.get("EFlag") or "")[:8],
            received_ms,
        )
        for code, fields in by_code.items()
    ]
