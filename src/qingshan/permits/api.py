"""Permit endpoints: a permit travels with its limits and annual caps."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from qingshan.core.api import ErrorOut, api_user
from qingshan.core.pagination import Pagination
from qingshan.core.validators import DbId
from qingshan.permits import selectors, services
from qingshan.permits.models import Permit
from qingshan.permits.schemas import PermitIn, PermitOut, PermitPatch
from qingshan.registry.api import conflicts_as_409, resolve
from qingshan.registry.selectors import enterprise_get, outlet_get

router = Router(tags=["permits"])


class PermitFilter(Schema):
    q: str = ""
    enterprise_id: DbId | None = None
    permit_class: str = ""
    status: str = ""
    region_code: str = ""


def _split(request: HttpRequest, body: dict[str, Any]) -> tuple[dict[str, Any], Any, Any]:
    limits = body.pop("limits", None)
    caps = body.pop("annual_caps", None)
    if "enterprise_id" in body:
        body["enterprise"] = resolve(
            enterprise_get, request, body.pop("enterprise_id"), "enterprise_id"
        )
    if limits is not None:
        for index, row in enumerate(limits):
            field = f"limits[{index}].outlet_id"
            row["outlet"] = resolve(outlet_get, request, row.pop("outlet_id"), field)
    return body, limits, caps


def _prefetched(permit: Permit) -> Permit:
    return Permit.objects.prefetch_related("limits", "annual_caps").get(pk=permit.pk)


@router.get("/permits", response=list[PermitOut])
@paginate(Pagination)
def permit_list(request: HttpRequest, filters: Query[PermitFilter]) -> Any:
    return selectors.permit_list(user=request.user, **filters.dict()).prefetch_related(
        "limits", "annual_caps"
    )


@router.post("/permits", response={201: PermitOut})
def permit_create(request: HttpRequest, payload: PermitIn) -> Status[Permit]:
    data, limits, caps = _split(request, payload.dict())
    permit = services.permit_save(
        user=api_user(request), permit=Permit(), data=data, limits=limits, annual_caps=caps
    )
    return Status(201, _prefetched(permit))


@router.get("/permits/{int:pk}", response=PermitOut)
def permit_get(request: HttpRequest, pk: int) -> Permit:
    return _prefetched(selectors.permit_get(user=request.user, pk=pk))


@router.patch("/permits/{int:pk}", response=PermitOut)
def permit_update(request: HttpRequest, pk: int, payload: PermitPatch) -> Permit:
    permit = selectors.permit_get(user=request.user, pk=pk)
    data, limits, caps = _split(request, payload.dict(exclude_unset=True))
    services.permit_save(
        user=api_user(request), permit=permit, data=data, limits=limits, annual_caps=caps
    )
    return _prefetched(permit)


@router.delete(
    "/permits/{int:pk}",
    response={204: None, 409: ErrorOut},
    description="删除误录且尚未生效的许可证（连同限值与许可排放量，逐行记入审计日志）。"
    "有效期已开始的许可证是判定依据，不能删除：答复 409 has_history，"
    "请将状态改为 revoked（已撤销）。",
)
@conflicts_as_409
def permit_delete(request: HttpRequest, pk: int) -> Status[None]:
    services.permit_delete(
        user=api_user(request), permit=selectors.permit_get(user=request.user, pk=pk)
    )
    return Status(204, None)
