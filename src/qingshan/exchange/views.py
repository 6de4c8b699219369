"""Excel exchange pages: thin adapters over selectors (reads) and services (writes)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from qingshan.core.middleware import client_ip
from qingshan.core.models import User
from qingshan.exchange import selectors, services
from qingshan.exchange.forms import ImportUploadForm
from qingshan.exchange.importer import can_import
from qingshan.exchange.models import ImportJob
from qingshan.exchange.writer import XLSX_CONTENT_TYPE, registry_workbook, workbook_bytes


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _home(request: HttpRequest, form: ImportUploadForm, status: int = 200) -> HttpResponse:
    user = _user(request)
    context = {
        "form": form,
        "can_import": can_import(user),
        "jobs": selectors.import_job_list(user=user),
    }
    return render(request, "exchange/home.html", context, status=status)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _home(request, ImportUploadForm())


@login_required
@require_GET
def template_download(request: HttpRequest) -> HttpResponse:
    return _xlsx(workbook_bytes(registry_workbook()), "qingshan-template.xlsx")


@login_required
@require_GET
def export_download(request: HttpRequest) -> HttpResponse:
    rows = selectors.export_rows(user=_user(request))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _xlsx(workbook_bytes(registry_workbook(rows)), f"qingshan-export-{stamp}.xlsx")


@login_required
@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_import(user):
        raise Forbidden
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _home(request, form, status=400)
    upload = form.cleaned_data["file"]
    job = services.import_job_create(
        user=user, upload=upload, file_name=upload.name or "", ip_address=client_ip(request)
    )
    return redirect("exchange:job", pk=job.pk)


def _job(request: HttpRequest, pk: int) -> ImportJob:
    try:
        return selectors.import_job_get(user=request.user, pk=pk)
    except ImportJob.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "exchange/job.html", {"job": _job(request, pk)})


@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone; htmx polls it every second until the job is finished."""
    return render(request, "exchange/_progress.html", {"job": _job(request, pk)})


@login_required
@require_GET
def job_report(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
    if not job.report:
        raise Http404
    return FileResponse(
        job.report.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-errors.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
