"""One search box over the records a user may see: enterprises, points, data loggers,
permits and supervision cases, grouped, a few of each, with a link to the full list.

Each group is the list page's own selector with the list page's own search, so the
results are scoped exactly as the lists are, and "more" opens that list, filtered alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qingshan.core.models import User
from qingshan.core.validators import control_character
from qingshan.permits.selectors import permit_list
from qingshan.registry import selectors as registry
from qingshan.registry.choices import RecordState
from qingshan.supervision import selectors as supervision
from qingshan.web.helpers import region_labels
from qingshan.web.views.common import current_user

MIN_QUERY = 2  # one character matches half the city
MAX_QUERY = 100
PER_GROUP = 5
CASE_NUMBER = re.compile(r"^DB-\d{4}-(\d{1,9})$", re.IGNORECASE)  # as on the order


@dataclass(slots=True)
class Hit:
    title: str
    url: str
    detail: str = ""
    mono: bool = False
    retired: bool = False


@dataclass(slots=True)
class Group:
    key: str
    label: str
    icon: str
    count: int
    hits: list[Hit] = field(default_factory=list)
    more_url: str = ""


def _query(request: HttpRequest) -> str:
    q = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    return "" if control_character(q) else q  # a NUL cannot even reach PostgreSQL


def _list_url(name: str, **query: Any) -> str:
    return f"{reverse(name)}?{urlencode(query)}"


def _group(
    key: str,
    label: str,
    icon: str,
    qs: QuerySet[Any],
    hit: Callable[[Any], Hit],
    more_url: str,
) -> Group:
    count = qs.count()
    return Group(
        key=key,
        label=label,
        icon=icon,
        count=count,
        hits=[hit(obj) for obj in qs[:PER_GROUP]] if count else [],
        more_url=more_url if count > PER_GROUP else "",
    )


def _enterprises(user: User, q: str) -> Group:
    qs = registry.enterprise_list(user=user, q=q, state=RecordState.ALL)
    regions = region_labels(qs[:PER_GROUP].values_list("region_code", flat=True))

    def hit(e: Any) -> Hit:
        detail = f"{e.credit_code} · {regions.get(e.region_code, e.region_code)}"
        return Hit(e.name, reverse("enterprise-detail", args=[e.pk]), detail, retired=e.is_retired)

    more = _list_url("enterprise-list", q=q, state=RecordState.ALL)
    return _group("enterprises", pgettext("heading", "排污单位"), "building", qs, hit, more)


def _points(user: User, q: str) -> Group:
    qs = registry.point_list(user=user, q=q, state=RecordState.ALL)

    def hit(p: Any) -> Hit:
        detail = f"{p.outlet.enterprise.name} · {p.outlet.code}"
        return Hit(p.name, reverse("monitoring:point", args=[p.pk]), detail, retired=p.is_retired)

    more = _list_url("point-list", q=q, state=RecordState.ALL)
    return _group("points", pgettext("heading", "监控点"), "geo-alt", qs, hit, more)


def _devices(user: User, q: str) -> Group:
    qs = registry.device_list(user=user, q=q, state=RecordState.ALL)

    def hit(d: Any) -> Hit:
        enterprise = d.point.outlet.enterprise
        url = reverse("enterprise-detail", args=[enterprise.pk]) + "#devices"
        detail = f"{enterprise.name} · {d.point.name}"
        return Hit(d.mn, url, detail, mono=True, retired=d.is_retired)

    more = _list_url("device-list", q=q, state=RecordState.ALL)
    return _group("devices", pgettext("heading", "数采仪"), "cpu", qs, hit, more)


def _permits(user: User, q: str) -> Group:
    qs = permit_list(user=user, q=q)

    def hit(p: Any) -> Hit:
        detail = f"{p.enterprise.name} · {p.get_status_display()} · {p.valid_to:%Y-%m-%d}"
        return Hit(p.number, reverse("permit-detail", args=[p.pk]), detail, mono=True)

    more = _list_url("permit-list", q=q)
    return _group("permits", _("排污许可证"), "file-earmark-text", qs, hit, more)


def _cases(user: User, q: str) -> Group:
    number = CASE_NUMBER.match(q)
    if number:  # a case number finds its case; the list's search is of titles and names
        qs = supervision.case_list(user=user).filter(pk=int(number.group(1)))
    else:
        qs = supervision.case_list(user=user, q=q)

    def hit(c: Any) -> Hit:
        detail = f"{c.enterprise.name} · {c.get_state_display()}"
        return Hit(f"{c.number} {c.title}", reverse("supervision:case", args=[c.pk]), detail)

    more = _list_url("supervision:case-list", q=q, state="")
    return _group("cases", _("督办案件"), "clipboard-check", qs, hit, more)


GROUPS = (_enterprises, _points, _devices, _permits, _cases)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    q = _query(request)
    groups = [group(user, q) for group in GROUPS] if len(q) >= MIN_QUERY else []
    context = {
        "q": q,
        "too_short": bool(request.GET.get("q", "").strip()) and len(q) < MIN_QUERY,
        "min_query": MIN_QUERY,
        "groups": groups,
        "found": [g for g in groups if g.count],
        "total": sum(g.count for g in groups),
    }
    return render(request, "web/search.html", context)
