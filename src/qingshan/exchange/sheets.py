"""The workbook format: one sheet per kind of record, its columns, and its natural key.

This table is the single source for the template, the export, the reader and the
instructions sheet (docs/excel.md describes it for people). Sheet names and headers are
the file format, so they are fixed Chinese text and not translated with the UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import models
from django.utils import translation

from qingshan.permits.choices import LimitBasis, PermitClass, PermitStatus
from qingshan.registry.choices import EmissionMode, Medium, OutletKind

INSTRUCTIONS_SHEET = "填写说明"
HEADER_ROW = 1  # Chinese headers, "*" marks a required column
FIELD_ROW = 2  # English field names (a hidden row); optional on import
FIRST_DATA_ROW = 3

# How a cell is read: see qingshan.exchange.cells
CODE, TEXT, DECIMAL, INTEGER, DATE, BOOL, CHOICE, FACTORS, PASSWORD = (
    "code",
    "text",
    "decimal",
    "integer",
    "date",
    "bool",
    "choice",
    "factors",
    "password",
)


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its Chinese header, the model field it fills, and how it is read."""

    header: str
    field: str
    cell_type: str = TEXT
    required: bool = False
    # an empty cell leaves the stored value (or the model default for a new record)
    # instead of clearing it: for columns whose field has a default
    keep_when_empty: bool = False
    choices: type[models.TextChoices] | None = None
    help: str = ""
    width: int = 16
    # written by the export, ignored by the import (a record's retirement, issue 15)
    export_only: bool = False

    @property
    def title(self) -> str:
        return f"{self.header}*" if self.required else self.header

    def choice_pairs(self) -> tuple[tuple[str, str], ...]:
        return _choice_pairs(self.choices) if self.choices else ()


@dataclass(frozen=True, slots=True)
class Sheet:
    """One kind of record: the sheet's name, its columns, and the columns of its key."""

    kind: str
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.field == name)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


@cache
def _choice_pairs(choices: type[models.TextChoices]) -> tuple[tuple[str, str], ...]:
    # the file format is Chinese whatever language the UI is in
    with translation.override("zh-hans"):
        return tuple((str(value), str(label)) for value, label in choices.choices)


CREDIT_CODE_HELP = "18 位，含校验码；请把该列设为文本格式"
RETIRED_HELP = (
    "导出时标注已注销的记录，导入时忽略此列：注销和恢复只在页面或接口上操作；"
    "导入不会修改或恢复已注销的记录"
)
RETIREMENT = (
    Column("注销时间", "retired_at", TEXT, export_only=True, help=RETIRED_HELP, width=18),
    Column("注销原因", "retired_reason", TEXT, export_only=True, help=RETIRED_HELP, width=24),
)

ENTERPRISES = Sheet(
    kind="enterprises",
    title="排污单位",
    key=("credit_code",),
    columns=(
        Column("统一社会信用代码", "credit_code", CODE, True, help=CREDIT_CODE_HELP, width=22),
        Column("名称", "name", TEXT, True, width=30),
        Column("行政区划代码", "region_code", CODE, True, help="6 位，如 330603"),
        Column("行业代码", "industry_code", CODE, True, help="GB/T 4754，如 1713 或 C1713"),
        Column("地址", "address", width=30),
        Column("经度", "longitude", DECIMAL),
        Column("纬度", "latitude", DECIMAL),
        Column("重点排污单位", "is_key_discharger", BOOL, keep_when_empty=True, help="是 / 否"),
        Column("联系人", "contact_name"),
        Column("联系电话", "contact_phone", CODE),
        Column("联系邮箱", "contact_email", width=24),
        *RETIREMENT,
    ),
)

OUTLETS = Sheet(
    kind="outlets",
    title="排放口",
    key=("credit_code", "code"),
    columns=(
        Column("统一社会信用代码", "credit_code", CODE, True, help="所属排污单位", width=22),
        Column("排放口编号", "code", CODE, True, help="与许可证一致，如 DA001、DW001"),
        Column("名称", "name", TEXT, True, width=24),
        Column("类别", "medium", CHOICE, True, choices=Medium),
        Column("类型", "kind", CHOICE, True, choices=OutletKind),
        Column("排放方式", "emission_mode", CHOICE, keep_when_empty=True, choices=EmissionMode),
        *RETIREMENT,
    ),
)

POINTS = Sheet(
    kind="points",
    title="监控点",
    key=("credit_code", "outlet_code", "name"),
    columns=(
        Column("统一社会信用代码", "credit_code", CODE, True, width=22),
        Column("排放口编号", "outlet_code", CODE, True),
        Column("监控点名称", "name", TEXT, True, width=24),
        Column(
            "监测因子",
            "factors",
            FACTORS,
            help="HJ 212-2017 附录 B 编码，用逗号分隔，如 a21026,a21002",
            width=36,
        ),
        *RETIREMENT,
    ),
)

DEVICES = Sheet(
    kind="devices",
    title="数采仪",
    key=("mn",),
    columns=(
        Column("统一社会信用代码", "credit_code", CODE, True, width=22),
        Column("排放口编号", "outlet_code", CODE, True),
        Column("监控点名称", "point_name", TEXT, True, width=24),
        Column("设备唯一标识 MN", "mn", CODE, True, help="1–24 位字母或数字", width=28),
        Column("启用", "is_active", BOOL, keep_when_empty=True, help="是 / 否"),
        Column(
            "离线判定（分钟）",
            "offline_after_minutes",
            INTEGER,
            help="只发小时或日数据的数采仪可填更长时间；留空则按辖区规则",
        ),
        Column(
            "访问密码",
            "password",
            PASSWORD,
            keep_when_empty=True,
            help="新建数采仪必填；已有数采仪留空表示不修改，填写表示重置。导出文件不含密码",
        ),
        *RETIREMENT,
    ),
)

PERMITS = Sheet(
    kind="permits",
    title="排污许可证",
    key=("number",),
    columns=(
        Column("许可证编号", "number", CODE, True, width=26),
        Column("统一社会信用代码", "credit_code", CODE, True, width=22),
        Column("管理类别", "permit_class", CHOICE, True, choices=PermitClass),
        Column("有效期起", "valid_from", DATE, True, help="日期，如 2024-01-01"),
        Column("有效期止", "valid_to", DATE, True, help="日期，须晚于有效期起"),
        Column("状态", "status", CHOICE, keep_when_empty=True, choices=PermitStatus),
    ),
)

LIMITS = Sheet(
    kind="limits",
    title="许可限值",
    key=("permit_number", "outlet_code", "factor_code", "basis"),
    columns=(
        Column("许可证编号", "permit_number", CODE, True, width=26),
        Column("排放口编号", "outlet_code", CODE, True, help="许可证所属排污单位的排放口"),
        Column("因子编码", "factor_code", CODE, True, help="HJ 212-2017 附录 B，如 a21026"),
        Column("判定依据", "basis", CHOICE, True, choices=LimitBasis),
        Column("限值", "limit", DECIMAL, True, help="范围限值的上限，如 pH 6–9 填 9"),
        Column("下限", "lower_limit", DECIMAL, help="限值为范围时填写，如 pH 6–9 填 6"),
        Column("单位", "unit", TEXT, True, help="如 mg/m3、mg/L"),
        Column("基准氧含量 %", "reference_o2", DECIMAL),
        Column("执行标准", "standard", width=30),
    ),
)

ANNUAL_CAPS = Sheet(
    kind="annual_caps",
    title="许可排放量",
    key=("permit_number", "pollutant"),
    columns=(
        Column("许可证编号", "permit_number", CODE, True, width=26),
        Column("污染物", "pollutant", CODE, True, help="HJ 212-2017 附录 B 编码"),
        Column("许可排放量 t/a", "tonnes_per_year", DECIMAL, True),
    ),
)

# Import order: parents before children, so a file can create a whole site at once.
SHEETS: tuple[Sheet, ...] = (ENTERPRISES, OUTLETS, POINTS, DEVICES, PERMITS, LIMITS, ANNUAL_CAPS)
SHEETS_BY_NAME: dict[str, Sheet] = {
    **{s.title: s for s in SHEETS},
    **{s.kind: s for s in SHEETS},  # the English kind is accepted as a sheet name too
}
