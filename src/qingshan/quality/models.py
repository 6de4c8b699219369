"""Air-quality stations, surface-water sections, and the results computed from their data.

A station or section is a registry object of its own (code, name, region, coordinates)
and owns one ambient ``registry.MonitoringPoint`` (no outlet, docs/adr/0013): its data
logger is an ordinary ``registry.Device`` on that point, so its HJ 212 packets go through
the same gateway into the same ``monitoring.Reading`` table as an enterprise's. Results
(hourly and daily AQI, sample and daily water classes) are derived data: recomputed from
the readings whenever readings of their hour or day arrive (``quality.results``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qingshan.core.fields import EpochField
from qingshan.core.models import AuditedModel
from qingshan.quality.choices import (
    AirClass,
    DataKind,
    HeldReason,
    HeldStatus,
    StationLevel,
    WaterBodyKind,
    WaterClassChoice,
)
from qingshan.registry.models import MonitoringPoint
from qingshan.registry.validators import validate_region_code


def _coordinates(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            name=f"{prefix}_longitude_range",
            condition=models.Q(longitude__gte=-180, longitude__lte=180),
        ),
        models.CheckConstraint(
            name=f"{prefix}_latitude_range", condition=models.Q(latitude__gte=-90, latitude__lte=90)
        ),
        models.CheckConstraint(
            name=f"{prefix}_level_valid", condition=models.Q(level__in=StationLevel.values)
        ),
    ]


class AmbientSite(AuditedModel):
    """What stations and sections share: identity, place, who runs it, whether public."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    region_code = models.CharField(
        _("行政区划代码"), max_length=6, db_index=True, validators=[validate_region_code]
    )
    level = models.CharField(
        _("级别"), max_length=12, choices=StationLevel.choices, default=StationLevel.CITY
    )
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)
    latitude = models.DecimalField(_("纬度"), max_digits=8, decimal_places=6)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_published = models.BooleanField(
        _("公开"), default=True, help_text=_("公开的站点及其数据显示在无需登录的公众页面上")
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class AirStation(AmbientSite):
    """An ambient air-quality monitoring station (环境空气质量监测站点, 国控/省控/市控)."""

    air_class = models.SmallIntegerField(
        _("功能区类别"), choices=AirClass.choices, default=AirClass.TWO
    )
    point = models.OneToOneField(
        MonitoringPoint,
        verbose_name=_("监控点"),
        on_delete=models.PROTECT,
        related_name="air_station",
    )

    class Meta:
        verbose_name = _("空气质量监测站")
        verbose_name_plural = _("空气质量监测站")
        ordering = ["region_code", "code"]
        constraints = [
            *_coordinates("airstation"),
            models.CheckConstraint(
                name="airstation_air_class_valid", condition=models.Q(air_class__in=[1, 2])
            ),
        ]


class WaterSection(AmbientSite):
    """A surface-water monitoring section (地表水监测断面) on a river, lake or reservoir."""

    water_body_name = models.CharField(_("水体名称"), max_length=100)
    water_body = models.CharField(
        _("水体类型"), max_length=8, choices=WaterBodyKind.choices, default=WaterBodyKind.RIVER
    )
    target_class = models.SmallIntegerField(
        _("水质目标"), choices=WaterClassChoice.choices, default=WaterClassChoice.III
    )
    point = models.OneToOneField(
        MonitoringPoint,
        verbose_name=_("监控点"),
        on_delete=models.PROTECT,
        related_name="water_section",
    )

    class Meta:
        verbose_name = _("地表水监测断面")
        verbose_name_plural = _("地表水监测断面")
        ordering = ["region_code", "code"]
        constraints = [
            *_coordinates("watersection"),
            models.CheckConstraint(
                name="watersection_body_valid",
                condition=models.Q(water_body__in=WaterBodyKind.values),
            ),
            models.CheckConstraint(
                name="watersection_target_valid", condition=models.Q(target_class__range=(1, 5))
            ),
        ]


class AqiFields(models.Model):
    """The AQI of one report (HJ 633): index, individual indexes, pollutants, edition."""

    aqi = models.SmallIntegerField(_("AQI"), null=True)
    iaqi = models.JSONField(_("分指数"), default=dict)  # slot (SO2, O3_8h, PM2.5 …) → IAQI
    primary_pollutants = models.CharField(_("首要污染物"), max_length=40, blank=True)
    exceeding_pollutants = models.CharField(_("超标污染物"), max_length=40, blank=True)
    standard = models.CharField(_("标准"), max_length=16)  # HJ633-2012 / HJ633-2026
    flags = models.TextField(_("说明"), blank=True)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        abstract = True


class AirHour(AqiFields):
    """The real-time (hourly) report of one station-hour (实时报).

    ``data_time`` is the start of the hour, as HJ 212 hourly data (CN 2061) carry it; the
    bulletin labels the hour by its end (digest §1.5), ``data_time`` + 1 h. Concentrations
    are the valid hourly means used (µg/m³, CO mg/m³).
    """

    station = models.ForeignKey(AirStation, on_delete=models.CASCADE, related_name="hours")
    data_time = EpochField(_("小时开始时间"))
    day = models.DateField(_("日期"))  # China date of the hour's start: its natural day
    so2 = models.FloatField("SO2", null=True)
    no2 = models.FloatField("NO2", null=True)
    pm10 = models.FloatField("PM10", null=True)
    co = models.FloatField("CO", null=True)
    o3 = models.FloatField("O3", null=True)
    pm25 = models.FloatField("PM2.5", null=True)

    class Meta:
        verbose_name = _("空气质量小时报")
        verbose_name_plural = _("空气质量小时报")
        ordering = ["station_id", "-data_time"]
        constraints = [
            models.UniqueConstraint(fields=["station", "data_time"], name="airhour_unique")
        ]
        indexes = [models.Index(fields=["data_time"], name="airhour_time")]

    def __str__(self) -> str:
        return f"{self.station_id}@{self.data_time}: {self.aqi}"


class AirDay(AqiFields):
    """The daily report of one station-day (日报): HJ 663 daily statistics of the natural
    day's hourly means, rounded as published (1 µg/m³, CO 0.1 mg/m³), and their AQI."""

    station = models.ForeignKey(AirStation, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("日期"))
    hours = models.SmallIntegerField(_("有效小时数"), default=0)  # most of any pollutant
    so2_24h = models.DecimalField("SO2", max_digits=8, decimal_places=1, null=True)
    no2_24h = models.DecimalField("NO2", max_digits=8, decimal_places=1, null=True)
    pm10_24h = models.DecimalField("PM10", max_digits=8, decimal_places=1, null=True)
    co_24h = models.DecimalField("CO", max_digits=8, decimal_places=1, null=True)
    o3_8h = models.DecimalField(_("O3 日最大8小时"), max_digits=8, decimal_places=1, null=True)
    o3_1h = models.DecimalField(_("O3 日最大1小时"), max_digits=8, decimal_places=1, null=True)
    pm25_24h = models.DecimalField("PM2.5", max_digits=8, decimal_places=1, null=True)

    class Meta:
        verbose_name = _("空气质量日报")
        verbose_name_plural = _("空气质量日报")
        ordering = ["station_id", "-day"]
        constraints = [models.UniqueConstraint(fields=["station", "day"], name="airday_unique")]
        indexes = [models.Index(fields=["day"], name="airday_day")]

    def __str__(self) -> str:
        return f"{self.station_id}@{self.day}: {self.aqi}"


class WaterResultFields(models.Model):
    """The class of one section for one sample or period (GB 3838-2002, 2011 method)."""

    values = models.JSONField(_("监测值"), default=dict)  # item → decimal string, mg/L
    water_class = models.SmallIntegerField(
        _("水质类别"), choices=WaterClassChoice.choices, null=True
    )
    item_classes = models.JSONField(_("单项类别"), default=dict)  # item → 1…6
    main_pollutants = models.CharField(_("主要污染指标"), max_length=120, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        abstract = True


class WaterSample(WaterResultFields):
    """One sample of a section: the values a logger sent together (one data time)."""

    section = models.ForeignKey(WaterSection, on_delete=models.CASCADE, related_name="samples")
    period = models.SmallIntegerField(_("数据类型"))  # monitoring.choices.PeriodKind
    data_time = EpochField(_("采样时间"))
    day = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("断面水质样品")
        verbose_name_plural = _("断面水质样品")
        ordering = ["section_id", "-data_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "period", "data_time"], name="watersample_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.section_id}@{self.data_time}: {self.water_class}"


class WaterDay(WaterResultFields):
    """A section's day: each item averaged over the day's samples, then classified."""

    section = models.ForeignKey(WaterSection, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("日期"))
    samples = models.SmallIntegerField(_("样品数"), default=0)

    class Meta:
        verbose_name = _("断面水质日评价")
        verbose_name_plural = _("断面水质日评价")
        ordering = ["section_id", "-day"]
        constraints = [models.UniqueConstraint(fields=["section", "day"], name="waterday_unique")]
        indexes = [models.Index(fields=["day"], name="waterday_day")]

    def __str__(self) -> str:
        return f"{self.section_id}@{self.day}: {self.water_class}"


class PendingResult(models.Model):
    """A result to recompute: new readings of a station (``air``) or section (``water``)
    arrived for this data time. Rows are only inserted and deleted, never de-duplicated
    on insert, so a mark made while a recomputation runs is never lost with it."""

    kind = models.CharField(max_length=5)  # "air" | "water"
    target_id = models.BigIntegerField()
    period = models.SmallIntegerField()
    data_time = models.BigIntegerField()

    class Meta:
        verbose_name = _("待计算结果")
        verbose_name_plural = _("待计算结果")

    def __str__(self) -> str:
        return f"{self.kind}:{self.target_id}@{self.data_time}"


class DataImport(AuditedModel):
    """One upload of the import page: who sent which file, and what became of its rows.

    Saved once, with its counts, when the import is done, so the audit log has one row per
    import saying exactly what it did (the readings themselves are written in bulk, as a
    logger's are). Each row of the file is counted once: ``imported`` (at least one new
    value stored), ``present`` (every value already stored, identical: skipped),
    ``kept`` (nothing new and some value differs from the stored one, which is kept: the
    first value wins, as for a resent packet), ``held`` (dated in the future: set aside
    for review, ``HeldRow``; ``held_known`` of them were already waiting), ``refused``
    (with its line and reason in ``errors``).
    """

    ERRORS_KEPT = 500  # the refused rows recorded here; the page lists them all at once

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("数据类型"), max_length=5, choices=DataKind.choices)
    file_name = models.CharField(_("文件"), max_length=200)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    imported = models.PositiveIntegerField(_("已导入"), default=0)
    readings = models.PositiveIntegerField(_("新增监测数据"), default=0)
    present = models.PositiveIntegerField(_("已存在"), default=0)
    kept = models.PositiveIntegerField(_("与已存数据不同"), default=0)
    held = models.PositiveIntegerField(_("待审核"), default=0)
    # of ``held``: the same as a row already waiting for review, so not recorded twice
    held_known = models.PositiveIntegerField(_("已在待审核列表"), default=0)
    refused = models.PositiveIntegerField(_("拒收"), default=0)
    errors = models.JSONField(_("拒收的行"), default=list)  # [[line, reason], …]

    class Meta:
        verbose_name = _("环境质量数据导入")
        verbose_name_plural = _("环境质量数据导入")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="dataimport_kind_valid", condition=models.Q(kind__in=DataKind.values)
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class HeldRow(AuditedModel):
    """An import row dated in the future (after now + the ``monitoring.data_time_window``
    rule's ahead minutes), held for a regulator to release or discard.

    A model of its own rather than a status on ``monitoring.Reading``: a held value never
    enters the readings table, so every query that reads readings or results — the public
    pages, the staff pages, the AQI and water results, the alarm engine, the exports —
    stays clean without knowing that held rows exist, and the row keeps what the file said
    (its cells, its line, its import) next to who decided what, when and why. Released,
    its values are written as readings (the first value wins, as for any import) and its
    hour and day recomputed; discarded, it stays here on record. The station or section
    is kept by reference and as a snapshot (code, region), so a deleted site's held rows
    remain readable and in their region's scope.
    """

    data_import = models.ForeignKey(
        DataImport, verbose_name=_("导入"), on_delete=models.PROTECT, related_name="held_rows"
    )
    kind = models.CharField(_("数据类型"), max_length=5, choices=DataKind.choices)
    station = models.ForeignKey(
        AirStation,
        verbose_name=_("空气质量监测站"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="held_rows",
    )
    section = models.ForeignKey(
        WaterSection,
        verbose_name=_("地表水监测断面"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="held_rows",
    )
    site_code = models.CharField(_("站点编码"), max_length=32)
    region_code = models.CharField(_("行政区划代码"), max_length=6, db_index=True)
    line = models.PositiveIntegerField(_("行"))
    cells = models.JSONField(_("原始内容"), default=dict)  # column → text, as read
    row_time = EpochField(_("时间（按文件）"))  # air: the hour's end label; water: sampling
    period = models.SmallIntegerField(_("数据类型"))  # monitoring.choices.PeriodKind
    data_time = EpochField(_("数据时间"))  # as it would be stored (air: the hour's start)
    values = models.JSONField(_("监测值"), default=dict)  # factor code → value as a logger sends
    reason = models.CharField(
        _("暂存原因"), max_length=16, choices=HeldReason.choices, default=HeldReason.AHEAD
    )
    # the rule's ahead minutes when the row was held: row_time > created_at + these
    ahead_minutes = models.PositiveIntegerField(_("允许超前（分钟）"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=HeldStatus.choices, default=HeldStatus.HELD
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.CharField(_("处理理由"), max_length=200, blank=True)
    # a regulator who finds the file's date mislabelled releases the row at the right time
    released_time = EpochField(_("放行时采用的时间"), null=True, blank=True)
    released_readings = models.PositiveIntegerField(_("放行写入的监测数据"), null=True, blank=True)

    class Meta:
        verbose_name = _("待审核的导入数据")
        verbose_name_plural = _("待审核的导入数据")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="heldrow_kind_valid", condition=models.Q(kind__in=DataKind.values)
            ),
            models.CheckConstraint(
                name="heldrow_status_valid", condition=models.Q(status__in=HeldStatus.values)
            ),
            models.CheckConstraint(
                name="heldrow_reason_valid", condition=models.Q(reason__in=HeldReason.values)
            ),
            models.CheckConstraint(
                name="heldrow_decided",
                condition=models.Q(status=HeldStatus.HELD)
                | models.Q(decided_at__isnull=False, decision_reason__gt=""),
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="heldrow_status")]

    def __str__(self) -> str:
        return f"{self.site_code} #{self.line} ({self.get_status_display()})"

    @property
    def site(self) -> AirStation | WaterSection | None:
        return self.station if self.kind == DataKind.AIR else self.section
