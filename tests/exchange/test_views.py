"""The exchange pages through the Django test client: upload, progress, report download."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qingshan.exchange.choices import ImportStatus
from qingshan.exchange.models import ImportJob
from qingshan.exchange.writer import XLSX_CONTENT_TYPE
from qingshan.registry.models import Enterprise
from tests.conftest import KEQIAO, SHANGYU, client_for, credit_code_for
from tests.exchange.conftest import xlsx


def upload(content: bytes, name: str = "名录.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def mixed_file() -> bytes:
    good = {
        "credit_code": credit_code_for(KEQIAO, 730_001),
        "name": "网页导入企业",
        "region_code": KEQIAO,
        "industry_code": "1713",
    }
    other = {**good, "credit_code": credit_code_for(SHANGYU, 730_002), "region_code": SHANGYU}
    return xlsx({"enterprises": [good, other]})


@pytest.fixture
def sync_runner(settings):
    settings.QINGSHAN_IMPORT_RUNNER = "sync"


def test_home_shows_upload_only_to_those_who_may_import(users):
    page = client_for(users["county"]).get(reverse("exchange:home"))
    assert page.status_code == 200
    assert reverse("exchange:import") in page.content.decode()
    page = client_for(users["inspector"]).get(reverse("exchange:home"))
    assert page.status_code == 200
    assert reverse("exchange:import") not in page.content.decode()
    assert reverse("exchange:export") in page.content.decode()


def test_anonymous_is_sent_to_login(db):
    response = client_for(None).get(reverse("exchange:export"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_template_and_export_downloads(users):
    client = client_for(users["enterprise"])
    template = client.get(reverse("exchange:template"))
    assert template.status_code == 200 and template["Content-Type"] == XLSX_CONTENT_TYPE
    export = client.get(reverse("exchange:export"))
    assert export.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    codes = [r[0] for r in book["排污单位"].iter_rows(min_row=3, values_only=True)]
    assert codes == [users["keqiao"]["enterprise"].credit_code]


@pytest.mark.parametrize("role", ["inspector", "enterprise"])
def test_import_is_forbidden_to_others(users, role):
    response = client_for(users[role]).post(
        reverse("exchange:import"), {"file": upload(mixed_file())}
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_upload_of_a_non_xlsx_is_a_form_error(users):
    response = client_for(users["county"]).post(
        reverse("exchange:import"), {"file": upload(b"a,b,c\n", "list.csv")}
    )
    assert response.status_code == 400
    assert "请上传 .xlsx" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_progress_summary_and_report(users, sync_runner, django_capture_on_commit_callbacks):
    county = users["county"]
    client = client_for(county)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exchange:import"), {"file": upload(mixed_file())})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "exchange:job", args=[job.pk]
    )
    assert (job.status, job.total_rows, job.created_count, job.failed_count) == (
        ImportStatus.DONE,
        2,
        1,
        1,
    )
    assert job.user == county and job.file_name == "名录.xlsx"
    assert job.source.path.startswith(str(job.source.storage.location))
    assert "/imports/" in job.report.path
    page = client.get(response["Location"]).content.decode()
    assert "下载错误报告" in page and "hx-trigger" not in page
    partial = client.get(reverse("exchange:job-progress", args=[job.pk])).content.decode()
    assert reverse("exchange:job-report", args=[job.pk]) in partial
    report = client.get(reverse("exchange:job-report", args=[job.pk]))
    assert report.status_code == 200
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content))).active.iter_rows(
            min_row=2, values_only=True
        )
    )
    assert len(rows) == 1 and rows[0][:2] == ("排污单位", 4)
    assert "无权修改该辖区（330604）" in rows[0][3]
    assert Enterprise.objects.filter(name="网页导入企业", region_code=KEQIAO).exists()
    # the report is the owner's (and an administrator's), nobody else's
    url = reverse("exchange:job-report", args=[job.pk])
    assert client_for(users["other_county"]).get(url).status_code == 404
    assert client_for(users["admin"]).get(url).status_code == 200
    assert (
        client_for(users["other_county"]).get(reverse("exchange:job", args=[job.pk])).status_code
        == 404
    )


def test_a_running_job_polls_every_second(users):
    job = ImportJob.objects.create(
        user=users["county"],
        file_name="x.xlsx",
        source="x.xlsx",
        status=ImportStatus.RUNNING,
        total_rows=10,
        processed_rows=4,
    )
    partial = client_for(users["county"]).get(reverse("exchange:job-progress", args=[job.pk]))
    html = partial.content.decode()
    assert 'hx-trigger="every 1s"' in html and "40%" in html


def test_a_malformed_upload_fails_the_job_with_its_message(
    users, sync_runner, django_capture_on_commit_callbacks
):
    book = openpyxl.Workbook()
    book.active.title = "随便"
    buffer = io.BytesIO()
    book.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(users["admin"]).post(
            reverse("exchange:import"), {"file": upload(buffer.getvalue())}
        )
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert "未知的工作表“随便”" in job.message
    page = client_for(users["admin"]).get(reverse("exchange:job", args=[job.pk]))
    assert "未知的工作表" in page.content.decode()
