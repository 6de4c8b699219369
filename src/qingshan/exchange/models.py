"""Excel import jobs: one uploaded workbook, its progress, and its error report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qingshan.core.choices import Colour
from qingshan.exchange.choices import ImportStatus

# Under MEDIA_ROOT (= DATA_DIR/media), which is never served directly: the files are
# streamed by views that check the job's owner.
UPLOAD_DIR = "imports/%Y/%m"


class ImportJob(models.Model):
    """One workbook a bureau user uploaded for import, imported by ``qingshan worker``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    source = models.FileField(_("上传文件"), upload_to=UPLOAD_DIR, max_length=255)
    status = models.CharField(
        _("状态"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    message = models.TextField(_("说明"), blank=True)
    # rows the import did not read (a long run of empty rows ended a sheet): never "all done"
    warning = models.TextField(_("提示"), blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    failed_count = models.PositiveIntegerField(_("失败"), default=0)
    report = models.FileField(_("错误报告"), upload_to=UPLOAD_DIR, max_length=255, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="import_job_status_valid",
                condition=models.Q(status__in=ImportStatus.values),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    def get_status_colour(self) -> Colour:
        return ImportStatus.colour(self.status)
