"""Reads for the exchange: the export rows (scoped by the apps' selectors) and jobs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet
from django.utils import timezone

from qingshan.core.models import User
from qingshan.core.permissions import restrict
from qingshan.exchange.models import ImportJob
from qingshan.permits.models import AnnualCap, PermitLimit
from qingshan.permits.selectors import permit_list
from qingshan.registry import selectors as registry
from qingshan.registry.choices import RecordState
from qingshan.registry.services import ENTERPRISE_FIELDS

AnyUser = User | AnonymousUser
Row = dict[str, Any]
ALL = RecordState.ALL  # retired records are exported too, marked (issue 15)


def _retirement(obj: Model) -> Row:
    at = getattr(obj, "retired_at", None)
    if at is None:
        return {}
    return {
        "retired_at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"),
        "retired_reason": getattr(obj, "retired_reason", ""),
    }


def _enterprises(user: AnyUser) -> Iterator[Row]:
    for e in registry.enterprise_list(user=user, state=ALL).order_by("credit_code"):
        yield {name: getattr(e, name) for name in ENTERPRISE_FIELDS} | _retirement(e)


def _outlets(user: AnyUser) -> Iterator[Row]:
    qs = registry.outlet_list(user=user, state=ALL)
    for o in qs.order_by("enterprise__credit_code", "code"):
        yield _retirement(o) | {
            "credit_code": o.enterprise.credit_code,
            "code": o.code,
            "name": o.name,
            "medium": o.medium,
            "kind": o.kind,
            "emission_mode": o.emission_mode,
        }


def _points(user: AnyUser) -> Iterator[Row]:
    qs = registry.point_list(user=user, state=ALL)
    for p in qs.order_by("outlet__enterprise__credit_code", "outlet__code", "name"):
        yield _retirement(p) | {
            "credit_code": p.site_outlet.enterprise.credit_code,
            "outlet_code": p.site_outlet.code,
            "name": p.name,
            "factors": list(p.factors or []),
        }


def _devices(user: AnyUser) -> Iterator[Row]:
    # never the password: only its digest is stored, and it is not exported
    for d in registry.device_list(user=user, state=ALL):
        yield _retirement(d) | {
            "credit_code": d.point.site_outlet.enterprise.credit_code,
            "outlet_code": d.point.site_outlet.code,
            "point_name": d.point.name,
            "mn": d.mn,
            "is_active": d.is_active,
            "offline_after_minutes": d.offline_after_minutes,
        }


def _permits(user: AnyUser) -> Iterator[Row]:
    for p in permit_list(user=user).order_by("number"):
        yield {
            "number": p.number,
            "credit_code": p.enterprise.credit_code,
            "permit_class": p.permit_class,
            "valid_from": p.valid_from,
            "valid_to": p.valid_to,
            "status": p.status,
        }


def _limits(user: AnyUser) -> Iterator[Row]:
    qs = restrict(PermitLimit.objects.select_related("permit", "outlet"), user)
    for lim in qs.order_by("permit__number", "outlet__code", "factor_code", "basis"):
        yield {
            "permit_number": lim.permit.number,
            "outlet_code": lim.outlet.code,
            "factor_code": lim.factor_code,
            "basis": lim.basis,
            "limit": lim.limit,
            "lower_limit": lim.lower_limit,
            "unit": lim.unit,
            "reference_o2": lim.reference_o2,
            "standard": lim.standard,
        }


def _caps(user: AnyUser) -> Iterator[Row]:
    qs = restrict(AnnualCap.objects.select_related("permit"), user)
    for cap in qs.order_by("permit__number", "pollutant"):
        yield {
            "permit_number": cap.permit.number,
            "pollutant": cap.pollutant,
            "tonnes_per_year": cap.tonnes_per_year,
        }


def export_rows(*, user: AnyUser) -> dict[str, Iterator[Row]]:
    """Everything the user may see, by sheet kind, as field values."""
    return {
        "enterprises": _enterprises(user),
        "outlets": _outlets(user),
        "points": _points(user),
        "devices": _devices(user),
        "permits": _permits(user),
        "limits": _limits(user),
        "annual_caps": _caps(user),
    }


def import_job_list(*, user: AnyUser, limit: int = 20) -> QuerySet[ImportJob]:
    """The user's own recent import jobs."""
    if not isinstance(user, User):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


def import_job_get(*, user: AnyUser, pk: int) -> ImportJob:
    """A job its owner or a bureau administrator may see; DoesNotExist otherwise."""
    qs = ImportJob.objects.select_related("user")
    if not isinstance(user, User):
        raise ImportJob.DoesNotExist
    if not user.is_bureau_admin:
        qs = qs.filter(user=user)
    return qs.get(pk=pk)
