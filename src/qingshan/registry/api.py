"""Registry endpoints: thin adapters over selectors (reads) and services (writes).

A record with history is retired (``POST …/retire``), never deleted: ``DELETE`` answers
409 ``has_history`` for it, and a retired record answers 409 ``retired`` to edits.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from qingshan.core.api import ErrorOut, api_user
from qingshan.core.pagination import Pagination
from qingshan.core.validators import DbId
from qingshan.registry import retirement, selectors, services
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
    RecordStateFilter,
    RetireIn,
)

router = Router(tags=["registry"])

CONFLICT = {409: ErrorOut}


def conflicts_as_409(view: Callable[..., Any]) -> Callable[..., Any]:
    """A ``RecordConflict`` (history, retired) answers 409 with its code, in the API's
    one error shape; other refusals keep their own status."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except services.RecordConflict as exc:
            message = " ".join(exc.messages)
            return Status(409, {"error": {"code": exc.code, "message": message, "fields": {}}})

    return wrapper


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


class EnterpriseFilter(RecordStateFilter):
    q: str = ""
    region_code: str = ""
    industry_code: str = ""
    is_key_discharger: bool | None = None


@router.get("/enterprises", response=list[EnterpriseOut])
@paginate(Pagination)
def enterprise_list(request: HttpRequest, filters: Query[EnterpriseFilter]) -> Any:
    return selectors.enterprise_list(user=request.user, **filters.dict())


@router.post("/enterprises", response={201: EnterpriseOut})
def enterprise_create(request: HttpRequest, payload: EnterpriseIn) -> Status[Enterprise]:
    return Status(201, services.enterprise_create(user=api_user(request), data=payload.dict()))


@router.get("/enterprises/{int:pk}", response=EnterpriseOut)
def enterprise_get(request: HttpRequest, pk: int) -> Enterprise:
    return selectors.enterprise_get(user=request.user, pk=pk)


@router.patch("/enterprises/{int:pk}", response={200: EnterpriseOut, **CONFLICT})
@conflicts_as_409
def enterprise_update(request: HttpRequest, pk: int, payload: EnterprisePatch) -> Enterprise:
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    return services.enterprise_update(
        user=api_user(request), enterprise=enterprise, data=payload.dict(exclude_unset=True)
    )


DELETE_DESCRIPTION = (
    "删除误建且没有任何历史的记录（连同其下级记录，每一行都记入审计日志）。"
    "已有历史（报警、企业申报、监测数据、原始报文、连接记录、督办案件、已生效的许可证等）的记录"
    "不能删除：答复 409 has_history，请改用 retire 注销。"
)
RETIRE_DESCRIPTION = (
    "注销记录：保留全部历史（报警、数据、申报、案件仍可查看），不再接收新数据、不能修改；"
    "下级记录一并注销，数采仪同时停用。已注销的答复 409 retired。"
)
REINSTATE_DESCRIPTION = (
    "恢复一次注销：该记录及与其同时注销的下级记录恢复在用；数采仪仍为停用，需另行启用。"
    "上级已注销时答复 409 parent_retired。"
)


class ChildFilter(RecordStateFilter):
    q: str = ""
    enterprise_id: DbId | None = None


@router.get("/outlets", response=list[OutletOut])
@paginate(Pagination)
def outlet_list(request: HttpRequest, filters: Query[ChildFilter]) -> Any:
    return selectors.outlet_list(user=request.user, **filters.dict())


@router.post("/outlets", response={201: OutletOut})
def outlet_create(request: HttpRequest, payload: OutletIn) -> Status[Outlet]:
    data = with_parent(request, payload.dict(), "enterprise", selectors.enterprise_get)
    return Status(201, services.outlet_save(user=api_user(request), outlet=Outlet(), data=data))


@router.get("/outlets/{int:pk}", response=OutletOut)
def outlet_get(request: HttpRequest, pk: int) -> Outlet:
    return selectors.outlet_get(user=request.user, pk=pk)


@router.patch("/outlets/{int:pk}", response={200: OutletOut, **CONFLICT})
@conflicts_as_409
def outlet_update(request: HttpRequest, pk: int, payload: OutletPatch) -> Outlet:
    outlet = selectors.outlet_get(user=request.user, pk=pk)
    data = with_parent(
        request, payload.dict(exclude_unset=True), "enterprise", selectors.enterprise_get
    )
    return services.outlet_save(user=api_user(request), outlet=outlet, data=data)


class PointFilter(ChildFilter):
    outlet_id: DbId | None = None


@router.get("/points", response=list[PointOut])
@paginate(Pagination)
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


@router.patch("/points/{int:pk}", response={200: PointOut, **CONFLICT})
@conflicts_as_409
def point_update(request: HttpRequest, pk: int, payload: PointPatch) -> MonitoringPoint:
    point = selectors.point_get(user=request.user, pk=pk)
    data = with_parent(request, payload.dict(exclude_unset=True), "outlet", selectors.outlet_get)
    return services.point_save(user=api_user(request), point=point, data=data)


class DeviceFilter(ChildFilter):
    point_id: DbId | None = None


@router.get("/devices", response=list[DeviceOut])
@paginate(Pagination)
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


@router.patch("/devices/{int:pk}", response={200: DeviceOut, **CONFLICT})
@conflicts_as_409
def device_update(request: HttpRequest, pk: int, payload: DevicePatch) -> Device:
    device = selectors.device_get(user=request.user, pk=pk)
    data = with_parent(request, payload.dict(exclude_unset=True), "point", selectors.point_get)
    password = data.pop("password", None)
    return services.device_save(user=api_user(request), device=device, data=data, password=password)


# --- delete, retire, reinstate: the same three endpoints for every kind of record ------


def _lifecycle_routes(path: str, out: Any, get: Callable[..., Any], kind: str) -> None:
    """``DELETE /{path}/{pk}``, ``POST …/retire`` and ``POST …/reinstate`` of one kind."""

    def delete(request: HttpRequest, pk: int) -> Status[None]:
        retirement.record_delete(user=api_user(request), obj=get(user=request.user, pk=pk))
        return Status(204, None)

    def retire(request: HttpRequest, pk: int, payload: RetireIn) -> Any:
        obj = get(user=request.user, pk=pk)
        return retirement.record_retire(user=api_user(request), obj=obj, reason=payload.reason)

    def reinstate(request: HttpRequest, pk: int) -> Any:
        obj = get(user=request.user, pk=pk)
        return retirement.record_reinstate(user=api_user(request), obj=obj)

    operation = f"qingshan_registry_api_{kind}"
    router.delete(
        f"/{path}/{{int:pk}}",
        response={204: None, **CONFLICT},
        description=DELETE_DESCRIPTION,
        operation_id=f"{operation}_delete",
    )(conflicts_as_409(delete))
    router.post(
        f"/{path}/{{int:pk}}/retire",
        response={200: out, **CONFLICT},
        description=RETIRE_DESCRIPTION,
        operation_id=f"{operation}_retire",
    )(conflicts_as_409(retire))
    router.post(
        f"/{path}/{{int:pk}}/reinstate",
        response={200: out, **CONFLICT},
        description=REINSTATE_DESCRIPTION,
        operation_id=f"{operation}_reinstate",
    )(conflicts_as_409(reinstate))


for _path, _out, _get, _kind in [
    ("enterprises", EnterpriseOut, selectors.enterprise_get, "enterprise"),
    ("outlets", OutletOut, selectors.outlet_get, "outlet"),
    ("points", PointOut, selectors.point_get, "point"),
    ("devices", DeviceOut, selectors.device_get, "device"),
]:
    _lifecycle_routes(_path, _out, _get, _kind)
