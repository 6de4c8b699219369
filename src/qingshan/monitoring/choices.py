from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.IntegerChoices):
    """Which kind of HJ 212 upload a reading came from (2017 Table 9)."""

    RTD = 1, _("实时数据")  # CN 2011
    MINUTE = 2, _("分钟数据")  # CN 2051
    HOUR = 3, _("小时数据")  # CN 2061
    DAY = 4, _("日数据")  # CN 2031 (and 2041 facility run time)
