"""Monitoring pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingshan.core.models import User
from qingshan.monitoring import selectors
from qingshan.monitoring.charts import chart_payload, series_workbook
from qingshan.monitoring.choices import DeclarationStatus, PointStatus, RefusalReason
from qingshan.monitoring.forms import OverviewFilter, SeriesForm
from qingshan.monitoring.models import RefusedSender
from qingshan.monitoring.series import KIND_LABELS, KIND_NAMES, default_range
from qingshan.registry import selectors as registry
from qingshan.registry.models import Device
from qingshan.web.filters import YES_NO, FilterForm, yes_no
from qingshan.web.helpers import add_service_errors, get_or_404, paginate, region_labels
from qingshan.web.views.common import current_user

WORST_FIRST = list(PointStatus.values)  # PointStatus is declared worst first


class DeviceStatusFilter(FilterForm):
    search_hint = _("MN 或排污单位名称")
    online = forms.ChoiceField(label=_("在线"), choices=YES_NO, required=False)

    def apply(self, user: User) -> QuerySet[Device]:
        v = self.values()
        return selectors.device_status_list(
            user=user,
            q=v.get("q", "").strip(),
            region_code=v.get("region", ""),
            online=yes_no(v.get("online", "")),
        )


@login_required
def gateway_status(request: HttpRequest) -> HttpResponse:
    """Which data loggers are connected, what they last sent, and how many packets failed."""
    user = current_user(request)
    filters = DeviceStatusFilter(request.GET, user=user)
    context = {
        "filters": filters,
        "page": paginate(request, filters.apply(user)),
        "summary": selectors.device_status_summary(user=user),
        "unjudged": selectors.judging_backlog(),
        "dead_letters": selectors.dead_letter_count(user=user),
        "refused": selectors.refused_sender_list(user=user)[:RECENT_REFUSED],
    }
    return render(request, "monitoring/gateway_status.html", context)


RECENT_REFUSED = 10  # on the status page; the rest on the refused-senders page


class RefusedSenderFilter(FilterForm):
    search_hint = _("MN 或来源地址")
    reason = forms.ChoiceField(
        label=_("拒收原因"), choices=[("", _("全部")), *RefusalReason.choices], required=False
    )

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data, user=user)
        del self.fields["region"]  # an unknown MN has no jurisdiction to filter by

    def apply(self, user: User) -> QuerySet[RefusedSender]:
        v = self.values()
        return selectors.refused_sender_list(
            user=user, q=v.get("q", "").strip(), reason=v.get("reason", "")
        )


@login_required
def refused_senders(request: HttpRequest) -> HttpResponse:
    """Every sender the gateway refused (an unknown MN, a wrong password, a bad CRC), with
    how often and when: a field engineer with a mistyped MN sees why at once."""
    user = current_user(request)
    if not user.is_bureau_staff and user.enterprise_id is None:
        raise Http404
    filters = RefusedSenderFilter(request.GET, user=user)
    context = {"filters": filters, "page": paginate(request, filters.apply(user))}
    return render(request, "monitoring/refused_senders.html", context)


# --- the overview: every point on a map and in a list, coloured by its state -----------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = OverviewFilter(request.GET, user=user)
    v = filters.values()
    states = selectors.point_states(
        user=user,
        region_code=v.get("region", ""),
        industry_code=v.get("industry", "").strip(),
        factor_code=v.get("factor", ""),
        q=v.get("q", "").strip(),
    )
    counts: dict[str, int] = dict.fromkeys(PointStatus.values, 0)
    for state in states:
        counts[state.status] += 1
    if v.get("status"):
        states = [s for s in states if s.status == v["status"]]
    markers = [
        {
            "lat": float(s.enterprise.latitude),
            "lng": float(s.enterprise.longitude),
            "colour": s.colour.hex,
            "title": f"{s.enterprise.name} · {s.point.name}",
            "status": str(PointStatus(s.status).label),
            "url": reverse("monitoring:point", args=[s.point.pk]),
        }
        # drawn in this order, the worst last: a red exceedance on top of a green neighbour
        for s in sorted(states, key=lambda s: -WORST_FIRST.index(s.status))
        if s.enterprise.latitude is not None and s.enterprise.longitude is not None
    ]
    context: dict[str, Any] = {
        "filters": filters,
        "page": Paginator(states, 50).get_page(request.GET.get("page")),
        "counts": [(s, PointStatus(s).label, PointStatus.colour(s).hex, counts[s]) for s in counts],
        "markers": markers,
        "tile_url": getattr(settings, "QINGSHAN_MAP_TILE_URL", ""),
        "regions": region_labels({s.enterprise.region_code for s in states}),
        # the alarm list's own count, so that the two pages agree (issue 17)
        "open_alarms": selectors.alarm_counts(user=user)["active"],
    }
    return render(request, "monitoring/overview.html", context)


# --- a point's curves -------------------------------------------------------------------


def _point_series(request: HttpRequest, pk: int) -> tuple[Any, SeriesForm, Any]:
    user = current_user(request)
    point = get_or_404(registry.point_get, user=user, pk=pk)
    factors = list(point.factors or [])
    if not factors:
        return point, SeriesForm(None, factors=[]), None
    form = SeriesForm(request.GET or None, factors=factors)
    factor, kind, start, end = form.period()
    try:
        series = selectors.reading_series(
            user=user, point_id=point.pk, factor_code=factor, kind=kind, start=start, end=end
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        start, end = default_range(KIND_NAMES[kind])
        series = selectors.reading_series(
            user=user, point_id=point.pk, factor_code=factor, kind=kind, start=start, end=end
        )
    return point, form, series


def _declared_marks(declarations: Any, series: Any) -> list[dict[str, Any]]:
    """Declared maintenance, shutdown and fault periods shaded on the chart: the data of those
    hours are read next to what the enterprise said of them. Rejected ones are left out."""
    overlapping = declarations.exclude(status=DeclarationStatus.REJECTED).filter(
        starts_at__lt=series.end, ends_at__gt=series.start
    )
    return [
        {
            "from": int(d.starts_at.timestamp()) * 1000,
            "to": int(d.ends_at.timestamp()) * 1000,
            "kind": "declared",
            "label": f"{d.get_kind_display()} · {d.get_status_display()}",
        }
        for d in overlapping[:50]
    ]


@login_required
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A point's curves (measured and converted, the limit, flagged values marked)."""
    point, form, series = _point_series(request, pk)
    user = current_user(request)
    declarations = selectors.declaration_list(user=user, point_id=point.pk)
    context = {
        "point": point,
        "enterprise": point.outlet.enterprise,
        "form": form,
        "series": series,
        "chart": (
            chart_payload(series, marks=_declared_marks(declarations, series))
            if series is not None
            else None
        ),
        "alarms": selectors.alarm_list(user=user, point_id=point.pk)[:10],
        "declarations": declarations[:5],
        "state": next(iter(selectors.point_states(user=user, q="", point_ids=[point.pk])), None),
        "export_query": request.GET.urlencode(),
        "series_kind": KIND_LABELS.get(series.kind, "hour") if series else "hour",
        "bucket_minutes": series.bucket // 60 if series else 0,
    }
    return render(request, "monitoring/point_detail.html", context)


@login_required
def point_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The data the point page shows, as an Excel sheet."""
    point, _form, series = _point_series(request, pk)
    if series is None:
        raise Http404
    start = dt.datetime.fromtimestamp(series.start, tz=timezone.get_current_timezone())
    name = f"{point.pk}-{series.factor_code}-{start:%Y%m%d}.xlsx"
    response = HttpResponse(
        series_workbook(series),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
