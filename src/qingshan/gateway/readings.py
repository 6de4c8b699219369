"""Turn an accepted HJ 212 upload into reading rows (HJ 212-2017 Table 9, §6.3.3)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

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

# a data time against the server's clock on arrival (monitoring.choices.DataTimeStatus)
TIME_OK, TIME_AHEAD, TIME_BEHIND = 0, 1, 2


@dataclass(frozen=True, slots=True)
class DataTimeWindow:
    """The data times the platform judges, around the server's clock on arrival (rule
    ``monitoring.data_time_window``). Outside it a packet is stored and acknowledged, but
    has no readings and raises, clears and derives nothing: a logger whose clock reset to
    2000-01-01 would otherwise judge against rules not yet in force, and one dated 2099
    would clear an open exceedance and stand as the latest value for 73 years."""

    ahead: int  # seconds a data time may be after the clock (skew)
    behind: int  # seconds it may be before (a resent backlog)

    @classmethod
    def from_rule(cls, value: dict[str, float]) -> DataTimeWindow:
        return cls(int(value["ahead_minutes"] * 60), int(value["behind_days"] * 86400))

    def status(self, data_time: int | None, received_ms: int) -> int:
        """TIME_OK, TIME_AHEAD or TIME_BEHIND; a packet without a data time is OK (it
        carries no readings to judge)."""
        if data_time is None:
            return TIME_OK
        received = received_ms // 1000
        if data_time > received + self.ahead:
            return TIME_AHEAD
        if data_time < received - self.behind:
            return TIME_BEHIND
        return TIME_OK


MAX_CODE = 8  # column width of factor_code: longer codes are not factor codes
_CONTROL = {i: "\ufffd" for i in (*range(32), 127)}


def printable(text: str) -> str:
    """Text for a database column: a control character becomes U+FFFD. The codec takes
    what a logger sends, and PostgreSQL refuses a NUL in text: one such frame failed the
    whole batch it was in. The raw packet keeps the exact bytes."""
    return text if text.isprintable() else text.translate(_CONTROL)


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
                by_code.setdefault(printable(code), {})[name] = value
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
            printable((fields.get("Flag") or "")[:2]),
            printable((fields.get("EFlag") or "")[:8]),
            received_ms,
        )
        for code, fields in by_code.items()
    ]
