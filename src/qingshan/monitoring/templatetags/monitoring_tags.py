"""Template helpers of the monitoring pages: state labels, evidence, readings (colours are
the records' own: ``alarm.get_severity_colour``, core.choices.Colour)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import template
from django.utils import timezone

from qingshan.monitoring.choices import PointStatus

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    return str(PointStatus(status).label) if status in PointStatus.values else status


TIME_KEYS = {"since", "until", "first", "last", "at", "data_time", "last_seen"}
EPOCH_RANGE = (946_684_800, 4_102_444_800)  # 2000 … 2100: an integer there is a time


@register.filter
def evidence_rows(evidence: Any) -> list[tuple[str, str]]:
    """An alarm's evidence as (key, text) rows; data times (epoch seconds under keys such
    as ``since`` or ``…_at``) are shown as local times."""
    if not isinstance(evidence, dict):
        return [("value", evidence_value(evidence))]
    rows = []
    for key, value in evidence.items():
        is_time = key in TIME_KEYS or key.endswith(("_at", "_time"))
        if is_time and isinstance(value, int) and EPOCH_RANGE[0] < value < EPOCH_RANGE[1]:
            local = dt.datetime.fromtimestamp(value, tz=timezone.get_current_timezone())
            rows.append((str(key), f"{local:%Y-%m-%d %H:%M:%S}"))
        else:
            rows.append((str(key), evidence_value(value)))
    return rows


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
