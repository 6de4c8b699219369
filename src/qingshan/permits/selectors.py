"""Reads of permits, scoped to what the user may see."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from qingshan.core.models import User
from qingshan.core.permissions import restrict
from qingshan.permits.models import Permit, PermitLimit


def permit_list(
    *,
    user: User | AnonymousUser,
    q: str = "",
    enterprise_id: int | None = None,
    permit_class: str = "",
    status: str = "",
    region_code: str = "",
) -> QuerySet[Permit]:
    qs = restrict(Permit.objects.select_related("enterprise"), user)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(enterprise__name__icontains=q))
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    if permit_class:
        qs = qs.filter(permit_class=permit_class)
    if status:
        qs = qs.filter(status=status)
    if region_code:
        qs = qs.filter(enterprise__region_code__startswith=region_code)
    return qs.order_by("-valid_from", "number", "pk")


def permit_get(*, user: User | AnonymousUser, pk: int) -> Permit:
    return restrict(Permit.objects.select_related("enterprise"), user).get(pk=pk)


def limits_in_force(*, outlet_id: int, on: dt.date) -> QuerySet[PermitLimit]:
    """The limits that apply to an outlet on a date (system use: monitoring judges data)."""
    return PermitLimit.objects.filter(
        outlet_id=outlet_id,
        permit__status="valid",
        permit__valid_from__lte=on,
        permit__valid_to__gte=on,
    ).select_related("permit")


def permits_begun(qs: QuerySet[Permit], *, today: dt.date | None = None) -> QuerySet[Permit]:
    """The permits of ``qs`` whose validity has begun: data were judged against their
    limits from then on, whatever their status now, so they are history (never deleted)."""
    return qs.filter(valid_from__lte=today or timezone.localdate())
