"""Enterprise pages: list with filters, the enterprise page with everything it owns, edits."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qingshan.core.models import User
from qingshan.core.permissions import can_edit_region
from qingshan.permits.selectors import permit_list
from qingshan.registry import retirement, services
from qingshan.registry import selectors as registry
from qingshan.registry.choices import RecordState
from qingshan.registry.forms import EnterpriseFilter, EnterpriseForm
from qingshan.registry.history import record_history
from qingshan.registry.models import Enterprise
from qingshan.web.helpers import call_service, can_create, get_or_404, paginate, region_labels
from qingshan.web.history import history_rows
from qingshan.web.views.common import (
    GET_POST,
    confirm_delete,
    current_user,
    form_page,
    history_refusal,
    reinstate_page,
    retire_page,
)


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = EnterpriseFilter(request.GET, user=user)
    page = paginate(request, filters.apply(user))
    context = {
        "filters": filters,
        "page": page,
        "regions": region_labels(e.region_code for e in page),
        "can_create": can_create(request),
    }
    return render(request, "registry/enterprise_list.html", context)


def enterprise_parts(user: User, enterprise: Enterprise) -> dict[str, Any]:
    """Everything the enterprise page shows beside the enterprise itself (all scoped),
    retired records included: they stay readable, marked as retired."""
    pk, every = enterprise.pk, RecordState.ALL
    return {
        "outlets": registry.outlet_list(user=user, enterprise_id=pk, state=every),
        "points": registry.point_list(user=user, enterprise_id=pk, state=every),
        "devices": registry.device_list(user=user, enterprise_id=pk, state=every),
        "permits": permit_list(user=user, enterprise_id=enterprise.pk).prefetch_related(
            "limits__outlet", "annual_caps"
        ),
    }


@login_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    enterprise = get_or_404(registry.enterprise_get, user=user, pk=pk)
    context = {
        "enterprise": enterprise,
        "region": region_labels([enterprise.region_code])[enterprise.region_code],
        "can_edit": can_edit_region(user, enterprise.region_code),
        "history": history_rows(enterprise, viewer=user),
        **enterprise_parts(user, enterprise),
    }
    return render(request, "registry/enterprise_detail.html", context)


@login_required
@GET_POST
def enterprise_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not can_create(request):
        raise Forbidden
    form = EnterpriseForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        enterprise = call_service(form, lambda: services.enterprise_create(user=user, data=data))
        if enterprise is not None:
            messages.success(request, _("已新建排污单位 %(name)s") % {"name": enterprise.name})
            return redirect("enterprise-detail", pk=enterprise.pk)
    return form_page(
        request,
        form,
        title=_("新建排污单位"),
        enterprise=None,
        cancel_url=reverse("enterprise-list"),
    )


def _editable_enterprise(request: HttpRequest, pk: int) -> Enterprise:
    """The enterprise, if the user sees it (else 404) and may change it (else 403)."""
    enterprise = get_or_404(registry.enterprise_get, user=current_user(request), pk=pk)
    if not can_edit_region(request.user, enterprise.region_code):
        raise Forbidden
    return enterprise


@login_required
@GET_POST
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    enterprise = _editable_enterprise(request, pk)
    form = EnterpriseForm(request.POST or None, instance=enterprise, user=user)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        saved = call_service(
            form, lambda: services.enterprise_update(user=user, enterprise=enterprise, data=data)
        )
        if saved is not None:
            messages.success(request, _("已保存"))
            return redirect("enterprise-detail", pk=saved.pk)
    return form_page(
        request,
        form,
        title=_("修改排污单位"),
        enterprise=enterprise,
        cancel_url=reverse("enterprise-detail", args=[pk]),
    )


def _consequences(parts: dict[str, Any], *, active_only: bool = False) -> list[tuple[str, int]]:
    def count(qs: Any) -> int:
        return int(qs.filter(retired_at__isnull=True).count() if active_only else qs.count())

    rows = [
        (pgettext("heading", "排放口"), count(parts["outlets"])),
        (pgettext("heading", "监控点"), count(parts["points"])),
        (pgettext("heading", "数采仪"), count(parts["devices"])),
    ]
    if not active_only:
        rows.append((pgettext("heading", "排污许可证"), parts["permits"].count()))
    return rows


@login_required
@GET_POST
def enterprise_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    enterprise = _editable_enterprise(request, pk)
    return confirm_delete(
        request,
        obj=enterprise,
        delete=lambda: retirement.record_delete(user=user, obj=enterprise),
        cancel_url=reverse("enterprise-detail", args=[pk]),
        success_url=reverse("enterprise-list"),
        consequences=_consequences(enterprise_parts(user, enterprise)),
        enterprise=enterprise,
        refusal=history_refusal(record_history(enterprise)),
        instead=(_("注销"), reverse("enterprise-retire", args=[pk])),
    )


@login_required
@GET_POST
def enterprise_retire(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    enterprise = _editable_enterprise(request, pk)
    return retire_page(
        request,
        obj=enterprise,
        retire=lambda reason: retirement.record_retire(user=user, obj=enterprise, reason=reason),
        back_url=reverse("enterprise-detail", args=[pk]),
        consequences=_consequences(enterprise_parts(user, enterprise), active_only=True),
        enterprise=enterprise,
    )


@login_required
@GET_POST
def enterprise_reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    enterprise = _editable_enterprise(request, pk)
    return reinstate_page(
        request,
        obj=enterprise,
        reinstate=lambda: retirement.record_reinstate(user=user, obj=enterprise),
        back_url=reverse("enterprise-detail", args=[pk]),
        enterprise=enterprise,
    )
