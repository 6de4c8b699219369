"""Writes of the exchange: queueing an import job, and the worker running it."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from functools import partial
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.models import User
from qingshan.core.permissions import PermissionDenied
from qingshan.exchange.choices import ImportStatus, RowOutcome
from qingshan.exchange.importer import ImportResult, registry_import, require_import
from qingshan.exchange.models import ImportJob
from qingshan.exchange.reader import WorkbookError
from qingshan.exchange.runner import runs_in_request
from qingshan.exchange.writer import error_report, workbook_bytes

log = logging.getLogger("qingshan.exchange")

PROGRESS_EVERY_SECONDS = 0.5
# a job still running after this long lost its worker (a restart): it is failed, not
# shown running for ever; imports are capped far below this (QINGSHAN_IMPORT_MAX_ROWS)
STALE_AFTER = dt.timedelta(hours=2)


@transaction.atomic
def import_job_create(
    *, user: User, upload: File[Any], file_name: str, ip_address: str | None = None
) -> ImportJob:
    """Store an uploaded workbook and queue its import for the worker."""
    require_import(user)
    job = ImportJob(user=user, file_name=file_name[:255], ip_address=ip_address)
    job.source.save(f"{uuid.uuid4().hex}.xlsx", upload, save=False)
    job.save()
    if runs_in_request():  # tests only: the worker does it everywhere else
        transaction.on_commit(partial(import_job_run, job_id=job.pk))
    return job


def import_jobs_run() -> int:
    """The worker's job: import every queued job, oldest first; the number run.

    Several workers may poll at once: ``import_job_run`` claims a job with one
    conditional update, so exactly one of them imports it and the others move on.
    """
    _stale_jobs_fail()
    ran = 0
    while True:
        queued = ImportJob.objects.filter(status=ImportStatus.QUEUED).order_by("created_at", "id")
        job_id = queued.values_list("pk", flat=True).first()
        if job_id is None:
            return ran
        if _job_claim(job_id):
            _job_import(ImportJob.objects.select_related("user").get(pk=job_id))
            ran += 1


def _stale_jobs_fail() -> None:
    message = _("导入中断（后台服务曾重启），请重新上传该文件")
    ImportJob.objects.filter(
        status=ImportStatus.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
    ).update(status=ImportStatus.FAILED, message=message, finished_at=timezone.now())


def _job_update(job: ImportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _counts(result: ImportResult) -> dict[str, int]:
    return {
        "total_rows": result.total,
        "processed_rows": result.processed,
        "created_count": result.counts[RowOutcome.CREATED],
        "updated_count": result.counts[RowOutcome.UPDATED],
        "unchanged_count": result.counts[RowOutcome.UNCHANGED],
        "failed_count": result.failed,
    }


class _Progress:
    """Writes the counts to the job at most twice a second, and at the last row."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.last = 0.0

    def __call__(self, result: ImportResult) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_SECONDS or result.processed >= result.total:
            self.last = now
            _job_update(self.job, **_counts(result))


def import_job_run(*, job_id: int) -> ImportJob:
    """Import a queued job's workbook, unless it already ran or runs elsewhere."""
    claimed = _job_claim(job_id)
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if claimed:
        _job_import(job)
    return job


def _job_claim(job_id: int) -> bool:
    """Mark a queued job running; False if another worker was first (one UPDATE)."""
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.RUNNING, started_at=timezone.now()
        )
    )


def _job_import(job: ImportJob) -> None:
    try:
        with job.source.storage.open(job.source.name, "rb") as source:
            result = registry_import(
                user=job.user, source=source, ip_address=job.ip_address, progress=_Progress(job)
            )
    except (WorkbookError, PermissionDenied) as exc:
        _job_finish(job, ImportStatus.FAILED, str(exc))
        return
    except Exception:
        log.exception("import job %s failed", job.pk)
        message = _("导入过程中出现意外错误，已完成的行已保存，请联系管理员（任务 #%(id)s）")
        _job_finish(job, ImportStatus.FAILED, message % {"id": job.pk})
        return
    if result.problems:
        report = workbook_bytes(error_report(result.problems, summary=result.summary()))
        job.report.save(f"{uuid.uuid4().hex}-errors.xlsx", ContentFile(report), save=False)
    _job_finish(
        job,
        ImportStatus.DONE,
        result.summary(),
        report=job.report.name,
        warning="\n".join(result.notes),
        **_counts(result),
    )


def _job_finish(job: ImportJob, status: str, message: str, **fields: Any) -> None:
    _job_update(job, status=status, message=message, finished_at=timezone.now(), **fields)
