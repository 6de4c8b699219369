"""Alarm and declaration pages: lists, an alarm's data and history, and the human steps.

Reads go through the selectors (outside the user's scope: 404); every step goes through
a service, whose refusal is a form error (ValidationError) or a 403 (PermissionDenied).
Acknowledge and comment answer htmx with the refreshed panel, and a plain POST with a
redirect, so the page works without JavaScript too.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshan.core.choices import Role
from qingshan.core.models import User
from qingshan.core.permissions import can_edit_region, in_jurisdiction
from qingshan.monitoring import selectors, services
from qingshan.monitoring.charts import chart_payload
from qingshan.monitoring.choices import DeclarationStatus, PeriodKind
from qingshan.monitoring.forms import (
    AlarmFilter,
    CommentForm,
    DeclarationFilter,
    DeclarationForm,
    ExplainForm,
    NoteForm,
    ReviewForm,
)
from qingshan.monitoring.models import Alarm, AnomalyDeclaration
from qingshan.monitoring.series import MAX_RANGE_DAYS
from qingshan.web.filters import yes_no
from qingshan.web.helpers import call_service, get_or_404, paginate, region_labels
from qingshan.web.views.common import GET_POST, current_user

AROUND = dt.timedelta(hours=24)  # the data shown on either side of an alarm


def _day_start(day: dt.date | None) -> int | None:
    if day is None:
        return None
    tz = timezone.get_current_timezone()
    return int(dt.datetime.combine(day, dt.time(), tz).timestamp())


@login_required
def alarm_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = AlarmFilter(request.GET, user=user)
    v = filters.values()
    end = _day_start(v.get("end") or None)
    qs = selectors.alarm_list(
        user=user,
        region_code=v.get("region", ""),
        factor_code=v.get("factor", ""),
        kind=v.get("kind", ""),
        severity=v.get("severity", ""),
        active=yes_no(v.get("active", "")),
        acknowledged=yes_no(v.get("acknowledged", "")),
        start=_day_start(v.get("start") or None),
        end=end + 86400 if end is not None else None,
    )
    if v.get("q", "").strip():
        qs = qs.filter(enterprise__name__icontains=v["q"].strip())
    page = paginate(request, qs)
    context = {
        "filters": filters,
        "page": page,
        "counts": selectors.alarm_counts(user=user),
        "regions": region_labels({a.region_code for a in page}),
    }
    return render(request, "monitoring/alarm_list.html", context)


def _panel_context(request: HttpRequest, alarm: Alarm) -> dict[str, Any]:
    user = current_user(request)
    staff = user.is_bureau_staff and in_jurisdiction(user, alarm.enterprise.region_code)
    own = user.role == Role.ENTERPRISE and user.enterprise_id == alarm.enterprise_id
    return {
        "alarm": alarm,
        "entries": selectors.alarm_entries(alarm=alarm),
        "can_acknowledge": staff and alarm.acknowledged_at is None,
        "can_comment": staff or own,
        "can_explain": own and alarm.explanation_status != DeclarationStatus.ACCEPTED,
        "can_review": can_edit_region(user, alarm.enterprise.region_code)
        and alarm.explanation_status == DeclarationStatus.SUBMITTED,
        "note_form": NoteForm(),
        "comment_form": CommentForm(),
        "review_form": ReviewForm(),
    }


def _alarm_chart(user: User, alarm: Alarm) -> dict[str, Any] | None:
    """The data around the alarm: a day either side, hourly unless it was raised on others."""
    if not alarm.factor_code:
        return None
    kind = alarm.period or PeriodKind.HOUR
    first, last = int(alarm.first_at.timestamp()), int(alarm.last_at.timestamp())
    start, end = first - int(AROUND.total_seconds()), last + int(AROUND.total_seconds())
    longest = MAX_RANGE_DAYS.get(PeriodKind(kind))
    if longest and end - start > longest * 86400:
        start = end - longest * 86400
    series = selectors.reading_series(
        user=user,
        point_id=alarm.point_id,
        factor_code=alarm.factor_code,
        kind=kind,
        start=start,
        end=end,
    )
    return chart_payload(series, marks=[{"from": first * 1000, "to": max(last, first + 60) * 1000}])


@login_required
def alarm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    alarm = get_or_404(selectors.alarm_get, user=user, pk=pk)
    context = _panel_context(request, alarm)
    context.update(
        {
            "chart": _alarm_chart(user, alarm),
            "region": region_labels([alarm.region_code])[alarm.region_code],
        }
    )
    return render(request, "monitoring/alarm_detail.html", context)


FORM_NAMES = {NoteForm: "note_form", CommentForm: "comment_form", ReviewForm: "review_form"}


def _after_step(request: HttpRequest, alarm: Alarm, form: Any) -> HttpResponse:
    """htmx: the refreshed panel, with the form's errors in place; else back to the alarm."""
    if request.headers.get("HX-Request"):
        alarm = selectors.alarm_get(user=request.user, pk=alarm.pk)
        context = _panel_context(request, alarm)
        if form.errors:
            context[FORM_NAMES[type(form)]] = form
        return render(request, "monitoring/includes/alarm_panel.html", context)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("monitoring:alarm", pk=alarm.pk)


@login_required
@require_POST
def alarm_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    alarm = get_or_404(selectors.alarm_get, user=user, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        done = call_service(
            form,
            lambda: services.alarm_acknowledge(
                alarm=alarm, user=user, note=form.cleaned_data["note"]
            ),
        )
        if done is not None and not request.headers.get("HX-Request"):
            messages.success(request, _("已确认报警"))
    return _after_step(request, alarm, form)


@login_required
@require_POST
def alarm_comment(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    alarm = get_or_404(selectors.alarm_get, user=user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        entry = call_service(
            form,
            lambda: services.alarm_comment(alarm=alarm, user=user, text=form.cleaned_data["text"]),
        )
        if entry is not None:
            form = CommentForm()
    return _after_step(request, alarm, form)


@login_required
@GET_POST
def alarm_explain(request: HttpRequest, pk: int) -> HttpResponse:
    """The enterprise's explanation of an alarm, with an optional attachment."""
    user = current_user(request)
    alarm = get_or_404(selectors.alarm_get, user=user, pk=pk)
    if user.role != Role.ENTERPRISE or user.enterprise_id != alarm.enterprise_id:
        raise Forbidden(_("只有该报警所属企业的用户可以提交说明"))
    form = ExplainForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            lambda: services.alarm_explain(
                alarm=alarm,
                user=user,
                text=form.cleaned_data["text"],
                attachment=form.cleaned_data.get("attachment"),
            ),
        )
        if done is not None:
            messages.success(request, _("说明已提交，等待生态环境部门审核"))
            return redirect("monitoring:alarm", pk=alarm.pk)
    return render(request, "monitoring/alarm_explain.html", {"alarm": alarm, "form": form})


@login_required
@require_POST
def alarm_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    alarm = get_or_404(selectors.alarm_get, user=user, pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        done = call_service(
            form,
            lambda: services.alarm_explanation_review(
                alarm=alarm,
                user=user,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
            ),
        )
        if done is not None and not request.headers.get("HX-Request"):
            messages.success(request, _("已审核企业说明"))
    return _after_step(request, alarm, form)


def _file_response(field: FieldFile) -> FileResponse:
    """An attachment as a download, never rendered inline by the browser."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = (field.name or "attachment").rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def alarm_attachment(request: HttpRequest, pk: int) -> FileResponse:
    entry = get_or_404(selectors.alarm_entry_get, user=current_user(request), pk=pk)
    return _file_response(entry.attachment)


# --- declarations -----------------------------------------------------------------------


@login_required
def declaration_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = DeclarationFilter(request.GET, user=user)
    v = filters.values()
    qs = selectors.declaration_list(
        user=user,
        status=v.get("status", ""),
        kind=v.get("kind", ""),
        region_code=v.get("region", ""),
    )
    if v.get("q", "").strip():
        qs = qs.filter(enterprise__name__icontains=v["q"].strip())
    context = {
        "filters": filters,
        "page": paginate(request, qs),
        "can_declare": user.role == Role.ENTERPRISE and user.enterprise_id is not None,
    }
    return render(request, "monitoring/declaration_list.html", context)


@login_required
@GET_POST
def declaration_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.role != Role.ENTERPRISE:
        raise Forbidden(_("只有企业用户可以申报"))
    initial = {"point": request.GET.get("point")} if request.GET.get("point") else None
    form = DeclarationForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        declaration = call_service(
            form,
            lambda: services.declaration_submit(
                user=user,
                point=data["point"],
                kind=data["kind"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
                attachment=data.get("attachment"),
            ),
        )
        if declaration is not None:
            messages.success(request, _("申报已提交，等待生态环境部门审核"))
            return redirect("monitoring:declaration", pk=declaration.pk)
    return render(request, "monitoring/declaration_form.html", {"form": form})


@login_required
@GET_POST
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    declaration: AnomalyDeclaration = get_or_404(selectors.declaration_get, user=user, pk=pk)
    can_review = (
        can_edit_region(user, declaration.enterprise.region_code)
        and declaration.status == DeclarationStatus.SUBMITTED
    )
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not can_review and not can_edit_region(user, declaration.enterprise.region_code):
            raise Forbidden(_("无权审核该申报"))
        if form.is_valid():
            done = call_service(
                form,
                lambda: services.declaration_review(
                    declaration=declaration,
                    user=user,
                    accept=form.cleaned_data["decision"] == "accept",
                    comment=form.cleaned_data["note"],
                ),
            )
            if done is not None:
                messages.success(request, _("已审核申报"))
                return redirect("monitoring:declaration", pk=declaration.pk)
    context = {"declaration": declaration, "form": form, "can_review": can_review}
    return render(request, "monitoring/declaration_detail.html", context)


@login_required
def declaration_attachment(request: HttpRequest, pk: int) -> FileResponse:
    declaration = get_or_404(selectors.declaration_get, user=current_user(request), pk=pk)
    return _file_response(declaration.attachment)
