"""Reads of permits, scoped to what the user may see."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from qingshan.core.models import User
from qingshan.core.permissions import restrict
from qingshan.permits.choices import PermitStatus
from qingshan.permits.models import Permit, PermitLimit
from qingshan.registry.history import dependents_register, history_check_register


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


def permits_expiring(
    qs: QuerySet[Permit], *, within_days: int, today: dt.date | None = None
) -> QuerySet[Permit]:
    """The valid permits of ``qs`` whose validity ends within ``within_days`` of today
    (today included), the soonest first: the home page counts them, the list shows them."""
    today = today or timezone.localdate()
    return qs.filter(
        status=PermitStatus.VALID,
        valid_to__gte=today,
        valid_to__lte=today + dt.timedelta(days=within_days),
    ).order_by("valid_to", "number", "pk")


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


# --- the evidence permits keep about registry records (qingshan.registry.history) ------


def history_checks_register() -> None:
    """A permit that has been in force, and its limits, are history: data were judged
    against them. A permit never in force goes with an enterprise deleted by mistake."""
    history_check_register("outlet", pgettext_lazy("history", "已生效许可证的限值"), _limits_begun)
    history_check_register(
        "enterprise", pgettext_lazy("history", "已生效的排污许可证"), _permits_begun_of
    )
    dependents_register("enterprise", _permits_of)


def _limits_begun(outlet_ids: list[int]) -> QuerySet[PermitLimit]:
    return PermitLimit.objects.filter(
        outlet_id__in=outlet_ids, permit__in=permits_begun(Permit.objects.all())
    )


def _permits_begun_of(enterprise_ids: list[int]) -> QuerySet[Permit]:
    return permits_begun(Permit.objects.filter(enterprise_id__in=enterprise_ids))


def _permits_of(enterprise_ids: list[int]) -> QuerySet[Permit]:
    return Permit.objects.filter(enterprise_id__in=enterprise_ids)
