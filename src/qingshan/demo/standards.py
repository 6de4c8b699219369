"""Permitted concentration limits of the demo permits, from the national discharge standards.

THE one table of limit values in the demo: every PermitLimit the demo writes comes from a
row below, and the row's ``standard`` text (standard, table, column) is copied into
``PermitLimit.standard`` so that a reviewer can check each value against the printed
standard. Values are as printed, in the standard's unit; the loader converts to the
monitoring-factor catalogue's unit where the two differ (Cr6+ is reported in μg/L).

A *scenario* is one discharge situation of one outlet (e.g. a dyeing works discharging to
a park treatment plant). pH is a range, 6–9, in every wastewater standard here; its rows
carry a lower limit (``PH_RANGE`` below).

Rows marked ``# VERIFY`` are from memory of the standard text and were not re-read for
this table; a person must check them against the printed standard before real use.

Choices worth knowing:
- Chemicals: Shaoxing's chemical industry (dyes, intermediates, auxiliaries in the
  Hangzhou Bay Shangyu park) is neither petrochemical (GB 31571-2015) nor synthetic resin
  (GB 31572-2015), so the integrated standard GB 8978-1996 applies to its wastewater, and
  the park plants take it in: grade 3 (Table 4, other dischargers). Grade 3 sets no NH3-N
  or TP value; Zhejiang's DB33/887-2013 (indirect N and P limits) fills that gap.
  Process exhaust: GB 16297-1996 Table 2 (NMHC).
- Dyeing: GB 4287-2012 Table 2 as amended by the MEP on 2015-03-27 (修改单). The
  amendment lets park enterprises discharging to a park plant negotiate COD up to 500;
  the demo uses the general indirect value 200 because Shaoxing's dyeing works send
  their wastewater to a dedicated industrial treatment plant under city contracts.
  Heat-setting exhaust (定型机): the national fallback GB 16297-1996 Table 2; Zhejiang's
  DB33/962-2015 is stricter.
- Boilers: GB 13271-2014 Table 2 (new boilers), not the Table 3 special limits.
- Thermal power: GB 13223-2011 Table 1 (new units; coal reference O2 6 %, gas turbine 15 %).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

HOURLY, DAILY = "hourly", "daily"
MG_L, MG_M3 = "mg/L", "mg/m³"


@dataclass(frozen=True, slots=True)
class LimitRow:
    """One permitted concentration: scenario, factor, value as printed, and its source."""

    scenario: str
    factor: str  # HJ 212-2017 Appendix B code
    value: Decimal
    unit: str
    basis: str  # hourly | daily (permits.choices.LimitBasis)
    reference_o2: Decimal | None
    standard: str
    lower: Decimal | None = None  # a range limit's lower bound (pH 6)


def _rows(
    scenario: str,
    standard: str,
    unit: str,
    basis: str,
    o2: str | None,
    values: dict[str, str],
) -> list[LimitRow]:
    ref = Decimal(o2) if o2 is not None else None
    return [
        LimitRow(scenario, factor, Decimal(v), unit, basis, ref, standard)
        for factor, v in values.items()
    ]


LIMITS: list[LimitRow] = [
    # ── printing and dyeing wastewater ──────────────────────────────────────────────
    *_rows(
        "dyeing-indirect",
        "GB 4287-2012 表2 间接排放（2015 修改单）",
        MG_L,
        DAILY,
        None,
        {
            "w01018": "200",  # COD; 500 for park-to-park-plant discharge after the amendment
            "w21003": "20",  # NH3-N
            "w21001": "30",  # TN
            "w21011": "1.5",  # TP
        },
    ),
    *_rows(
        "dyeing-direct",
        "GB 4287-2012 表2 直接排放",
        MG_L,
        DAILY,
        None,
        {
            "w01018": "80",
            "w21003": "10",
            "w21001": "15",
            "w21011": "0.5",
        },
    ),
    # heat-setting machines: particulate and NMHC, national integrated standard
    *_rows(
        "setting-exhaust",
        "GB 16297-1996 表2 新污染源",
        MG_M3,
        HOURLY,
        None,
        {
            "a34013": "120",  # 颗粒物（其他）
            "a24088": "120",  # 非甲烷总烃
        },
    ),
    # ── electroplating (GB 21900-2008 Table 2, new and, since 2010-07-01, existing) ──
    *_rows(
        "plating-total",
        "GB 21900-2008 表2 企业废水总排放口",
        MG_L,
        DAILY,
        None,
        {
            "w01018": "80",
            "w21003": "15",
            "w21001": "20",
            "w21011": "1.0",
            "w20122": "0.5",  # 总铜
        },
    ),
    *_rows(
        "plating-workshop",
        "GB 21900-2008 表2 车间或生产设施废水排放口",
        MG_L,
        DAILY,
        None,
        {
            "w20116": "1.0",  # 总铬
            "w20117": "0.2",  # 六价铬 (catalogue unit μg/L: 200)
            "w20121": "0.5",  # 总镍
        },
    ),
    # ── chemical-synthesis pharmaceuticals ───────────────────────────────────────────
    # VERIFY: GB 21904-2008 Table 2 values from memory; the bracketed stricter values
    # (COD 100, NH3-N 20, TN 30) apply to joint API + formulation producers.
    *_rows(
        "pharma-water",
        "GB 21904-2008 表2",
        MG_L,
        DAILY,
        None,
        {
            "w01018": "120",
            "w21003": "25",
            "w21001": "35",
            "w21011": "1.0",
        },
    ),
    # VERIFY: GB 37823-2019 Table 2 (special limit 60 in key regions)
    *_rows(
        "pharma-exhaust",
        "GB 37823-2019 表2",
        MG_M3,
        HOURLY,
        None,
        {
            "a24088": "100",
        },
    ),
    # ── chemicals (see the module docstring for the choice of standard) ──────────────
    *_rows(
        "chem-water",
        "GB 8978-1996 表4 三级（其他排污单位）",
        MG_L,
        DAILY,
        None,
        {
            "w01018": "500",
        },
    ),
    # VERIFY: DB33/887-2013 indirect-discharge values
    *_rows(
        "chem-water",
        "DB33/887-2013 间接排放",
        MG_L,
        DAILY,
        None,
        {
            "w21003": "35",
            "w21011": "8",
        },
    ),
    *_rows(
        "chem-exhaust",
        "GB 16297-1996 表2 新污染源",
        MG_M3,
        HOURLY,
        None,
        {
            "a24088": "120",
        },
    ),
    # ── boilers ≤ 65 t/h (GB 13271-2014 Table 2, new boilers) ─────────────────────────
    *_rows(
        "boiler-gas",
        "GB 13271-2014 表2 燃气锅炉",
        MG_M3,
        HOURLY,
        "3.5",
        {
            "a34013": "20",
            "a21026": "50",
            "a21002": "200",
        },
    ),
    *_rows(
        "boiler-coal",
        "GB 13271-2014 表2 燃煤锅炉",
        MG_M3,
        HOURLY,
        "9",
        {
            "a34013": "50",
            "a21026": "300",
            "a21002": "300",
            "a20057": "0.05",  # 汞及其化合物 (not measured online; filtered out by the loader)
        },
    ),
    # ── thermal power (GB 13223-2011 Table 1) ─────────────────────────────────────────
    *_rows(
        "power-coal",
        "GB 13223-2011 表1 燃煤锅炉（新建）",
        MG_M3,
        HOURLY,
        "6",
        {
            "a34013": "30",
            "a21026": "100",
            "a21002": "100",
            "a20057": "0.03",
        },
    ),
    *_rows(
        "power-gas-turbine",
        "GB 13223-2011 表1 天然气燃气轮机组",
        MG_M3,
        HOURLY,
        "15",
        {
            "a34013": "5",
            "a21026": "35",
            "a21002": "50",
        },
    ),
    # ── municipal solid-waste incineration (GB 18485-2014 Table 4), O2 11 % ──────────
    *_rows(
        "incineration",
        "GB 18485-2014 表4 1小时均值",
        MG_M3,
        HOURLY,
        "11",
        {
            "a34013": "30",
            "a21002": "300",
            "a21026": "100",
            "a21024": "60",
            "a21005": "100",
        },
    ),
    *_rows(
        "incineration",
        "GB 18485-2014 表4 24小时均值",
        MG_M3,
        DAILY,
        "11",
        {
            "a34013": "20",
            "a21002": "250",
            "a21026": "80",
            "a21024": "50",
            "a21005": "80",
        },
    ),
    # ── municipal wastewater treatment plants (GB 18918-2002 class 1A) ──────────────
    *_rows(
        "wwtp-1a",
        "GB 18918-2002 表1 一级A",
        MG_L,
        DAILY,
        None,
        {
            "w01018": "50",
            "w21003": "5",  # 5 above 12 °C water temperature, 8 at or below
            "w21001": "15",
            "w21011": "0.5",  # plants built from 2006-01-01; 1 for older plants
        },
    ),
]


# pH 6–9 at the outlets of the wastewater standards above: GB 4287-2012, GB 21900-2008
# (the total outlet; the workshop outlet is judged on heavy metals only), GB 21904-2008,
# GB 8978-1996 and GB 18918-2002 all print 6~9 (dimensionless). Judged on hourly values:
# platforms compare pH per value with the range, not as a daily mean (rules_cn §3).
PH_RANGE = {
    "dyeing-indirect": "GB 4287-2012 表2",
    "dyeing-direct": "GB 4287-2012 表2",
    "plating-total": "GB 21900-2008 表2 企业废水总排放口",
    "pharma-water": "GB 21904-2008 表2",
    "chem-water": "GB 8978-1996 表4",
    "wwtp-1a": "GB 18918-2002 表1",
}
LIMITS += [
    LimitRow(scenario, "w01001", Decimal(9), "无量纲", HOURLY, None, standard, lower=Decimal(6))
    for scenario, standard in PH_RANGE.items()
]


def scenario_limits(scenario: str) -> Iterator[LimitRow]:
    return (row for row in LIMITS if row.scenario == scenario)


SCENARIOS: frozenset[str] = frozenset(row.scenario for row in LIMITS)

# unit conversions to the catalogue's concentration unit: (printed, catalogue) → factor
UNIT_FACTORS: dict[tuple[str, str], Decimal] = {
    ("mg/L", "μg/L"): Decimal(1000),
    ("mg/m³", "μg/m³"): Decimal(1000),
}


def in_unit(value: Decimal, unit: str, target: str) -> Decimal:
    """``value`` in ``unit`` expressed in ``target``; ValueError if there is no conversion."""
    if unit == target or not target:
        return value
    try:
        return value * UNIT_FACTORS[(unit, target)]
    except KeyError:
        raise ValueError(f"no conversion from {unit} to {target}") from None
