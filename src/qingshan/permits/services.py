"""Writes to permits: a permit and its limits change together or not at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.models import User
from qingshan.core.outbox import event_record
from qingshan.core.permissions import require_edit
from qingshan.core.services import instance_apply
from qingshan.permits.choices import PermitStatus
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.permits.selectors import permits_begun
from qingshan.registry.services import RecordConflict

PERMIT_FIELDS = frozenset(
    {"number", "enterprise", "permit_class", "valid_from", "valid_to", "status"}
)
LIMIT_FIELDS = frozenset(
    {"outlet", "factor_code", "lower_limit", "limit", "unit", "basis", "reference_o2", "standard"}
)


def _only(data: Mapping[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({k: _("不允许修改该字段") for k in sorted(unknown)})
    return dict(data)


def _limits_replace(permit: Permit, limits: Sequence[Mapping[str, Any]]) -> None:
    permit.limits.all().delete()
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(limits):
        unknown = set(row) - LIMIT_FIELDS
        if unknown:
            errors[f"limits[{index}]"] = [
                _("未知字段：%(names)s") % {"names": ", ".join(sorted(unknown))}
            ]
            continue
        try:
            instance_apply(PermitLimit(permit=permit), row)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"limits[{index}].{field}"] = messages
    if errors:
        raise ValidationError(errors)


def _caps_replace(permit: Permit, caps: Sequence[Mapping[str, Any]]) -> None:
    permit.annual_caps.all().delete()
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(caps):
        try:
            instance_apply(AnnualCap(permit=permit), row)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"annual_caps[{index}].{field}"] = messages
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def permit_save(
    *,
    user: User,
    permit: Permit,
    data: Mapping[str, Any],
    limits: Sequence[Mapping[str, Any]] | None = None,
    annual_caps: Sequence[Mapping[str, Any]] | None = None,
) -> Permit:
    """Create (unsaved ``permit``) or update a permit; given limits or caps replace the old."""
    data = _only(data, PERMIT_FIELDS)
    created = not permit.pk
    if permit.pk:
        require_edit(user, permit.enterprise.region_code, what=Permit._meta.verbose_name)
    enterprise = data.get("enterprise") or (permit.enterprise if permit.pk else None)
    if enterprise is None:
        raise ValidationError({"enterprise_id": _("必填")})
    require_edit(user, enterprise.region_code, what=Permit._meta.verbose_name)
    instance_apply(permit, data)
    if limits is not None:
        _limits_replace(permit, limits)
    if annual_caps is not None:
        _caps_replace(permit, annual_caps)
    event_record(
        topic="permits.permit.created" if created else "permits.permit.changed",
        aggregate=permit,
        payload={"number": permit.number, "enterprise_id": permit.enterprise_id},
    )
    return permit


@transaction.atomic
def permit_delete(*, user: User, permit: Permit) -> None:
    """Delete a permit entered by mistake, with its limits and caps (each row audited).

    A permit whose validity has begun is history (``permits_begun``): refused with
    ``RecordConflict`` (code ``has_history``); it is revoked instead (status 已撤销)."""
    require_edit(user, permit.enterprise.region_code, what=Permit._meta.verbose_name)
    if permits_begun(Permit.objects.filter(pk=permit.pk)).exists():
        raise RecordConflict(
            _("许可证 %(number)s 已生效过，数据曾据其限值判定，不能删除；请将状态改为“已撤销”")
            % {"number": permit.number},
            code="has_history",
        )
    event_record(
        topic="permits.permit.deleted", aggregate=permit, payload={"number": permit.number}
    )
    permit.delete()


def permits_expire(*, today: dt.date | None = None) -> int:
    """Mark valid permits whose period has ended as expired (a worker job); returns the count."""
    from qingshan.core.audit import audit_context

    today = today or timezone.localdate()
    expired = 0
    with audit_context(user=None, via="worker"):
        for permit in Permit.objects.filter(status=PermitStatus.VALID, valid_to__lt=today):
            with transaction.atomic():
                permit.status = PermitStatus.EXPIRED
                permit.save(update_fields=["status", "updated_at"])
                event_record(topic="permits.permit.expired", aggregate=permit, payload={})
            expired += 1
    return expired


# One limit or cap at a time (a spreadsheet row): only that row is written and audited.
CAP_FIELDS = frozenset({"pollutant", "tonnes_per_year"})


def _permit_changed(permit: Permit) -> None:
    # the same event permit_save sends when limits change: monitoring re-reads them
    event_record(
        topic="permits.permit.changed",
        aggregate=permit,
        payload={"number": permit.number, "enterprise_id": permit.enterprise_id},
    )


@transaction.atomic
def permit_limit_save(*, user: User, limit: PermitLimit, data: Mapping[str, Any]) -> PermitLimit:
    """Create (unsaved ``limit`` with its permit set) or update one permitted limit."""
    changes = _only(data, LIMIT_FIELDS)
    require_edit(user, limit.permit.enterprise.region_code, what=PermitLimit._meta.verbose_name)
    instance_apply(limit, changes)
    _permit_changed(limit.permit)
    return limit


@transaction.atomic
def annual_cap_save(*, user: User, cap: AnnualCap, data: Mapping[str, Any]) -> AnnualCap:
    """Create (unsaved ``cap`` with its permit set) or update one permitted annual emission."""
    changes = _only(data, CAP_FIELDS)
    require_edit(user, cap.permit.enterprise.region_code, what=AnnualCap._meta.verbose_name)
    instance_apply(cap, changes)
    _permit_changed(cap.permit)
    return cap
