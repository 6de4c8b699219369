"""Registry endpoints: thin adapters over selectors (reads) and services (writes)."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from qingshan.core.api import api_user
from qingshan.registry import selectors, services
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.schemas import (
    DeviceIn,
    DeviceOut,
    DevicePatch,
    EnterpriseIn,
    EnterpriseOut,
    EnterprisePatch,
    OutletIn,
    OutletOut,
    OutletPatch,
    PointIn,
    PointOut,
    PointPatch,
)

router = Router(tags=["registry"])


def resolve(getter: Any, request: HttpRequest, pk: int | None, field: str) -> Any:
    """Turn an ``*_id`` in a request body into an object the caller may see, or a 422."""
    try:
        return getter(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise ValidationError({field: f"编号 {pk} 不存在或无权访问"}) from None


def with_parent(
    request: HttpRequest, body: dict[str, Any], key: str, getter: Any
) -> dict[str, Any]:
    if f"{key}_id" in body:
        body[key] = resolve(getter, request, body.pop(f"{key}_id"), f"{key}_id")
    return body


class EnterpriseFilter(Schema):
    q: str = ""
    region_code: str = ""
    industry_code: str = ""
    is_key_discharger: bool | None = None


@router.get("/enterprises", response=list[EnterpriseOut])
@paginate(LimitOffsetPagination)
def enterprise_list(request: HttpRequest, filters: Query[EnterpriseFilter]) -> Any:
    return selectors.enterprise_list(user=request.user, **filters.dict())


@router.post("/enterprises", response={201: EnterpriseOut})
def enterprise_create(request: HttpRequest, payload: EnterpriseIn) -> Status[Enterprise]:
    return Status(201, services.enterprise_create(user=api_user(request), data=payload.dict()))


@router.get("/enterprises/{int:pk}", response=EnterpriseOut)
def enterprise_get(request: HttpRequest, pk: int) -> Enterprise:
    return selectors.enterprise_get(user=request.user, pk=pk)


@router.patch("/enterprises/{int:pk}", response=EnterpriseOut)
def enterprise_update(request: HttpRequest, pk: int, payload: EnterprisePatch) -> Enterprise:
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    return services.enterprise_update(
        user=api_user(request), enterprise=enterprise, data=payload.dict(exclude_unset=True)
    )


@router.delete("/enterprises/{int:pk}", response={204: None})
def enterprise_delete(request: HttpRequest, pk: int) -> Status[None]:
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    services.enterprise_delete(user=api_user(request), enterprise=enterprise)
    return Status(204, None)


class ChildFilter(Schema):
    q: str = ""
    enterprise_id: int | None = None


@router.get("/outlets", response=list[OutletOut])
@paginate(LimitOffsetPagination)
def outlet_list(request: HttpRequest, filters: Query[ChildFilter]) -> Any:
    return selectors.outlet_list(user=request.user, **filters.dict())


@router.post("/outlets", response={201: OutletOut})
def outlet_create(request: HttpRequest, payload: OutletIn) -> Status[Outlet]:
    data = with_parent(request, payload.dict(), "enterprise", selectors.enterprise_get)
    return Status(201, services.outlet_save(user=api_user(request), outlet=Outlet(), data=data))


@router.get("/outlets/{int:pk}", response=OutletOut)
def outlet_get(request: HttpRequest, pk: int) -> Outlet:
    return selectors.outlet_get(user=request.user, pk=pk)


@router.patch("/outlets/{int:pk}", response=OutletOut)
def outlet_update(request: HttpRequest, pk: int, payload: OutletPatch) -> Outlet:
    outlet = selectors.outlet_get(user=request.user, pk=pk)
    data = with_parent(
        request, payload.dict(exclude_unset=True), "enterprise", selectors.enterprise_get
    )
    return services.outlet_save(user=api_user(request), outlet=outlet, data=data)


@router.delete("/outlets/{int:pk}", response={204: None})
def outlet_delete(request: HttpRequest, pk: int) -> Status[None]:
    services.record_delete(
        user=api_user(request), obj=selectors.outlet_get(user=request.user, pk=pk)
    )
    return Status(204, None)


class PointFilter(ChildFilter):
    outlet_id: int | None = None


@router.get("/points", response=list[PointOut])
@paginate(LimitOffsetPagination)
def point_list(request: HttpRequest, filters: Query[PointFilter]) -> Any:
    return selectors.point_list(user=request.user, **filters.dict())


@router.post("/points", response={201: PointOut})
def point_create(request: HttpRequest, payload: PointIn) -> Status[MonitoringPoint]:
    data = with_parent(request, payload.dict(), "outlet", selectors.outlet_get)
    return Status(
        201, services.point_save(user=api_user(request), point=MonitoringPoint(), data=data)
    )


@router.get("/points/{int:pk}", response=PointOut)
def point_get(request: HttpRequest, pk: int) -> MonitoringPoint:
    return selectors.point_get(user=request.user, pk=pk)


@router.patch("/points/{int:pk}", response=PointOut)
def point_update(request: HttpRequest, pk: int, payload: PointPatch) -> MonitoringPoint:
    point = selectors.point_get(user=request.user, pk=pk)
    data = with_parent(request, payload.dict(exclude_unset=True), "outlet", selectors.outlet_get)
    return services.point_save(user=api_user(request), point=point, data=data)


@router.delete("/points/{int:pk}", response={204: None})
def point_delete(request: HttpRequest, pk: int) -> Status[None]:
    services.record_delete(
        user=api_user(request), obj=selectors.point_get(user=request.user, pk=pk)
    )
    return Status(204, None)


class DeviceFilter(ChildFilter):
    point_id: int | None = None


@router.get("/devices", response=list[DeviceOut])
@paginate(LimitOffsetPagination)
def device_list(request: HttpRequest, filters: Query[DeviceFilter]) -> Any:
    return selectors.device_list(user=request.user, **filters.dict())


@router.post("/devices", response={201: DeviceOut})
def device_create(request: HttpRequest, payload: DeviceIn) -> Status[Device]:
    data = with_parent(request, payload.dict(), "point", selectors.point_get)
    password = data.pop("password")
    device = services.device_save(
        user=api_user(request), device=Device(), data=data, password=password
    )
    return Status(201, device)


@router.get("/devices/{int:pk}", response=DeviceOut)
def device_get(request: HttpRequest, pk: int) -> Device:
    return selectors.device_get(user=request.user, pk=pk)


@router.patch("/devices/{int:pk}", response=DeviceOut)
def device_update(request: HttpRequest, pk: int, payload: DevicePatch) -> Device:
    device = selectors.device_get(user=request.user, pk=pk)
    data = with_parent(request, payload.dict(exclude_unset=True), "point", selectors.point_get)
    password = data.pop("password", None)
    return services.device_save(user=api_user(request), device=device, data=data, password=password)


@router.delete("/devices/{int:pk}", response={204: None})
def device_delete(request: HttpRequest, pk: int) -> Status[None]:
    services.record_delete(
        user=api_user(request), obj=selectors.device_get(user=request.user, pk=pk)
    )
    return Status(204, None)
