"""Importing one row of each sheet: find the record by its natural key, then create it,
update only the fields that differ, or leave it alone.

Comparing before saving is what makes re-importing a file a no-op: an unchanged row
writes nothing, so no audit row and no ``updated_at`` bump. Permission is checked for
existing records even when nothing changes, so a row outside the user's jurisdiction is
always reported. The writes themselves go through the apps' services.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from qingshan.core.models import User
from qingshan.core.permissions import in_jurisdiction, require_edit
from qingshan.exchange.choices import RowOutcome
from qingshan.exchange.known import Known
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.permits.services import annual_cap_save, permit_limit_save, permit_save
from qingshan.registry import services as registry
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.passwords import device_password_matches


class RowError(Exception):
    """This row cannot be imported; the message says why."""


@dataclass
class RowContext:
    """Who imports, what is known, and what the current row did so far."""

    user: User
    known: Known
    created: list[models.Model] = field(default_factory=list)
    touched: list[models.Model] = field(default_factory=list)


Values = Mapping[str, Any]


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        if old is None or new is None:
            return old is new
        return Decimal(old) == Decimal(new)
    return bool(old == new)


def _diff(obj: models.Model, data: Values) -> dict[str, Any]:
    return {name: value for name, value in data.items() if not _same(getattr(obj, name), value)}


def _pick(values: Values, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: values[name] for name in names if name in values}


def _existing(ctx: RowContext, obj: models.Model, region_code: str, what: str) -> None:
    """A found record: the user must be allowed to edit it even if nothing changes."""
    require_edit(ctx.user, region_code, what=what)
    ctx.touched.append(obj)


def _enterprise(ctx: RowContext, code: str) -> Enterprise:
    enterprise = ctx.known.enterprises.get(code)
    if enterprise is None:
        raise RowError(
            _("未找到统一社会信用代码为 %(code)s 的排污单位（请先在“排污单位”表中填写）")
            % {"code": code}
        )
    return enterprise


def _outlet(ctx: RowContext, enterprise: Enterprise, code: str) -> Outlet:
    outlet = ctx.known.outlets.get((enterprise.credit_code, code))
    if outlet is None:
        raise RowError(
            _("排污单位“%(name)s”没有编号为 %(code)s 的排放口（请先在“排放口”表中填写）")
            % {"name": enterprise.name, "code": code}
        )
    return outlet


def _point(ctx: RowContext, outlet: Outlet, name: str) -> MonitoringPoint:
    point = ctx.known.points.get((outlet.enterprise.credit_code, outlet.code, name))
    if point is None:
        raise RowError(
            _("排放口 %(outlet)s 没有名为“%(name)s”的监控点（请先在“监控点”表中填写）")
            % {"outlet": outlet.code, "name": name}
        )
    return point


def _permit(ctx: RowContext, number: str) -> Permit:
    permit = ctx.known.permits.get(number)
    if permit is None:
        raise RowError(
            _("未找到编号为 %(number)s 的排污许可证（请先在“排污许可证”表中填写）")
            % {"number": number}
        )
    return permit


# every field the registry service accepts, except the natural key the row is found by
ENTERPRISE_DATA = tuple(sorted(registry.ENTERPRISE_FIELDS - {"credit_code"}))


def enterprise_row(ctx: RowContext, values: Values) -> str:
    data = _pick(values, ENTERPRISE_DATA)
    existing = ctx.known.enterprises.get(values["credit_code"])
    if existing is None:
        data["credit_code"] = values["credit_code"]
        ctx.created.append(registry.enterprise_create(user=ctx.user, data=data))
        return RowOutcome.CREATED
    _existing(ctx, existing, existing.region_code, "排污单位")
    changes = _diff(existing, data)
    if not changes:
        return RowOutcome.UNCHANGED
    registry.enterprise_update(user=ctx.user, enterprise=existing, data=changes)
    return RowOutcome.UPDATED


def outlet_row(ctx: RowContext, values: Values) -> str:
    enterprise = _enterprise(ctx, values["credit_code"])
    data = _pick(values, ("name", "medium", "kind", "emission_mode"))
    existing = ctx.known.outlets.get((enterprise.credit_code, values["code"]))
    if existing is None:
        data |= {"enterprise": enterprise, "code": values["code"]}
        ctx.created.append(registry.outlet_save(user=ctx.user, outlet=Outlet(), data=data))
        return RowOutcome.CREATED
    _existing(ctx, existing, enterprise.region_code, "排放口")
    return _update(registry.outlet_save, ctx, "outlet", existing, data)


def point_row(ctx: RowContext, values: Values) -> str:
    outlet = _outlet(ctx, _enterprise(ctx, values["credit_code"]), values["outlet_code"])
    data = _pick(values, ("factors",))
    existing = ctx.known.points.get((outlet.enterprise.credit_code, outlet.code, values["name"]))
    if existing is None:
        data |= {"outlet": outlet, "name": values["name"]}
        point = registry.point_save(user=ctx.user, point=MonitoringPoint(), data=data)
        ctx.created.append(point)
        return RowOutcome.CREATED
    _existing(ctx, existing, outlet.enterprise.region_code, "监控点")
    return _update(registry.point_save, ctx, "point", existing, data)


def _update(
    save: Callable[..., Any], ctx: RowContext, name: str, obj: models.Model, data: Values
) -> str:
    changes = _diff(obj, data)
    if not changes:
        return RowOutcome.UNCHANGED
    save(user=ctx.user, data=changes, **{name: obj})
    return RowOutcome.UPDATED


def device_row(ctx: RowContext, values: Values) -> str:
    enterprise = _enterprise(ctx, values["credit_code"])
    point = _point(ctx, _outlet(ctx, enterprise, values["outlet_code"]), values["point_name"])
    data = _pick(values, ("is_active", "offline_after_minutes"))
    password: str | None = values.get("password")
    existing = ctx.known.devices.get(values["mn"])
    if existing is None:
        data |= {"point": point, "mn": values["mn"]}
        device = registry.device_save(user=ctx.user, device=Device(), data=data, password=password)
        ctx.created.append(device)
        return RowOutcome.CREATED
    if existing.point_id != point.pk:
        raise RowError(_device_elsewhere(ctx, existing))
    _existing(ctx, existing, enterprise.region_code, "数采仪")
    changes = _diff(existing, data)
    if password is not None and device_password_matches(password, existing.password_digest):
        password = None  # the same password again: nothing to reset
    if not changes and password is None:
        return RowOutcome.UNCHANGED
    registry.device_save(user=ctx.user, device=existing, data=changes, password=password)
    return RowOutcome.UPDATED


def _device_elsewhere(ctx: RowContext, device: Device) -> str:
    message = _("设备唯一标识 MN %(mn)s 已被其他监控点的数采仪使用") % {"mn": device.mn}
    owner = device.point.site_outlet.enterprise
    if in_jurisdiction(ctx.user, owner.region_code):
        message += f"（{owner.name} / {device.point.site_outlet.code} / {device.point.name}）"
    return message + _("；导入不会改变数采仪所属的监控点")


def permit_row(ctx: RowContext, values: Values) -> str:
    enterprise = _enterprise(ctx, values["credit_code"])
    data = _pick(values, ("permit_class", "valid_from", "valid_to", "status"))
    existing = ctx.known.permits.get(values["number"])
    if existing is None:
        data |= {"number": values["number"], "enterprise": enterprise}
        ctx.created.append(permit_save(user=ctx.user, permit=Permit(), data=data))
        return RowOutcome.CREATED
    if existing.enterprise_id != enterprise.pk:
        raise RowError(
            _("许可证编号 %(number)s 已登记在其他排污单位名下") % {"number": existing.number}
        )
    _existing(ctx, existing, enterprise.region_code, "排污许可证")
    return _update(permit_save, ctx, "permit", existing, data)


def limit_row(ctx: RowContext, values: Values) -> str:
    permit = _permit(ctx, values["permit_number"])
    outlet = _outlet(ctx, permit.enterprise, values["outlet_code"])
    key = (permit.number, outlet.code, values["factor_code"], values["basis"])
    data = _pick(values, ("limit", "lower_limit", "unit", "reference_o2", "standard"))
    existing = ctx.known.limits.get(key)
    if existing is None:
        data |= {"outlet": outlet, "factor_code": key[2], "basis": key[3]}
        limit = permit_limit_save(user=ctx.user, limit=PermitLimit(permit=permit), data=data)
        ctx.created.append(limit)
        return RowOutcome.CREATED
    _existing(ctx, existing, permit.enterprise.region_code, "许可排放浓度限值")
    return _update(permit_limit_save, ctx, "limit", existing, data)


def cap_row(ctx: RowContext, values: Values) -> str:
    permit = _permit(ctx, values["permit_number"])
    data = _pick(values, ("tonnes_per_year",))
    existing = ctx.known.caps.get((permit.number, values["pollutant"]))
    if existing is None:
        data["pollutant"] = values["pollutant"]
        cap = annual_cap_save(user=ctx.user, cap=AnnualCap(permit=permit), data=data)
        ctx.created.append(cap)
        return RowOutcome.CREATED
    _existing(ctx, existing, permit.enterprise.region_code, "许可排放量")
    return _update(annual_cap_save, ctx, "cap", existing, data)


HANDLERS: dict[str, Callable[[RowContext, Values], str]] = {
    "enterprises": enterprise_row,
    "outlets": outlet_row,
    "points": point_row,
    "devices": device_row,
    "permits": permit_row,
    "limits": limit_row,
    "annual_caps": cap_row,
}
