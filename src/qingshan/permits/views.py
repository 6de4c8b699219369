"""Permit pages: the list, one permit with its limits and caps, and the permit editor.

A permit is edited together with its limit and cap tables (two inline formsets) because
the service replaces them together, in one transaction, or not at all.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from qingshan.core.models import User
from qingshan.core.permissions import PermissionDenied, can_edit_region
from qingshan.permits import selectors, services
from qingshan.permits.forms import (
    AnnualCapFormSet,
    LimitForm,
    LimitFormSet,
    PermitFilter,
    PermitForm,
)
from qingshan.permits.models import Permit
from qingshan.permits.selectors import permits_begun
from qingshan.registry import selectors as registry
from qingshan.registry.choices import RecordState
from qingshan.registry.models import Enterprise
from qingshan.web.forms import formset_rows
from qingshan.web.helpers import add_service_errors, get_or_404, paginate
from qingshan.web.history import history_rows
from qingshan.web.views.common import GET_POST, confirm_delete, current_user


@login_required
def permit_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = PermitFilter(request.GET, user=user)
    page = paginate(request, filters.apply(user))
    return render(request, "permits/permit_list.html", {"filters": filters, "page": page})


@login_required
def permit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    permit = get_or_404(selectors.permit_get, user=user, pk=pk)
    context = {
        "permit": permit,
        "limits": permit.limits.select_related("outlet").order_by("outlet__code", "factor_code"),
        "caps": permit.annual_caps.order_by("pollutant"),
        "can_edit": can_edit_region(user, permit.enterprise.region_code),
        "history": history_rows(permit, viewer=user),
    }
    return render(request, "permits/permit_detail.html", context)


class PermitEditor:
    """The permit form and its two formsets, bound together and saved together."""

    def __init__(self, request: HttpRequest, permit: Permit, enterprise: Enterprise) -> None:
        data = request.POST if request.method == "POST" else None
        outlets = self._outlets(request, permit, enterprise)
        self.form = PermitForm(data, instance=permit)
        self.limits = LimitFormSet(
            data,
            prefix="limits",
            initial=self._limit_rows(permit),
            form_kwargs={"outlets": outlets},
        )
        self.caps = AnnualCapFormSet(data, prefix="caps", initial=self._cap_rows(permit))

    @staticmethod
    def _outlets(request: HttpRequest, permit: Permit, enterprise: Enterprise) -> Any:
        """Outlets in use, and the retired ones this permit's limits are for already."""
        outlets = registry.outlet_list(
            user=current_user(request), enterprise_id=enterprise.pk, state=RecordState.ALL
        )
        used = permit.limits.values("outlet_id") if permit.pk else []
        return outlets.filter(Q(retired_at__isnull=True) | Q(pk__in=used))

    @staticmethod
    def _limit_rows(permit: Permit) -> list[dict[str, Any]]:
        if not permit.pk:
            return []
        fields = LimitForm.Meta.fields
        return [
            dict(row)
            for row in permit.limits.order_by("outlet__code", "factor_code").values(*fields)
        ]

    @staticmethod
    def _cap_rows(permit: Permit) -> list[dict[str, Any]]:
        if not permit.pk:
            return []
        caps = permit.annual_caps.order_by("pollutant").values("pollutant", "tonnes_per_year")
        return [dict(row) for row in caps]

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.limits.is_valid(), self.caps.is_valid()])

    def save(self, user: User, permit: Permit, enterprise: Enterprise) -> Permit | None:
        limits, limit_forms = formset_rows(self.limits)
        caps, cap_forms = formset_rows(self.caps)
        fields = self.form.changed_data if permit.pk else list(self.form.fields)
        data: dict[str, Any] = {name: self.form.cleaned_data[name] for name in fields}
        if not permit.pk:
            data["enterprise"] = enterprise
        try:
            return services.permit_save(
                user=user, permit=permit, data=data, limits=limits, annual_caps=caps
            )
        except PermissionDenied as exc:
            raise Forbidden(str(exc)) from exc
        except ValidationError as exc:
            self._errors_to_rows(exc, {"limits": limit_forms, "annual_caps": cap_forms})
        return None

    def _errors_to_rows(self, exc: ValidationError, rows: dict[str, list[forms.Form]]) -> None:
        """An error on limits[2].factor_code goes under that field of the third filled-in row."""
        if not hasattr(exc, "error_dict"):
            self.form.add_error(None, exc.messages)
            return
        rest: dict[str, list[str]] = {}
        for key, messages_ in exc.message_dict.items():
            table, _sep, tail = key.partition("[")
            index, _sep, field = tail.partition("].")
            if table in rows and index.isdigit() and int(index) < len(rows[table]):
                form = rows[table][int(index)]
                form.add_error(field if field in form.fields else None, messages_)
            else:
                rest[key] = messages_
        if rest:
            add_service_errors(self.form, ValidationError(rest))

    def context(self) -> dict[str, Any]:
        return {"form": self.form, "limits": self.limits, "caps": self.caps}


def _editor_page(
    request: HttpRequest, permit: Permit, enterprise: Enterprise, title: str, cancel: str
) -> HttpResponse:
    user = current_user(request)
    editor = PermitEditor(request, permit, enterprise)
    if request.method == "POST" and editor.is_valid():
        saved = editor.save(user, permit, enterprise)
        if saved is not None:
            messages.success(request, _("已保存许可证 %(number)s") % {"number": saved.number})
            return redirect("permit-detail", pk=saved.pk)
    context = {"title": title, "enterprise": enterprise, "cancel_url": cancel, **editor.context()}
    return render(request, "permits/permit_form.html", context)


@login_required
@GET_POST
def permit_create(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_or_404(registry.enterprise_get, user=current_user(request), pk=pk)
    if not can_edit_region(request.user, enterprise.region_code):
        raise Forbidden
    cancel = reverse("enterprise-detail", args=[pk]) + "#permits"
    return _editor_page(
        request, Permit(enterprise=enterprise), enterprise, _("新建排污许可证"), cancel
    )


def _editable_permit(request: HttpRequest, pk: int) -> Permit:
    permit = get_or_404(selectors.permit_get, user=current_user(request), pk=pk)
    if not can_edit_region(request.user, permit.enterprise.region_code):
        raise Forbidden
    return permit


@login_required
@GET_POST
def permit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    permit = _editable_permit(request, pk)
    cancel = reverse("permit-detail", args=[pk])
    return _editor_page(request, permit, permit.enterprise, _("修改排污许可证"), cancel)


@login_required
@GET_POST
def permit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    permit = _editable_permit(request, pk)
    return confirm_delete(
        request,
        obj=permit,
        delete=lambda: services.permit_delete(user=user, permit=permit),
        cancel_url=reverse("permit-detail", args=[pk]),
        success_url=reverse("enterprise-detail", args=[permit.enterprise_id]) + "#permits",
        consequences=[
            (_("许可排放浓度限值"), permit.limits.count()),
            (_("许可排放量"), permit.annual_caps.count()),
        ],
        enterprise=permit.enterprise,
        refusal=_refusal(permit),
        instead=(_("修改状态"), reverse("permit-edit", args=[pk])),
    )


def _refusal(permit: Permit) -> str:
    if not permits_begun(Permit.objects.filter(pk=permit.pk)).exists():
        return ""
    return _(
        "该许可证已生效过，监测数据曾据其限值判定，是监管记录，不能删除；"
        "如已作废，请将状态改为“已撤销”。"
    )
