"""API shapes of the registry (django-ninja schemas)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from qingshan.registry.choices import EmissionMode, Medium, OutletKind, RecordState
from qingshan.registry.models import RETIRED_REASON_MAX


class RecordStateFilter(Schema):
    state: RecordState = Field(
        RecordState.ACTIVE,
        description="active：在用（默认）；retired：已注销；all：全部。已注销的记录仍可按编号读取",
    )


class RetireIn(Schema):
    reason: str = Field(
        ..., min_length=1, max_length=RETIRED_REASON_MAX, description="注销原因，必填"
    )


class RetirementOut(Schema):
    """Set when the record is retired (注销): it stays readable, takes no new data or edits."""

    retired_at: dt.datetime | None = Field(None, description="注销时间；null 表示在用")
    retired_reason: str = Field("", description="注销原因")
    retired_by: str | None = Field(None, description="注销人（用户名）")

    @staticmethod
    def resolve_retired_by(obj: Any) -> str | None:
        user = obj.retired_by if obj.retired_by_id else None
        return user.get_username() if user is not None else None


class EnterpriseIn(Schema):
    credit_code: str = Field(..., description="统一社会信用代码（18 位，GB 32100-2015 校验）")
    name: str = Field(..., min_length=1, max_length=200)
    region_code: str = Field(..., description="行政区划代码（6 位，GB/T 2260）")
    industry_code: str = Field(..., description="国民经济行业代码（GB/T 4754），如 1713 或 C1713")
    address: str = ""
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    is_key_discharger: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


class EnterprisePatch(Schema):
    credit_code: str | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    region_code: str | None = None
    industry_code: str | None = None
    address: str | None = None
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    is_key_discharger: bool | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


class EnterpriseOut(EnterpriseIn, RetirementOut):
    id: int


class OutletIn(Schema):
    enterprise_id: int
    code: str = Field(..., min_length=1, max_length=32, description="排放口编号，如 DA001、DW001")
    name: str = Field(..., min_length=1, max_length=100)
    medium: Medium
    kind: OutletKind
    emission_mode: EmissionMode = EmissionMode.DUCTED


class OutletPatch(Schema):
    enterprise_id: int | None = None
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    medium: Medium | None = None
    kind: OutletKind | None = None
    emission_mode: EmissionMode | None = None


class OutletOut(OutletIn, RetirementOut):
    id: int


class PointIn(Schema):
    outlet_id: int
    name: str = Field(..., min_length=1, max_length=100)
    factors: list[str] = Field(default_factory=list, description="HJ 212 因子编码，如 a21026")


class PointPatch(Schema):
    outlet_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    factors: list[str] | None = None


class PointOut(PointIn, RetirementOut):
    id: int


class DeviceIn(Schema):
    point_id: int
    mn: str = Field(..., description="设备唯一标识 MN（HJ 212，最多 24 位字母数字）")
    password: str = Field(..., description="访问密码 PW；只写，创建后不再返回")
    is_active: bool = True
    offline_after_minutes: int | None = Field(
        None, ge=1, le=10080, description="离线判定分钟数，覆盖辖区规则；null 表示按规则"
    )


class DevicePatch(Schema):
    point_id: int | None = None
    mn: str | None = None
    password: str | None = Field(None, description="新的访问密码（只写）")
    is_active: bool | None = None
    offline_after_minutes: int | None = Field(
        None, ge=1, le=10080, description="离线判定分钟数，覆盖辖区规则；null 表示按规则"
    )


class DeviceOut(RetirementOut):
    id: int
    point_id: int
    mn: str
    is_active: bool = Field(..., description="可以上传数据；已注销的数采仪总是 false")
    offline_after_minutes: int | None
