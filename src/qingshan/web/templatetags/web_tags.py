"""Template filters of the web pages: factor names, status colours, form widgets."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from qingshan.web.helpers import factor_label
from qingshan.web.history import person as person_words

register = template.Library()


@register.filter
def factor_name(code: str) -> str:
    """The factor's name and code, e.g. 二氧化硫（a21026）, in the page's language."""
    return factor_label(str(code))


@register.filter
def person(user: Any) -> str:
    """A user as the pages name people: display name and role, never the login name."""
    return person_words(user) if user else "—"


@register.filter
def point_label(point: Any) -> str:
    """A monitoring point with its outlet's code once: "DA001 锅炉出口", also when the
    point's name already begins with the code (the demo's "DA001 锅炉排放口在线监测点")."""
    if point is None:
        return ""
    outlet = getattr(point, "outlet", None)
    if outlet is None or str(point.name).startswith(outlet.code):
        return str(point.name)
    return f"{outlet.code} {point.name}"


@register.filter
def widget(field: BoundField) -> SafeString:
    """The field's widget, marked invalid (red, with its message shown) when it has errors."""
    if not field.errors:
        return field.as_widget()
    css = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{css} is-invalid", "aria-invalid": "true"})


@register.filter
def audit_value(value: Any) -> str:
    """A value as stored in the audit log, for reading."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def number(value: Any) -> str:
    """A decimal without its trailing zeros and never in exponent form: 35.0000 → 35."""
    if value is None or value == "":
        return "—"
    try:
        text = format(Decimal(value), "f")
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text
