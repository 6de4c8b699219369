"""Reads from the registry, always scoped to what the user may see."""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet

from qingshan.core.models import User
from qingshan.core.permissions import restrict
from qingshan.registry.choices import RecordState
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet

AnyUser = User | AnonymousUser
M = TypeVar("M", Enterprise, Outlet, MonitoringPoint, Device)


def in_state(qs: QuerySet[M], state: str) -> QuerySet[M]:
    """Lists show records in use unless asked for retired ones (``RecordState``); a single
    record (the ``*_get`` selectors) is found whatever its state: history stays readable."""
    if state == RecordState.ALL:
        return qs.select_related("retired_by")
    if state == RecordState.RETIRED:
        return qs.filter(retired_at__isnull=False).select_related("retired_by")
    return qs.filter(retired_at__isnull=True)


def enterprise_list(
    *,
    user: AnyUser,
    q: str = "",
    region_code: str = "",
    industry_code: str = "",
    is_key_discharger: bool | None = None,
    state: str = RecordState.ACTIVE,
) -> QuerySet[Enterprise]:
    qs = in_state(restrict(Enterprise.objects.all(), user), state)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q) | Q(address__icontains=q))
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    if industry_code:
        qs = qs.filter(industry_code__startswith=industry_code)
    if is_key_discharger is not None:
        qs = qs.filter(is_key_discharger=is_key_discharger)
    return qs.order_by("region_code", "name", "pk")


def enterprise_get(*, user: AnyUser, pk: int) -> Enterprise:
    return restrict(Enterprise.objects.all(), user).get(pk=pk)


def enterprise_with_counts(*, user: AnyUser) -> QuerySet[Enterprise]:
    return restrict(Enterprise.objects.all(), user).annotate(
        outlet_count=Count("outlets", distinct=True)
    )


def outlet_list(
    *,
    user: AnyUser,
    enterprise_id: int | None = None,
    q: str = "",
    state: str = RecordState.ACTIVE,
) -> QuerySet[Outlet]:
    qs = in_state(restrict(Outlet.objects.select_related("enterprise"), user), state)
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    if q:
        qs = qs.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(enterprise__name__icontains=q)
        )
    return qs.order_by("enterprise_id", "code", "pk")


def outlet_get(*, user: AnyUser, pk: int) -> Outlet:
    return restrict(Outlet.objects.select_related("enterprise"), user).get(pk=pk)


# Ambient points (air-quality stations, water sections: no outlet) belong to
# ``qingshan.quality`` and its pages; the registry's lists are of enterprise points.
def _enterprise_points() -> QuerySet[MonitoringPoint]:
    return MonitoringPoint.objects.filter(outlet__isnull=False).select_related("outlet__enterprise")


def _enterprise_devices() -> QuerySet[Device]:
    return Device.objects.filter(point__outlet__isnull=False).select_related(
        "point__outlet__enterprise"
    )


def point_list(
    *,
    user: AnyUser,
    outlet_id: int | None = None,
    enterprise_id: int | None = None,
    q: str = "",
    state: str = RecordState.ACTIVE,
) -> QuerySet[MonitoringPoint]:
    qs = in_state(restrict(_enterprise_points(), user), state)
    if outlet_id:
        qs = qs.filter(outlet_id=outlet_id)
    if enterprise_id:
        qs = qs.filter(outlet__enterprise_id=enterprise_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(outlet__enterprise__name__icontains=q))
    return qs.order_by("outlet_id", "name", "pk")


def point_get(*, user: AnyUser, pk: int) -> MonitoringPoint:
    return restrict(_enterprise_points(), user).get(pk=pk)


def device_list(
    *,
    user: AnyUser,
    point_id: int | None = None,
    enterprise_id: int | None = None,
    q: str = "",
    state: str = RecordState.ACTIVE,
) -> QuerySet[Device]:
    qs = in_state(restrict(_enterprise_devices(), user), state)
    if point_id:
        qs = qs.filter(point_id=point_id)
    if enterprise_id:
        qs = qs.filter(point__outlet__enterprise_id=enterprise_id)
    if q:
        qs = qs.filter(Q(mn__icontains=q) | Q(point__outlet__enterprise__name__icontains=q))
    return qs.order_by("mn")


def device_get(*, user: AnyUser, pk: int) -> Device:
    return restrict(_enterprise_devices(), user).get(pk=pk)
