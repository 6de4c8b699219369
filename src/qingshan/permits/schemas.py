"""API shapes of permits."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from qingshan.permits.choices import LimitBasis, PermitClass, PermitStatus


class LimitIn(Schema):
    outlet_id: int
    factor_code: str = Field(..., description="HJ 212 因子编码")
    limit: Decimal = Field(..., gt=0)
    lower_limit: Decimal | None = Field(
        None, ge=0, description="下限（限值为范围时，如 pH 6–9 填 6）；低于下限同样判为超标"
    )
    unit: str = Field(..., min_length=1, max_length=16)
    basis: LimitBasis = LimitBasis.HOURLY
    reference_o2: Decimal | None = Field(None, ge=0, lt=21, description="基准氧含量 %（需折算时）")
    standard: str = ""


class LimitOut(LimitIn):
    id: int


class AnnualCapIn(Schema):
    pollutant: str = Field(..., description="HJ 212 因子编码")
    tonnes_per_year: Decimal = Field(..., ge=0)


class PermitIn(Schema):
    enterprise_id: int
    number: str = Field(..., min_length=1, max_length=40)
    permit_class: PermitClass
    valid_from: dt.date
    valid_to: dt.date
    status: PermitStatus = PermitStatus.VALID
    limits: list[LimitIn] = Field(default_factory=list)
    annual_caps: list[AnnualCapIn] = Field(default_factory=list)


class PermitPatch(Schema):
    enterprise_id: int | None = None
    number: str | None = Field(None, min_length=1, max_length=40)
    permit_class: PermitClass | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    status: PermitStatus | None = None
    limits: list[LimitIn] | None = None
    annual_caps: list[AnnualCapIn] | None = None


class PermitOut(Schema):
    id: int
    enterprise_id: int
    number: str
    permit_class: PermitClass
    valid_from: dt.date
    valid_to: dt.date
    status: PermitStatus
    limits: list[LimitOut]
    annual_caps: list[AnnualCapIn]

    @staticmethod
    def resolve_limits(obj: object) -> list[object]:
        return list(obj.limits.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_annual_caps(obj: object) -> list[object]:
        return list(obj.annual_caps.all())  # type: ignore[attr-defined]
