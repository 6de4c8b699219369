import enum

from django.db import models
from django.utils.translation import gettext_lazy as _

from qingshan.core.choices import Colour, ColouredChoices


class PermitClass(models.TextChoices):
    KEY = "key", _("重点管理")
    SIMPLIFIED = "simplified", _("简化管理")
    REGISTRATION = "registration", _("登记管理")


class PermitStatus(ColouredChoices):
    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已过期")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("已撤销")

    COLOURS = enum.nonmember(
        {
            "valid": Colour.GREEN,
            "expired": Colour.GREY,
            "suspended": Colour.YELLOW,
            "revoked": Colour.RED,
        }
    )


class LimitBasis(models.TextChoices):
    HOURLY = "hourly", _("小时均值")
    DAILY = "daily", _("日均值")
