"""API shapes of online monitoring: series, alarms, declarations, point states."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.urls import reverse
from django.utils.translation import gettext
from ninja import Field, Schema

from qingshan.core.chinatime import china_date_of_epoch
from qingshan.core.validators import DbId, Moment
from qingshan.monitoring.choices import AlarmKind, DeclarationKind, Severity
from qingshan.monitoring.models import Alarm, AlarmEntry, AnomalyDeclaration

KindName = Literal["rtd", "minute", "hour", "day"]


class LimitOut(Schema):
    value: float
    lower: float | None = Field(None, description="下限（范围限值，如 pH 6–9）；低于下限同样超标")
    unit: str
    basis: str = Field(..., description="hourly / daily：小时均值或日均值判定")
    reference_o2: float | None = Field(None, description="基准氧含量 %；有则按折算值判定")
    standard: str


class SeriesValueOut(Schema):
    t: dt.datetime = Field(..., description="数据时间（分桶时为桶的起点）")
    value: float | None = Field(None, description="实测值（分桶时为有效值的均值）")
    min: float | None
    max: float | None
    converted: float | None = Field(
        None, description="折算值：数采仪上报的 Zs，否则按同时刻 O2 计算"
    )
    flag: str = Field(..., description="数据标记 N/F/M/S/D/C/T/B；派生值与分桶为空")
    status: Literal["valid", "invalid", "review"]
    source: Literal["logger", "derived", "bucket"]
    count: int
    valid_count: int


class SeriesOut(Schema):
    point_id: int
    factor_code: str
    kind: KindName
    start: dt.datetime
    end: dt.datetime
    bucket_seconds: int = Field(..., description="0：逐条数据；否则为每桶秒数")
    unit: str
    limit: LimitOut | None
    items: list[SeriesValueOut]


class SeriesQuery(Schema):
    factor: str = Field(..., min_length=1, max_length=8, description="HJ 212 因子编码，如 a21026")
    kind: KindName = "hour"
    start: Moment | None = Field(None, description="ISO 8601；无时区按北京时间")
    end: Moment | None = None


class AlarmFilter(Schema):
    region_code: str = ""
    enterprise_id: DbId | None = None
    point_id: DbId | None = None
    factor_code: str = ""
    type: AlarmKind | None = None
    severity: Severity | None = None
    active: bool | None = None
    acknowledged: bool | None = None
    explanation_status: Literal["submitted", "accepted", "rejected"] | None = None
    start: Moment | None = Field(None, description="发生时段与该区间有重叠的报警")
    end: Moment | None = None


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


class AlarmOut(Schema):
    id: int
    type: str
    severity: str
    point_id: int
    enterprise_id: int
    region_code: str
    factor_code: str
    period: int | None
    active: bool
    acknowledged: bool
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    first_at: dt.datetime
    last_at: dt.datetime
    raised_at: dt.datetime
    cleared_at: dt.datetime | None
    occurrences: int
    worst_value: float | None
    limit: float | None
    rule: str
    explanation_status: str

    @staticmethod
    def resolve_type(obj: Alarm) -> str:
        return obj.kind

    @staticmethod
    def resolve_active(obj: Alarm) -> bool:
        return obj.cleared_at is None

    @staticmethod
    def resolve_acknowledged(obj: Alarm) -> bool:
        return obj.acknowledged_at is not None

    @staticmethod
    def resolve_acknowledged_by(obj: Alarm) -> str | None:
        return _username(obj.acknowledged_by)

    @staticmethod
    def resolve_limit(obj: Alarm) -> float | None:
        return obj.limit_value


class AlarmEntryOut(Schema):
    id: int
    at: dt.datetime
    action: str
    actor: str | None
    text: str
    attachment_url: str | None

    @staticmethod
    def resolve_actor(obj: AlarmEntry) -> str | None:
        return _username(obj.actor)

    @staticmethod
    def resolve_attachment_url(obj: AlarmEntry) -> str | None:
        if not obj.attachment:
            return None
        return reverse("monitoring:alarm-attachment", args=[obj.pk])


class AlarmDetailOut(AlarmOut):
    evidence: dict[str, Any]
    entries: list[AlarmEntryOut]

    @staticmethod
    def resolve_entries(obj: Alarm) -> list[AlarmEntry]:
        return list(obj.entries.select_related("actor").order_by("at", "id"))


class AcknowledgeIn(Schema):
    note: str = Field("", max_length=2000)


class CommentIn(Schema):
    text: str = Field(..., min_length=1, max_length=2000)


class ReviewIn(Schema):
    accept: bool
    note: str = Field("", max_length=2000, description="驳回时必填")


class DeclarationIn(Schema):
    point_id: int
    kind: DeclarationKind
    starts_at: Moment
    ends_at: Moment
    reason: str = Field(..., min_length=1, max_length=2000)


class DeclarationFilter(Schema):
    point_id: DbId | None = None
    enterprise_id: DbId | None = None
    status: Literal["submitted", "accepted", "rejected"] | None = None
    kind: DeclarationKind | None = None


class DeclarationOut(Schema):
    id: int
    point_id: int
    enterprise_id: int
    kind: str
    starts_at: Moment
    ends_at: Moment
    reason: str
    status: str
    declared_by: str | None
    declared_at: dt.datetime
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_comment: str
    attachment_url: str | None

    @staticmethod
    def resolve_declared_by(obj: AnomalyDeclaration) -> str | None:
        return _username(obj.declared_by)

    @staticmethod
    def resolve_reviewed_by(obj: AnomalyDeclaration) -> str | None:
        return _username(obj.reviewed_by)

    @staticmethod
    def resolve_attachment_url(obj: AnomalyDeclaration) -> str | None:
        if not obj.attachment:
            return None
        return reverse("monitoring:declaration-attachment", args=[obj.pk])


class PointStateFilter(Schema):
    region_code: str = ""
    industry_code: str = ""
    factor_code: str = ""
    status: Literal["exceeding", "offline", "fault", "warning", "normal"] | None = None


class PointStateOut(Schema):
    point_id: int
    point_name: str
    enterprise_id: int
    enterprise_name: str
    region_code: str
    industry_code: str
    longitude: float | None
    latitude: float | None
    status: str
    open_alarms: int
    kinds: list[str]
    connected: bool
    last_seen_at: dt.datetime | None


# --- dead letters: what the alarm engine could not judge ---------------------------------


class DeadLetterFilter(Schema):
    state: Literal["open", "resolved", "all"] = "open"
    consumer: str = Field("", max_length=64, description="处理环节，如 monitoring.alarms")


class DeadLetterOut(Schema):
    id: int
    consumer: str = Field(..., description="处理环节：流处理者名称，或 statistics / silence")
    raw_packet_id: int | None
    device_id: int | None
    mn: str
    point_id: int | None
    point_name: str
    enterprise_name: str
    period: int | None
    data_time: int | None = Field(None, description="数据时间，1970 年以来的秒数（可为公元 1 年）")
    data_date: dt.date | None = Field(None, description="数据时间所在日期（北京时间）")
    reason: str
    created_at: dt.datetime
    open: bool
    resolved_at: dt.datetime | None
    resolved_by: str | None
    resolution: str

    @staticmethod
    def resolve_mn(obj: Any) -> str:
        return getattr(obj, "mn", None) or ""

    @staticmethod
    def resolve_point_name(obj: Any) -> str:
        return getattr(obj, "point_name", None) or ""

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str:
        return getattr(obj, "enterprise_name", None) or ""

    @staticmethod
    def resolve_data_date(obj: Any) -> dt.date | None:
        return None if obj.data_time is None else china_date_of_epoch(obj.data_time)

    @staticmethod
    def resolve_reason(obj: Any) -> str:
        return gettext(obj.reason)

    @staticmethod
    def resolve_open(obj: Any) -> bool:
        return obj.resolved_at is None

    @staticmethod
    def resolve_resolved_by(obj: Any) -> str | None:
        return _username(obj.resolved_by)

    @staticmethod
    def resolve_resolution(obj: Any) -> str:
        return gettext(obj.resolution) if obj.resolution else ""


class DismissIn(Schema):
    reason: str = Field(..., max_length=200, description="不再研判的理由")
