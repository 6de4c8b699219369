"""Reads of the quality app, always scoped to what the caller may see.

Stations and sections carry their own region code, so they are scoped by it rather than
through an enterprise: the bureau administrator sees all; a regulator or inspector those
in their jurisdiction; everyone else — enterprise users and the public, logged in or
not — the published ones (``is_published``), which the public pages show.

No read shows a result dated after now + the ahead minutes of the rule
``monitoring.data_time_window`` (``datatime.Windows``): a value stored with a future date
(an import row from before such rows were held, a logger's clock far ahead) would
otherwise stand as the station's latest value and hide its live data. Import rows held
for review (``HeldRow``) are seen by bureau staff of their region only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import pgettext_lazy

from qingshan.core.choices import Role
from qingshan.core.models import User
from qingshan.quality.choices import HeldStatus
from qingshan.quality.datatime import Windows
from qingshan.quality.models import (
    AirDay,
    AirHour,
    AirStation,
    HeldRow,
    WaterDay,
    WaterSample,
    WaterSection,
)
from qingshan.registry.history import history_check_register

AnyUser = User | AnonymousUser
S = TypeVar("S", AirStation, WaterSection)


def scope_sites(qs: QuerySet[S], user: AnyUser) -> QuerySet[S]:
    if isinstance(user, User) and user.is_authenticated:
        if user.is_bureau_admin:
            return qs
        if user.role in (Role.REGULATOR, Role.INSPECTOR):
            if not user.region_code:
                return qs.none()
            return qs.filter(region_code__startswith=user.region_code)
    return qs.filter(is_published=True)


def _search(qs: QuerySet[S], q: str, region_code: str, level: str) -> QuerySet[S]:
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q))
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    if level:
        qs = qs.filter(level=level)
    return qs


def station_list(
    *, user: AnyUser, q: str = "", region_code: str = "", level: str = ""
) -> QuerySet[AirStation]:
    qs = scope_sites(AirStation.objects.select_related("point"), user)
    return _search(qs, q, region_code, level).order_by("region_code", "code")


def station_get(*, user: AnyUser, pk: int) -> AirStation:
    return scope_sites(AirStation.objects.select_related("point"), user).get(pk=pk)


def section_list(
    *, user: AnyUser, q: str = "", region_code: str = "", level: str = ""
) -> QuerySet[WaterSection]:
    qs = _search(
        scope_sites(WaterSection.objects.select_related("point"), user), "", region_code, level
    )
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(code__icontains=q) | Q(water_body_name__icontains=q)
        )
    return qs.order_by("region_code", "code")


def section_get(*, user: AnyUser, pk: int) -> WaterSection:
    return scope_sites(WaterSection.objects.select_related("point"), user).get(pk=pk)


def _until(qs: QuerySet[Any], region_code: str, windows: Windows | None = None) -> QuerySet[Any]:
    """``qs`` (hours or samples, by ``data_time``) without what is dated in the future."""
    until = (windows or Windows()).shown_until(region_code)
    return qs if until is None else qs.filter(data_time__lte=until)


def _until_day(
    qs: QuerySet[Any], region_code: str, windows: Windows | None = None
) -> QuerySet[Any]:
    """``qs`` (daily results, by ``day``) without days that have not begun."""
    last = (windows or Windows()).last_day(region_code)
    return qs if last is None else qs.filter(day__lte=last)


def station_hours(
    *, user: AnyUser, station_id: int, since: dt.datetime | None = None, limit: int = 24 * 7
) -> QuerySet[AirHour]:
    """The station's hourly reports, newest first (404 if the station is not visible)."""
    station = station_get(user=user, pk=station_id)
    qs = _until(AirHour.objects.filter(station=station), station.region_code)
    if since is not None:
        qs = qs.filter(data_time__gte=since)
    return qs.order_by("-data_time")[:limit]


def station_days(
    *, user: AnyUser, station_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[AirDay]:
    station = station_get(user=user, pk=station_id)
    qs = _until_day(AirDay.objects.filter(station=station), station.region_code)
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    return qs.order_by("-day")


def section_days(
    *, user: AnyUser, section_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[WaterDay]:
    section = section_get(user=user, pk=section_id)
    qs = _until_day(WaterDay.objects.filter(section=section), section.region_code)
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    return qs.order_by("-day")


def section_samples(*, user: AnyUser, section_id: int, limit: int = 200) -> QuerySet[WaterSample]:
    section = section_get(user=user, pk=section_id)
    qs = _until(WaterSample.objects.filter(section=section), section.region_code)
    return qs.order_by("-data_time")[:limit]


def latest_hours(stations: QuerySet[AirStation]) -> dict[int, AirHour]:
    """Each station's most recent hourly report not dated in the future (stations without
    one are absent)."""
    latest: dict[int, AirHour] = {}
    windows = Windows()
    for station_id, region in stations.values_list("pk", "region_code"):
        # one indexed lookup each: a city has tens of stations
        qs = _until(AirHour.objects.filter(station_id=station_id), region, windows)
        hour = qs.order_by("-data_time").first()
        if hour is not None:
            latest[station_id] = hour
    return latest


def latest_water_days(sections: QuerySet[WaterSection]) -> dict[int, WaterDay]:
    """Each section's most recent daily class, of a day that has begun."""
    latest: dict[int, WaterDay] = {}
    windows = Windows()
    for section_id, region in sections.values_list("pk", "region_code"):
        qs = _until_day(WaterDay.objects.filter(section_id=section_id), region, windows)
        day = qs.order_by("-day").first()
        if day is not None:
            latest[section_id] = day
    return latest


# ── import rows held for review ───────────────────────────────────────────────────


def may_see_held(user: AnyUser) -> bool:
    """Held rows are for bureau staff: never the public or enterprise users."""
    return (
        isinstance(user, User)
        and user.is_authenticated
        and (user.is_bureau_admin or user.role in (Role.REGULATOR, Role.INSPECTOR))
    )


def _scope_held(qs: QuerySet[HeldRow], user: AnyUser) -> QuerySet[HeldRow]:
    """By the region of the row's station or section (its snapshot once it is deleted)."""
    if not may_see_held(user):
        return qs.none()
    assert isinstance(user, User)
    if user.is_bureau_admin:
        return qs
    if not user.region_code:
        return qs.none()
    region = user.region_code
    return qs.filter(
        Q(station__region_code__startswith=region)
        | Q(section__region_code__startswith=region)
        | Q(station__isnull=True, section__isnull=True, region_code__startswith=region)
    )


def held_rows(
    *, user: AnyUser, status: str = HeldStatus.HELD, import_id: int | None = None
) -> QuerySet[HeldRow]:
    """Held import rows the user may see, newest first; ``status=""`` for all."""
    qs = _scope_held(
        HeldRow.objects.select_related("station", "section", "decided_by", "data_import__user"),
        user,
    )
    if status:
        qs = qs.filter(status=status)
    if import_id is not None:
        qs = qs.filter(data_import_id=import_id)
    return qs.order_by("-created_at", "-id")


def held_row_get(*, user: AnyUser, pk: int) -> HeldRow:
    return _scope_held(HeldRow.objects.select_related("station", "section"), user).get(pk=pk)


# --- the evidence quality keeps about registry records (qingshan.registry.history) ------


def history_checks_register() -> None:
    """A point that is an air station's or a water section's is part of its history."""
    history_check_register("point", pgettext_lazy("history", "空气质量监测站"), _stations_of)
    history_check_register("point", pgettext_lazy("history", "地表水监测断面"), _sections_of)


def _stations_of(point_ids: list[int]) -> QuerySet[AirStation]:
    return AirStation.objects.filter(point_id__in=point_ids)


def _sections_of(point_ids: list[int]) -> QuerySet[WaterSection]:
    return WaterSection.objects.filter(point_id__in=point_ids)
