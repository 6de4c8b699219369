"""Monitoring pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from qingshan.core.models import User
from qingshan.monitoring import selectors
from qingshan.registry.models import Device
from qingshan.web.filters import YES_NO, FilterForm, yes_no
from qingshan.web.helpers import paginate
from qingshan.web.views.common import current_user


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
    }
    return render(request, "monitoring/gateway_status.html", context)
