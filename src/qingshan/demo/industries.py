"""The demo city's industries: what each kind of enterprise discharges and where it sits.

Counts follow Shaoxing's real industrial structure (see the city's 2020 opinions in
/work/shared/seeds/003): printing and dyeing is by far the largest sector and sits in
柯桥 (Binhai industrial zone); fine chemicals and dyes in the Hangzhou Bay Shangyu park;
chemical-synthesis pharmaceuticals in 新昌 and 上虞; electroplating in a few consolidated
parks; coal-fired cogeneration plants supplying steam to the dyeing clusters; one
waste-to-energy plant per county; county and industrial wastewater treatment plants.
The numbers are plausible proportions, not statistics.

Industry codes are GB/T 4754-2017 four-digit classes. Waste-to-energy is 4417 生物质能
发电 (its note includes power from municipal solid waste), not 4419 or 7820: 7820 环境
卫生管理 is for incinerators that do not generate power.
"""

from __future__ import annotations

from dataclasses import dataclass

from qingshan.demo.geography import KEQIAO, SHANGYU, SHENGZHOU, XINCHANG, YUECHENG, ZHUJI

# What the continuous monitoring systems at each kind of outlet measure (HJ 212 codes).
WATER_BASIC = ("w01018", "w21003", "w21011", "w21001", "w01001", "w00000")
WATER_NO_TN = ("w01018", "w21003", "w21011", "w01001", "w00000")
PLATING_TOTAL = (*WATER_BASIC, "w20122")
PLATING_WORKSHOP = ("w20116", "w20117", "w20121", "w01001", "w00000")
STACK_STATE = ("a19001", "a01012", "a01011", "a00000")  # O2, temperature, velocity, flow
GAS_BOILER = ("a34013", "a21026", "a21002", *STACK_STATE)
COAL_CEMS = ("a34013", "a21026", "a21002", *STACK_STATE, "a01013", "a01014")
INCINERATOR_CEMS = (*COAL_CEMS, "a21024", "a21005", "a01901")
VOC_EXHAUST = ("a24088", *STACK_STATE)
SETTING_EXHAUST = ("a34013", "a24088", "a01012", "a01011", "a00000")


@dataclass(frozen=True, slots=True)
class OutletSpec:
    """One kind of outlet an enterprise of this profile has, numbered DA/DW + serial."""

    medium: str  # air | water
    name: str
    kind: str  # main | general
    factors: tuple[str, ...]
    scenario: str | None  # key into standards.LIMITS; None: no limits in the demo permit
    flow: tuple[int, int]  # design flow range: m³/d for water, Nm³/h for air
    share: float = 1.0  # fraction of enterprises that have this outlet
    count: tuple[int, int] = (1, 1)  # how many of them (stacks, incinerator lines)


@dataclass(frozen=True, slots=True)
class Profile:
    """A kind of enterprise: its sector, industry classes, names, outlets and permit."""

    key: str
    sector: str  # the label reports group by
    industries: tuple[tuple[str, str], ...]  # (GB/T 4754-2017 code, name suffix), cycled
    counts: dict[str, int]  # county code → number of enterprises
    key_share: float  # share on the key-discharger list
    permit_class: str  # class when permitted: key | simplified
    permit_share: float  # share of enterprises NOT on the key list that hold a permit
    outlets: tuple[OutletSpec, ...]


def _water(
    name: str,
    scenario: str | None,
    flow: tuple[int, int],
    factors: tuple[str, ...] = WATER_BASIC,
    kind: str = "main",
    share: float = 1.0,
) -> OutletSpec:
    return OutletSpec("water", name, kind, factors, scenario, flow, share)


def _air(
    name: str,
    scenario: str | None,
    flow: tuple[int, int],
    factors: tuple[str, ...],
    kind: str = "main",
    share: float = 1.0,
    count: tuple[int, int] = (1, 1),
) -> OutletSpec:
    return OutletSpec("air", name, kind, factors, scenario, flow, share, count)


_DYEING_CODES = (
    ("1752", "印染有限公司"),  # 化纤织物染整精加工: Keqiao's polyester fabrics
    ("1713", "印染有限公司"),  # 棉印染精加工
    ("1752", "染整有限公司"),
    ("1752", "纺织印染有限公司"),
    ("1762", "针织印染有限公司"),  # 针织或钩针编织物印染精加工
    ("1713", "印花有限公司"),
)
_DYEING_AIR = (
    _air("导热油炉废气排放口", "boiler-gas", (4000, 15000), GAS_BOILER, kind="general"),
    _air(
        "定型机废气排放口",
        "setting-exhaust",
        (20000, 60000),
        SETTING_EXHAUST,
        kind="general",
        share=0.6,
    ),
)

PROFILES: tuple[Profile, ...] = (
    Profile(
        "dyeing-indirect",
        "印染",
        _DYEING_CODES,
        {KEQIAO: 92, YUECHENG: 8, SHANGYU: 10},
        0.85,
        "key",
        0.6,
        (_water("废水总排放口", "dyeing-indirect", (1500, 9000)), *_DYEING_AIR),
    ),
    Profile(
        "dyeing-direct",
        "印染",
        _DYEING_CODES,
        {ZHUJI: 8, SHENGZHOU: 4, XINCHANG: 2},
        0.8,
        "key",
        0.6,
        (_water("废水总排放口", "dyeing-direct", (800, 4000)), *_DYEING_AIR),
    ),
    Profile(
        "chemicals",
        "化工",
        (
            ("2645", "染料化工有限公司"),
            ("2614", "化工有限公司"),
            ("2661", "助剂有限公司"),
            ("2614", "精细化工有限公司"),
        ),
        {SHANGYU: 26, KEQIAO: 5, YUECHENG: 4, ZHUJI: 2, XINCHANG: 2, SHENGZHOU: 1},
        0.8,
        "key",
        0.5,
        (
            _water("废水总排放口", "chem-water", (300, 3000), WATER_NO_TN),
            _air("RTO焚烧废气排放口", "chem-exhaust", (10000, 50000), VOC_EXHAUST),
            _air(
                "锅炉废气排放口", "boiler-gas", (4000, 12000), GAS_BOILER, kind="general", share=0.4
            ),
        ),
    ),
    Profile(
        "electroplating",
        "电镀",
        (("3360", "电镀有限公司"), ("3360", "表面处理有限公司"), ("3360", "金属表面处理有限公司")),
        {ZHUJI: 6, YUECHENG: 3, KEQIAO: 3, SHANGYU: 3, SHENGZHOU: 3, XINCHANG: 2},
        0.9,
        "key",
        0.8,
        (
            _water("废水总排放口", "plating-total", (100, 800), PLATING_TOTAL),
            _water("含铬含镍废水车间排放口", "plating-workshop", (30, 300), PLATING_WORKSHOP),
        ),
    ),
    Profile(
        "pharma",
        "制药",
        (("2710", "制药有限公司"), ("2710", "药业有限公司"), ("2710", "医药化工有限公司")),
        {XINCHANG: 7, SHANGYU: 7, YUECHENG: 2, SHENGZHOU: 1, ZHUJI: 1},
        0.9,
        "key",
        0.8,
        (
            _water("废水总排放口", "pharma-water", (500, 5000)),
            _air("工艺废气RTO排放口", "pharma-exhaust", (15000, 60000), VOC_EXHAUST),
            _air(
                "锅炉废气排放口", "boiler-gas", (4000, 12000), GAS_BOILER, kind="general", share=0.5
            ),
        ),
    ),
    Profile(
        "textiles",
        "纺织",
        (
            ("1751", "纺织有限公司"),
            ("1751", "织造有限公司"),
            ("1761", "针纺有限公司"),
            ("1742", "丝织有限公司"),
        ),  # 化纤织造 / 针织物织造 / 丝织
        {KEQIAO: 9, ZHUJI: 6, SHENGZHOU: 4, YUECHENG: 1},
        0.0,
        "simplified",
        0.5,
        (_air("锅炉废气排放口", "boiler-gas", (3000, 8000), GAS_BOILER, kind="general"),),
    ),
    Profile(
        "cogeneration",
        "电力热力",
        (("4412", "热电有限公司"), ("4412", "热电联产有限公司")),
        {KEQIAO: 5, SHANGYU: 3, YUECHENG: 2, ZHUJI: 2, SHENGZHOU: 1, XINCHANG: 1},
        1.0,
        "key",
        1.0,
        (_air("锅炉烟囱", "power-coal", (150000, 400000), COAL_CEMS, count=(2, 4)),),
    ),
    Profile(
        "power-coal",
        "电力热力",
        (("4411", "发电有限公司"),),
        {YUECHENG: 1},
        1.0,
        "key",
        1.0,
        (_air("机组烟囱", "power-coal", (1500000, 2500000), COAL_CEMS, count=(2, 2)),),
    ),
    Profile(
        "power-gas",
        "电力热力",
        (("4411", "天然气发电有限公司"),),
        {KEQIAO: 1},
        1.0,
        "key",
        1.0,
        (
            _air(
                "燃机烟囱",
                "power-gas-turbine",
                (1200000, 1800000),
                ("a34013", "a21026", "a21002", *STACK_STATE),
                count=(2, 3),
            ),
        ),
    ),
    Profile(
        "heat",
        "电力热力",
        (("4430", "热力有限公司"), ("4430", "供热有限公司")),
        {ZHUJI: 2, SHANGYU: 1, SHENGZHOU: 1, XINCHANG: 1},
        0.6,
        "simplified",
        1.0,
        (_air("燃气锅炉排放口", "boiler-gas", (20000, 60000), GAS_BOILER, count=(1, 3)),),
    ),
    Profile(
        "incineration",
        "垃圾焚烧",
        (("4417", "环保能源有限公司"), ("4417", "再生能源有限公司")),
        {YUECHENG: 1, KEQIAO: 1, SHANGYU: 1, ZHUJI: 1, SHENGZHOU: 1, XINCHANG: 1},
        1.0,
        "key",
        1.0,
        (_air("焚烧炉烟囱", "incineration", (80000, 160000), INCINERATOR_CEMS, count=(2, 4)),),
    ),
    Profile(
        "wwtp",
        "污水处理",
        (("4620", "水务有限公司"), ("4620", "污水处理有限公司"), ("4620", "水质净化有限公司")),
        {KEQIAO: 2, YUECHENG: 2, SHANGYU: 2, ZHUJI: 2, SHENGZHOU: 1, XINCHANG: 1},
        1.0,
        "key",
        1.0,
        (
            _water("污水处理厂总排放口", "wwtp-1a", (40000, 200000)),
            _water("二期工程排放口", "wwtp-1a", (20000, 100000), share=0.3),
        ),
    ),
)

# The enterprise the demo-enterprise account belongs to: first dyeing works in 柯桥.
DEMO_ENTERPRISE_TRADE = "澄溪"
DEMO_ENTERPRISE_NAME = "绍兴柯桥澄溪印染有限公司"

# Pollutants with annual caps (t/a) for key dischargers, by medium.
CAPPED: dict[str, tuple[str, ...]] = {
    "water": ("w01018", "w21003", "w21001", "w21011"),
    "air": ("a34013", "a21026", "a21002", "a24088"),
}
