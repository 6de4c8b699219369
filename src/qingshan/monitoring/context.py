"""What the alarm engine needs to know of a point, cached in the worker.

The limits a point's data are judged against come from the permit in force for its
outlet; the enterprise and region scope the alarms it raises. Rule values (thresholds)
come from the dated rule table for the point's region. Both are cached for a minute:
the engine judges thousands of values a second and these change a few times a year.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from qingshan.core.chinatime import china_today
from qingshan.core.rules import rule_value
from qingshan.monitoring.conversion import outside_limit
from qingshan.permits.choices import PermitStatus
from qingshan.permits.models import PermitLimit
from qingshan.registry.models import MonitoringPoint

REFRESH_SECONDS = 60.0
MISS_RELOAD_SECONDS = 5.0  # an unknown point reloads the cache at most this often


@dataclass(frozen=True, slots=True)
class Limit:
    """A permit limit as the engine uses it (permits.PermitLimit)."""

    value: float  # the upper limit
    basis: str  # LimitBasis: "hourly" or "daily"
    reference_o2: float | None
    unit: str
    standard: str
    lower: float | None = None  # a range limit (pH 6–9): below it exceeds too

    def outside(self, judged: float) -> bool:
        return outside_limit(judged, self.value, self.lower)


@dataclass(frozen=True, slots=True)
class PointContext:
    point_id: int
    enterprise_id: int
    region_code: str
    name: str
    factors: tuple[str, ...] = ()
    limits: dict[str, Limit] = field(default_factory=dict)


class Contexts:
    """Point contexts and rule values, reloaded every ``REFRESH_SECONDS``."""

    def __init__(self) -> None:
        self._points: dict[int, PointContext] = {}
        self._rules: dict[tuple[str, str, dt.date], Any] = {}
        self._loaded = 0.0
        self._miss_reload = 0.0

    def _refresh(self) -> None:
        if time.monotonic() - self._loaded < REFRESH_SECONDS:
            return
        self._points = self._load_points()
        self._rules.clear()
        self._loaded = time.monotonic()

    def invalidate(self) -> None:
        self._loaded = 0.0

    @staticmethod
    def _load_points() -> dict[int, PointContext]:
        today = china_today()
        limits: dict[int, dict[str, Limit]] = {}
        rows = PermitLimit.objects.filter(
            permit__status=PermitStatus.VALID,
            permit__valid_from__lte=today,
            permit__valid_to__gte=today,
        ).values_list(
            "outlet_id",
            "factor_code",
            "limit",
            "basis",
            "reference_o2",
            "unit",
            "standard",
            "lower_limit",
        )
        for outlet_id, code, value, basis, o2, unit, standard, lower in rows:
            limits.setdefault(outlet_id, {})[code] = Limit(
                float(value),
                basis,
                None if o2 is None else float(o2),
                unit,
                standard,
                None if lower is None else float(lower),
            )
        # a retired point is judged no more: no offline, missing or exceedance alarms
        points = MonitoringPoint.objects.filter(
            outlet__isnull=False, retired_at__isnull=True
        ).values_list(
            "pk",
            "outlet_id",
            "outlet__enterprise_id",
            "outlet__enterprise__region_code",
            "name",
            "factors",
        )
        return {
            pk: PointContext(
                pk, enterprise_id, region, name, tuple(factors or ()), limits.get(outlet_id, {})
            )
            for pk, outlet_id, enterprise_id, region, name, factors in points
        }

    def all_points(self) -> list[PointContext]:
        self._refresh()
        return list(self._points.values())

    def point(self, point_id: int) -> PointContext | None:
        """The point's context; None for a point with no outlet (an ambient station)."""
        self._refresh()
        found = self._points.get(point_id)
        if found is None and time.monotonic() - self._miss_reload > MISS_RELOAD_SECONDS:
            self._miss_reload = time.monotonic()  # perhaps a point registered since the load
            self._loaded = 0.0
            self._refresh()
            found = self._points.get(point_id)
        return found

    def rule(self, name: str, *, region_code: str, on: dt.date) -> Any:
        self._refresh()
        key = (name, region_code, on)
        if key not in self._rules:
            self._rules[key] = rule_value(name, region_code=region_code, on=on)
        return self._rules[key]

    def rules(self, *, region_code: str, on: dt.date) -> RuleSet:
        """Every rule of one region and date, looked up once and kept with the cache."""
        self._refresh()
        key = ("", region_code, on)
        found = self._rules.get(key)
        if found is None:
            found = self._rules[key] = RuleSet(self, region_code, on)
        return found


class RuleSet:
    """The rule values in force for one region on one date, fetched on first use."""

    def __init__(self, contexts: Contexts, region_code: str, on: dt.date) -> None:
        self._contexts, self._region, self._on = contexts, region_code, on
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            value = self._contexts.rule(name, region_code=self._region, on=self._on)
            self._values[name] = value
            return value
