"""Writes of single permit limits and annual caps, one spreadsheet row each.

``permits.services.permit_save`` replaces all of a permit's limits at once, which would
rewrite (and audit) every limit when one changes; an import row changes exactly one.
These belong in ``permits.services`` and should move there (see the exchange report).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from qingshan.core.models import User
from qingshan.core.outbox import event_record
from qingshan.core.permissions import require_edit
from qingshan.core.services import instance_apply
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.permits.services import LIMIT_FIELDS

CAP_FIELDS = frozenset({"pollutant", "tonnes_per_year"})


def _only(data: Mapping[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({k: "不允许修改该字段" for k in sorted(unknown)})
    return dict(data)


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
    require_edit(user, limit.permit.enterprise.region_code, what="许可排放浓度限值")
    instance_apply(limit, changes)
    _permit_changed(limit.permit)
    return limit


@transaction.atomic
def annual_cap_save(*, user: User, cap: AnnualCap, data: Mapping[str, Any]) -> AnnualCap:
    """Create (unsaved ``cap`` with its permit set) or update one permitted annual emission."""
    changes = _only(data, CAP_FIELDS)
    require_edit(user, cap.permit.enterprise.region_code, what="许可排放量")
    instance_apply(cap, changes)
    _permit_changed(cap.permit)
    return cap
