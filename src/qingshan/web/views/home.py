"""The home dashboard: what is in the user's scope, and which permits run out soon."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qingshan.permits.choices import PermitStatus
from qingshan.permits.selectors import permit_list
from qingshan.registry import selectors as registry
from qingshan.web.views.common import current_user

EXPIRY_WARNING_DAYS = 90


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    today = timezone.localdate()
    valid = permit_list(user=user, status=PermitStatus.VALID)
    expiring = valid.filter(
        valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    ).order_by("valid_to", "number")
    enterprises = reverse("enterprise-list")
    permits = reverse("permit-list")
    cards = [
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
        (_("有效许可证"), valid.count(), "file-earmark-check", f"{permits}?status=valid"),
        (_("90 天内到期的许可证"), expiring.count(), "hourglass-split", None),
    ]
    context = {"cards": cards, "expiring": expiring[:10], "today": today}
    return render(request, "web/home.html", context)
