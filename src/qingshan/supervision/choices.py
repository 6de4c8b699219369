"""Choice sets of supervision cases (statuses carry colours, as in NetBox)."""

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshan.core.choices import Colour, ColouredChoices


class CaseState(ColouredChoices):
    """Where a case stands in 预警督办 → 查处 → 整改 → 复核 → 销号."""

    PENDING = "pending", _("待派发")
    DISPATCHED = "dispatched", _("已派发")
    INVESTIGATING = "investigating", _("查处中")
    RECTIFYING = "rectifying", _("整改中")
    VERIFYING = "verifying", _("待复核")
    CLOSED = "closed", _("已销号")

    COLOURS = enum.nonmember(
        {
            "pending": Colour.RED,
            "dispatched": Colour.YELLOW,
            "investigating": Colour.BLUE,
            "rectifying": Colour.CYAN,
            "verifying": Colour.GREY,
            "closed": Colour.GREEN,
        }
    )


OPEN_STATES = tuple(s for s in CaseState.values if s != CaseState.CLOSED)


class CaseAction(models.TextChoices):
    """What a person (or the deadline watcher) does to a case: one timeline entry each."""

    OPEN = "open", _("立案")
    DISPATCH = "dispatch", _("派发")
    RETURN_DISPATCH = "return_dispatch", _("退回派发")
    ACCEPT = "accept", _("签收")
    RECORD_FINDINGS = "record_findings", _("记录现场检查")
    ORDER_RECTIFICATION = "order_rectification", _("责令整改")
    SUBMIT_RECTIFICATION = "submit_rectification", _("提交整改")
    REJECT_RECTIFICATION = "reject_rectification", _("整改退回")
    VERIFY = "verify", _("复核通过并销号")
    CLOSE_UNFOUNDED = "close_unfounded", _("查无实据销号")
    CLOSE_FALSE_ALARM = "close_false_alarm", _("误报销号")
    PENALISE = "penalise", _("立案处罚并销号")
    COMMENT = "comment", pgettext_lazy("verb", "备注")
    # recorded by the deadline watcher, never taken by a person
    OVERDUE = "overdue", _("逾期")
    ESCALATE = "escalate", _("升级督办")


class CaseRole(models.TextChoices):
    """The part a user plays in one case, derived from their role and jurisdiction."""

    SUPERVISOR = "supervisor", _("督办方（市级及以上）")
    COUNTY = "county", _("属地县区")
    INSPECTOR = "inspector", _("执法人员")
    ENTERPRISE = "enterprise", _("企业")


class Visibility(models.TextChoices):
    """Who reads a note or a file of a case besides the bureau: nobody, or the enterprise.

    Bureau only is the default for staff: a case from a complaint can name the
    complainant, and dispatch notes are the bureau's internal business.
    """

    BUREAU = "bureau", _("仅生态环境局内部")
    SHARED = "shared", _("与企业共享")


# Actions whose words are addressed to the enterprise: an order to rectify and the reason
# a rectification was sent back must reach it, so a staff author shares them unless they
# choose otherwise. Every other staff note stays bureau only by default.
SHARED_BY_DEFAULT = frozenset({"order_rectification", "reject_rectification"})


class Resolution(models.TextChoices):
    """How a closed case ended."""

    RECTIFIED = "rectified", _("整改完成")
    UNFOUNDED = "unfounded", _("查无实据")
    FALSE_ALARM = "false_alarm", _("误报")
    PENALISED = "penalised", _("立案处罚")


class SourceKind(models.TextChoices):
    """What a case came from; complaints and inspection findings join in later issues."""

    ALARM = "alarm", _("在线监测报警")
    COMPLAINT = "complaint", _("信访举报")
    INSPECTION = "inspection", _("检查发现")
    MANUAL = "manual", _("人工立案")


class CaseSeverity(ColouredChoices):
    CRITICAL = "critical", _("严重")
    MAJOR = "major", _("较重")
    MINOR = "minor", _("一般")

    COLOURS = enum.nonmember({"critical": Colour.RED, "major": Colour.YELLOW})


class NotificationKind(models.TextChoices):
    OPENED = "opened", _("新案件")
    ASSIGNED = "assigned", _("派发给您")
    RETURNED = "returned", _("被退回")
    RECTIFY = "rectify", _("需要整改")
    SUBMITTED = "submitted", _("整改待复核")
    REJECTED = "rejected", _("整改被退回")
    CLOSED = "closed", _("已销号")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已逾期")
    ESCALATED = "escalated", _("升级督办")
