"""Template helpers of the monitoring pages: colours of severities and states, evidence."""

from __future__ import annotations

import json
from typing import Any

from django import template

from qingshan.monitoring.choices import SEVERITY_COLOURS, PointStatus

register = template.Library()


@register.filter
def severity_colour(severity: str) -> str:
    return SEVERITY_COLOURS.get(severity, "secondary")


@register.filter
def status_colour(status: str) -> str:
    return PointStatus.colour(status)


@register.filter
def status_label(status: str) -> str:
    return str(PointStatus(status).label) if status in PointStatus.values else status


@register.filter
def evidence_value(value: Any) -> str:
    """A piece of an alarm's evidence as a person reads it: numbers and text as they are,
    lists and objects as compact JSON."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))[:2000]


@register.filter
def reading(value: Any) -> str:
    """A measured value as a person reads it: at most three decimals, no float noise
    (60.7, not 60.70000000000000284)."""
    if value is None or value == "":
        return "—"
    try:
        text = f"{float(value):.3f}"
    except (TypeError, ValueError):
        return str(value)
    return text.rstrip("0").rstrip(".")
