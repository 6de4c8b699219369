"""Quality endpoints: stations and sections (scoped like the registry), their results."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from qingshan.core.api import api_user
from qingshan.core.pagination import Pagination
from qingshan.quality import selectors, services
from qingshan.quality.models import AirStation, WaterSection
from qingshan.quality.schemas import (
    AirDayOut,
    AirHourOut,
    SectionIn,
    SectionOut,
    SectionPatch,
    StationIn,
    StationOut,
    StationPatch,
    WaterDayOut,
)

router = Router(tags=["quality"])

HOURS_MAX = 24 * 31


class SiteFilter(Schema):
    q: str = ""
    region_code: str = ""
    level: str = ""


class PeriodFilter(Schema):
    start: dt.date | None = None
    end: dt.date | None = None


@router.get("/stations", response=list[StationOut])
@paginate(Pagination)
def station_list(request: HttpRequest, filters: Query[SiteFilter]) -> Any:
    return selectors.station_list(user=request.user, **filters.dict())


@router.post("/stations", response={201: StationOut})
def station_create(request: HttpRequest, payload: StationIn) -> Status[AirStation]:
    data = payload.dict(exclude={"logger"})
    logger = payload.logger
    station = services.station_create(
        user=api_user(request),
        data=data,
        mn=logger.mn if logger else "",
        password=logger.password if logger else None,
    )
    return Status(201, station)


@router.get("/stations/{int:pk}", response=StationOut)
def station_get(request: HttpRequest, pk: int) -> AirStation:
    return selectors.station_get(user=request.user, pk=pk)


@router.patch("/stations/{int:pk}", response=StationOut)
def station_update(request: HttpRequest, pk: int, payload: StationPatch) -> AirStation:
    station = selectors.station_get(user=request.user, pk=pk)
    return services.station_update(
        user=api_user(request), station=station, data=payload.dict(exclude_unset=True)
    )


@router.delete("/stations/{int:pk}", response={204: None})
def station_delete(request: HttpRequest, pk: int) -> Status[None]:
    station = selectors.station_get(user=request.user, pk=pk)
    services.site_delete(user=api_user(request), site=station)
    return Status(204, None)


@router.get("/stations/{int:pk}/hours", response=list[AirHourOut])
def station_hours(
    request: HttpRequest, pk: int, limit: Annotated[int, Field(ge=1, le=HOURS_MAX)] = 24
) -> Any:
    """The station's latest hourly reports (1 to 24 × 31 of them), newest first."""
    return selectors.station_hours(user=request.user, station_id=pk, limit=limit)


@router.get("/stations/{int:pk}/days", response=list[AirDayOut])
@paginate(Pagination)
def station_days(request: HttpRequest, pk: int, period: Query[PeriodFilter]) -> Any:
    return selectors.station_days(user=request.user, station_id=pk, **period.dict())


@router.get("/sections", response=list[SectionOut])
@paginate(Pagination)
def section_list(request: HttpRequest, filters: Query[SiteFilter]) -> Any:
    return selectors.section_list(user=request.user, **filters.dict())


@router.post("/sections", response={201: SectionOut})
def section_create(request: HttpRequest, payload: SectionIn) -> Status[WaterSection]:
    logger = payload.logger
    section = services.section_create(
        user=api_user(request),
        data=payload.dict(exclude={"logger"}),
        mn=logger.mn if logger else "",
        password=logger.password if logger else None,
    )
    return Status(201, section)


@router.get("/sections/{int:pk}", response=SectionOut)
def section_get(request: HttpRequest, pk: int) -> WaterSection:
    return selectors.section_get(user=request.user, pk=pk)


@router.patch("/sections/{int:pk}", response=SectionOut)
def section_update(request: HttpRequest, pk: int, payload: SectionPatch) -> WaterSection:
    section = selectors.section_get(user=request.user, pk=pk)
    return services.section_update(
        user=api_user(request), section=section, data=payload.dict(exclude_unset=True)
    )


@router.delete("/sections/{int:pk}", response={204: None})
def section_delete(request: HttpRequest, pk: int) -> Status[None]:
    section = selectors.section_get(user=request.user, pk=pk)
    services.site_delete(user=api_user(request), site=section)
    return Status(204, None)


@router.get("/sections/{int:pk}/days", response=list[WaterDayOut])
@paginate(Pagination)
def section_days(request: HttpRequest, pk: int, period: Query[PeriodFilter]) -> Any:
    return selectors.section_days(user=request.user, section_id=pk, **period.dict())
