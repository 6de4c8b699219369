"""Case pages: the list by state, the case with its timeline and chart, the inspector's
phone view, the supervision order PDF, the dashboard and the inbox.

Views read through the scoped selectors and write only through the services; the action
forms shown are exactly the workflow rows the user's part in the case may take.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshan.core.choices import Role
from qingshan.core.permissions import PermissionDenied
from qingshan.supervision import pdf, selectors, services
from qingshan.supervision.choices import CaseAction, CaseRole, CaseState
from qingshan.supervision.deadlines import deadline_for
from qingshan.supervision.forms import ActionForm, CaseFilter, CaseOpenForm
from qingshan.supervision.models import CaseAttachment, SupervisionCase
from qingshan.supervision.roles import case_role
from qingshan.supervision.workflow import transition_for
from qingshan.web.helpers import add_service_errors, get_or_404, paginate, region_labels
from qingshan.web.views.common import current_user


def _tabs(request: HttpRequest, counts: dict[str, int], current: str) -> list[dict[str, Any]]:
    query = request.GET.copy()
    tabs = []
    for value, label in [("open", _("未销号")), *CaseState.choices, ("", _("全部"))]:
        query["state"] = value
        total = (
            counts["open"]
            if value == "open"
            else counts.get(value, sum(n for s, n in counts.items() if s != "open"))
        )
        tabs.append(
            {
                "value": value,
                "label": label,
                "count": total,
                "url": f"?{query.urlencode()}",
                "active": value == current,
            }
        )
    return tabs


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    data = request.GET.copy()
    data.setdefault("state", "open")
    filters = CaseFilter(data, user=user)
    kwargs = filters.selector_kwargs()
    counts = selectors.case_counts(user=user, **filters.selector_kwargs(with_state=False))
    page = paginate(request, selectors.case_list(user=user, **kwargs))
    context = {
        "filters": filters,
        "page": page,
        "tabs": _tabs(request, counts, kwargs["state"]),
        "regions": region_labels({c.region_code for c in page}),
        "unread": selectors.unread_count(user=user),
        "is_enterprise": user.role == Role.ENTERPRISE,
        "can_open": _may_open(user),
    }
    return render(request, "supervision/case_list.html", context)


def _forms(
    request: HttpRequest, case: SupervisionCase, bound: ActionForm | None
) -> list[ActionForm]:
    user = current_user(request)
    role = case_role(user, case)
    inspectors = selectors.inspectors_for(case=case)
    forms = []
    for row in selectors.case_actions(user=user, case=case):
        if bound is not None and bound.row == row:
            forms.append(bound)
        else:
            forms.append(ActionForm(row=row, case=case, inspectors=inspectors, role=role))
    return forms


def _detail_context(
    request: HttpRequest, case: SupervisionCase, bound: ActionForm | None = None
) -> dict[str, Any]:
    user = current_user(request)
    codes = {case.region_code, case.team_region_code, case.region_code[:4]} - {""}
    role = case_role(user, case)
    return {
        "case": case,
        "role": role,
        "role_label": CaseRole(role).label if role else "",
        "forms": _forms(request, case, bound),
        "timeline": selectors.case_timeline(user=user, case=case),
        "series": selectors.alarm_series(user=user, case=case),
        "regions": region_labels(codes),
        "penalty": getattr(case, "penalty", None) if case.resolution == "penalised" else None,
        "open_form": bound.row.action if bound is not None else "",
    }


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_or_404(selectors.case_get, user=current_user(request), pk=pk)
    return render(request, "supervision/case_detail.html", _detail_context(request, case))


@login_required
def field_list(request: HttpRequest) -> HttpResponse:
    """The inspector's phone view: their open cases, nearest deadline first."""
    user = current_user(request)
    qs = selectors.case_list(user=user, state="open")
    if user.role == Role.INSPECTOR:
        qs = qs.filter(assignee=user) | selectors.case_list(user=user, state=CaseState.DISPATCHED)
    cases = qs.order_by("deadline", "-id")[:100]
    return render(request, "supervision/field_list.html", {"cases": cases})


@login_required
def field_case(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_or_404(selectors.case_get, user=current_user(request), pk=pk)
    return render(request, "supervision/field_case.html", _detail_context(request, case))


def _remove_files(attachments: list[CaseAttachment]) -> None:
    for attachment in attachments:
        attachment.file.delete(save=False)


def _under_files(exc: ValidationError) -> ValidationError:
    """An upload's refusal (size, type, quota, rate) shown under the form's files field."""
    if not hasattr(exc, "error_dict") or "file" not in exc.error_dict:
        return exc
    errors = dict(exc.error_dict)
    errors["files"] = errors.pop("file")
    return ValidationError(errors)


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    case = get_or_404(selectors.case_get, user=user, pk=pk)
    template = (
        "supervision/field_case.html"
        if request.POST.get("view") == "field"
        else ("supervision/case_detail.html")
    )
    back = reverse(
        "supervision:field-case" if "field" in template else "supervision:case", args=[pk]
    )
    row = next(
        (
            t
            for t in selectors.case_actions(user=user, case=case)
            if t.action == request.POST.get("action")
        ),
        None,
    )
    if row is None:
        if transition_for(case.state, request.POST.get("action", "")) is not None:
            raise Forbidden(_("您不能对该案件执行此操作"))
        # not an action this case's state allows (it moved on since the page was read)
        messages.error(
            request,
            _("该操作当前不可执行（案件状态：%(state)s）") % {"state": case.get_state_display()},
        )
        return render(request, template, _detail_context(request, case), status=409)
    form = ActionForm(
        request.POST,
        request.FILES,
        row=row,
        case=case,
        inspectors=selectors.inspectors_for(case=case),
        role=case_role(user, case),
    )
    if form.is_valid():
        uploaded: list[CaseAttachment] = []
        try:
            with transaction.atomic():
                shared_as = form.cleaned_data.get("visibility") or None
                for upload in form.cleaned_data.get("files") or []:
                    uploaded.append(
                        services.attachment_upload(
                            user=user, case=case, upload=upload, visibility=shared_as
                        )
                    )
                services.case_act(
                    user=user,
                    case=case,
                    attachment_ids=[a.pk for a in uploaded],
                    **form.service_kwargs(),
                )
        except services.CaseConflict as exc:
            _remove_files(uploaded)
            messages.error(request, str(exc))
            fresh = selectors.case_get(user=user, pk=pk)
            return render(request, template, _detail_context(request, fresh), status=409)
        except PermissionDenied as exc:
            _remove_files(uploaded)
            raise Forbidden(str(exc)) from exc
        except ValidationError as exc:
            _remove_files(uploaded)
            add_service_errors(form, _under_files(exc))
        else:
            messages.success(request, _("已%(action)s") % {"action": CaseAction(row.action).label})
            return redirect(back)
    return render(request, template, _detail_context(request, case, form), status=422)


def _may_open(user: Any) -> bool:
    """Who opens cases: the bureau's administrators and regulators (the services check
    their jurisdiction over the enterprise again)."""
    return bool(user.is_bureau_admin or user.role == Role.REGULATOR)


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    """Alarms in the user's scope without a case, each with a button to open one."""
    user = current_user(request)
    if not _may_open(user):
        raise Forbidden
    if request.method == "POST":
        alarm_id = request.POST.get("alarm", "")
        if not alarm_id.isdecimal() or int(alarm_id) >= 2**63:  # a forged form: no such alarm
            raise Http404(_("报警不存在或无权访问"))
        alarm = get_or_404(selectors.alarm_get, user=user, pk=int(alarm_id))
        try:
            case = services.case_open_from_alarm(
                user=user, alarm=alarm, comment=request.POST.get("comment", "")
            )
        except PermissionDenied as exc:
            raise Forbidden(str(exc)) from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("supervision:case-new")
        messages.success(request, _("已立案 %(number)s") % {"number": case.number})
        return redirect("supervision:case", pk=case.pk)
    alarms = selectors.alarms_without_case(user=user)
    return render(request, "supervision/case_new.html", {"alarms": alarms})


def _case_open(user: Any, form: CaseOpenForm) -> SupervisionCase:
    """The services the API's ``POST /cases`` calls, with the same checks and audit."""
    data = form.cleaned_data
    if data.get("alarm") is not None:
        return services.case_open_from_alarm(
            user=user, alarm=data["alarm"], comment=(data.get("description") or "").strip()
        )
    return services.case_open_manual(
        user=user,
        enterprise=data["enterprise"],
        title=data["title"],
        description=form.manual_description(),
        severity=data["severity"],
    )


@login_required
def case_open(request: HttpRequest) -> HttpResponse:
    """The regulator's new-case form: an enterprise in scope, what was found, and
    optionally its point, factor or alarm. A GET with ``enterprise`` (the form itself,
    when the enterprise changes) shows that enterprise's points, factors and alarms."""
    user = current_user(request)
    if not _may_open(user):
        raise Forbidden
    status = 200
    if request.method == "POST":
        form = CaseOpenForm(request.POST, user=user)
        if form.is_valid():
            try:
                case = _case_open(user, form)
            except PermissionDenied as exc:
                raise Forbidden(str(exc)) from exc
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已立案 %(number)s") % {"number": case.number})
                return redirect("supervision:case", pk=case.pk)
        status = 422
    else:
        form = CaseOpenForm(user=user, initial=request.GET.dict())
    region = form.chosen.region_code if form.chosen else user.region_code
    pending = deadline_for(CaseState.PENDING, region_code=region, start=timezone.now())
    context = {"form": form, "pending_deadline": pending}
    return render(request, "supervision/case_open.html", context, status=status)


@login_required
def case_order_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_or_404(selectors.case_get, user=current_user(request), pk=pk)
    codes = {case.region_code, case.team_region_code, case.region_code[:4]} - {""}
    names = {code: label.split("（")[0] for code, label in region_labels(codes).items()}
    notes = selectors.order_notes(user=current_user(request), case=case)
    try:
        body = pdf.supervision_order(case, unit_names=names, notes=notes)
    except pdf.FontMissing:  # the page says what to run (make setup vendors the font)
        context = {"case": case}
        return render(request, "supervision/order_unavailable.html", context, status=503)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}.pdf"'
    return response


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A case's file, to users who see the case; never from a public URL."""
    try:
        attachment = selectors.attachment_get(user=current_user(request), pk=pk)
    except CaseAttachment.DoesNotExist:
        raise Http404 from None
    inline = attachment.content_type in ("image/jpeg", "image/png", "image/webp", "application/pdf")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.role == Role.ENTERPRISE:
        raise Forbidden
    region = request.GET.get("region", "").strip()
    data = selectors.dashboard(user=user, region_code=region)
    labels = region_labels([r["region_code"] for r in data["regions"]])
    chart = {
        "regions": [labels[r["region_code"]] for r in data["regions"]],
        "series": [
            {"name": str(label), "data": [r["states"][state] for r in data["regions"]]}
            for state, label in CaseState.choices
            if state != CaseState.CLOSED
        ],
    }
    context = {
        "data": data,
        "labels": labels,
        "chart": chart,
        "states": [(s, label) for s, label in CaseState.choices if s != CaseState.CLOSED],
        "state_hours": [
            (label, data["state_hours"].get(s))
            for s, label in CaseState.choices
            if s != CaseState.CLOSED
        ],
        "resolutions": data["resolutions"],
    }
    return render(request, "supervision/dashboard.html", context)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
        services.notifications_mark_read(user=user, ids=ids)
        return redirect("supervision:inbox")
    page = paginate(request, selectors.notifications_for(user=user))
    return render(request, "supervision/inbox.html", {"page": page})
