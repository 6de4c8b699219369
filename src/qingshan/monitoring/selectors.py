"""Reads of monitoring data, always scoped to what the user may see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet, Sum

from qingshan.core.models import User
from qingshan.core.permissions import restrict
from qingshan.registry.models import Device


def device_status_list(
    *, user: User | AnonymousUser, q: str = "", region_code: str = "", online: bool | None = None
) -> QuerySet[Device]:
    """Devices with what the gateway last knew of them (``device.state`` may be missing)."""
    qs = restrict(Device.objects.select_related("state", "point__outlet__enterprise"), user)
    if q:
        qs = qs.filter(Q(mn__icontains=q) | Q(point__outlet__enterprise__name__icontains=q))
    if region_code:
        qs = qs.filter(point__outlet__enterprise__region_code__startswith=region_code)
    if online is True:
        qs = qs.filter(state__connected=True)
    elif online is False:
        qs = qs.exclude(state__connected=True)
    return qs.order_by("-state__connected", "-state__last_seen_at", "mn")


def device_status_summary(*, user: User | AnonymousUser) -> dict[str, int]:
    qs = restrict(Device.objects.all(), user)
    totals = qs.aggregate(
        devices=Count("pk"),
        online=Count("pk", filter=Q(state__connected=True)),
        refused=Sum("state__refused"),
        frame_errors=Sum("state__frame_errors"),
    )
    return {k: int(v or 0) for k, v in totals.items()}
