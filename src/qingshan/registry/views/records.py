"""Outlets, monitoring points and data loggers: their lists and their edit pages.

They are created from the enterprise page (the enterprise comes from the URL) and, once
saved, edited, retired (注销), reinstated and deleted through their own URLs; every page
goes back to the enterprise. Only a record with no history can be deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qingshan.core.permissions import can_edit_region
from qingshan.registry import retirement, services
from qingshan.registry import selectors as registry
from qingshan.registry.choices import RecordState
from qingshan.registry.forms import (
    DeviceFilter,
    DeviceForm,
    DevicePasswordForm,
    OutletForm,
    PointFilter,
    PointForm,
)
from qingshan.registry.history import record_history
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.web.helpers import call_service, get_or_404, paginate
from qingshan.web.views.common import (
    GET_POST,
    confirm_delete,
    current_user,
    form_page,
    history_refusal,
    reinstate_page,
    retire_page,
)


def _enterprise_url(enterprise: Enterprise, anchor: str) -> str:
    return reverse("enterprise-detail", args=[enterprise.pk]) + f"#{anchor}"


def _require_edit(request: HttpRequest, enterprise: Enterprise) -> None:
    if not can_edit_region(request.user, enterprise.region_code):
        raise Forbidden


def _editable_enterprise(request: HttpRequest, pk: int) -> Enterprise:
    enterprise = get_or_404(registry.enterprise_get, user=current_user(request), pk=pk)
    _require_edit(request, enterprise)
    return enterprise


def _record_form(
    request: HttpRequest,
    form: forms.ModelForm,  # type: ignore[type-arg]
    *,
    enterprise: Enterprise,
    save: Callable[[dict[str, Any]], Model],
    title: str,
    anchor: str,
) -> HttpResponse:
    """The create/edit cycle: a valid form goes to the service, refusals back to the form."""
    back = _enterprise_url(enterprise, anchor)
    if request.method == "POST" and form.is_valid():
        fields = form.changed_data if form.instance.pk else list(form.fields)
        data = {name: form.cleaned_data[name] for name in fields}
        if call_service(form, lambda: save(data)) is not None:
            messages.success(request, _("已保存"))
            return redirect(back)
    return form_page(request, form, title=title, enterprise=enterprise, cancel_url=back)


# ---- outlets ---------------------------------------------------------------------------


@login_required
@GET_POST
def outlet_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    enterprise = _editable_enterprise(request, pk)
    form = OutletForm(request.POST or None, instance=Outlet(enterprise=enterprise))

    def save(data: dict[str, Any]) -> Outlet:
        outlet = Outlet()
        return services.outlet_save(
            user=user, outlet=outlet, data={"enterprise": enterprise, **data}
        )

    return _record_form(
        request, form, enterprise=enterprise, save=save, title=_("新建排放口"), anchor="outlets"
    )


@login_required
@GET_POST
def outlet_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    outlet = get_or_404(registry.outlet_get, user=user, pk=pk)
    _require_edit(request, outlet.enterprise)
    form = OutletForm(request.POST or None, instance=outlet)
    return _record_form(
        request,
        form,
        enterprise=outlet.enterprise,
        save=lambda data: services.outlet_save(user=user, outlet=outlet, data=data),
        title=_("修改排放口"),
        anchor="outlets",
    )


@login_required
@GET_POST
def outlet_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    outlet = get_or_404(registry.outlet_get, user=user, pk=pk)
    _require_edit(request, outlet.enterprise)
    return _delete_page(
        request,
        "outlet",
        outlet,
        outlet.enterprise,
        [
            (pgettext("heading", "监控点"), _points_of(user, outlet).count()),
            (_("许可排放浓度限值"), outlet.limits.count()),
        ],
    )


# ---- monitoring points -----------------------------------------------------------------


@login_required
def point_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = PointFilter(request.GET, user=user)
    page = paginate(request, filters.apply(user))
    return render(request, "registry/point_list.html", {"filters": filters, "page": page})


@login_required
@GET_POST
def point_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    enterprise = _editable_enterprise(request, pk)
    outlets = registry.outlet_list(user=user, enterprise_id=enterprise.pk)
    form = PointForm(
        request.POST or None,
        outlets=outlets,
        initial={"outlet": request.GET.get("outlet")},
    )
    return _record_form(
        request,
        form,
        enterprise=enterprise,
        save=lambda data: services.point_save(user=user, point=MonitoringPoint(), data=data),
        title=_("新建监控点"),
        anchor="points",
    )


@login_required
@GET_POST
def point_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    point = get_or_404(registry.point_get, user=user, pk=pk)
    enterprise = point.site_outlet.enterprise
    _require_edit(request, enterprise)
    outlets = registry.outlet_list(user=user, enterprise_id=enterprise.pk)
    form = PointForm(request.POST or None, instance=point, outlets=outlets)
    return _record_form(
        request,
        form,
        enterprise=enterprise,
        save=lambda data: services.point_save(user=user, point=point, data=data),
        title=_("修改监控点"),
        anchor="points",
    )


@login_required
@GET_POST
def point_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    point = get_or_404(registry.point_get, user=user, pk=pk)
    enterprise = point.site_outlet.enterprise
    _require_edit(request, enterprise)
    devices = _devices_of(user, point).count()
    return _delete_page(
        request, "point", point, enterprise, [(pgettext("heading", "数采仪"), devices)]
    )


# ---- data loggers ----------------------------------------------------------------------


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = DeviceFilter(request.GET, user=user)
    page = paginate(request, filters.apply(user))
    return render(request, "registry/device_list.html", {"filters": filters, "page": page})


@login_required
@GET_POST
def device_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    enterprise = _editable_enterprise(request, pk)
    points = registry.point_list(user=user, enterprise_id=enterprise.pk)
    form = DeviceForm(
        request.POST or None, points=points, initial={"point": request.GET.get("point")}
    )

    def save(data: dict[str, Any]) -> Device:
        password = data.pop("password")
        return services.device_save(user=user, device=Device(), data=data, password=password)

    return _record_form(
        request, form, enterprise=enterprise, save=save, title=_("新建数采仪"), anchor="devices"
    )


def _editable_device(request: HttpRequest, pk: int) -> tuple[Device, Enterprise]:
    device = get_or_404(registry.device_get, user=current_user(request), pk=pk)
    enterprise = device.point.site_outlet.enterprise
    _require_edit(request, enterprise)
    return device, enterprise


@login_required
@GET_POST
def device_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    device, enterprise = _editable_device(request, pk)
    points = registry.point_list(user=user, enterprise_id=enterprise.pk)
    form = DeviceForm(request.POST or None, instance=device, points=points)
    return _record_form(
        request,
        form,
        enterprise=enterprise,
        save=lambda data: services.device_save(user=user, device=device, data=data),
        title=_("修改数采仪"),
        anchor="devices",
    )


@login_required
@GET_POST
def device_password(request: HttpRequest, pk: int) -> HttpResponse:
    """An explicit reset of the access password: the only way to change it after creation."""
    user = current_user(request)
    device, enterprise = _editable_device(request, pk)
    form = DevicePasswordForm(request.POST or None)
    back = _enterprise_url(enterprise, "devices")
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password"]
        saved = call_service(
            form,
            lambda: services.device_save(user=user, device=device, data={}, password=password),
        )
        if saved is not None:
            messages.success(request, _("已重置数采仪 %(mn)s 的访问密码") % {"mn": device.mn})
            return redirect(back)
    title = _("重置数采仪 %(mn)s 的访问密码") % {"mn": device.mn}
    return form_page(request, form, title=title, enterprise=enterprise, cancel_url=back)


@login_required
@GET_POST
def device_delete(request: HttpRequest, pk: int) -> HttpResponse:
    device, enterprise = _editable_device(request, pk)
    return _delete_page(request, "device", device, enterprise, [])


# ---- delete, retire, reinstate ---------------------------------------------------------

# kind → (the scoped selector, the enterprise page's section)
RECORDS: dict[str, tuple[Callable[..., Any], str]] = {
    "outlet": (registry.outlet_get, "outlets"),
    "point": (registry.point_get, "points"),
    "device": (registry.device_get, "devices"),
}


def _points_of(user: Any, outlet: Outlet, state: str = RecordState.ALL) -> Any:
    return registry.point_list(user=user, outlet_id=outlet.pk, state=state)


def _devices_of(user: Any, point: MonitoringPoint, state: str = RecordState.ALL) -> Any:
    return registry.device_list(user=user, point_id=point.pk, state=state)


def _delete_page(
    request: HttpRequest,
    kind: str,
    obj: Outlet | MonitoringPoint | Device,
    enterprise: Enterprise,
    consequences: list[tuple[str, int]],
) -> HttpResponse:
    user = current_user(request)
    back = _enterprise_url(enterprise, RECORDS[kind][1])
    return confirm_delete(
        request,
        obj=obj,
        delete=lambda: retirement.record_delete(user=user, obj=obj),
        cancel_url=back,
        success_url=back,
        consequences=consequences,
        enterprise=enterprise,
        refusal=history_refusal(record_history(obj)),
        instead=(_("注销"), reverse(f"{kind}-retire", args=[obj.pk])),
    )


def _editable_record(request: HttpRequest, kind: str, pk: int) -> tuple[Any, Enterprise]:
    """The record, if the user sees it (else 404) and may change it (else 403)."""
    getter, _anchor = RECORDS[kind]
    obj = get_or_404(getter, user=current_user(request), pk=pk)
    enterprise = services.enterprise_of(obj)
    _require_edit(request, enterprise)
    return obj, enterprise


def _active_below(user: Any, obj: Any) -> list[tuple[str, int]]:
    """What retiring ``obj`` retires with it (records in use under it)."""
    if isinstance(obj, Outlet):
        points = _points_of(user, obj, RecordState.ACTIVE)
        devices = registry.device_list(user=user, state=RecordState.ACTIVE).filter(
            point__outlet=obj
        )
        return [
            (pgettext("heading", "监控点"), points.count()),
            (pgettext("heading", "数采仪"), devices.count()),
        ]
    if isinstance(obj, MonitoringPoint):
        devices = _devices_of(user, obj, RecordState.ACTIVE)
        return [(pgettext("heading", "数采仪"), devices.count())]
    return []


@login_required
@GET_POST
def record_retire(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = current_user(request)
    obj, enterprise = _editable_record(request, kind, pk)
    return retire_page(
        request,
        obj=obj,
        retire=lambda reason: retirement.record_retire(user=user, obj=obj, reason=reason),
        back_url=_enterprise_url(enterprise, RECORDS[kind][1]),
        consequences=_active_below(user, obj),
        enterprise=enterprise,
    )


@login_required
@GET_POST
def record_reinstate(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = current_user(request)
    obj, enterprise = _editable_record(request, kind, pk)
    return reinstate_page(
        request,
        obj=obj,
        reinstate=lambda: retirement.record_reinstate(user=user, obj=obj),
        back_url=_enterprise_url(enterprise, RECORDS[kind][1]),
        enterprise=enterprise,
    )
