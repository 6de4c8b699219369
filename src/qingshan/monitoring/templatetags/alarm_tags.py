"""Template helpers of the alarm pages: an alarm in words (``monitoring.alarm_text``) and
the look of its kind."""

from __future__ import annotations

from django import template

from qingshan.monitoring import alarm_text
from qingshan.monitoring.choices import KIND_ICON_OTHER, KIND_ICONS
from qingshan.monitoring.models import Alarm, AlarmEntry

register = template.Library()


@register.filter
def alarm_brief(alarm: Alarm) -> str:
    return alarm_text.brief(alarm)


@register.filter
def alarm_facts(alarm: Alarm) -> list[alarm_text.Fact]:
    return alarm_text.facts(alarm)


@register.filter
def alarm_duration(alarm: Alarm) -> str:
    return alarm_text.duration_text(alarm_text.lasted(alarm))


@register.filter
def alarm_times(alarm: Alarm) -> list[str]:
    return alarm_text.counted_times(alarm)


@register.filter
def entry_text(entry: AlarmEntry) -> str:
    return alarm_text.entry_text(entry)


@register.filter
def kind_icon(kind: str) -> str:
    return KIND_ICONS.get(kind, KIND_ICON_OTHER)
