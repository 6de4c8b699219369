"""Choice sets of the exchange app (statuses carry colours, as in NetBox)."""

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _

from qingshan.core.choices import Colour, ColouredChoices


class ImportStatus(ColouredChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")

    COLOURS = enum.nonmember(
        {"queued": Colour.GREY, "running": Colour.BLUE, "done": Colour.GREEN, "failed": Colour.RED}
    )


class RowOutcome(models.TextChoices):
    """What importing one row did."""

    CREATED = "created", _("新增")
    UPDATED = "updated", _("更新")
    UNCHANGED = "unchanged", _("未变化")
    FAILED = "failed", _("失败")
