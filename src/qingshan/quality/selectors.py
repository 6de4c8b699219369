"""Reads of the quality app, always scoped to what the caller may see.

Stations and sections carry their own region code, so they are scoped by it rather than
through an enterprise: the bureau administrator sees all; a regulator or inspector those
in their jurisdiction; everyone else — enterprise users and the public, logged in or
not — the published ones (``is_published``), which the public pages show.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from qingshan.core.choices import Role
from qingshan.core.models import User
from qingshan.quality.models import AirDay, AirHour, AirStation, WaterDay, WaterSample, WaterSection

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


def station_hours(
    *, user: AnyUser, station_id: int, since: dt.datetime | None = None, limit: int = 24 * 7
) -> QuerySet[AirHour]:
    """The station's hourly reports, newest first (404 if the station is not visible)."""
    station = station_get(user=user, pk=station_id)
    qs = AirHour.objects.filter(station=station)
    if since is not None:
        qs = qs.filter(data_time__gte=since)
    return qs.order_by("-data_time")[:limit]


def station_days(
    *, user: AnyUser, station_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[AirDay]:
    station = station_get(user=user, pk=station_id)
    qs = AirDay.objects.filter(station=station)
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    return qs.order_by("-day")


def section_days(
    *, user: AnyUser, section_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[WaterDay]:
    section = section_get(user=user, pk=section_id)
    qs = WaterDay.objects.filter(section=section)
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    return qs.order_by("-day")


def section_samples(*, user: AnyUser, section_id: int, limit: int = 200) -> QuerySet[WaterSample]:
    section = section_get(user=user, pk=section_id)
    return WaterSample.objects.filter(section=section).order_by("-data_time")[:limit]


def latest_hours(stations: QuerySet[AirStation]) -> dict[int, AirHour]:
    """Each station's most recent hourly report (stations without one are absent)."""
    latest: dict[int, AirHour] = {}
    ids = list(stations.values_list("pk", flat=True))
    for station_id in ids:  # one indexed lookup each: a city has tens of stations
        hour = AirHour.objects.filter(station_id=station_id).order_by("-data_time").first()
        if hour is not None:
            latest[station_id] = hour
    return latest


def latest_water_days(sections: QuerySet[WaterSection]) -> dict[int, WaterDay]:
    latest: dict[int, WaterDay] = {}
    for section_id in sections.values_list("pk", flat=True):
        day = WaterDay.objects.filter(section_id=section_id).order_by("-day").first()
        if day is not None:
            latest[section_id] = day
    return latest
