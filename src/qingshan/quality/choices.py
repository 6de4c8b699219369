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


class DataKind(models.TextChoices):
    """What an import file holds: hourly air data of stations, or samples of sections."""

    AIR = "air", _("空气质量小时数据")
    WATER = "water", _("地表水监测数据")


class HeldStatus(models.TextChoices):
    """A held import row: waiting for a regulator, released into the data, or discarded."""

    HELD = "held", _("待审核")
    RELEASED = "released", _("已放行")
    DISCARDED = "discarded", _("已舍弃")


class HeldReason(models.TextChoices):
    """Why an import row is held (one reason today; the column leaves room for more)."""

    AHEAD = "ahead", _("日期晚于当前时间")
