from django.db import models
from django.utils.translation import gettext_lazy as _


class Medium(models.TextChoices):
    AIR = "air", _("废气")
    WATER = "water", _("废水")


class OutletKind(models.TextChoices):
    MAIN = "main", _("主要排放口")
    GENERAL = "general", _("一般排放口")


class EmissionMode(models.TextChoices):
    DUCTED = "ducted", _("有组织")
    FUGITIVE = "fugitive", _("无组织")


class RecordState(models.TextChoices):
    """Which registry records a list shows: in use (the default), retired, or both."""

    ACTIVE = "active", _("在用")
    RETIRED = "retired", _("已注销")
    ALL = "all", _("全部")
