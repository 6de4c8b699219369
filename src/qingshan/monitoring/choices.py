import enum

from django.db import models
from django.utils.translation import gettext_lazy as _

from qingshan.core.choices import Colour, ColouredChoices


class PeriodKind(models.IntegerChoices):
    """Which kind of HJ 212 upload a reading came from (2017 Table 9)."""

    RTD = 1, _("实时数据")  # CN 2011
    MINUTE = 2, _("分钟数据")  # CN 2051
    HOUR = 3, _("小时数据")  # CN 2061
    DAY = 4, _("日数据")  # CN 2031 (and 2041 facility run time)


class DataTimeStatus(models.IntegerChoices):
    """A packet's data time against the server's clock when it arrived (rule
    ``monitoring.data_time_window``): only a data time within the window is judged."""

    OK = 0, _("正常")
    AHEAD = 1, _("超前于服务器时钟")
    BEHIND = 2, _("早于可补发时限")


class RefusalReason(models.TextChoices):
    """Why the gateway refused a sender's frame (shown on the access-status page)."""

    UNKNOWN_DEVICE = "unknown-device", _("MN 未登记")
    INACTIVE = "inactive", _("数采仪已停用")
    BAD_PASSWORD = "bad-password", _("密码错误")
    THROTTLED = "throttled", _("多次拒收，暂停接入")
    BAD_CRC = "bad-crc", _("CRC 校验错误")
    BAD_FRAME = "bad-frame", _("报文格式错误")


class AlarmKind(ColouredChoices):
    """What an alarm says about a point (rules_cn.md §3, hj212.md §7.7)."""

    EXCEEDANCE = "exceedance", _("超标")
    # real-time values over the limit for a while: a warning, not the exceedance the law
    # judges on hourly or daily values (rules_cn §3.4)
    RTD_EXCEEDANCE = "rtd_exceedance", _("实时超限")
    EARLY_WARNING = "early_warning", _("超标预警")
    OFFLINE = "offline", _("离线")
    MISSING = "missing", _("数据缺失")
    STUCK = "stuck", _("恒值")
    ZERO = "zero", _("零值")
    FLAG_RUN = "flag_run", _("长时间异常标记")
    NEAR_LIMIT = "near_limit", _("疑似贴线排放")
    CONTRADICTION = "contradiction", _("疑似数据矛盾")

    # the exceedance the law judges, real-time values over the limit, values approaching
    # it; what is suspicious about the data, or its absence, is grey
    COLOURS = enum.nonmember(
        {"exceedance": Colour.RED, "rtd_exceedance": Colour.YELLOW, "early_warning": Colour.CYAN}
    )


class Severity(ColouredChoices):
    """Alarm severity, as ThingsBoard grades them (highest first)."""

    CRITICAL = "critical", _("严重")
    MAJOR = "major", _("重要")
    MINOR = "minor", _("次要")
    WARNING = "warning", _("提示")

    COLOURS = enum.nonmember({"critical": Colour.RED, "major": Colour.YELLOW, "minor": Colour.CYAN})


class AlarmAction(models.TextChoices):
    """Entries in an alarm's lifecycle history."""

    RAISED = "raised", _("产生")
    REPEATED = "repeated", _("再次发生")
    REOPENED = "reopened", _("重新产生")
    ACKNOWLEDGED = "acknowledged", _("确认")
    CLEARED = "cleared", _("消除")
    COMMENTED = "commented", _("评论")
    EXPLAINED = "explained", _("企业说明")
    EXPLANATION_ACCEPTED = "accepted", _("说明已采纳")
    EXPLANATION_REJECTED = "rejected", _("说明被驳回")


class DeclarationKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("计划维护")
    SHUTDOWN = "shutdown", _("停产")
    FAULT = "fault", _("设备故障")


class DeclarationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已采纳")
    REJECTED = "rejected", _("已驳回")


class PointStatus(ColouredChoices):
    """A monitoring point's state on the overview, worst first (from open alarms and the
    data logger's connection)."""

    EXCEEDING = "exceeding", _("超标")
    OFFLINE = "offline", _("离线")
    FAULT = "fault", _("故障")
    WARNING = "warning", _("预警")
    NORMAL = "normal", _("正常")

    COLOURS = enum.nonmember(
        {
            "exceeding": Colour.RED,
            "offline": Colour.GREY,
            "fault": Colour.PURPLE,
            "warning": Colour.ORANGE,
            "normal": Colour.GREEN,
        }
    )


# the icon of each kind in lists (its colour is AlarmKind.colour)
KIND_ICONS = {
    "exceedance": "exclamation-octagon-fill",
    "rtd_exceedance": "activity",
    "early_warning": "graph-up-arrow",
    "offline": "wifi-off",
    "missing": "hourglass-split",
}
KIND_ICON_OTHER = "question-diamond"
