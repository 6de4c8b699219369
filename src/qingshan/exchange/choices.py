"""Choice sets of the exchange app (statuses carry colours, as in NetBox)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")

    @classmethod
    def colour(cls, value: str) -> str:
        return {"queued": "secondary", "running": "primary", "done": "success"}.get(value, "danger")


class RowOutcome(models.TextChoices):
    """What importing one row did."""

    CREATED = "created", _("新增")
    UPDATED = "updated", _("更新")
    UNCHANGED = "unchanged", _("未变化")
    FAILED = "failed", _("失败")
