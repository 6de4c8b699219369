"""Station and section pages for bureau staff: lists, detail with recent results, create,
edit, delete, data import, and the import rows held for review (released or discarded
by a regulator). Reads go through the scoped selectors, writes through the services
(which check the region again and audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from qingshan.core.models import User
from qingshan.core.permissions import PermissionDenied, can_edit_region
from qingshan.quality import imports, selectors, services
from qingshan.quality.choices import DataKind, HeldStatus
from qingshan.quality.display import (
    aqi_band,
    hour_label,
    main_pollutant_words,
    pollutant_names,
    water_class,
)
from qingshan.quality.factors import AIR_BY_CODE, WATER_BY_CODE, to_core
from qingshan.quality.forms import (
    DiscardForm,
    HeldFilter,
    ImportForm,
    ReleaseForm,
    SectionForm,
    StationForm,
)
from qingshan.quality.models import AirStation, HeldRow, WaterSection
from qingshan.web.filters import FilterForm
from qingshan.web.helpers import (
    add_service_errors,
    call_service,
    can_create,
    get_or_404,
    paginate,
    region_labels,
)
from qingshan.web.history import history_rows
from qingshan.web.views.common import GET_POST, confirm_delete, current_user

KINDS: dict[str, dict[str, Any]] = {
    "station": {
        "model": AirStation,
        "form": StationForm,
        "get": selectors.station_get,
        "list": selectors.station_list,
        "create": services.station_create,
        "update": lambda **kw: services.station_update(station=kw.pop("site"), **kw),
    },
    "section": {
        "model": WaterSection,
        "form": SectionForm,
        "get": selectors.section_get,
        "list": selectors.section_list,
        "create": services.section_create,
        "update": lambda **kw: services.section_update(section=kw.pop("site"), **kw),
    },
}


class SiteFilter(FilterForm):
    def __init__(self, data: Any, *, user: Any, kind: str) -> None:
        self.kind = kind
        super().__init__(data, user=user)
        codes = KINDS[kind]["list"](user=user).values_list("region_code", flat=True).distinct()
        self.fields["region"].choices = [  # type: ignore[attr-defined]
            ("", _("全部辖区")),
            *sorted(region_labels(codes).items()),
        ]

    def apply(self, user: Any) -> QuerySet[Any]:
        v = self.values()
        result: QuerySet[Any] = KINDS[self.kind]["list"](
            user=user, q=v.get("q", "").strip(), region_code=v.get("region", "")
        )
        return result


def _staff(request: HttpRequest) -> User:
    """The station pages are the bureau's own (logger MN, change history): the public and
    enterprises read the published results on the air and water pages instead."""
    user = current_user(request)
    if not user.is_bureau_staff:
        raise Forbidden(_("只有生态环境部门人员可以查看监测站点管理页面"))
    return user


def _list(request: HttpRequest, kind: str) -> HttpResponse:
    user = _staff(request)
    filters = SiteFilter(request.GET, user=user, kind=kind)
    page = paginate(request, filters.apply(user))
    context = {
        "kind": kind,
        "filters": filters,
        "page": page,
        "regions": region_labels(s.region_code for s in page),
        "can_create": can_create(request),
        # import rows dated in the future wait for a regulator: say so where staff look
        "held_waiting": selectors.held_rows(user=user).count(),
    }
    if kind == "station":
        latest = selectors.latest_hours(AirStation.objects.filter(pk__in=[s.pk for s in page]))
        context["latest"] = {pk: aqi_band(h.aqi, h.standard) for pk, h in latest.items()}
    else:
        days = selectors.latest_water_days(WaterSection.objects.filter(pk__in=[s.pk for s in page]))
        context["latest"] = {pk: water_class(d.water_class) for pk, d in days.items()}
    return render(request, "quality/site_list.html", context)


@login_required
def station_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "station")


@login_required
def section_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "section")


def _detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = _staff(request)
    site = get_or_404(KINDS[kind]["get"], user=user, pk=pk)
    context: dict[str, Any] = {
        "kind": kind,
        "site": site,
        "region": region_labels([site.region_code])[site.region_code],
        "logger": services.site_logger(site),
        "can_edit": can_edit_region(user, site.region_code),
        "history": history_rows(site, viewer=user),
    }
    if kind == "station":
        hours = list(selectors.station_hours(user=user, station_id=pk, limit=48))
        context["hours"] = [
            {"hour": h, "label": hour_label(h.data_time), "band": aqi_band(h.aqi, h.standard),
             "primary": pollutant_names(h.primary_pollutants)}
            for h in hours
        ]  # fmt: skip
        context["days"] = [
            {"day": d, "band": aqi_band(d.aqi, d.standard),
             "primary": pollutant_names(d.primary_pollutants)}
            for d in selectors.station_days(user=user, station_id=pk)[:31]
        ]  # fmt: skip
    else:
        context["days"] = [
            {"day": d, "cls": water_class(d.water_class),
             "main": main_pollutant_words(d.main_pollutants)}
            for d in selectors.section_days(user=user, section_id=pk)[:31]
        ]  # fmt: skip
    return render(request, "quality/site_detail.html", context)


@login_required
def station_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, "station", pk)


@login_required
def section_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, "section", pk)


def _form(request: HttpRequest, kind: str, pk: int | None) -> HttpResponse:
    user = current_user(request)
    spec = KINDS[kind]
    site = get_or_404(spec["get"], user=user, pk=pk) if pk else None
    if site is not None and not can_edit_region(user, site.region_code):
        raise Forbidden
    if site is None and not can_create(request):
        raise Forbidden
    logger = services.site_logger(site) if site else None
    form = spec["form"](
        request.POST or None, instance=site, user=user, initial={"mn": logger.mn if logger else ""}
    )
    if request.method == "POST" and form.is_valid():
        mn = form.cleaned_data.get("mn", "").strip()
        password = form.cleaned_data.get("password") or None

        def save() -> Any:
            if site is None:
                return spec["create"](user=user, data=form.model_data(), mn=mn, password=password)
            saved = spec["update"](user=user, site=site, data=form.model_data())
            if mn and (logger is None or mn != logger.mn or password):
                services.logger_save(user=user, site=saved, mn=mn, password=password)
            return saved

        saved = call_service(form, save)
        if saved is not None:
            messages.success(request, _("已保存"))
            return redirect(f"quality:{kind}-detail", pk=saved.pk)
    model = spec["model"]._meta
    title = (_("修改%(kind)s") if site else _("新建%(kind)s")) % {"kind": model.verbose_name}
    back = (
        reverse(f"quality:{kind}-detail", args=[site.pk])
        if site
        else reverse(f"quality:{kind}-list")
    )
    return render(
        request,
        "quality/site_form.html",
        {"form": form, "title": title, "cancel_url": back, "kind": kind},
    )


@login_required
@GET_POST
def station_create(request: HttpRequest) -> HttpResponse:
    return _form(request, "station", None)


@login_required
@GET_POST
def station_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form(request, "station", pk)


@login_required
@GET_POST
def section_create(request: HttpRequest) -> HttpResponse:
    return _form(request, "section", None)


@login_required
@GET_POST
def section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form(request, "section", pk)


def _delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = current_user(request)
    site = get_or_404(KINDS[kind]["get"], user=user, pk=pk)
    if not can_edit_region(user, site.region_code):
        raise Forbidden
    results = site.hours.count() + site.days.count() if kind == "station" else site.days.count()
    return confirm_delete(
        request,
        obj=site,
        delete=lambda: services.site_delete(user=user, site=site),
        cancel_url=reverse(f"quality:{kind}-detail", args=[pk]),
        success_url=reverse(f"quality:{kind}-list"),
        consequences=[(_("计算结果（监测数据本身保留）"), results)],
    )


@login_required
@GET_POST
def station_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, "station", pk)


@login_required
@GET_POST
def section_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, "section", pk)


@login_required
@GET_POST
def data_import(request: HttpRequest) -> HttpResponse:
    """Upload hourly air data or water samples (CSV or Excel) for stations one may edit."""
    if not can_create(request):
        raise Forbidden
    user = current_user(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = imports.import_data(
                user=user, kind=form.cleaned_data["kind"], name=upload.name, data=upload
            )
        except imports.ImportError_ as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, report.message())
    context = {"form": form, "report": report, "may_see_held": selectors.may_see_held(user)}
    return render(request, "quality/import.html", context)


# ── import rows held for review ───────────────────────────────────────────────────


def _values_text(held: HeldRow) -> str:
    """The held values as the file's columns and units say them: ``pm25 80, pm10 120``."""
    factors = AIR_BY_CODE if held.kind == DataKind.AIR else WATER_BY_CODE
    parts = []
    for code, value in held.values.items():
        factor = factors.get(code)
        if factor is not None and value is not None:
            parts.append(f"{factor.name} {format(to_core(factor, value).normalize(), 'f')}")
    return ", ".join(parts)


def _reason_text(held: HeldRow) -> str:
    return _("%(reason)s：时间晚于导入时刻 %(minutes)s 分钟以上") % {
        "reason": held.get_reason_display(),
        "minutes": held.ahead_minutes,
    }


@login_required
def held_list(request: HttpRequest) -> HttpResponse:
    """Import rows dated in the future, held for review, in the user's jurisdiction."""
    user = current_user(request)
    if not selectors.may_see_held(user):
        raise Forbidden
    filters = HeldFilter(request.GET or None)
    status, import_id = HeldStatus.HELD.value, None
    if filters.is_valid():
        chosen = filters.cleaned_data["status"] or HeldStatus.HELD
        status = "" if chosen == "all" else chosen
        import_id = filters.cleaned_data["data_import"]
    page = paginate(request, selectors.held_rows(user=user, status=status, import_id=import_id))
    rows = [
        {"held": h, "values": _values_text(h), "reason": _reason_text(h),
         "can_decide": h.status == HeldStatus.HELD
         and can_edit_region(user, h.site.region_code if h.site else h.region_code)}
        for h in page
    ]  # fmt: skip
    regions = region_labels(h.site.region_code if h.site else h.region_code for h in page)
    context = {"filters": filters, "page": page, "rows": rows, "regions": regions}
    return render(request, "quality/held_list.html", context)


def _decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = current_user(request)
    held = get_or_404(selectors.held_row_get, user=user, pk=pk)
    back = reverse("quality:held-list")
    if held.status != HeldStatus.HELD:
        messages.info(request, _("该行已处理：%(status)s") % {"status": held.get_status_display()})
        return redirect(back)
    if not can_edit_region(user, held.site.region_code if held.site else held.region_code):
        raise Forbidden
    form = (ReleaseForm if action == "release" else DiscardForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if action == "release":
                services.held_row_release(
                    user=user,
                    held=held,
                    reason=form.cleaned_data["reason"],
                    corrected_time=form.cleaned_data["corrected_time"],
                )
                messages.success(request, _("已放行，数据已计入并重新计算结果"))
            else:
                services.held_row_discard(user=user, held=held, reason=form.cleaned_data["reason"])
                messages.success(request, _("已舍弃，该行留档备查"))
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            raise Forbidden(str(error)) from error
        else:
            return redirect(back)
    context = {"held": held, "values": _values_text(held), "reason": _reason_text(held),
               "form": form, "action": action, "cancel_url": back}  # fmt: skip
    return render(request, "quality/held_decide.html", context)


@login_required
@GET_POST
def held_release(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "release")


@login_required
@GET_POST
def held_discard(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "discard")
