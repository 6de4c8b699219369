"""Outlets, monitoring points and data loggers: their lists and their edit pages.

They are created from the enterprise page (the enterprise comes from the URL) and, once
saved, edited and deleted through their own URLs; every page goes back to the enterprise.
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
from qingshan.registry import selectors as registry
from qingshan.registry import services
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.web.filters import DeviceFilter, PointFilter
from qingshan.web.forms import DeviceForm, DevicePasswordForm, OutletForm, PointForm
from qingshan.web.helpers import call_service, get_or_404, paginate
from qingshan.web.views.common import GET_POST, confirm_delete, current_user, form_page


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
    back = _enterprise_url(outlet.enterprise, "outlets")
    return confirm_delete(
        request,
        obj=outlet,
        delete=lambda: services.record_delete(user=user, obj=outlet),
        cancel_url=back,
        success_url=back,
        consequences=[
            (
                pgettext("heading", "监控点"),
                registry.point_list(user=user, outlet_id=outlet.pk).count(),
            ),
            (_("许可排放浓度限值"), outlet.limits.count()),
        ],
        enterprise=outlet.enterprise,
    )


# ---- monitoring points -----------------------------------------------------------------


@login_required
def point_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = PointFilter(request.GET, user=user)
    page = paginate(request, filters.apply(user))
    return render(request, "web/point_list.html", {"filters": filters, "page": page})


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
    back = _enterprise_url(enterprise, "points")
    return confirm_delete(
        request,
        obj=point,
        delete=lambda: services.record_delete(user=user, obj=point),
        cancel_url=back,
        success_url=back,
        consequences=[
            (
                pgettext("heading", "数采仪"),
                registry.device_list(user=user, point_id=point.pk).count(),
            )
        ],
        enterprise=enterprise,
    )


# ---- data loggers ----------------------------------------------------------------------


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = DeviceFilter(request.GET, user=user)
    page = paginate(request, filters.apply(user))
    return render(request, "web/device_list.html", {"filters": filters, "page": page})


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
    user = current_user(request)
    device, enterprise = _editable_device(request, pk)
    back = _enterprise_url(enterprise, "devices")
    return confirm_delete(
        request,
        obj=device,
        delete=lambda: services.record_delete(user=user, obj=device),
        cancel_url=back,
        success_url=back,
        enterprise=enterprise,
    )
