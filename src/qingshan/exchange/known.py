"""The records an import refers to, loaded in bulk by natural key and kept current.

An import of thousands of rows must not look up each row's record and parents one query
at a time, so before a sheet is processed everything its rows can refer to is loaded in
a few queries; records created along the way are added, so later rows and sheets find
their parents (a file can create an enterprise and its outlets at once).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from django.db import models

from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet

M = TypeVar("M", bound=models.Model)

# SQLite allows 999 parameters per query in older builds
CHUNK = 500


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = sorted(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _load(qs: models.QuerySet[M], lookup: str, values: Iterable[Any]) -> Iterator[M]:
    for chunk in _chunks(values):
        yield from qs.filter(**{f"{lookup}__in": chunk})


class Known:
    """Records by natural key: what exists in the database, plus what this import made."""

    def __init__(self) -> None:
        self.enterprises: dict[str, Enterprise] = {}
        self.outlets: dict[tuple[str, str], Outlet] = {}
        self.points: dict[tuple[str, str, str], MonitoringPoint] = {}
        self.devices: dict[str, Device] = {}
        self.permits: dict[str, Permit] = {}
        self.limits: dict[tuple[str, str, str, str], PermitLimit] = {}
        self.caps: dict[tuple[str, str], AnnualCap] = {}
        self._sites_loaded: set[int] = set()  # enterprises whose outlets and points are here
        self._limits_loaded: set[int] = set()  # permits whose limits and caps are here

    # --- adding records (loaded or created) -------------------------------------------

    def add(self, obj: models.Model) -> None:
        if isinstance(obj, Enterprise):
            self.enterprises[obj.credit_code] = obj
        elif isinstance(obj, Outlet):
            self.outlets[(obj.enterprise.credit_code, obj.code)] = obj
        elif isinstance(obj, MonitoringPoint):
            self.points[(*_outlet_key(obj.site_outlet), obj.name)] = obj
        elif isinstance(obj, Device):
            self.devices[obj.mn] = obj
        elif isinstance(obj, Permit):
            self.permits[obj.number] = obj
        elif isinstance(obj, PermitLimit):
            key = (obj.permit.number, obj.outlet.code, obj.factor_code, obj.basis)
            self.limits[key] = obj
        elif isinstance(obj, AnnualCap):
            self.caps[(obj.permit.number, obj.pollutant)] = obj

    # --- bulk loading -----------------------------------------------------------------

    def load_enterprises(self, credit_codes: Iterable[str]) -> None:
        wanted = set(credit_codes) - set(self.enterprises)
        for enterprise in _load(Enterprise.objects.all(), "credit_code", wanted):
            self.add(enterprise)

    def load_sites(self, credit_codes: Iterable[str]) -> None:
        """Enterprises with all their outlets and monitoring points."""
        codes = set(credit_codes)
        self.load_enterprises(codes)
        by_id = {e.pk: e for c in codes if (e := self.enterprises.get(c)) and e.pk}
        new = set(by_id) - self._sites_loaded
        outlets: dict[int, Outlet] = {}
        for outlet in _load(Outlet.objects.all(), "enterprise_id", new):
            outlet.enterprise = by_id[outlet.enterprise_id]
            outlets[outlet.pk] = outlet
            self.add(outlet)
        for point in _load(MonitoringPoint.objects.all(), "outlet_id", outlets):
            assert point.outlet_id is not None  # loaded by outlet: an enterprise point
            point.outlet = outlets[point.outlet_id]
            self.add(point)
        self._sites_loaded |= new

    def load_devices(self, mns: Iterable[str]) -> None:
        points = {p.pk: p for p in self.points.values() if p.pk}
        # enterprise devices only: an ambient station's logger is not the registry sheet's
        qs = Device.objects.filter(point__outlet__isnull=False).select_related(
            "point__outlet__enterprise"
        )
        for device in _load(qs, "mn", set(mns) - set(self.devices)):
            if device.point_id in points:
                device.point = points[device.point_id]
            self.add(device)

    def load_permits(self, numbers: Iterable[str]) -> None:
        """Permits with their enterprise's outlets (which their limits refer to)."""
        qs = Permit.objects.select_related("enterprise")
        found = list(_load(qs, "number", set(numbers) - set(self.permits)))
        self.load_sites(p.enterprise.credit_code for p in found)
        for permit in found:
            permit.enterprise = self.enterprises[permit.enterprise.credit_code]
            self.add(permit)

    def load_permit_details(self, numbers: Iterable[str]) -> None:
        """The limits and annual caps of the named permits."""
        self.load_permits(numbers)
        by_id = {p.pk: p for n in set(numbers) if (p := self.permits.get(n)) and p.pk}
        new = set(by_id) - self._limits_loaded
        outlets = {o.pk: o for o in self.outlets.values() if o.pk}
        for limit in _load(PermitLimit.objects.all(), "permit_id", new):
            limit.permit = by_id[limit.permit_id]
            if limit.outlet_id in outlets:
                limit.outlet = outlets[limit.outlet_id]
            self.add(limit)
        for cap in _load(AnnualCap.objects.all(), "permit_id", new):
            cap.permit = by_id[cap.permit_id]
            self.add(cap)
        self._limits_loaded |= new


def _outlet_key(outlet: Outlet) -> tuple[str, str]:
    return (outlet.enterprise.credit_code, outlet.code)
