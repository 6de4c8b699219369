"""API shapes of the quality app (django-ninja schemas)."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from qingshan.quality.choices import AirClass, StationLevel, WaterBodyKind, WaterClassChoice


class _SiteIn(Schema):
    code: str = Field(..., min_length=1, max_length=32, description="站点或断面编码")
    name: str = Field(..., min_length=1, max_length=100)
    region_code: str = Field(..., description="行政区划代码（6 位，GB/T 2260）")
    level: StationLevel = StationLevel.CITY
    longitude: Decimal = Field(..., ge=-180, le=180)
    latitude: Decimal = Field(..., ge=-90, le=90)
    address: str = ""
    is_published: bool = True


class _SitePatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    region_code: str | None = None
    level: StationLevel | None = None
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    address: str | None = None
    is_published: bool | None = None


class LoggerIn(Schema):
    mn: str = Field("", description="数采仪 MN（可留空，稍后设置）")
    password: str | None = Field(None, description="访问密码 PW；只写，新建数采仪时必填")


class StationIn(_SiteIn):
    air_class: AirClass = AirClass.TWO
    logger: LoggerIn | None = None


class StationPatch(_SitePatch):
    air_class: AirClass | None = None


class StationOut(_SiteIn):
    id: int
    air_class: int
    point_id: int


class SectionIn(_SiteIn):
    water_body_name: str = Field(..., min_length=1, max_length=100)
    water_body: WaterBodyKind = WaterBodyKind.RIVER
    target_class: WaterClassChoice = WaterClassChoice.III
    logger: LoggerIn | None = None


class SectionPatch(_SitePatch):
    water_body_name: str | None = Field(None, min_length=1, max_length=100)
    water_body: WaterBodyKind | None = None
    target_class: WaterClassChoice | None = None


class SectionOut(_SiteIn):
    id: int
    water_body_name: str
    water_body: str
    target_class: int
    point_id: int


class AirHourOut(Schema):
    data_time: dt.datetime = Field(..., description="小时开始时间（HJ 212 小时数据时间）")
    aqi: int | None
    iaqi: dict[str, int]
    primary_pollutants: str
    exceeding_pollutants: str
    standard: str
    flags: str
    so2: float | None
    no2: float | None
    pm10: float | None
    co: float | None
    o3: float | None
    pm25: float | None


class AirDayOut(Schema):
    day: dt.date
    aqi: int | None
    iaqi: dict[str, int]
    primary_pollutants: str
    exceeding_pollutants: str
    standard: str
    hours: int
    so2_24h: Decimal | None
    no2_24h: Decimal | None
    pm10_24h: Decimal | None
    co_24h: Decimal | None
    o3_8h: Decimal | None
    o3_1h: Decimal | None
    pm25_24h: Decimal | None


class WaterDayOut(Schema):
    day: dt.date
    water_class: int | None
    item_classes: dict[str, int]
    main_pollutants: str
    values: dict[str, str]
    samples: int
