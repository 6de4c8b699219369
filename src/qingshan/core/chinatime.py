"""China time, in one place for the Django side.

China has kept one zone, China Standard Time, at UTC+8 with no daylight saving since 1991, and
every time Qingshan handles (HJ 212 data times, daily statistics, deadlines, permits) is later
than that. So China time is a *fixed* offset: a China date or midnight is plain arithmetic on
epoch seconds, with no zone database (``settings.TIME_ZONE = "Asia/Shanghai"`` agrees with it
on every date since 1991).

This module is pure (no Django), so the pure parts of the apps (``quality.standards``, the demo
plan) can use it too. ``hj212``, ``gateway`` and ``simulator`` keep their own definition: they
are Django-free and the import contracts (pyproject.toml) keep them from importing
``qingshan.core``.
"""

from __future__ import annotations

import datetime as dt

#: China's offset from UTC, in seconds.
CHINA_OFFSET_S = 8 * 3600
#: China Standard Time as a fixed zone.
CHINA_TZ = dt.timezone(dt.timedelta(seconds=CHINA_OFFSET_S), "CST")

_DAY = 86400
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def china_today() -> dt.date:
    """Today's date in China."""
    return dt.datetime.now(CHINA_TZ).date()


def china_date(when: dt.date | dt.datetime) -> dt.date:
    """The calendar date in China of a date or a datetime (naive datetimes are China time)."""
    if isinstance(when, dt.datetime):
        if when.tzinfo is not None:
            when = when.astimezone(CHINA_TZ)
        return when.date()
    return when


def china_date_of_epoch(epoch_seconds: int) -> dt.date:
    """The date in China of an epoch time."""
    return dt.date.fromordinal(_EPOCH_ORDINAL + (epoch_seconds + CHINA_OFFSET_S) // _DAY)


def china_day_start(day: dt.date) -> int:
    """Epoch seconds of 00:00 China time on ``day``."""
    return (day.toordinal() - _EPOCH_ORDINAL) * _DAY - CHINA_OFFSET_S


def china_day_start_of_epoch(epoch_seconds: int) -> int:
    """Epoch seconds of 00:00 China time on the China day holding ``epoch_seconds``."""
    return epoch_seconds - (epoch_seconds + CHINA_OFFSET_S) % _DAY
