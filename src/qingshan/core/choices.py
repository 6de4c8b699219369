"""Choice sets of the core app (statuses carry colours, as in NetBox)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
