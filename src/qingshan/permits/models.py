"""Discharge permits (排污许可证) and the limits monitoring data are judged against."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from qingshan.core.choices import Colour
from qingshan.core.models import AuditedModel
from qingshan.permits.choices import LimitBasis, PermitClass, PermitStatus
from qingshan.registry.factors import validate_factor_code
from qingshan.registry.models import Enterprise, Outlet


class Permit(AuditedModel):
    """A discharge permit issued to one enterprise for a period."""

    SCOPE_ENTERPRISE = "enterprise"

    number = models.CharField(_("许可证编号"), max_length=40, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("排污单位"), on_delete=models.PROTECT, related_name="permits"
    )
    permit_class = models.CharField(_("管理类别"), max_length=16, choices=PermitClass.choices)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"))
    status = models.CharField(
        _("状态"), max_length=16, choices=PermitStatus.choices, default=PermitStatus.VALID
    )

    class Meta:
        verbose_name = _("排污许可证")
        verbose_name_plural = _("排污许可证")
        ordering = ["-valid_from", "number"]
        constraints = [
            models.CheckConstraint(
                name="permit_period_ordered",
                condition=models.Q(valid_to__gt=models.F("valid_from")),
                violation_error_message=_("有效期止必须晚于有效期起"),
            ),
            models.CheckConstraint(
                name="permit_class_valid", condition=models.Q(permit_class__in=PermitClass.values)
            ),
            models.CheckConstraint(
                name="permit_status_valid", condition=models.Q(status__in=PermitStatus.values)
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_status_colour(self) -> Colour:
        return PermitStatus.colour(self.status)

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValidationError({"valid_to": _("有效期止必须晚于有效期起")})


class PermitLimit(AuditedModel):
    """A permitted concentration limit for one factor at one outlet (许可排放浓度限值)."""

    SCOPE_ENTERPRISE = "permit__enterprise"

    permit = models.ForeignKey(
        Permit, verbose_name=_("许可证"), on_delete=models.CASCADE, related_name="limits"
    )
    outlet = models.ForeignKey(
        Outlet, verbose_name=_("排放口"), on_delete=models.PROTECT, related_name="limits"
    )
    factor_code = models.CharField(_("因子编码"), max_length=8, validators=[validate_factor_code])
    limit = models.DecimalField(_("限值"), max_digits=14, decimal_places=4)
    # a range limit: pH 6–9 in every wastewater standard (GB 8978-1996 Table 4 and the
    # industry standards); a value below it exceeds as one above ``limit`` does
    lower_limit = models.DecimalField(
        _("下限"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("限值为范围时填写，如 pH 6–9 填 6；低于下限同样判为超标"),
    )
    unit = models.CharField(_("单位"), max_length=16)
    basis = models.CharField(_("判定依据"), max_length=8, choices=LimitBasis.choices)
    reference_o2 = models.DecimalField(
        _("基准氧含量 %"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    standard = models.CharField(_("执行标准"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("许可排放浓度限值")
        verbose_name_plural = _("许可排放浓度限值")
        ordering = ["outlet_id", "factor_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["permit", "outlet", "factor_code", "basis"], name="permit_limit_unique"
            ),
            models.CheckConstraint(name="permit_limit_positive", condition=models.Q(limit__gt=0)),
            models.CheckConstraint(
                name="permit_limit_lower_below_upper",
                condition=models.Q(lower_limit__isnull=True)
                | models.Q(lower_limit__gte=0, lower_limit__lt=models.F("limit")),
            ),
            models.CheckConstraint(
                name="permit_limit_o2_range",
                condition=models.Q(reference_o2__isnull=True)
                | models.Q(reference_o2__gte=0, reference_o2__lt=21),
            ),
        ]

    def __str__(self) -> str:
        if self.lower_limit is not None:
            return f"{self.lower_limit} ≤ {self.factor_code} ≤ {self.limit} {self.unit}"
        return f"{self.factor_code} ≤ {self.limit} {self.unit}"

    def clean(self) -> None:
        if (
            self.permit_id
            and self.outlet_id
            and self.outlet.enterprise_id != self.permit.enterprise_id
        ):
            raise ValidationError({"outlet": _("排放口不属于该许可证的排污单位")})
        lower, upper = self.lower_limit, self.limit
        if lower is not None and upper is not None and not 0 <= lower < upper:
            raise ValidationError({"lower_limit": _("下限应不小于 0 且小于限值")})


class AnnualCap(AuditedModel):
    """A permitted annual emission (许可排放量) of one pollutant, in tonnes per year."""

    SCOPE_ENTERPRISE = "permit__enterprise"

    permit = models.ForeignKey(
        Permit, verbose_name=_("许可证"), on_delete=models.CASCADE, related_name="annual_caps"
    )
    pollutant = models.CharField(_("污染物"), max_length=8, validators=[validate_factor_code])
    tonnes_per_year = models.DecimalField(_("许可排放量 t/a"), max_digits=14, decimal_places=4)

    class Meta:
        verbose_name = _("许可排放量")
        verbose_name_plural = _("许可排放量")
        constraints = [
            models.UniqueConstraint(fields=["permit", "pollutant"], name="annual_cap_unique"),
            models.CheckConstraint(
                name="annual_cap_non_negative", condition=models.Q(tonnes_per_year__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pollutant} {self.tonnes_per_year} t/a"
