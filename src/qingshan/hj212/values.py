"""Typed views of HJ 212 value strings.

Packets keep every value as the exact string sent; these helpers turn one into a number
or a time on request and return ``None`` when the string does not fit, because real
devices send empty values, 17-digit times and other deviations (hj212.md §8.4).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

__all__ = ["CHINA_TZ", "format_qn", "format_time", "parse_decimal", "parse_time"]

#: China Standard Time. HJ 212 times carry no zone; loggers in China send local time (UTC+8).
#: A fixed offset: China has no daylight saving time, and no clock or tz database is needed.
CHINA_TZ = timezone(timedelta(hours=8), "CST")

# HJ 212-2017 §6.3.3.2.2 "Nx.y": sign and decimal point allowed, no exponent.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DIGITS = re.compile(r"\d{8}(?:\d{2}(?:\d{2}(?:\d{2}(?:\d{3})?)?)?)?")


def parse_decimal(text: str | None) -> Decimal | None:
    """``"-18.74"`` → ``Decimal("-18.74")``; ``None`` for missing or non-numeric text."""
    if text is None or _NUMBER.fullmatch(text) is None:
        return None
    return Decimal(text)


def parse_time(text: str | None) -> datetime | None:
    """Parse an HJ 212 time label into an aware datetime in China time.

    Accepts ``YYYYMMDD``, ``…hh``, ``…hhmm``, ``YYYYMMDDhhmmss`` (N14, the standard's
    form) and ``YYYYMMDDhhmmsszzz`` (QN, and 17-digit DataTime seen in the wild).
    """
    if text is None or _DIGITS.fullmatch(text) is None:
        return None
    parts = [int(text[i : i + 2]) for i in range(8, min(len(text), 14), 2)]
    hour, minute, second = [*parts, 0, 0, 0][:3]
    micro = int(text[14:17]) * 1000 if len(text) == 17 else 0
    try:
        return datetime(
            int(text[:4]), int(text[4:6]), int(text[6:8]), hour, minute, second, micro, CHINA_TZ
        )
    except ValueError:
        return None


def _china(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("HJ 212 times must be timezone-aware datetimes")
    return moment.astimezone(CHINA_TZ)


def format_time(moment: datetime) -> str:
    """Aware datetime → ``YYYYMMDDhhmmss`` in China time (HJ 212 N14)."""
    return _china(moment).strftime("%Y%m%d%H%M%S")


def format_qn(moment: datetime) -> str:
    """Aware datetime → QN ``YYYYMMDDhhmmsszzz`` (HJ 212-2017 Table 3: ms timestamp)."""
    local = _china(moment)
    return local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}"
