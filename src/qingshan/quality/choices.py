"""Choice sets of the quality app: station levels, water bodies, water classes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StationLevel(models.TextChoices):
    """Who runs and assesses a station or section: 国控 / 省控 / 市控."""

    NATIONAL = "national", _("国控")
    PROVINCIAL = "provincial", _("省控")
    CITY = "city", _("市控")


class WaterBodyKind(models.TextChoices):
    """GB 3838-2002 Table 1 row 8: total phosphorus has a column for lakes and reservoirs."""

    RIVER = "river", _("河流")
    LAKE = "lake", _("湖库")


class WaterClassChoice(models.IntegerChoices):
    """水质类别 I–V and 劣V; larger is worse (``quality.water_standards.WaterClass``)."""

    I = 1, "Ⅰ"  # noqa: E741 — the class is called I
    II = 2, "Ⅱ"
    III = 3, "Ⅲ"
    IV = 4, "Ⅳ"
    V = 5, "Ⅴ"
    WORSE_THAN_V = 6, _("劣Ⅴ")


class AirClass(models.IntegerChoices):
    """GB 3095 功能区类别: class 1 (nature reserves, scenic areas) or class 2 (the rest)."""

    ONE = 1, _("一类区")
    TWO = 2, _("二类区")
