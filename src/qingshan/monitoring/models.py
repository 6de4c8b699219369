"""Online-monitoring data: what the data loggers sent, as evidence and as readings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qingshan.core.fields import EpochField
from qingshan.monitoring.choices import PeriodKind
from qingshan.registry.models import Device, MonitoringPoint


class Reading(models.Model):
    """One value of one factor at one point for one period (a long, narrow table).

    The key (point, factor, period kind, data time) is also the de-duplication key: a
    logger that resends a packet it got no answer for adds nothing. On SQLite the table is
    clustered on this key (WITHOUT ROWID); on PostgreSQL it is partitioned by month
    (migration 0001, docs/adr/0008-readings-storage.md). Written by the gateway's database
    sink with plain SQL, so no foreign-key check slows the ingest: readings are evidence and
    outlive a deleted point.
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

    class Meta:
        verbose_name = _("数采仪状态")
        verbose_name_plural = _("数采仪状态")

    def __str__(self) -> str:
        return f"{self.device_id} {'online' if self.connected else 'offline'}"


class DeviceSession(models.Model):
    """One TCP connection of a data logger: when it came and went, how much it sent."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="sessions")
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
