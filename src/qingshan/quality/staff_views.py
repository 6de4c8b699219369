"""Station and section pages for bureau staff: lists, detail with recent results, create,
edit, delete, and data import. Reads go through the scoped selectors, writes through the
services (which check the region again and audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from qingshan.core.permissions import can_edit_region
from qingshan.quality import imports, selectors, services
from qingshan.quality.display import aqi_band, hour_label, pollutant_names, water_class
from qingshan.quality.forms import ImportForm, SectionForm, StationForm
from qingshan.quality.models import AirStation, WaterSection
from qingshan.web.filters import FilterForm
from qingshan.web.helpers import call_service, can_create, get_or_404, paginate, region_labels
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


def _list(request: HttpRequest, kind: str) -> HttpResponse:
    user = current_user(request)
    filters = SiteFilter(request.GET, user=user, kind=kind)
    page = paginate(request, filters.apply(user))
    context = {
        "kind": kind,
        "filters": filters,
        "page": page,
        "regions": region_labels(s.region_code for s in page),
        "can_create": can_create(request),
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
    user = current_user(request)
    site = get_or_404(KINDS[kind]["get"], user=user, pk=pk)
    context: dict[str, Any] = {
        "kind": kind,
        "site": site,
        "region": region_labels([site.region_code])[site.region_code],
        "logger": services.site_logger(site),
        "can_edit": can_edit_region(user, site.region_code),
        "history": history_rows(site),
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
            {"day": d, "cls": water_class(d.water_class)}
            for d in selectors.section_days(user=user, section_id=pk)[:31]
        ]
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
            messages.success(
                request,
                _("已导入 %(rows)s 行，新增监测数据 %(readings)s 条，%(errors)s 行有错误")
                % {"rows": report.rows, "readings": report.readings, "errors": len(report.errors)},
            )
    return render(request, "quality/import.html", {"form": form, "report": report})
