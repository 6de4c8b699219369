"""The home page: the duty officer's first look at the day, or an enterprise's to-do list.

Every number is read through the selector of the list page it links to, with the same
filters the link carries, so a count and the list behind it agree and are scoped alike:
a county regulator sees their county, an enterprise user their own enterprise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qingshan.core.choices import Role
from qingshan.core.models import User
from qingshan.exchange.importer import can_import
from qingshan.monitoring import selectors as monitoring
from qingshan.monitoring.choices import AlarmKind, DeclarationStatus, Severity
from qingshan.permits.selectors import permit_list, permits_expiring
from qingshan.registry import selectors as registry
from qingshan.supervision import selectors as supervision
from qingshan.supervision.choices import CaseState
from qingshan.web.views.common import current_user

EXPIRY_WARNING_DAYS = 90  # one of the permit list's windows (permits.forms.EXPIRING_WITHIN_DAYS)
SHOWN = 10  # rows of a table on the home page; its "all" link shows the rest
DAY = 86400


def _url(name: str, **query: Any) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def _day_start(day: dt.date) -> int:
    """Midnight of ``day`` where the bureau is, as the epoch seconds alarms are kept in."""
    return int(dt.datetime.combine(day, dt.time(), timezone.get_current_timezone()).timestamp())


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    today = timezone.localdate()
    expiring = permits_expiring(
        permit_list(user=user), within_days=EXPIRY_WARNING_DAYS, today=today
    )
    context: dict[str, Any] = {
        "today": today,
        "expiring": expiring[:SHOWN],
        "expiring_count": expiring.count(),
        "expiring_url": _url("permit-list", expiring=EXPIRY_WARNING_DAYS),
        "expiry_days": EXPIRY_WARNING_DAYS,
        "links": _links(user),
    }
    if user.role == Role.ENTERPRISE:
        context.update(_enterprise_todo(user))
        return render(request, "web/home_enterprise.html", context)
    context.update(_duty(user, today))
    return render(request, "web/home.html", context)


# --- the bureau's day -------------------------------------------------------------------


def _duty(user: User, today: dt.date) -> dict[str, Any]:
    return {
        "alarms_today": _alarms_today(user, today),
        "cases": _cases(user),
        "loggers": _loggers(user),
        "exceedances": _exceedances(user, today),
        "cards": _registry_cards(user),
    }


def _alarms_today(user: User, today: dt.date) -> dict[str, Any]:
    """Alarms with an occurrence today, by severity: what the alarm list shows for today."""
    start = _day_start(today)
    alarms = monitoring.alarm_list(user=user, start=start, end=start + DAY)
    counts = monitoring.alarm_severity_counts(alarms)
    day = today.isoformat()
    labels = dict(Severity.choices)
    return {
        "total": sum(counts.values()),
        "url": _url("monitoring:alarm-list", start=day, end=day),
        "severities": [
            {
                "value": value,
                "label": labels.get(value, value),
                "colour": Severity.colour(value),
                "count": n,
                "url": _url("monitoring:alarm-list", severity=value, start=day, end=day),
            }
            for value, n in counts.items()
        ],
    }


def _cases(user: User) -> dict[str, Any]:
    cases: dict[str, Any] = {
        "open": supervision.case_counts(user=user)["open"],
        "open_url": _url("supervision:case-list", state="open"),
        "overdue": supervision.case_list(user=user, state="open", overdue=True).count(),
        "overdue_url": _url("supervision:case-list", state="open", overdue=1),
    }
    if user.role == Role.INSPECTOR:  # the cases waiting on this inspector in person
        mine = supervision.case_list(user=user, state="open", assignee_id=user.pk)
        cases["mine"] = mine.count()
        cases["mine_url"] = _url("supervision:case-list", state="open", assignee=user.pk)
    return cases


def _loggers(user: User) -> dict[str, Any]:
    counts = monitoring.device_online_counts(user=user)
    devices, online = counts["devices"], counts["online"]
    return {
        "devices": devices,
        "online": online,
        "offline": devices - online,
        "rate": round(100 * online / devices, 1) if devices else None,
        "url": reverse("monitoring:gateway-status"),
        "offline_url": _url("monitoring:gateway-status", online=0),
    }


def _exceedances(user: User, today: dt.date) -> dict[str, Any]:
    """Exceedance alarms with an occurrence in the last 24 hours. The alarm list filters
    by day, so the link shows them from yesterday's midnight: these and a few more."""
    since = int(timezone.now().timestamp()) - DAY
    alarms = monitoring.alarm_list(user=user, kind=AlarmKind.EXCEEDANCE, start=since)
    return {
        "count": alarms.count(),
        "rows": alarms.order_by("-last_at", "-id")[:SHOWN],
        "url": _url(
            "monitoring:alarm-list",
            kind=AlarmKind.EXCEEDANCE,
            start=(today - dt.timedelta(days=1)).isoformat(),
        ),
    }


def _registry_cards(user: User) -> list[tuple[str, int, str, str | None]]:
    enterprises = reverse("enterprise-list")
    return [
        (
            pgettext("heading", "排污单位"),
            registry.enterprise_list(user=user).count(),
            "building",
            enterprises,
        ),
        (
            _("重点排污单位"),
            registry.enterprise_list(user=user, is_key_discharger=True).count(),
            "exclamation-diamond",
            f"{enterprises}?key=1",
        ),
        (
            pgettext("heading", "排放口"),
            registry.outlet_list(user=user).count(),
            "box-arrow-up",
            None,
        ),
        (
            pgettext("heading", "监控点"),
            registry.point_list(user=user).count(),
            "geo-alt",
            reverse("point-list"),
        ),
        (
            pgettext("heading", "数采仪"),
            registry.device_list(user=user).count(),
            "cpu",
            reverse("device-list"),
        ),
        (
            _("有效许可证"),
            permit_list(user=user, status="valid").count(),
            "file-earmark-check",
            _url("permit-list", status="valid"),
        ),
    ]


# --- an enterprise's to-do list ---------------------------------------------------------


def _enterprise_todo(user: User) -> dict[str, Any]:
    """What the enterprise must do: explain its open alarms (those not explained yet, or
    whose explanation was rejected) and finish the rectifications it was ordered."""
    explain = monitoring.alarm_list(user=user, active=True).filter(
        explanation_status__in=["", DeclarationStatus.REJECTED]
    )
    rectifying = supervision.case_list(user=user, state=CaseState.RECTIFYING).order_by(
        F("deadline").asc(nulls_last=True), "id"
    )
    return {
        "to_explain": explain[:SHOWN],
        "to_explain_count": explain.count(),
        "alarms_url": _url("monitoring:alarm-list", active=1),
        "rectifying": rectifying[:SHOWN],
        "rectifying_count": rectifying.count(),
        "rectifying_url": _url("supervision:case-list", state=CaseState.RECTIFYING),
        "now": timezone.now(),
    }


# --- where to go next -------------------------------------------------------------------


def _links(user: User) -> list[dict[str, Any]]:
    """The inbox for everyone (with the unread count); the import history for those who
    import; the bureau's own pages and the API documentation for staff."""
    links = [_link(_("站内通知"), "envelope", "supervision:inbox", unread=True)]
    if can_import(user):
        links.append(_link(_("我的导入记录"), "file-earmark-spreadsheet", "exchange:home"))
    if user.is_bureau_staff:
        links.append(_link(_("督办统计"), "bar-chart", "supervision:dashboard"))
        links.append(_link(_("接入状态"), "broadcast", "monitoring:gateway-status"))
        links.append(_link(_("API 文档"), "code-slash", "api:openapi-view"))
    return links


def _link(label: str, icon: str, name: str, *, unread: bool = False) -> dict[str, Any]:
    return {"label": label, "icon": icon, "url": reverse(name), "unread": unread}
