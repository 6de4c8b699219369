"""Writes to the registry: one function per change, access checked first, audited, atomic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qingshan.core.models import User
from qingshan.core.outbox import event_record
from qingshan.core.permissions import require_edit
from qingshan.core.services import instance_apply
from qingshan.registry.factors import validate_factor_codes
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet, Retirable
from qingshan.registry.passwords import device_password_digest
from qingshan.registry.validators import validate_device_password

ENTERPRISE_FIELDS = frozenset(
    {
        "credit_code",
        "name",
        "region_code",
        "industry_code",
        "address",
        "longitude",
        "latitude",
        "is_key_discharger",
        "contact_name",
        "contact_phone",
        "contact_email",
    }
)


def _only(data: Mapping[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({k: _("不允许修改该字段") for k in sorted(unknown)})
    return dict(data)


@transaction.atomic
def enterprise_create(*, user: User, data: Mapping[str, Any]) -> Enterprise:
    changes = _only(data, ENTERPRISE_FIELDS)
    require_edit(user, str(changes.get("region_code", "")), what=Enterprise._meta.verbose_name)
    enterprise = instance_apply(Enterprise(), changes)
    event_record(
        topic="registry.enterprise.created",
        aggregate=enterprise,
        payload={"credit_code": enterprise.credit_code, "region_code": enterprise.region_code},
    )
    return enterprise


@transaction.atomic
def enterprise_update(*, user: User, enterprise: Enterprise, data: Mapping[str, Any]) -> Enterprise:
    changes = _only(data, ENTERPRISE_FIELDS)
    require_edit(user, enterprise.region_code, what=Enterprise._meta.verbose_name)
    refuse_retired(enterprise)
    if "region_code" in changes:
        require_edit(user, str(changes["region_code"]), what=Enterprise._meta.verbose_name)
    return instance_apply(enterprise, changes)


def enterprise_of(obj: Enterprise | Outlet | MonitoringPoint | Device) -> Enterprise:
    if isinstance(obj, Enterprise):
        return obj
    if isinstance(obj, Device):
        return obj.point.site_outlet.enterprise
    if isinstance(obj, MonitoringPoint):
        return obj.site_outlet.enterprise
    return obj.enterprise


class RecordConflict(ValidationError):
    """A change the record's state forbids: it has history (so it cannot be deleted), or
    it is retired (so it takes no edits). The API answers 409 with ``code``."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)


def refuse_retired(obj: Retirable) -> None:
    """A retired record is kept as it was when it was retired, until it is reinstated."""
    if obj.pk and obj.retired_at is not None:
        raise RecordConflict(
            _("%(kind)s“%(name)s”已注销，不能修改；如需修改请先恢复")
            % {"kind": obj._meta.verbose_name, "name": obj},
            code="retired",
        )


def _check_parents(
    user: User, obj: Outlet | MonitoringPoint | Device, changes: dict[str, Any], key: str, what: Any
) -> None:
    """The user must be allowed to edit under the current parent and under the new one, if any."""
    parents = [getattr(obj, key)] if obj.pk else []
    if key in changes:
        parents.append(changes[key])
    if not parents or parents[-1] is None:
        raise ValidationError({f"{key}_id": _("必填")})
    for parent in parents:
        require_edit(user, enterprise_of(parent).region_code, what=what)
    refuse_retired(obj)
    if parents[-1].retired_at is not None:
        raise ValidationError(
            {
                f"{key}_id": _("%(kind)s“%(name)s”已注销，不能在其下新建或移入记录")
                % {"kind": parents[-1]._meta.verbose_name, "name": parents[-1]}
            }
        )


@transaction.atomic
def outlet_save(*, user: User, outlet: Outlet, data: Mapping[str, Any]) -> Outlet:
    """Create (unsaved ``outlet``) or update an outlet."""
    changes = _only(
        data, frozenset({"enterprise", "code", "name", "medium", "kind", "emission_mode"})
    )
    _check_parents(user, outlet, changes, "enterprise", Outlet._meta.verbose_name)
    return instance_apply(outlet, changes)


@transaction.atomic
def point_save(*, user: User, point: MonitoringPoint, data: Mapping[str, Any]) -> MonitoringPoint:
    """Create (unsaved ``point``) or update a monitoring point."""
    changes = _only(data, frozenset({"outlet", "name", "factors"}))
    _check_parents(user, point, changes, "outlet", MonitoringPoint._meta.verbose_name)
    if "factors" in changes:
        try:
            validate_factor_codes(changes["factors"])
        except ValidationError as exc:
            raise ValidationError({"factors": exc.messages}) from exc
    return instance_apply(point, changes)


@transaction.atomic
def device_save(
    *, user: User, device: Device, data: Mapping[str, Any], password: str | None = None
) -> Device:
    """Create (unsaved ``device``, password required) or update a data logger."""
    changes = _only(data, frozenset({"point", "mn", "is_active", "offline_after_minutes"}))
    _check_parents(user, device, changes, "point", Device._meta.verbose_name)
    changes.update(_password_changes(device, password))
    return instance_apply(device, changes)


def _password_changes(device: Device, password: str | None) -> dict[str, Any]:
    """The digest of a new password; ``None`` keeps the password, and a new device needs one."""
    if password is not None:
        validate_device_password(password)
        return {"password_digest": device_password_digest(password)}
    if not device.pk:
        raise ValidationError({"password": _("新建数采仪必须设置访问密码")})
    return {}


# ── ambient points (docs/adr/0013): an air station's or a water section's point and logger.
# They have no outlet and so no enterprise: who may write them is decided by the quality app
# that owns the station (its region), before it calls these.


def ambient_point_create(*, name: str, factors: Sequence[str]) -> MonitoringPoint:
    """A new monitoring point with no outlet (the name cut to the field's 100 characters)."""
    point = MonitoringPoint(outlet=None, name=name[:100], factors=list(factors))
    point.full_clean(exclude=["outlet"])  # ambient: no outlet, by design
    point.save()
    return point


@transaction.atomic
def ambient_device_save(*, device: Device, mn: str, password: str | None = None) -> Device:
    """Create (unsaved ``device`` on an ambient point, password required) or update the MN
    and, unless ``password`` is ``None``, the access password of an ambient point's logger."""
    changes: dict[str, Any] = {"mn": mn.strip(), **_password_changes(device, password)}
    return instance_apply(device, changes)
