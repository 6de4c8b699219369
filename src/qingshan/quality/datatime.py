"""Which data times the quality app takes as they come: the rule the gateway applies.

A station's logger dated 2099, or an import row dated next year, would otherwise stand as
the station's "latest" value for decades and hide its live data. The window is the dated
rule ``monitoring.data_time_window`` (``ahead_minutes``: clock skew; ``behind_days``: the
oldest backlog a logger resends), read for the station's region on today's China date,
and compared exactly as the gateway compares (``gateway.readings.DataTimeWindow``).

The quality app uses only its *ahead* side: an import row dated after now + ahead is held
for review (``imports``), and no "latest" query shows a result dated after it
(``selectors``). Rows older than *behind* are what imports are for (back-filling a year of
history), so they are taken. Where no value of the rule is in force, every time is taken
as it comes, as the gateway does.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from qingshan.core.chinatime import china_date_of_epoch
from qingshan.core.rules import rule_value
from qingshan.gateway.readings import TIME_AHEAD, DataTimeWindow

log = logging.getLogger("qingshan.quality")

RULE = "monitoring.data_time_window"


class Windows:
    """The window of each region at one moment, read once per region (one page, one
    import, one decision)."""

    def __init__(self, now: float | None = None) -> None:
        self.now = int(time.time() if now is None else now)
        self._found: dict[str, DataTimeWindow | None] = {}

    def window(self, region_code: str) -> DataTimeWindow | None:
        if region_code not in self._found:
            value = rule_value(RULE, region_code=region_code, on=self.today, default=None)
            if value is None:
                log.warning("event=no-data-time-window region=%s", region_code or "national")
            self._found[region_code] = None if value is None else DataTimeWindow.from_rule(value)
        return self._found[region_code]

    @property
    def today(self) -> dt.date:
        return china_date_of_epoch(self.now)

    def ahead(self, region_code: str, moment: int) -> bool:
        """Is ``moment`` (epoch seconds) after now + ahead for this region?"""
        window = self.window(region_code)
        return window is not None and window.status(moment, self.now * 1000) == TIME_AHEAD

    def shown_until(self, region_code: str) -> int | None:
        """The latest data time a page may show as a value of this region (None: any)."""
        window = self.window(region_code)
        return None if window is None else self.now + window.ahead

    def last_day(self, region_code: str) -> dt.date | None:
        """The latest China date a page may show as a daily result of this region."""
        until = self.shown_until(region_code)
        return None if until is None else china_date_of_epoch(until)

    def ahead_minutes(self, region_code: str) -> int:
        window = self.window(region_code)
        return 0 if window is None else window.ahead // 60
