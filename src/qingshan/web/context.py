"""Navigation by role: each user sees the menu entries their role can use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, roles allowed; None = every logged-in user)
MENU: list[tuple[str, Any, set[str] | None]] = [
    ("home", _("首页"), None),
    ("enterprise-list", _("排污单位"), None),
    ("point-list", _("监控点"), None),
    ("device-list", _("数采仪"), {"admin", "regulator", "inspector"}),
    ("permit-list", _("排污许可"), None),
    ("exchange:home", _("Excel 导入导出"), {"admin", "regulator"}),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    role = "admin" if user.is_superuser else user.role
    items = [
        {
            "url": reverse(name),
            "label": label,
            "active": request.resolver_match is not None
            and request.resolver_match.view_name == name,
        }
        for name, label, roles in MENU
        if roles is None or role in roles
    ]
    return {"menu": items}
