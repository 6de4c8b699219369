"""Dated rule tables for surface water: GB 3838-2002 Table 1 and the 2011 evaluation method
(《地表水环境质量评价办法（试行）》, 环办〔2011〕22号).

Limits are mg/L unless stated; fecal coliform in 个/L. A value equal to a limit belongs to
that class (GB 3838-2002 Table 1 "≤" / "≥").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum, StrEnum

from qingshan.quality.standards import Provenance


class WaterClass(IntEnum):
    """水质类别: I–V and 劣V (worse than V). Larger is worse, so ``max`` gives the worst."""

    I = 1  # noqa: E741 — the class is called I
    II = 2
    III = 3
    IV = 4
    V = 5
    WORSE_THAN_V = 6

    @property
    def label(self) -> str:
        return "劣V" if self is WaterClass.WORSE_THAN_V else self.name

    @classmethod
    def from_label(cls, label: str) -> WaterClass:
        text = label.strip().replace("Ⅰ", "I").replace("Ⅱ", "II").replace("Ⅲ", "III")
        text = text.replace("Ⅳ", "IV").replace("Ⅴ", "V")
        if text in ("劣V", "劣5", "worse than V"):
            return cls.WORSE_THAN_V
        try:
            return cls[text]
        except KeyError:
            raise ValueError(f"not a water class: {label!r}") from None


class WaterBody(StrEnum):
    """Rivers and lakes/reservoirs differ for total phosphorus (GB 3838-2002 Table 1 row 8)."""

    RIVER = "river"
    LAKE = "lake"

    @classmethod
    def parse(cls, text: str) -> WaterBody:
        if isinstance(text, WaterBody):
            return text
        key = text.strip().lower()
        aliases = {"river": cls.RIVER, "河流": cls.RIVER, "lake": cls.LAKE, "湖泊": cls.LAKE,
                   "reservoir": cls.LAKE, "水库": cls.LAKE, "湖库": cls.LAKE}  # fmt: skip
        if key not in aliases:
            raise ValueError(f"water_body must be river or lake, not {text!r}")
        return aliases[key]


class Direction(StrEnum):
    AT_MOST = "at_most"  # ≤ limit: most items
    AT_LEAST = "at_least"  # ≥ limit: dissolved oxygen, higher is better
    RANGE = "range"  # pH 6–9, the same for every class


def _d(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


@dataclass(frozen=True)
class WaterItem:
    """One row of GB 3838-2002 Table 1, with how the 2011 method uses it."""

    code: str
    row: int  # row number in GB 3838-2002 Table 1
    name_zh: str
    name_en: str
    unit: str
    direction: Direction
    limits: tuple[Decimal, ...]  # classes I..V (for RANGE: the (low, high) range)
    lake_limits: tuple[Decimal, ...] | None = None
    #: 2011 method: enters the section class (not temperature, TN, fecal coliform).
    classifies_section: bool = True
    #: 2011 method: exceedance multiple written after the name (not pH, DO, temperature).
    has_multiple: bool = True
    #: 2011 method: cyanide and heavy metals come first among main pollutants when they exceed.
    priority: bool = False

    def limits_for(self, body: WaterBody) -> tuple[Decimal, ...]:
        return self.lake_limits if body is WaterBody.LAKE and self.lake_limits else self.limits


def _item(code: str, row: int, zh: str, en: str, limits: str, **rules: object) -> WaterItem:
    """A Table 1 row; ``limits`` lists classes I..V separated by spaces."""
    direction = rules.pop("direction", Direction.AT_MOST)
    lake = rules.pop("lake", None)
    unit = str(rules.pop("unit", "mg/L"))
    return WaterItem(
        code, row, zh, en, unit, Direction(str(direction)), _d(*limits.split()),
        lake_limits=_d(*str(lake).split()) if lake else None,
        **{k: bool(v) for k, v in rules.items()},
    )  # fmt: skip


# GB 3838-2002 Table 1, classes I..V (row 1, water temperature, has no class limits).
_ITEMS: tuple[WaterItem, ...] = (
    _item("ph", 2, "pH值", "pH", "6 9", direction=Direction.RANGE, unit="", has_multiple=False),
    _item("do", 3, "溶解氧", "dissolved oxygen", "7.5 6 5 3 2", direction=Direction.AT_LEAST,
          has_multiple=False),
    _item("codmn", 4, "高锰酸盐指数", "permanganate index", "2 4 6 10 15"),
    _item("cod", 5, "化学需氧量", "COD", "15 15 20 30 40"),
    _item("bod5", 6, "五日生化需氧量", "BOD5", "3 3 4 6 10"),
    _item("nh3n", 7, "氨氮", "ammonia nitrogen", "0.15 0.5 1.0 1.5 2.0"),
    # Rivers / lakes and reservoirs (湖、库) in brackets in the standard.
    _item("tp", 8, "总磷", "total phosphorus", "0.02 0.1 0.2 0.3 0.4",
          lake="0.01 0.025 0.05 0.1 0.2"),
    _item("tn", 9, "总氮", "total nitrogen", "0.2 0.5 1.0 1.5 2.0", classifies_section=False),
    _item("cu", 10, "铜", "copper", "0.01 1.0 1.0 1.0 1.0", priority=True),
    _item("zn", 11, "锌", "zinc", "0.05 1.0 1.0 2.0 2.0", priority=True),
    _item("f", 12, "氟化物", "fluoride", "1.0 1.0 1.0 1.5 1.5"),
    _item("se", 13, "硒", "selenium", "0.01 0.01 0.01 0.02 0.02"),
    _item("as", 14, "砷", "arsenic", "0.05 0.05 0.05 0.1 0.1", priority=True),
    _item("hg", 15, "汞", "mercury", "0.00005 0.00005 0.0001 0.001 0.001", priority=True),
    _item("cd", 16, "镉", "cadmium", "0.001 0.005 0.005 0.005 0.01", priority=True),
    _item("cr6", 17, "铬（六价）", "chromium (VI)", "0.01 0.05 0.05 0.05 0.1", priority=True),
    _item("pb", 18, "铅", "lead", "0.01 0.01 0.05 0.05 0.1", priority=True),
    _item("cn", 19, "氰化物", "cyanide", "0.005 0.05 0.2 0.2 0.2", priority=True),
    _item("phenol", 20, "挥发酚", "volatile phenol", "0.002 0.002 0.005 0.01 0.1"),
    _item("oil", 21, "石油类", "petroleum", "0.05 0.05 0.05 0.5 1.0"),
    _item("las", 22, "阴离子表面活性剂", "anionic surfactant (LAS)", "0.2 0.2 0.2 0.3 0.3"),
    _item("s", 23, "硫化物", "sulfide", "0.05 0.1 0.2 0.5 1.0"),
    _item("fecal_coliform", 24, "粪大肠菌群", "fecal coliform", "200 2000 10000 20000 40000",
          unit="个/L", classifies_section=False),
)  # fmt: skip


@dataclass(frozen=True)
class WaterStandard:
    code: str
    provenance: Provenance
    items: tuple[WaterItem, ...]

    def item(self, code: str) -> WaterItem:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(f"unknown water-quality item {code!r}")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)


GB3838_2002 = WaterStandard(
    code="GB3838-2002",
    provenance=Provenance(
        edition="GB 3838-2002 地表水环境质量标准",
        effective_from=dt.date(2002, 6, 1),
        effective_to=None,
        source="GB 3838-2002 Table 1 (basic items); DO class I = 90 % saturation or 7.5 mg/L, "
        "7.5 used here",
    ),
    items=_ITEMS,
)


@dataclass(frozen=True)
class Status:
    """A status word with its map colour (2011 method)."""

    word: str
    colour: str
    word_en: str
    rgb: tuple[int, int, int]

    def __str__(self) -> str:
        return f"{self.word}/{self.colour}"


EXCELLENT = Status("优", "蓝色", "excellent", (0, 112, 192))
GOOD = Status("良好", "绿色", "good", (0, 176, 80))
LIGHT = Status("轻度污染", "黄色", "lightly polluted", (255, 255, 0))
MODERATE = Status("中度污染", "橙色", "moderately polluted", (255, 192, 0))
HEAVY = Status("重度污染", "红色", "heavily polluted", (255, 0, 0))


@dataclass(frozen=True)
class RiverShareRule:
    """A row of the river/basin status table: applies when I–III share ≥ ``min_good`` and
    劣V share < ``max_worst`` (percent; ``None`` = no bound)."""

    status: Status
    min_good: Decimal | None
    max_worst: Decimal | None


@dataclass(frozen=True)
class EvaluationMethod:
    code: str
    provenance: Provenance
    section_status: dict[WaterClass, Status]
    #: First matching row wins; rows in the method's order.
    river_rules: tuple[RiverShareRule, ...]
    river_min_sections: int
    main_pollutant_count: int
    multiple_places: int
    #: Trend: |ΔG − ΔD| ≤ first → no marked change; ≤ second → some change; else marked.
    trend_bounds: tuple[Decimal, Decimal]


METHOD_2011 = EvaluationMethod(
    code="HB2011-22",
    provenance=Provenance(
        edition="《地表水环境质量评价办法（试行）》环办〔2011〕22号",
        effective_from=dt.date(2011, 3, 9),
        effective_to=None,
        source="§ single-factor section class; main pollutants; river/basin shares; trend; "
        "trophic state (digest §3.2)",
        verify=(
            "river 重度污染 row: 劣V ≥ 40 % (some copies print < 60 %)",
            "trend boundary wording (≤ 10 / ≤ 20 points)",
            "TLI coefficients",
            "which metals count as 'heavy metals' for main-pollutant priority (implemented: "
            "Cu, Zn, As, Hg, Cd, Cr(VI), Pb, plus cyanide)",
            "exceedance multiple precision (implemented: 2 places, as the test vectors)",
            "minimum sampling counts for annual assessment (not implemented)",
            "issue date of 环办〔2011〕22号 (effective_from here: 2011-03-09, from memory)",
        ),
    ),
    section_status={
        WaterClass.I: EXCELLENT,
        WaterClass.II: EXCELLENT,
        WaterClass.III: GOOD,
        WaterClass.IV: LIGHT,
        WaterClass.V: MODERATE,
        WaterClass.WORSE_THAN_V: HEAVY,
    },
    river_rules=(
        RiverShareRule(EXCELLENT, Decimal(90), None),
        RiverShareRule(GOOD, Decimal(75), None),
        RiverShareRule(LIGHT, None, Decimal(20)),
        RiverShareRule(MODERATE, None, Decimal(40)),
        RiverShareRule(HEAVY, None, None),
    ),
    river_min_sections=5,
    main_pollutant_count=3,
    multiple_places=2,
    trend_bounds=(Decimal(10), Decimal(20)),
)

#: Lake trophic state index (2011 method, TLI; digest §3.2 [VERIFY coefficients]):
#: item → (correlation r with chla, a, b) for TLI(j) = 10·(a + b·ln x).
TLI_COEFFICIENTS: dict[str, tuple[float, float, float]] = {
    "chla": (1.0, 2.5, 1.086),
    "tp": (0.84, 9.436, 1.624),
    "tn": (0.82, 5.453, 1.694),
    "sd": (-0.83, 5.118, -1.94),
    "codmn": (0.83, 0.109, 2.661),
}

#: (upper bound, bound inclusive?, state zh, state en), first match wins: TLI < 30 贫营养;
#: 30 ≤ TLI ≤ 50 中营养; 50 < TLI ≤ 60 轻度, 60 < TLI ≤ 70 中度, TLI > 70 重度富营养.
TROPHIC_STATES: tuple[tuple[float, bool, str, str], ...] = (
    (30.0, False, "贫营养", "oligotrophic"),
    (50.0, True, "中营养", "mesotrophic"),
    (60.0, True, "轻度富营养", "light eutrophic"),
    (70.0, True, "中度富营养", "middle eutrophic"),
    (float("inf"), True, "重度富营养", "hypereutrophic"),
)
