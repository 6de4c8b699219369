"""Turn an accepted HJ 212 upload into reading rows (HJ 212-2017 Table 9, §6.3.3)."""

from __future__ import annotations

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
    moment = parse_time(packet.cp.get("DataTime"))  # aware, China time; None if malformed
    return None if moment is None else int(moment.timestamp())


def reading_rows(
    packet: Packet, *, point_id: int, data_time: int | None, received_ms: int
) -> list[ReadingRow]:
    """The readings an upload carries; none for other commands or without a DataTime."""
    spec = UPLOADS.get(packet.cn or "")
    if spec is None or data_time is None:
        return []
    period, value_field, zs_field = spec
    rows: list[ReadingRow] = []
    for code, fields in packet.cp.factors().items():
        if len(code) > MAX_CODE:
            continue
        rows.append(
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
        )
    return rows
