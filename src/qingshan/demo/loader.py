"""Writes the demo city plan to the database: idempotently, in one transaction.

Rows are bulk-inserted (a few thousand per-row saves with their audit rows would cost
several seconds on SQLite for no reader's benefit); the ``DemoLoad`` record saved at the
end writes the one audit row that stands for the load. Every row is looked up by its
natural key first, so a second run inserts nothing and says so. Rows that exist are left
as they are: a demo user may have edited them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from qingshan.core.audit import audit_context
from qingshan.core.models import Region, User
from qingshan.demo.cases import cases_remove
from qingshan.demo.geography import CITY
from qingshan.demo.history import Progress, history_load
from qingshan.demo.models import DemoLoad
from qingshan.demo.plan import DEMO_PASSWORD, CityPlan, EnterprisePlan, PermitPlan, build_city
from qingshan.demo.purge import enterprises_purge
from qingshan.demo.quality_sites import load_quality
from qingshan.demo.standards import in_unit
from qingshan.demo.story import story_load
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.registry.factors import factor_catalogue, validate_factor_codes
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet

M = TypeVar("M", bound=models.Model)

DEVICES_CSV = "demo_devices.csv"
LABELS = {
    "regions": "行政区划",
    "enterprises": "排污单位",
    "outlets": "排放口",
    "points": "监控点",
    "devices": "数采仪",
    "permits": "排污许可证",
    "limits": "许可排放浓度限值",
    "caps": "许可排放量",
    "accounts": "演示账户",
}


class DemoError(Exception):
    """The demo city cannot be loaded as asked; the message says what to do."""


@dataclass(slots=True)
class LoadReport:
    seed: int
    plan_date: dt.date
    reset: bool = False
    created: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    devices_csv: Path | None = None
    history: Progress | None = None

    @property
    def changed(self) -> bool:
        return self.reset or any(self.created.values())


def is_loaded() -> bool:
    return DemoLoad.objects.filter(pk=CITY.code).exists()


def load_city(
    *,
    seed: int = 1,
    reset: bool = False,
    today: dt.date | None = None,
    data_dir: Path | None = None,
    history: bool = False,
) -> LoadReport:
    """Load (or complete) the demo city; with ``reset``, remove the loaded one first;
    with ``history``, its monitoring history too (the newest days now, the rest in the
    worker: ``qingshan.demo.history``)."""
    with audit_context(user=None, via="demo"), transaction.atomic():
        previous = DemoLoad.objects.select_for_update().filter(pk=CITY.code).first()
        if previous is not None and reset:
            remove_city(build_city(previous.seed, previous.plan_date))
            previous.delete()
            previous = None
        if previous is not None and previous.seed != seed:
            raise DemoError(
                f"演示城市已用种子 {previous.seed} 加载，不能再用种子 {seed} 加载；"
                "要换种子请加 --reset（会删除原演示数据）"
            )
        plan_date = previous.plan_date if previous else (today or timezone.localdate())
        plan = build_city(seed, plan_date)
        check_plan(plan)
        report = LoadReport(seed=seed, plan_date=plan_date, reset=reset)
        points = _write(plan, report)
        story_load(plan, report)  # the demo enterprise's alarms, declaration and case
        if previous is None or any(report.created.values()):
            DemoLoad.objects.update_or_create(
                pk=CITY.code,
                defaults={"seed": seed, "plan_date": plan_date, "counts": report.totals},
            )
    report.devices_csv = write_devices_csv(plan, points, data_dir or Path(settings.DATA_DIR))
    load_quality(plan_date=plan_date, devices_csv=report.devices_csv, seed=seed)
    if history and previous is None:  # a city loaded now: its history too
        report.history = history_load(seed=seed, devices_csv=report.devices_csv)
    return report


def check_plan(plan: CityPlan) -> None:
    """Fail before writing anything if a factor is not in the catalogue."""
    for enterprise, outlet, point in plan.points():
        try:
            validate_factor_codes(point.factors)
        except ValidationError as error:
            raise DemoError(f"{enterprise.name} {outlet.code}: {error.messages[0]}") from None


# ── writing ───────────────────────────────────────────────────────────────────────


def _insert_missing(
    model: type[M], existing: dict[Any, int], wanted: dict[Any, M]
) -> tuple[dict[Any, int], int]:
    """Bulk-insert the objects whose key is not in ``existing``; all keys → primary keys."""
    new = {key: obj for key, obj in wanted.items() if key not in existing}
    model._default_manager.bulk_create(list(new.values()), batch_size=500)
    ids = dict(existing)
    ids.update({key: obj.pk for key, obj in new.items()})
    return ids, len(new)


def _keyed(qs: models.QuerySet[Any], *fields: str) -> dict[Any, int]:
    rows: list[tuple[Any, ...]] = list(qs.values_list(*fields, "pk"))
    if len(fields) == 1:
        return {row[0]: row[-1] for row in rows}
    return {tuple(row[:-1]): row[-1] for row in rows}


def _write(plan: CityPlan, report: LoadReport) -> dict[str, int]:
    """Insert what is missing; returns MN → monitoring-point id."""
    _regions(plan, report)
    enterprises = _enterprises(plan, report)
    outlets = _outlets(plan, enterprises, report)
    points = _points(plan, enterprises, outlets, report)
    point_ids = {
        p.mn: points[(outlets[(enterprises[e.credit_code], o.code)], p.name)]
        for e, o, p in plan.points()
    }
    _devices(plan, point_ids, report)
    _permits(plan, enterprises, outlets, report)
    _accounts(plan, enterprises, report)
    return point_ids


def _count(report: LoadReport, name: str, created: int, total: int) -> None:
    report.created[name] = created
    report.totals[name] = total


def _regions(plan: CityPlan, report: LoadReport) -> None:
    codes = [r.code for r in plan.regions]
    existing = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    new = [
        Region(code=r.code, name=r.name, name_en=r.name_en, level=r.level, parent_id=r.parent)
        for r in plan.regions
        if r.code not in existing
    ]
    Region.objects.bulk_create(new)  # parents come first in the plan
    _count(report, "regions", len(new), len(codes))


def _enterprise(e: EnterprisePlan) -> Enterprise:
    return Enterprise(
        credit_code=e.credit_code,
        name=e.name,
        region_code=e.region_code,
        industry_code=e.industry_code,
        address=e.address,
        longitude=e.longitude,
        latitude=e.latitude,
        is_key_discharger=e.is_key_discharger,
        contact_name=e.contact_name,
        contact_phone=e.contact_phone,
        contact_email=e.contact_email,
    )


def _enterprises(plan: CityPlan, report: LoadReport) -> dict[str, int]:
    wanted = {e.credit_code: _enterprise(e) for e in plan.enterprises}
    existing = _keyed(Enterprise.objects.filter(credit_code__in=list(wanted)), "credit_code")
    ids, created = _insert_missing(Enterprise, existing, wanted)
    _count(report, "enterprises", created, len(wanted))
    return ids


def _outlets(
    plan: CityPlan, enterprises: dict[str, int], report: LoadReport
) -> dict[tuple[int, str], int]:
    wanted: dict[Any, Outlet] = {}
    for e in plan.enterprises:
        eid = enterprises[e.credit_code]
        for o in e.outlets:
            wanted[(eid, o.code)] = Outlet(
                enterprise_id=eid, code=o.code, name=o.name, medium=o.medium, kind=o.kind
            )
    existing = _keyed(
        Outlet.objects.filter(enterprise_id__in=enterprises.values()), "enterprise_id", "code"
    )
    ids, created = _insert_missing(Outlet, existing, wanted)
    _count(report, "outlets", created, len(wanted))
    return ids


def _points(
    plan: CityPlan,
    enterprises: dict[str, int],
    outlets: dict[tuple[int, str], int],
    report: LoadReport,
) -> dict[tuple[int, str], int]:
    wanted: dict[Any, MonitoringPoint] = {}
    for e, o, p in plan.points():
        oid = outlets[(enterprises[e.credit_code], o.code)]
        wanted[(oid, p.name)] = MonitoringPoint(outlet_id=oid, name=p.name, factors=list(p.factors))
    existing = _keyed(
        MonitoringPoint.objects.filter(outlet_id__in=outlets.values()), "outlet_id", "name"
    )
    ids, created = _insert_missing(MonitoringPoint, existing, wanted)
    _count(report, "points", created, len(wanted))
    return ids


def _devices(plan: CityPlan, point_ids: dict[str, int], report: LoadReport) -> None:
    wanted = {
        p.mn: Device(point_id=point_ids[p.mn], mn=p.mn, password_digest=p.password_digest)
        for _, _, p in plan.points()
    }
    existing = _keyed(Device.objects.filter(mn__in=list(wanted)), "mn")
    _, created = _insert_missing(Device, existing, wanted)
    _count(report, "devices", created, len(wanted))


def _limit_value(factor: str, value: Decimal, unit: str) -> tuple[Decimal, str]:
    """The value in the unit the factor is reported in (the catalogue's unit)."""
    target = getattr(factor_catalogue().get(factor), "unit", "") or unit
    try:
        return in_unit(value, unit, target), target
    except ValueError as error:
        raise DemoError(f"{factor}: {error}") from None


def _permitted(plan: CityPlan) -> list[tuple[EnterprisePlan, PermitPlan]]:
    return [(e, e.permit) for e in plan.enterprises if e.permit is not None]


def _permits(
    plan: CityPlan,
    enterprises: dict[str, int],
    outlets: dict[tuple[int, str], int],
    report: LoadReport,
) -> None:
    permitted = _permitted(plan)
    wanted = {
        p.number: Permit(
            number=p.number,
            enterprise_id=enterprises[e.credit_code],
            permit_class=p.permit_class,
            valid_from=p.valid_from,
            valid_to=p.valid_to,
            status=p.status,
        )
        for e, p in permitted
    }
    existing = _keyed(Permit.objects.filter(number__in=list(wanted)), "number")
    permits, created = _insert_missing(Permit, existing, wanted)
    _count(report, "permits", created, len(wanted))
    _limits(permitted, enterprises, outlets, permits, report)
    _caps(permitted, permits, report)


def _limits(
    permitted: list[tuple[EnterprisePlan, PermitPlan]],
    enterprises: dict[str, int],
    outlets: dict[tuple[int, str], int],
    permits: dict[str, int],
    report: LoadReport,
) -> None:
    wanted: dict[Any, PermitLimit] = {}
    for e, permit in permitted:
        pid = permits[permit.number]
        for limit in permit.limits:
            row = limit.row
            oid = outlets[(enterprises[e.credit_code], limit.outlet_code)]
            value, unit = _limit_value(row.factor, row.value, row.unit)
            wanted[(pid, oid, row.factor, row.basis)] = PermitLimit(
                permit_id=pid,
                outlet_id=oid,
                factor_code=row.factor,
                limit=value,
                lower_limit=row.lower,
                unit=unit,
                basis=row.basis,
                reference_o2=row.reference_o2,
                standard=row.standard,
            )
    existing = _keyed(
        PermitLimit.objects.filter(permit_id__in=permits.values()),
        "permit_id",
        "outlet_id",
        "factor_code",
        "basis",
    )
    _, created = _insert_missing(PermitLimit, existing, wanted)
    _count(report, "limits", created, len(wanted))


def _caps(
    permitted: list[tuple[EnterprisePlan, PermitPlan]],
    permits: dict[str, int],
    report: LoadReport,
) -> None:
    wanted = {
        (permits[p.number], pollutant): AnnualCap(
            permit_id=permits[p.number], pollutant=pollutant, tonnes_per_year=tonnes
        )
        for _, p in permitted
        for pollutant, tonnes in p.caps.items()
    }
    existing = _keyed(
        AnnualCap.objects.filter(permit_id__in=permits.values()), "permit_id", "pollutant"
    )
    _, created = _insert_missing(AnnualCap, existing, wanted)
    _count(report, "caps", created, len(wanted))


def _accounts(plan: CityPlan, enterprises: dict[str, int], report: LoadReport) -> None:
    by_name = {e.name: e.credit_code for e in plan.enterprises}
    existing = set(
        User.objects.filter(username__in=[a.username for a in plan.accounts]).values_list(
            "username", flat=True
        )
    )
    missing = [a for a in plan.accounts if a.username not in existing]
    # one hash for all: the password is public anyway, and PBKDF2 is slow on purpose.
    # Set directly because "qingshan-demo" may not pass the password validators.
    encoded = make_password(DEMO_PASSWORD) if missing else ""
    for account in missing:
        enterprise = (
            enterprises[by_name[account.enterprise_name]] if account.enterprise_name else None
        )
        User.objects.create(
            username=account.username,
            password=encoded,
            role=account.role,
            region_code=account.region_code,
            enterprise_id=enterprise,
            first_name=account.display_name,
            is_superuser=account.is_superuser,
            is_staff=account.is_superuser,
        )
    _count(report, "accounts", len(missing), len(plan.accounts))


# ── removing ──────────────────────────────────────────────────────────────────────


def remove_city(plan: CityPlan) -> None:
    """Delete the demo accounts and the plan's enterprises with everything under them.

    Collecting deletes, so each deleted registry row is audited; the demo's alarms,
    declarations and sessions go first (``enterprises_purge``: they are PROTECTed).
    """
    demo = Enterprise.objects.filter(credit_code__in=[e.credit_code for e in plan.enterprises])
    cases_remove(enterprise_ids=demo.values_list("pk", flat=True))
    User.objects.filter(username__in=[a.username for a in plan.accounts]).delete()
    enterprises_purge(enterprises=demo)  # evidence is PROTECTed from a plain delete


# ── the device file for the simulator ────────────────────────────────────────────


def write_devices_csv(plan: CityPlan, points: dict[str, int], data_dir: Path) -> Path:
    """``DATA_DIR/demo_devices.csv``: mn,password,point_id,enterprise,factors (mode 0600).

    ``factors`` is the point's HJ 212 codes joined with spaces. The file holds device
    passwords in clear, so it is created readable by its owner only, and replaced
    atomically so that a simulator never reads half a file.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["mn", "password", "point_id", "enterprise", "factors"])
    for enterprise, _, point in plan.points():
        writer.writerow(
            [point.mn, point.password, points[point.mn], enterprise.name, " ".join(point.factors)]
        )
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = data_dir / DEVICES_CSV
    temporary = data_dir / f".{DEVICES_CSV}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(buffer.getvalue())
    os.chmod(temporary, 0o600)  # in case it existed with a wider mode
    os.replace(temporary, target)
    return target
