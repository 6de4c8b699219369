"""The record that the demo city is in this database."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qingshan.core.models import AuditedModel


class DemoLoad(AuditedModel):
    """One loaded demo city: with which seed and plan date, and how many rows of each kind.

    Saving it writes the one audit row that stands for the whole bulk load (the rows
    themselves are bulk-inserted without per-row audit); the seed it keeps lets a second
    run check that it would load the same city, and lets ``--reset`` find the old one.
    """

    city_code = models.CharField(_("城市代码"), max_length=6, primary_key=True)
    seed = models.IntegerField(_("随机种子"))
    plan_date = models.DateField(_("基准日期"))
    counts = models.JSONField(_("数量"), default=dict)

    class Meta:
        verbose_name = _("演示数据加载")
        verbose_name_plural = _("演示数据加载")

    def __str__(self) -> str:
        return f"演示城市 {self.city_code}（种子 {self.seed}）"
