"""Dated rule tables of the air quality index: HJ 633-2012 and HJ 633—2026.

Every table carries its edition, the period it is in force and the clause it comes from,
so a later edition is a new table here, not a change of code. Values the research digest
(``shared/reference/quality_standards.md``) could not confirm against the official PDF are
listed in ``Provenance.verify`` with the digest's own wording; ``docs/quality.md`` repeats
them as open items.

Units: µg/m³, except CO in mg/m³.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from qingshan.core.chinatime import china_date
from qingshan.quality.aqi_bands import BANDS_2012, BANDS_2026, AqiBand


@dataclass(frozen=True)
class Provenance:
    """Where a rule table comes from and when it applies.

    ``effective_to`` is the first day the table is *no longer* in force (exclusive), the
    convention of ``qingshan.core.rules``; ``None`` means open-ended.
    """

    edition: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    verify: tuple[str, ...] = ()

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


class Column(StrEnum):
    """A column of the IAQI breakpoint table (pollutant and averaging period)."""

    SO2_24H = "SO2_24h"
    SO2_1H = "SO2_1h"
    NO2_24H = "NO2_24h"
    NO2_1H = "NO2_1h"
    PM10_24H = "PM10_24h"
    CO_24H = "CO_24h"
    CO_1H = "CO_1h"
    O3_1H = "O3_1h"
    O3_8H = "O3_8h"
    PM25_24H = "PM2.5_24h"

    @property
    def pollutant(self) -> str:
        return self.value.split("_", 1)[0]


#: IAQI values of the rows of the breakpoint table (HJ 633-2012 Table 1, first column;
#: unchanged in HJ 633—2026 Table 3).
IAQI_STEPS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)


def _row(*values: int | None) -> tuple[Decimal | None, ...]:
    return tuple(None if v is None else Decimal(v) for v in values)


# HJ 633-2012 Table 1. ``None`` = the "(2)"/"(3)" cells: no breakpoint, see the over-range rules.
_TABLE1_2012: Mapping[Column, tuple[Decimal | None, ...]] = {
    Column.SO2_24H: _row(0, 50, 150, 475, 800, 1600, 2100, 2620),
    Column.SO2_1H: _row(0, 150, 500, 650, 800, None, None, None),
    Column.NO2_24H: _row(0, 40, 80, 180, 280, 565, 750, 940),
    Column.NO2_1H: _row(0, 100, 200, 700, 1200, 2340, 3090, 3840),
    Column.PM10_24H: _row(0, 50, 150, 250, 350, 420, 500, 600),
    Column.CO_24H: _row(0, 2, 4, 14, 24, 36, 48, 60),
    Column.CO_1H: _row(0, 5, 10, 35, 60, 90, 120, 150),
    Column.O3_1H: _row(0, 160, 200, 300, 400, 800, 1000, 1200),
    Column.O3_8H: _row(0, 100, 160, 215, 265, 800, None, None),
    Column.PM25_24H: _row(0, 35, 75, 115, 150, 250, 350, 500),
}

# HJ 633—2026 Table 3: only the PM rows change (IAQI 100 at PM2.5 60, PM10 120 — the
# GB 3095—2026 transitional class-2 24-h limits); all gas columns are those of 2012.
_TABLE3_2026: Mapping[Column, tuple[Decimal | None, ...]] = {
    **_TABLE1_2012,
    Column.PM10_24H: _row(0, 50, 120, 250, 350, 420, 500, 600),
    Column.PM25_24H: _row(0, 35, 60, 115, 150, 250, 350, 500),
}


@dataclass(frozen=True)
class Indicator:
    """One input of a report: the measurement name (the CLI column), the IAQI slot it fills
    and the breakpoint column it is read against."""

    measurement: str
    slot: str
    column: Column


# Real-time report (HJ 633-2012 Table 1 note (1) and §5; digest §1.5, confirmed on published
# CNEMC station-hours): 1-h SO2/NO2/CO/O3 against their 1-h columns, and the *1-h* PM
# concentrations against the 24-h PM columns (PM has no 1-h column). The O3 8-h moving mean
# is published but does not enter the real-time AQI.
HOURLY_INDICATORS: tuple[Indicator, ...] = (
    Indicator("so2", "SO2", Column.SO2_1H),
    Indicator("no2", "NO2", Column.NO2_1H),
    Indicator("pm10", "PM10", Column.PM10_24H),
    Indicator("co", "CO", Column.CO_1H),
    Indicator("o3", "O3", Column.O3_1H),
    Indicator("pm25", "PM2.5", Column.PM25_24H),
)

# Daily report (HJ 633-2012 §5): 24-h means, O3 daily maximum 8-h moving mean, and — digest
# §1.5 / vector A29 — the O3 daily maximum 1-h mean as a seventh indicator.
DAILY_INDICATORS: tuple[Indicator, ...] = (
    Indicator("so2_24h", "SO2", Column.SO2_24H),
    Indicator("no2_24h", "NO2", Column.NO2_24H),
    Indicator("pm10_24h", "PM10", Column.PM10_24H),
    Indicator("co_24h", "CO", Column.CO_24H),
    Indicator("o3_8h", "O3_8h", Column.O3_8H),
    Indicator("o3_1h", "O3", Column.O3_1H),
    Indicator("pm25_24h", "PM2.5", Column.PM25_24H),
)

#: Accepted with real-time records though no real-time indicator: the 24-h SO2 mean read by
#: HJ 633-2012 Table 1 note (2) when the 1-h SO2 passes 800 (ignored under 2026 rules).
HOURLY_SUPPLEMENTARY: tuple[str, ...] = ("so2_24h",)

#: IAQI slots in report order; also the pollutant names of primary/exceeding lists.
SLOTS: tuple[str, ...] = ("SO2", "NO2", "PM10", "CO", "O3", "O3_8h", "PM2.5")


class OverRangeAction(StrEnum):
    USE_OTHER = "use_other"
    FIXED = "fixed"


@dataclass(frozen=True)
class OverRangeRule:
    """What to do when a concentration passes the last breakpoint of a column that stops
    early (SO2 1-h and O3 8-h stop at 800)."""

    column: Column
    above: Decimal
    action: OverRangeAction
    clause: str
    fixed_iaqi: int | None = None
    #: For USE_OTHER: the measurement whose IAQI replaces it, and the slot it goes to.
    other: Indicator | None = None


_OVER_RANGE_2012: tuple[OverRangeRule, ...] = (
    OverRangeRule(
        Column.SO2_1H,
        Decimal(800),
        OverRangeAction.USE_OTHER,
        "HJ 633-2012 Table 1 note (2): SO2 1-h > 800 → no 1-h IAQI, use the 24-h mean",
        other=Indicator("so2_24h", "SO2", Column.SO2_24H),
    ),
    OverRangeRule(
        Column.O3_8H,
        Decimal(800),
        OverRangeAction.USE_OTHER,
        "HJ 633-2012 Table 1 note (3): O3 8-h > 800 → no 8-h IAQI, use the 1-h mean",
        other=Indicator("o3_1h", "O3", Column.O3_1H),
    ),
)

_OVER_RANGE_2026: tuple[OverRangeRule, ...] = (
    OverRangeRule(
        Column.SO2_1H,
        Decimal(800),
        OverRangeAction.FIXED,
        "HJ 633—2026 Table 3 note: SO2 1-h > 800 → IAQI 200 [VERIFY]",
        fixed_iaqi=200,
    ),
    OverRangeRule(
        Column.O3_8H,
        Decimal(800),
        OverRangeAction.FIXED,
        "HJ 633—2026 Table 3 note: O3 8-h > 800 → IAQI 300 [VERIFY]",
        fixed_iaqi=300,
    ),
)


@dataclass(frozen=True)
class ConcentrationRounding:
    """Rounding of concentrations before the IAQI is computed (GB/T 8170, half-even)."""

    quanta: Mapping[str, Decimal]
    default_quantum: Decimal
    clause: str

    def quantum(self, pollutant: str) -> Decimal:
        return self.quanta.get(pollutant, self.default_quantum)


@dataclass(frozen=True)
class AqiStandard:
    """One edition of the AQI technical regulation, as data."""

    code: str
    provenance: Provenance
    breakpoints: Mapping[Column, tuple[Decimal | None, ...]] = field(repr=False)
    hourly: tuple[Indicator, ...] = field(repr=False)
    daily: tuple[Indicator, ...] = field(repr=False)
    over_range: tuple[OverRangeRule, ...] = field(repr=False)
    rounding: ConcentrationRounding | None
    bands: tuple[AqiBand, ...] = field(repr=False)
    #: Above the last breakpoint the formula is undefined; CNEMC publishes 500 (digest §1.3,
    #: vector A17). Applied as a flagged policy value, not as a computed one.
    above_top_iaqi: int = 500
    #: Primary pollutant only when AQI > 50 (digest §1.3); exceeding when IAQI > 100.
    primary_above_aqi: int = 50
    exceeding_above_iaqi: int = 100

    def over_range_rule(self, column: Column) -> OverRangeRule | None:
        return next((r for r in self.over_range if r.column is column), None)

    def band(self, aqi: int) -> AqiBand:
        return next(b for b in self.bands if b.upper is None or aqi <= b.upper)


HJ633_2012 = AqiStandard(
    code="HJ633-2012",
    provenance=Provenance(
        edition="HJ 633-2012 环境空气质量指数（AQI）技术规定（试行）",
        effective_from=dt.date(2016, 1, 1),
        effective_to=dt.date(2026, 3, 1),
        source="HJ 633-2012 Table 1 (breakpoints), formula (1), Table 2 and Appendix A "
        "(levels, colours, advice), §5 (daily and real-time reports)",
        verify=(
            "§5.1: whether the daily report includes the O3 daily maximum 1-h mean "
            "(implemented: yes, digest §1.5 / vector A29)",
            "treatment above IAQI 500 (implemented: 500, CNEMC practice)",
        ),
    ),
    breakpoints=_TABLE1_2012,
    hourly=HOURLY_INDICATORS,
    daily=DAILY_INDICATORS,
    over_range=_OVER_RANGE_2012,
    # Vectors A01–A37 of 2012 take concentrations as given (already rounded upstream).
    rounding=None,
    bands=BANDS_2012,
)

HJ633_2026 = AqiStandard(
    code="HJ633-2026",
    provenance=Provenance(
        edition="HJ 633—2026 环境空气质量指数（AQI）技术规定",
        effective_from=dt.date(2026, 3, 1),
        effective_to=None,
        source="HJ 633—2026 Table 3 (breakpoints), §4.2.6 (IAQI and AQI rounded up to "
        "integers), real-time PM from 1-h means",
        verify=(
            "Table 3 notes: SO2 1-h > 800 → 200 and O3 8-h > 800 → 300",
            "PM2.5 IAQI-50 breakpoint 35 (two outliers say 30)",
            "concentration rounding before IAQI: clause, precision, half-even",
            "§5.3.1: incomplete data with AQI ≤ 100 published as 'NA' (not implemented)",
            "whether the daily report still includes the O3 daily maximum 1-h mean "
            "(implemented: yes, as in 2012)",
            "revised health-advice wording (one transcription)",
            "treatment above IAQI 500 (implemented: 500)",
        ),
    ),
    breakpoints=_TABLE3_2026,
    hourly=HOURLY_INDICATORS,
    daily=DAILY_INDICATORS,
    over_range=_OVER_RANGE_2026,
    rounding=ConcentrationRounding(
        quanta={"CO": Decimal("0.1")},
        default_quantum=Decimal(1),
        clause="HJ 633—2026, concentrations rounded by GB/T 8170 (half-even) before the "
        "IAQI: CO 0.1 mg/m³, others 1 µg/m³ [VERIFY clause] (vectors A30, A31)",
    ),
    bands=BANDS_2026,
)

AQI_STANDARDS: tuple[AqiStandard, ...] = (HJ633_2012, HJ633_2026)


def aqi_standard_for(when: dt.date | dt.datetime) -> AqiStandard:
    """The edition in force on the (China) date of the data.

    Data before 2016-01-01 predate nationwide HJ 633-2012; they are computed with it too,
    the only AQI rules the platform knows for them.
    """
    day = china_date(when)
    for standard in AQI_STANDARDS:
        if standard.provenance.in_force(day):
            return standard
    return AQI_STANDARDS[0]


def aqi_standard_by_code(code: str) -> AqiStandard:
    """Look an edition up by its code (``HJ633-2012``; spaces and dash style ignored)."""
    wanted = code.replace(" ", "").replace("—", "-").upper()
    for standard in AQI_STANDARDS:
        if standard.code.upper() == wanted:
            return standard
    known = ", ".join(s.code for s in AQI_STANDARDS)
    raise KeyError(f"unknown AQI standard {code!r}; known: {known}")
