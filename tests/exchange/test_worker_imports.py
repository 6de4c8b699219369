"""Imports run in the worker, never in the web request, and stop at their limits.

Issue 16, item 9: a workbook of millions of empty rows passed the zip-bomb check, ran
80 s inside the web process and reported "全部行导入成功".
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from qingshan.core.worker import JOBS, run_due
from qingshan.exchange.choices import ImportStatus
from qingshan.exchange.models import ImportJob
from qingshan.exchange.reader import MAX_EMPTY_RUN
from qingshan.exchange.services import import_jobs_run
from qingshan.exchange.writer import XLSX_CONTENT_TYPE
from qingshan.registry.models import Enterprise
from tests.conftest import KEQIAO, client_for, credit_code_for
from tests.exchange.conftest import xlsx

EMPTY_ROWS = 300_000


def _enterprise(n: int, name: str) -> dict[str, str]:
    return {
        "credit_code": credit_code_for(KEQIAO, n),
        "name": name,
        "region_code": KEQIAO,
        "industry_code": "1713",
    }


def _text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def with_empty_rows(*, declared: bool, after: dict[str, str] | None = None) -> bytes:
    """One enterprise on row 3, then EMPTY_ROWS formatted empty rows (and maybe a row
    after them); ``declared``: the sheet's dimension says how far it goes, as Excel's does.
    The XML is written directly: openpyxl would take a minute to write such a file."""
    content = xlsx({"enterprises": [_enterprise(740_001, "空行前的企业")]})
    names = openpyxl.load_workbook(io.BytesIO(content), read_only=True).sheetnames
    part = f"xl/worksheets/sheet{names.index('排污单位') + 1}.xml"
    last = 3 + EMPTY_ROWS
    rows = [
        f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/></row>' for r in range(4, last + 1)
    ]
    if after is not None:
        last += 1
        cells = (after["credit_code"], after["name"], after["region_code"], after["industry_code"])
        rows.append(
            f'<row r="{last}">'
            + "".join(_text_cell(f"{col}{last}", v) for col, v in zip("ABCD", cells, strict=True))
            + "</row>"
        )
    source = io.BytesIO(content)
    out = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == part:
                xml = data.decode()
                xml = xml.replace("</sheetData>", "".join(rows) + "</sheetData>")
                if declared:
                    xml = re.sub(
                        r'<dimension ref="A1:([A-Z]+)\d+"', rf'<dimension ref="A1:\g<1>{last}"', xml
                    )
                data = xml.encode()
            new.writestr(info, data)
    return out.getvalue()


def _upload(user, content: bytes):
    file = SimpleUploadedFile("名录.xlsx", content, content_type=XLSX_CONTENT_TYPE)
    return client_for(user).post(reverse("exchange:import"), {"file": file})


def _worker_job():
    return next(job for job in JOBS if job.name == "exchange.imports")


def test_the_web_request_only_queues_and_the_worker_imports(users):
    county = users["county"]
    response = _upload(county, xlsx({"enterprises": [_enterprise(740_010, "排队企业")]}))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "exchange:job", args=[job.pk]
    )
    # the request returned before anything was imported
    assert job.status == ImportStatus.QUEUED
    assert not Enterprise.objects.filter(name="排队企业").exists()
    page = client_for(county).get(reverse("exchange:job", args=[job.pk])).content.decode()
    assert "排队中" in page and 'hx-trigger="every 1s"' in page
    assert _worker_job().run() == 1  # the worker's job, once
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.created_count) == (ImportStatus.DONE, 1, 1), job.message
    assert Enterprise.objects.filter(name="排队企业").exists()
    assert _worker_job().run() == 0  # done once, never again


def test_a_job_another_worker_claimed_is_left_alone(users):
    job = ImportJob.objects.create(
        user=users["county"], file_name="x.xlsx", source="x.xlsx", status=ImportStatus.RUNNING,
        started_at=timezone.now(),
    )  # fmt: skip
    assert import_jobs_run() == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING


def test_a_job_whose_worker_died_is_failed_not_shown_running_for_ever(users):
    job = ImportJob.objects.create(
        user=users["county"], file_name="x.xlsx", source="x.xlsx", status=ImportStatus.RUNNING,
        started_at=timezone.now() - dt.timedelta(hours=3),
    )  # fmt: skip
    import_jobs_run()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "重新上传" in job.message


def test_a_sheet_declaring_hundreds_of_thousands_of_rows_is_refused_at_once(users):
    _upload(users["county"], with_empty_rows(declared=True))
    started = time.monotonic()
    import_jobs_run()
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert "超过可读取的上限" in job.message and "排污单位" in job.message
    assert not Enterprise.objects.filter(name="空行前的企业").exists()  # nothing written
    assert time.monotonic() - started < 10
    page = client_for(users["county"]).get(reverse("exchange:job", args=[job.pk])).content.decode()
    assert "全部行导入成功" not in page and "超过可读取的上限" in page


def test_a_long_run_of_empty_rows_stops_reading_and_says_so(users):
    after = _enterprise(740_002, "空行后的企业")
    _upload(users["county"], with_empty_rows(declared=False, after=after))
    started = time.monotonic()
    import_jobs_run()
    job = ImportJob.objects.get()
    assert time.monotonic() - started < 10  # about MAX_EMPTY_RUN rows read, not 300 000
    assert job.status == ImportStatus.DONE, job.message
    # only rows with content count: one row, not 300 001
    assert (job.total_rows, job.created_count) == (1, 1)
    assert f"连续 {MAX_EMPTY_RUN} 行为空" in job.warning and "第 4 行起" in job.warning
    assert Enterprise.objects.filter(name="空行前的企业").exists()
    assert not Enterprise.objects.filter(name="空行后的企业").exists()
    page = client_for(users["county"]).get(reverse("exchange:job", args=[job.pk])).content.decode()
    assert "全部行导入成功" not in page and "已停止读取该表" in page


@pytest.mark.django_db(transaction=True)
def test_the_real_commit_and_worker_loop(users):
    """No on-commit capture: the committed upload is found by the worker's scheduler."""
    response = _upload(users["admin"], xlsx({"enterprises": [_enterprise(740_020, "提交后导入")]}))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.QUEUED
    assert run_due({}, time.time(), jobs=[_worker_job()]) == ["exchange.imports"]
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.message
    assert Enterprise.objects.filter(name="提交后导入").exists()
