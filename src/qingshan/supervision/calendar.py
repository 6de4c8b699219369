"""Working days and deadlines: plain date arithmetic, no database.

Periods are counted as the Civil Code counts them: the day a period starts is not counted
(《民法典》第二百零一条), and a period ends at 24:00 of its last day (第二百零三条). A period
of *n working days* therefore ends at midnight after the n-th working day following the
start day; weekends are not working days unless the State Council's holiday notice makes
one a working day (调休), and public holidays are not. A period in *hours* is clock hours.
The holiday lists come from the rule table (rule ``supervision.calendar``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qingshan.core.chinatime import CHINA_TZ


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)  # weekend days worked

    @classmethod
    def from_rule(cls, value: Mapping[str, Iterable[str]] | None) -> WorkCalendar:
        value = value or {}
        return cls(
            holidays=frozenset(dt.date.fromisoformat(d) for d in value.get("holidays", ())),
            workdays=frozenset(dt.date.fromisoformat(d) for d in value.get("workdays", ())),
        )

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Midnight (China time) ending the ``days``-th working day after ``start``'s day."""
        day = start.astimezone(CHINA_TZ).date()
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            counted += self.is_working_day(day)
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=CHINA_TZ)


def deadline_after(
    start: dt.datetime, spec: Mapping[str, Any], calendar: WorkCalendar
) -> dt.datetime:
    """The deadline of a period given as ``{"working_days": n}`` or ``{"hours": n}``."""
    if "working_days" in spec:
        return calendar.add_working_days(start, int(spec["working_days"]))
    if "hours" in spec:
        return start + dt.timedelta(hours=float(spec["hours"]))
    raise ValueError(f"a deadline needs working_days or hours, got {dict(spec)!r}")
