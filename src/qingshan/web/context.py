"""Navigation by role: each user sees the menu entries their role can use, and who they are."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshan.core.models import Region, User
from qingshan.supervision import selectors as supervision
from qingshan.web.helpers import english

# (url name, label, icon, roles allowed; None = every logged-in user, group or "")
MENU: list[tuple[str, Any, str, set[str] | None, str]] = [
    ("home", _("首页"), "house", None, ""),
    ("enterprise-list", pgettext_lazy("heading", "排污单位"), "building", None, "sources"),
    ("point-list", pgettext_lazy("heading", "监控点"), "geo-alt", None, "sources"),
    (
        "device-list",
        pgettext_lazy("heading", "数采仪"),
        "cpu",
        {"admin", "regulator", "inspector"},
        "sources",
    ),
    ("permit-list", _("排污许可"), "file-earmark-text", None, "sources"),
    ("monitoring:overview", _("在线监控"), "activity", None, "monitoring"),
    ("monitoring:alarm-list", pgettext_lazy("heading", "报警"), "bell", None, "monitoring"),
    (
        "monitoring:declaration-list",
        pgettext_lazy("heading", "企业申报"),
        "calendar-check",
        None,
        "monitoring",
    ),
    ("monitoring:gateway-status", _("接入状态"), "broadcast", None, "monitoring"),
    ("supervision:case-list", _("督办案件"), "clipboard-check", None, ""),
    # the station pages are the bureau's; everyone else reads the published results
    ("quality:station-list", _("环境质量"), "wind", {"admin", "regulator", "inspector"}, ""),
    ("quality:air", _("环境质量"), "wind", {"enterprise"}, ""),
    # everyone may export what they see; the exchange page offers import only to who may import
    ("exchange:home", _("Excel 导入导出"), "file-earmark-spreadsheet", None, ""),
]
# a dozen entries do not fit a laptop's navbar: related ones share a drop-down
GROUPS: dict[str, tuple[Any, str]] = {
    "sources": (_("污染源"), "buildings"),
    "monitoring": (_("在线监测"), "activity"),
}


def _section(view_name: str) -> str:
    """The menu entry a view belongs to: enterprise-detail and enterprise-list are one."""
    return view_name.split(":")[0] if ":" in view_name else view_name.split("-")[0]


def _is_active(current: str, name: str) -> bool:
    """Several entries of one app (monitoring: overview, alarms, …) share a namespace: the
    page belongs to the entry named like it (alarm, alarm-list), else to the app's first."""
    if not current or _section(current) != _section(name):
        return False
    siblings = [entry[0] for entry in MENU if _section(entry[0]) == _section(name)]
    if ":" not in name or len(siblings) == 1:
        return True

    def word(view: str) -> str:
        return view.split(":", 1)[1].split("-")[0]

    same = [n for n in siblings if word(n) == word(current)]
    return name == (same[0] if same else siblings[0])


def menu_for(request: HttpRequest, user: User) -> list[dict[str, Any]]:
    role = "admin" if user.is_superuser else user.role
    current = request.resolver_match.view_name if request.resolver_match else ""
    items: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for name, label, icon, roles, group in MENU:
        if roles is not None and role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        item = {"url": url, "label": label, "icon": icon, "active": _is_active(current, name)}
        if not group:
            items.append(item)
            continue
        if group not in groups:
            group_label, group_icon = GROUPS[group]
            groups[group] = {"label": group_label, "icon": group_icon, "children": []}
            items.append(groups[group])
        groups[group]["children"].append(item)
        groups[group]["active"] = groups[group].get("active") or item["active"]
    return items


def jurisdiction_label(user: User) -> str:
    """The user's scope in words: a region, an enterprise, or everything."""
    if user.enterprise_id and user.enterprise is not None:
        return user.enterprise.name
    if not user.region_code:
        return str(_("全部辖区")) if user.is_bureau_admin else ""
    region = Region.objects.filter(code=user.region_code.ljust(6, "0")).first()
    if region is None:
        return user.region_code
    return region.name_en if english() and region.name_en else region.name


def unread_notifications(user: User) -> Callable[[], int]:
    """The badge on the inbox link: one query, made when a page shows the badge (a
    template calls it; an htmx fragment without the navigation never does), then kept."""
    return functools.cache(lambda: supervision.unread_count(user=user))


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not isinstance(user, User):
        return {"menu": []}
    role_label = _("局管理员") if user.is_superuser else user.get_role_display()
    return {
        "menu": menu_for(request, user),
        "user_role": role_label,
        "user_jurisdiction": jurisdiction_label(user),
        "unread_notifications": unread_notifications(user),
    }
