"""Choice sets of the core app, and the colours every app's statuses are drawn in.

A status carries its colour as NetBox's ChoiceSet does (value, label, colour): a
``ColouredChoices`` set names a ``Colour`` for each value, and one vocabulary of eight
colours serves a badge (a Bootstrap class) and a map marker or a chart (a hex), so that a
state looks the same in a list, on a map and in a legend. The quality standards' own
colours (AQI bands, water classes) are the standards' and stay with them.
"""

import enum
from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _


class Colour(enum.Enum):
    """The colour vocabulary of statuses. ``str()`` is the Bootstrap name, so a template
    writes ``text-bg-{{ alarm.get_severity_colour }}``; ``.hex`` draws it on a map."""

    RED = "danger", "#dc3545"
    ORANGE = "orange", "#fd7e14"  # not a Bootstrap name: qingshan.css defines its classes
    YELLOW = "warning", "#ffc107"
    GREEN = "success", "#198754"
    BLUE = "primary", "#0d6efd"
    CYAN = "info", "#0dcaf0"
    PURPLE = "purple", "#6f42c1"  # the same
    GREY = "secondary", "#6c757d"

    @property
    def bootstrap(self) -> str:
        return str(self.value[0])

    @property
    def hex(self) -> str:
        return str(self.value[1])

    def __str__(self) -> str:
        return self.bootstrap


class ColouredChoices(models.TextChoices):
    """Choices whose values each have a colour: a set declares
    ``COLOURS = enum.nonmember({value: Colour, ...})``; a value it leaves out is grey."""

    @classmethod
    def colour(cls, value: str) -> Colour:
        # read, not declared here: an Enum's nonmember is final, and a final may not
        # override a declared attribute
        colours: Mapping[str, Colour] = getattr(cls, "COLOURS", {})
        return colours.get(value, Colour.GREY)


class Role(models.TextChoices):
    ADMIN = "admin", _("局管理员")
    REGULATOR = "regulator", _("监管人员")
    INSPECTOR = "inspector", _("执法人员")
    ENTERPRISE = "enterprise", _("企业用户")


class AuditAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    # account events (issue 16): who got in, who was refused, and what was done to tokens
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("登录锁定")
    UNLOCK = "unlock", _("解除锁定")
    TOKEN_ISSUE = "token_issue", _("签发令牌")
    TOKEN_REVOKE = "token_revoke", _("撤销令牌")


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县区")
