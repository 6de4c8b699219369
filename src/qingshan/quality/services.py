"""Writes of the quality app: stations, sections and their data loggers; the decisions on
import rows held for review.

Each station or section owns an ambient monitoring point (no outlet, docs/adr/0013),
created and deleted with it, and at most one data logger on that point. Who may write is
decided by the station's region, as for enterprises (``core.permissions.require_edit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.fields import epoch_seconds
from qingshan.core.models import User
from qingshan.core.outbox import event_record
from qingshan.core.permissions import require_edit
from qingshan.core.services import instance_apply
from qingshan.monitoring.models import Reading
from qingshan.quality.choices import DataKind, HeldStatus
from qingshan.quality.datatime import Windows
from qingshan.quality.factors import AIR_POINT_FACTORS, WATER_POINT_FACTORS
from qingshan.quality.models import AirStation, HeldRow, WaterSection
from qingshan.quality.results import results_mark, results_recompute_pending
from qingshan.registry import services as registry
from qingshan.registry.models import Device

Site = TypeVar("Site", AirStation, WaterSection)

_COMMON = {
    "code",
    "name",
    "region_code",
    "level",
    "longitude",
    "latitude",
    "address",
    "is_published",
}
STATION_FIELDS = frozenset({*_COMMON, "air_class"})
SECTION_FIELDS = frozenset({*_COMMON, "water_body_name", "water_body", "target_class"})


def _only(data: Mapping[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({k: _("不允许修改该字段") for k in sorted(unknown)})
    return dict(data)


def _topic(site: AirStation | WaterSection) -> str:
    return "quality.station" if isinstance(site, AirStation) else "quality.section"


def _site_create(
    site: Site,
    *,
    user: User,
    data: Mapping[str, Any],
    allowed: frozenset[str],
    factors: tuple[str, ...],
    mn: str = "",
    password: str | None = None,
) -> Site:
    changes = _only(data, allowed)
    require_edit(user, str(changes.get("region_code", "")), what=site._meta.verbose_name)
    site.point = registry.ambient_point_create(name=str(changes.get("name", "")), factors=factors)
    instance_apply(site, changes)
    if mn:
        logger_save(user=user, site=site, mn=mn, password=password)
    event_record(
        topic=f"{_topic(site)}.created",
        aggregate=site,
        payload={"code": site.code, "region_code": site.region_code},
    )
    return site


def _site_update(
    site: Site, *, user: User, data: Mapping[str, Any], allowed: frozenset[str]
) -> Site:
    changes = _only(data, allowed)
    require_edit(user, site.region_code, what=site._meta.verbose_name)
    if "region_code" in changes:
        require_edit(user, str(changes["region_code"]), what=site._meta.verbose_name)
    instance_apply(site, changes)
    if "name" in changes and site.point.name != site.name[:100]:
        site.point.name = site.name[:100]
        site.point.save(update_fields=["name", "updated_at"])
    return site


@transaction.atomic
def station_create(
    *, user: User, data: Mapping[str, Any], mn: str = "", password: str | None = None
) -> AirStation:
    """A new air-quality station with its monitoring point (the six AQI pollutants) and,
    when ``mn`` is given, its data logger."""
    return _site_create(
        AirStation(),
        user=user,
        data=data,
        allowed=STATION_FIELDS,
        factors=AIR_POINT_FACTORS,
        mn=mn,
        password=password,
    )


@transaction.atomic
def station_update(*, user: User, station: AirStation, data: Mapping[str, Any]) -> AirStation:
    return _site_update(station, user=user, data=data, allowed=STATION_FIELDS)


@transaction.atomic
def section_create(
    *, user: User, data: Mapping[str, Any], mn: str = "", password: str | None = None
) -> WaterSection:
    """A new surface-water section with its monitoring point and, with ``mn``, its logger."""
    return _site_create(
        WaterSection(),
        user=user,
        data=data,
        allowed=SECTION_FIELDS,
        factors=WATER_POINT_FACTORS,
        mn=mn,
        password=password,
    )


@transaction.atomic
def section_update(*, user: User, section: WaterSection, data: Mapping[str, Any]) -> WaterSection:
    return _site_update(section, user=user, data=data, allowed=SECTION_FIELDS)


@transaction.atomic
def site_delete(*, user: User, site: AirStation | WaterSection) -> None:
    """Delete a station or section, its results, its point and logger. Readings and raw
    packets stay: they are evidence (docs/adr/0008)."""
    require_edit(user, site.region_code, what=site._meta.verbose_name)
    event_record(topic=f"{_topic(site)}.deleted", aggregate=site, payload={"code": site.code})
    point = site.point
    site.delete()
    point.delete()


def site_logger(site: AirStation | WaterSection) -> Device | None:
    return Device.objects.filter(point_id=site.point_id).order_by("pk").first()


@transaction.atomic
def logger_save(
    *, user: User, site: AirStation | WaterSection, mn: str, password: str | None = None
) -> Device:
    """Set the station's data logger: its MN, and its access password (required for a new
    logger; for an existing one, ``None`` keeps the password)."""
    require_edit(user, site.region_code, what=Device._meta.verbose_name)
    device = site_logger(site) or Device(point=site.point)
    # an empty password, as None, keeps the password (the form's blank field)
    return registry.ambient_device_save(device=device, mn=mn, password=password or None)


# ── import rows held for review (docs/quality.md, "Dates in the future") ────────────────

DECISION_REASON_MAX = 200


def _decision(user: User, held: HeldRow, reason: str) -> tuple[HeldRow, str]:
    """The held row, locked, after checking who decides, that it still waits, the reason."""
    require_edit(user, _held_region(held), what=HeldRow._meta.verbose_name)
    locked = HeldRow.objects.select_for_update().get(pk=held.pk)  # two regulators at once
    if locked.status != HeldStatus.HELD:
        raise ValidationError(
            _("该行已处理（%(status)s，%(at)s）")
            % {
                "status": locked.get_status_display(),
                "at": f"{timezone.localtime(locked.decided_at):%Y-%m-%d %H:%M}",
            }
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写理由")})
    if len(reason) > DECISION_REASON_MAX:
        raise ValidationError({"reason": _("理由不能超过 %(n)s 个字") % {"n": DECISION_REASON_MAX}})
    return locked, reason


def _held_region(held: HeldRow) -> str:
    site = held.site
    return site.region_code if site is not None else held.region_code


def _decided(held: HeldRow, user: User, status: str, reason: str, verb: str) -> HeldRow:
    held.status = status
    held.decided_by = user
    held.decided_at = timezone.now()
    held.decision_reason = reason
    held.save()  # audited (old → new) by the audit signal
    event_record(
        topic=f"quality.held_row.{verb}",
        aggregate=held,
        payload={"site": held.site_code, "data_time": epoch_seconds(held.data_time),
                 "reason": reason},
    )  # fmt: skip
    return held


@transaction.atomic
def held_row_release(
    *, user: User, held: HeldRow, reason: str, corrected_time: int | None = None
) -> HeldRow:
    """Put a held row into the data: its values become readings (a value already stored
    for the same key is kept, as for any import) and its hour and day are recomputed.

    Only once its time has come: a row still dated after now + the ahead minutes would
    stand as the station's future value, which is what holding it prevents. A regulator
    who finds the file's date mislabelled gives ``corrected_time`` (the time as the file
    should have written it: for air the hour's end label), which must not be in the future
    either; the row keeps what the file said, and ``released_time`` what was used.
    """
    held, reason = _decision(user, held, reason)
    site = held.site
    if site is None:
        raise ValidationError(_("站点或断面已删除，不能放行；可以舍弃"))
    moment = epoch_seconds(held.row_time) if corrected_time is None else corrected_time
    assert moment is not None
    if Windows().ahead(site.region_code, moment):
        raise ValidationError(
            {"corrected_time": _("时间仍晚于当前时间，不能放行：到时后再放行，或填写更正后的时间")}
        )
    air = held.kind == DataKind.AIR
    data_time = moment - 3600 if air else moment
    held.released_time = corrected_time
    held.released_readings = _readings_write(site, held, data_time)
    results_mark([(held.kind, site.pk, held.period, data_time)])
    while results_recompute_pending():
        pass
    return _decided(held, user, HeldStatus.RELEASED, reason, "released")


def _readings_write(site: AirStation | WaterSection, held: HeldRow, data_time: int) -> int:
    """Store the held values at ``data_time``; how many were new (first value wins)."""
    present = set(
        Reading.objects.filter(
            point_id=site.point_id,
            period=held.period,
            data_time=data_time,
            factor_code__in=list(held.values),
        ).values_list("factor_code", flat=True)
    )
    received = int(timezone.now().timestamp() * 1000)
    new = [
        Reading(point_id=site.point_id, factor_code=code, period=held.period,
                data_time=data_time, value=value, flag="N", received_at=received)
        for code, value in held.values.items()
        if code not in present
    ]  # fmt: skip
    Reading.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def held_row_discard(*, user: User, held: HeldRow, reason: str) -> HeldRow:
    """Keep a held row out of the data for good; it stays on record with the decision."""
    held, reason = _decision(user, held, reason)
    return _decided(held, user, HeldStatus.DISCARDED, reason, "discarded")
