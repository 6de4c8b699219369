"""Template filters of the case pages: state and severity colours, durations."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from qingshan.supervision.choices import CaseState

register = template.Library()


@register.filter
def hours(value: Any) -> str:
    """Hours as "3.5 小时" or "2.1 天"."""
    if value is None:
        return "—"
    value = float(value)
    if value >= 48:
        return _("%(n).1f 天") % {"n": value / 24}
    return _("%(n).1f 小时") % {"n": value}


@register.filter
def percent(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.0f}%"


@register.filter
def state_label(value: str) -> str:
    return str(CaseState(value).label) if value in CaseState.values else ""


@register.filter
def resolution_label(value: str) -> str:
    from qingshan.supervision.choices import Resolution

    return str(Resolution(value).label) if value in Resolution.values else ""
