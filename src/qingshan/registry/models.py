"""The registry of regulated enterprises and the things that send their data."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from qingshan.core.models import AuditedModel
from qingshan.registry.choices import EmissionMode, Medium, OutletKind
from qingshan.registry.validators import (
    validate_credit_code,
    validate_industry_code,
    validate_mn,
    validate_region_code,
)

OFFLINE_AFTER_MAX_MINUTES = 7 * 24 * 60  # a daily-data logger with days of slack
RETIRED_REASON_MAX = 300


class Retirable(models.Model):
    """A regulated record that is retired (注销), never hard-deleted, once it has history.

    A retired record stays readable with its alarms, data and declarations; it takes no
    new data and no edits until it is reinstated (``qingshan.registry.retirement``).
    """

    retired_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    retired_reason = models.CharField(_("注销原因"), max_length=RETIRED_REASON_MAX, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("注销人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


def retirement_complete(prefix: str) -> models.CheckConstraint:
    """A retired record has a reason; an active one has none (reinstating clears it)."""
    return models.CheckConstraint(
        name=f"{prefix}_retirement_complete",
        condition=models.Q(retired_at__isnull=True, retired_reason="")
        | (models.Q(retired_at__isnull=False) & ~models.Q(retired_reason="")),
    )


class Enterprise(Retirable, AuditedModel):
    """A regulated enterprise (排污单位), identified by its unified social credit code."""

    SCOPE_ENTERPRISE = ""

    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField(_("名称"), max_length=200, db_index=True)
    region_code = models.CharField(
        _("行政区划代码"), max_length=6, db_index=True, validators=[validate_region_code]
    )
    industry_code = models.CharField(
        _("行业代码"), max_length=5, validators=[validate_industry_code]
    )
    address = models.CharField(_("地址"), max_length=300, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(_("纬度"), max_digits=8, decimal_places=6, null=True, blank=True)
    is_key_discharger = models.BooleanField(_("重点排污单位"), default=False)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)

    class Meta:
        verbose_name = _("排污单位")
        verbose_name_plural = _("排污单位")
        ordering = ["region_code", "name"]
        constraints = [
            models.CheckConstraint(
                name="enterprise_longitude_range",
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
            ),
            models.CheckConstraint(
                name="enterprise_latitude_range",
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
            ),
            retirement_complete("enterprise"),
        ]

    def __str__(self) -> str:
        return self.name


class Outlet(Retirable, AuditedModel):
    """A discharge outlet (排放口) of an enterprise, numbered as in its permit (DA001, DW001)."""

    SCOPE_ENTERPRISE = "enterprise"

    # PROTECT: the registry's services remove children one by one, audited, and only
    # when none has history (qingshan.registry.retirement)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("排污单位"), on_delete=models.PROTECT, related_name="outlets"
    )
    code = models.CharField(_("排放口编号"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    medium = models.CharField(_("类别"), max_length=8, choices=Medium.choices)
    kind = models.CharField(_("类型"), max_length=8, choices=OutletKind.choices)
    emission_mode = models.CharField(
        _("排放方式"), max_length=8, choices=EmissionMode.choices, default=EmissionMode.DUCTED
    )

    class Meta:
        verbose_name = _("排放口")
        verbose_name_plural = _("排放口")
        ordering = ["enterprise_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "code"], name="outlet_code_unique"),
            models.CheckConstraint(
                name="outlet_medium_valid", condition=models.Q(medium__in=Medium.values)
            ),
            models.CheckConstraint(
                name="outlet_kind_valid", condition=models.Q(kind__in=OutletKind.values)
            ),
            retirement_complete("outlet"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MonitoringPoint(Retirable, AuditedModel):
    """A monitoring point (监控点) with the HJ 212 factors it measures: at an enterprise's
    outlet, or, with no outlet, an ambient point owned by an air-quality station or a
    surface-water section of ``qingshan.quality`` (docs/adr/0013). Enterprise lists and
    selectors show only points with an outlet."""

    SCOPE_ENTERPRISE = "outlet__enterprise"

    outlet = models.ForeignKey(
        Outlet,
        verbose_name=_("排放口"),
        on_delete=models.PROTECT,  # as Outlet.enterprise
        related_name="points",
        null=True,  # an ambient point has none; forms and services still require one
    )
    name = models.CharField(_("名称"), max_length=100)
    factors = models.JSONField(_("监测因子"), default=list)

    class Meta:
        verbose_name = _("监控点")
        verbose_name_plural = _("监控点")
        ordering = ["outlet_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["outlet", "name"], name="point_name_unique"),
            retirement_complete("point"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def site_outlet(self) -> Outlet:
        """The outlet of an enterprise point; an ambient point has none (ValueError).

        For code that reached the point through the registry's selectors, which list
        enterprise points only."""
        if self.outlet is None:
            raise ValueError(f"monitoring point {self.pk} is an ambient point with no outlet")
        return self.outlet


class Device(Retirable, AuditedModel):
    """A data logger (数采仪) identified by its MN, sending HJ 212 for one monitoring point.

    The access password is stored as a salted SHA-256 digest (docs/adr/0004): the
    gateway must check it on every packet, so a slow password hash would not do, and it
    is never shown again after creation.
    """

    SCOPE_ENTERPRISE = "point__outlet__enterprise"

    # CASCADE, unlike the registry's other parents: an air station's or water section's
    # point goes with its logger (qingshan.quality); a logger's evidence is guarded where
    # it lies (DeviceSession PROTECTs; raw packets are checked by the registry's services)
    point = models.ForeignKey(
        MonitoringPoint, verbose_name=_("监控点"), on_delete=models.CASCADE, related_name="devices"
    )
    mn = models.CharField(
        _("设备唯一标识 MN"), max_length=24, unique=True, validators=[validate_mn]
    )
    password_digest = models.CharField(_("访问密码摘要"), max_length=100)
    # may send: the gateway refuses a logger that is not; a retired logger never is
    is_active = models.BooleanField(_("启用"), default=True)
    # A logger that sends only hourly or daily data is silent between packets by design;
    # the jurisdiction's rule (monitoring.offline_after_minutes) would call it offline.
    offline_after_minutes = models.PositiveIntegerField(
        _("离线判定（分钟）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(OFFLINE_AFTER_MAX_MINUTES)],
        help_text=_("超过此时长未收到报文即判为离线；留空则按辖区规则"),
    )

    class Meta:
        verbose_name = _("数采仪")
        verbose_name_plural = _("数采仪")
        ordering = ["mn"]
        constraints = [
            # MN is unique whatever its case: loggers are configured by hand, and two that
            # differ only in case are one logger typed twice. The gateway still looks a
            # packet's MN up exactly, on the plain unique index of ``mn``.
            models.UniqueConstraint(
                Lower("mn"),
                name="device_mn_unique_any_case",
                violation_error_message=_("已有相同 MN 的数采仪（MN 不区分大小写）"),
            ),
            retirement_complete("device"),
            models.CheckConstraint(
                name="device_retired_inactive",
                condition=models.Q(retired_at__isnull=True) | models.Q(is_active=False),
            ),
        ]

    def __str__(self) -> str:
        return self.mn
