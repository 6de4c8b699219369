"""Deadlines and escalation thresholds, read from the rule table (docs/supervision.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from qingshan.core.chinatime import CHINA_TZ
from qingshan.core.models import RuleValue
from qingshan.core.rules import rule_value
from qingshan.supervision.calendar import WorkCalendar, deadline_after
from qingshan.supervision.workflow import STATE_DEADLINES

DEADLINES = "supervision.deadlines"
CALENDAR = "supervision.calendar"
ESCALATION = "supervision.overdue_escalation"
REMINDER = "supervision.reminder_hours"
AUTO_CASE = "supervision.auto_case_alarm_kinds"
ATTACHMENTS = "supervision.attachments"


def _on(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA_TZ).date()


def calendar_for(region_code: str, moment: dt.datetime) -> WorkCalendar:
    return WorkCalendar.from_rule(
        rule_value(CALENDAR, region_code=region_code, on=_on(moment), default={})
    )


def deadline_for(state: str, *, region_code: str, start: dt.datetime) -> dt.datetime | None:
    """When a case entering ``state`` at ``start`` must have left it; None if no deadline."""
    key = STATE_DEADLINES.get(state)
    if key is None:
        return None
    table: dict[str, Any] = rule_value(
        DEADLINES, region_code=region_code, on=_on(start), default={}
    )
    spec = table.get(key)
    if not spec:
        return None
    return deadline_after(start, spec, calendar_for(region_code, start))


def escalation_due(
    *, deadline: dt.datetime, region_code: str, now: dt.datetime | None = None
) -> int:
    """How many escalation thresholds an overdue case has passed (0 = none yet).

    Rule ``supervision.overdue_escalation`` = ``{"after_working_days": [2, 5]}``: one level
    up after 2 working days past the deadline, two levels after 5.
    """
    now = now or timezone.now()
    value: dict[str, Any] = rule_value(
        ESCALATION, region_code=region_code, on=_on(deadline), default={}
    )
    calendar = calendar_for(region_code, deadline)
    # the deadline is midnight ending its last day: count from the day before it
    anchor = deadline - dt.timedelta(seconds=1)
    passed = 0
    for days in value.get("after_working_days", []):
        if now >= calendar.add_working_days(anchor, int(days)):
            passed += 1
    return passed


def reminder_hours(region_code: str, moment: dt.datetime) -> float:
    return float(rule_value(REMINDER, region_code=region_code, on=_on(moment), default=0) or 0)


def watch_filter(now: dt.datetime) -> Q:
    """The open cases the deadline watcher must look at now: due for a reminder, newly
    overdue, or overdue with an escalation threshold still ahead (never all open cases)."""
    horizon = max(
        (
            float(v or 0)
            for v in RuleValue.objects.filter(rule=REMINDER).values_list("value", flat=True)
        ),
        default=0.0,
    )
    levels = max(
        (
            len(v.get("after_working_days", [])) if isinstance(v, dict) else 0
            for v in RuleValue.objects.filter(rule=ESCALATION).values_list("value", flat=True)
        ),
        default=0,
    )
    return (
        Q(reminded_at__isnull=True, deadline__lte=now + dt.timedelta(hours=horizon))
        | Q(overdue_since__isnull=True, deadline__lte=now)
        | Q(overdue_since__isnull=False, escalation_level__lt=levels)
    )
