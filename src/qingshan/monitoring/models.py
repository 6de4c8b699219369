"""Online-monitoring data: what the data loggers sent, as evidence and as readings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qingshan.core.choices import Colour
from qingshan.core.fields import EpochField
from qingshan.monitoring.choices import (
    AlarmAction,
    AlarmKind,
    DataTimeStatus,
    DeclarationKind,
    DeclarationStatus,
    PeriodKind,
    RefusalReason,
    Severity,
)
from qingshan.registry.models import Device, Enterprise, MonitoringPoint


class Reading(models.Model):
    """One value of one factor at one point for one period (a long, narrow table).

    The key (point, period kind, data time, factor) is also the de-duplication key: a
    logger that resends a packet it got no answer for adds nothing. On SQLite the table is
    clustered on this key (WITHOUT ROWID), so one packet's values share a leaf page; on
    PostgreSQL it is partitioned by month (docs/adr/0008-readings-storage.md, 0016).
    Written by the gateway's database sink with plain SQL, so no foreign-key check slows
    the ingest: readings are evidence and outlive a deleted point.
    """

    pk = models.CompositePrimaryKey("point_id", "period", "data_time", "factor_code")
    point = models.ForeignKey(
        MonitoringPoint,
        verbose_name=_("监控点"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    factor_code = models.CharField(_("因子编码"), max_length=8)
    period = models.SmallIntegerField(_("数据类型"), choices=PeriodKind.choices)
    data_time = EpochField(_("数据时间"))
    value = models.FloatField(_("数值"), null=True)  # Rtd, or Avg for aggregates
    min = models.FloatField(_("最小值"), null=True)
    max = models.FloatField(_("最大值"), null=True)
    cou = models.FloatField(_("累计值"), null=True)
    zs = models.FloatField(_("折算值"), null=True)  # ZsRtd / ZsAvg as sent
    flag = models.CharField(_("数据标记"), max_length=2, blank=True)
    eflag = models.CharField(_("设备标记"), max_length=8, blank=True)
    received_at = EpochField(_("接收时间"), millis=True)

    class Meta:
        verbose_name = _("监测数据")
        verbose_name_plural = _("监测数据")

    def __str__(self) -> str:
        return f"{self.point_id}/{self.factor_code}/{self.period}@{self.data_time}: {self.value}"


class RawPacket(models.Model):
    """An HJ 212 packet exactly as a device sent it, with when, from where, and the verdict.

    It is the evidence in enforcement: a resent packet is kept again (the resend itself is
    a fact), while its readings are stored once.
    """

    received_at = EpochField(_("接收时间"), millis=True, db_index=True)
    device = models.ForeignKey(
        Device,
        verbose_name=_("数采仪"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # rawpacket_device_data serves it: its first column is the device
        related_name="+",
    )
    peer = models.CharField(_("来源地址"), max_length=64)
    st = models.CharField(_("系统编码"), max_length=4, blank=True)
    cn = models.CharField(_("命令编码"), max_length=4, blank=True)
    qn = models.CharField(_("请求编码"), max_length=20, blank=True)
    flag = models.IntegerField(_("标志"), null=True)
    version = models.CharField(_("协议版本"), max_length=4, blank=True)
    data_time = EpochField(_("数据时间"), null=True)
    warnings = models.CharField(_("告警"), max_length=200, blank=True)
    raw = models.BinaryField(_("原始报文"))
    # the data time against the server's clock on arrival; only OK is judged and has
    # readings. Null: stored before the check existed (nullable, so adding the column
    # rewrites nothing on a table of hundreds of millions of rows)
    time_status = models.SmallIntegerField(
        _("数据时间核验"), choices=DataTimeStatus.choices, null=True, blank=True
    )

    class Meta:
        verbose_name = _("原始报文")
        verbose_name_plural = _("原始报文")
        # one index: a device's packets by data time (evidence behind a reading, the latest
        # packets); each extra index is one more B-tree insert per packet at 10,000/s
        indexes = [models.Index(fields=["device", "data_time"], name="rawpacket_device_data")]

    def __str__(self) -> str:
        return f"{self.cn} {self.qn} from {self.peer}"


class DeviceState(models.Model):
    """What the gateway last knew of a data logger: connected or not, last packet, counts."""

    device = models.OneToOneField(
        Device, primary_key=True, on_delete=models.CASCADE, related_name="state"
    )
    connected = models.BooleanField(_("在线"), default=False)
    peer = models.CharField(_("来源地址"), max_length=64, blank=True)
    connected_since = EpochField(_("连接时间"), millis=True, null=True)
    last_seen_at = EpochField(_("最后报文时间"), millis=True, null=True)
    last_cn = models.CharField(_("最后命令"), max_length=4, blank=True)
    version = models.CharField(_("协议版本"), max_length=4, blank=True)
    packets = models.BigIntegerField(_("报文数"), default=0)
    refused = models.BigIntegerField(_("拒收数"), default=0)
    frame_errors = models.BigIntegerField(_("错误帧数"), default=0)
    # packets stored but not judged: their data time was outside the window (a logger
    # whose clock reset to 2000-01-01, or runs ahead); the last one shows its clock
    out_of_window = models.BigIntegerField(_("数据时间异常数"), default=0)
    last_out_of_window = EpochField(_("最近异常数据时间"), null=True)

    class Meta:
        verbose_name = _("数采仪状态")
        verbose_name_plural = _("数采仪状态")

    def __str__(self) -> str:
        return f"{self.device_id} {'online' if self.connected else 'offline'}"


class DeviceSession(models.Model):
    """One TCP connection of a data logger: when it came and went, how much it sent."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="sessions")
    peer = models.CharField(_("来源地址"), max_length=64)
    connected_at = EpochField(_("连接时间"), millis=True)
    disconnected_at = EpochField(_("断开时间"), millis=True, null=True)
    packets = models.BigIntegerField(_("报文数"), default=0)
    close_reason = models.CharField(_("断开原因"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("连接记录")
        verbose_name_plural = _("连接记录")
        ordering = ["-connected_at"]
        indexes = [models.Index(fields=["device", "-connected_at"], name="session_device_time")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.peer}"


class RefusedSender(models.Model):
    """Someone who sent frames the gateway refused: an unknown or disabled MN, a wrong
    password, a bad CRC. One row per (MN as sent, address, reason), counted; the gateway
    keeps the most recent ``KEPT`` rows, so a scan of random MNs cannot fill the disk.
    A field engineer with a mistyped MN finds it here at once."""

    KEPT = 2000

    mn = models.CharField(_("MN（按报文）"), max_length=32, blank=True)
    host = models.CharField(_("来源地址"), max_length=64)
    reason = models.CharField(_("拒收原因"), max_length=16, choices=RefusalReason.choices)
    # the registered device, when the MN is one (a wrong password, a disabled logger);
    # no database constraint: the gateway's batch must never fail for a device deleted
    # while its refusals were on their way
    device = models.ForeignKey(
        Device,
        verbose_name=_("数采仪"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )
    first_seen_at = EpochField(_("首次"), millis=True)
    last_seen_at = EpochField(_("最近"), millis=True)
    count = models.BigIntegerField(_("次数"), default=0)

    class Meta:
        verbose_name = _("拒收来源")
        verbose_name_plural = _("拒收来源")
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["mn", "host", "reason"], name="refused_sender_key")
        ]
        indexes = [models.Index(fields=["-last_seen_at"], name="refused_sender_recent")]

    def __str__(self) -> str:
        return f"{self.mn or '?'} from {self.host}: {self.reason}"


class DeadLetter(models.Model):
    """What the alarm engine could not judge, set aside with its reason (a dead-letter
    list), so that the stream and the jobs move on: one packet, point or rule never stalls
    the judging of the others. A regulator sees the list, and can judge an entry again
    once its cause is fixed (a missing rule entered, say) or dismiss it."""

    consumer = models.CharField(_("处理环节"), max_length=64)  # stream consumer or job
    raw_packet_id = models.BigIntegerField(_("原始报文"), null=True, blank=True)
    device_id = models.IntegerField(_("数采仪"), null=True, blank=True)
    point_id = models.IntegerField(_("监控点"), null=True, blank=True)
    period = models.SmallIntegerField(
        _("数据类型"), choices=PeriodKind.choices, null=True, blank=True
    )
    # epoch seconds as an integer, not a datetime: what could not be judged may be dated
    # year 1 (a logger's reset clock), a time no datetime in UTC holds
    data_time = models.BigIntegerField(_("数据时间"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200)
    detail = models.TextField(_("详情"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.CharField(_("处理结果"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("未能研判的数据")
        verbose_name_plural = _("未能研判的数据")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["-created_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="dead_letter_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consumer} {self.raw_packet_id or self.point_id}: {self.reason}"


class DerivedValue(models.Model):
    """An hourly or daily value derived from finer data (HJ 212-2017 Appendix D).

    Kept apart from the readings so that a value the logger sends itself always wins and
    is never overwritten: charts and alarms use the logger's hourly value when there is
    one and this one otherwise. ``is_valid`` says whether enough valid finer values went
    into it (rule ``monitoring.hour_min_valid_minutes``, ``monitoring.day_min_valid_hours``).
    """

    pk = models.CompositePrimaryKey("point_id", "factor_code", "period", "data_time")
    point = models.ForeignKey(
        MonitoringPoint,
        verbose_name=_("监控点"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    factor_code = models.CharField(_("因子编码"), max_length=8)
    period = models.SmallIntegerField(_("数据类型"), choices=PeriodKind.choices)
    data_time = EpochField(_("数据时间"))  # start of the hour or day
    value = models.FloatField(_("均值"), null=True)
    min = models.FloatField(_("最小值"), null=True)
    max = models.FloatField(_("最大值"), null=True)
    zs = models.FloatField(_("折算值"), null=True)
    valid_count = models.IntegerField(_("有效数据个数"))
    total_count = models.IntegerField(_("数据个数"))
    is_valid = models.BooleanField(_("有效"))
    computed_at = EpochField(_("计算时间"), millis=True)

    class Meta:
        verbose_name = _("统计数据")
        verbose_name_plural = _("统计数据")

    def __str__(self) -> str:
        return f"{self.point_id}/{self.factor_code}/{self.period}@{self.data_time}: {self.value}"


class StatisticsDue(models.Model):
    """An hour or day of a point whose derived values are to be (re)computed.

    Marked when finer data for it are committed (late data mark an old hour again), and
    removed once the worker has derived its values after the period ended.
    """

    pk = models.CompositePrimaryKey("point_id", "period", "data_time")
    point_id = models.IntegerField()
    period = models.SmallIntegerField(choices=PeriodKind.choices)
    data_time = EpochField()  # start of the hour or day

    class Meta:
        verbose_name = _("待统计时段")
        verbose_name_plural = _("待统计时段")

    def __str__(self) -> str:
        return f"{self.point_id}/{self.period}@{self.data_time}"


class Alarm(models.Model):
    """A judgement on a point's data, for a person to act on (ThingsBoard's alarm model).

    One open alarm per (point, factor, kind): a repeat of the same condition counts an
    occurrence and updates the last time and worst value instead of adding a row, and a
    raise soon after it cleared reopens it (``alarms._recently_cleared``). The enterprise
    and region are copied in so that lists scope and filter without joins.
    """

    SCOPE_ENTERPRISE = "enterprise"

    point = models.ForeignKey(
        MonitoringPoint, verbose_name=_("监控点"), on_delete=models.PROTECT, related_name="alarms"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("排污单位"), on_delete=models.PROTECT, related_name="alarms"
    )
    region_code = models.CharField(_("行政区划"), max_length=6, db_index=True)
    factor_code = models.CharField(_("因子编码"), max_length=8, blank=True)  # "" = the point
    kind = models.CharField(_("类型"), max_length=16, choices=AlarmKind.choices)
    severity = models.CharField(_("级别"), max_length=8, choices=Severity.choices)
    period = models.SmallIntegerField(_("数据类型"), choices=PeriodKind.choices, null=True)
    first_at = EpochField(_("首次发生"))  # data time of the first occurrence
    last_at = EpochField(_("最近发生"))
    occurrences = models.IntegerField(_("发生次数"), default=1)
    worst_value = models.FloatField(_("最严重值"), null=True)
    limit_value = models.FloatField(_("限值"), null=True)
    rule = models.CharField(_("规则"), max_length=64)
    evidence = models.JSONField(_("依据"), default=dict)
    # the data times counted (the last 200), to recognise a resend: bookkeeping of the
    # engine, kept apart from the evidence a regulator reads
    counted_times = models.JSONField(_("已计入的数据时间"), default=list, blank=True)
    raised_at = models.DateTimeField(_("产生时间"), auto_now_add=True, db_index=True)
    cleared_at = models.DateTimeField(_("消除时间"), null=True, blank=True)
    explanation_status = models.CharField(
        _("企业说明"), max_length=16, choices=DeclarationStatus.choices, blank=True
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("报警")
        verbose_name_plural = _("报警")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["point", "factor_code", "kind"],
                condition=models.Q(cleared_at__isnull=True),
                name="alarm_one_open_per_condition",
            )
        ]
        indexes = [
            models.Index(fields=["region_code", "-raised_at"], name="alarm_region_time"),
            models.Index(fields=["enterprise", "-raised_at"], name="alarm_enterprise_time"),
            models.Index(fields=["kind", "-raised_at"], name="alarm_kind_time"),
            # the alarm list's filters (measured on 100,000 alarms, benchmarks/bench_monitoring.py)
            models.Index(fields=["factor_code", "-raised_at"], name="alarm_factor_time"),
            models.Index(fields=["last_at", "first_at"], name="alarm_period"),
            models.Index(
                fields=["-raised_at"],
                condition=models.Q(cleared_at__isnull=True),
                name="alarm_open_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.point_id}/{self.factor_code}"

    @property
    def is_active(self) -> bool:
        return self.cleared_at is None

    def get_severity_colour(self) -> Colour:
        return Severity.colour(self.severity)

    def get_kind_colour(self) -> Colour:
        return AlarmKind.colour(self.kind)


class AlarmEntry(models.Model):
    """One step of an alarm's history: raised, repeated, acknowledged, commented, cleared."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    action = models.CharField(_("动作"), max_length=16, choices=AlarmAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("内容"), blank=True)
    attachment = models.FileField(_("附件"), upload_to="alarms/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("报警记录")
        verbose_name_plural = _("报警记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alarm_id} {self.action}"


class AnomalyDeclaration(models.Model):
    """An enterprise's declaration of planned maintenance, shutdown or a fault for a period.

    Accepted or pending declarations suppress offline and fault alarms for the point and
    period; they stay on record and are shown next to the data.
    """

    SCOPE_ENTERPRISE = "enterprise"

    point = models.ForeignKey(
        MonitoringPoint,
        verbose_name=_("监控点"),
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("排污单位"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=DeclarationKind.choices)
    starts_at = EpochField(_("开始时间"))
    ends_at = EpochField(_("结束时间"))
    reason = models.TextField(_("原因"))
    attachment = models.FileField(_("附件"), upload_to="declarations/%Y/%m/", blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=DeclarationStatus.choices,
        default=DeclarationStatus.SUBMITTED,
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申报人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    declared_at = models.DateTimeField(_("申报时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("企业申报")
        verbose_name_plural = _("企业申报")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                name="declaration_period_ordered",
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                violation_error_message=_("结束时间必须晚于开始时间"),
            )
        ]
        indexes = [models.Index(fields=["point", "starts_at"], name="declaration_point_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.point_id}"
