"""Dated rule tables for air-quality assessment: GB 3095 limits, HJ 663 validity and
statistics, and the city-ranking composite index.

Sources are the digest ``shared/reference/quality_standards.md`` §2; its confidence marks
are kept in ``Provenance.verify``. µg/m³ except CO in mg/m³.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from qingshan.core.chinatime import china_date
from qingshan.quality.standards import Provenance


class Averaging(StrEnum):
    ANNUAL = "annual"
    QUARTER = "quarter"
    DAY = "24h"
    MDA8 = "8h"  # daily maximum 8-h moving mean (O3)
    HOUR = "1h"


Limits = Mapping[tuple[str, Averaging], tuple[Decimal, Decimal]]


def _limits(rows: dict[str, dict[Averaging, str]]) -> Limits:
    """``"c1/c2"`` strings → {(pollutant, averaging): (class 1, class 2)}."""
    out: dict[tuple[str, Averaging], tuple[Decimal, Decimal]] = {}
    for pollutant, cells in rows.items():
        for averaging, cell in cells.items():
            c1, c2 = cell.split("/")
            out[pollutant, averaging] = (Decimal(c1), Decimal(c2))
    return out


# Short column names for the limit tables below (deleted after them).
A, Q, D, M, H = Averaging.ANNUAL, Averaging.QUARTER, Averaging.DAY, Averaging.MDA8, Averaging.HOUR

# GB 3095-2012 Tables 1 and 2 (digest §2.3: recall + ≥3 transcriptions for class 2).
_GB3095_2012 = _limits({
    "SO2": {A: "20/60", D: "50/150", H: "150/500"},
    "NO2": {A: "40/40", D: "80/80", H: "200/200"},
    "CO": {D: "4/4", H: "10/10"},
    "O3": {M: "100/160", H: "160/200"},
    "PM10": {A: "40/70", D: "50/150"},
    "PM2.5": {A: "15/35", D: "35/75"},
    "TSP": {A: "80/200", D: "120/300"},
    "NOx": {A: "50/50", D: "100/100", H: "250/250"},
    "Pb": {A: "0.5/0.5", Q: "1/1"},
    "BaP": {A: "0.001/0.001", D: "0.0025/0.0025"},
})  # fmt: skip

# GB 3095—2026 Table 1 and Table 2 (digest §2.4: one full transcription [VERIFY all]).
_GB3095_2026_TRANSITIONAL = _limits({
    "SO2": {A: "20/60", D: "50/150", H: "150/500"},
    "NO2": {A: "40/40", D: "80/80", H: "200/200"},
    "CO": {D: "4/4", H: "10/10"},
    "O3": {M: "100/160", H: "160/200"},
    "PM10": {A: "40/60", D: "50/120"},
    "PM2.5": {A: "15/30", D: "35/60"},
    "NOx": {A: "50/50", D: "100/100", H: "250/250"},
})  # fmt: skip

_GB3095_2026_FINAL = _limits({
    "SO2": {A: "20/20", D: "50/50", H: "150/150"},
    "NO2": {A: "30/30", D: "50/50", H: "200/200"},
    "CO": {D: "4/4", H: "10/10"},
    "O3": {M: "100/160", H: "160/200"},
    "PM10": {A: "20/50", D: "50/100"},
    "PM2.5": {A: "10/25", D: "25/50"},
    "NOx": {A: "40/40", D: "70/70", H: "250/250"},
})  # fmt: skip
del A, Q, D, M, H  # short names for the tables above only


@dataclass(frozen=True)
class AirLimits:
    """One edition (or phase) of the ambient air quality standard's concentration limits."""

    code: str
    provenance: Provenance
    limits: Limits = field(repr=False)
    reference_state: str

    def limit(self, pollutant: str, averaging: Averaging, air_class: int = 2) -> Decimal:
        if air_class not in (1, 2):
            raise ValueError("GB 3095 has class 1 and class 2 areas")
        try:
            return self.limits[pollutant, averaging][air_class - 1]
        except KeyError:
            raise KeyError(f"{self.code} has no {averaging} limit for {pollutant}") from None


_ACTUAL = "gases and particles at actual ambient conditions"
_REFERENCE = (
    "gases (SO2, NO2, CO, O3, NOx) at 298.15 K / 1013.25 hPa; particles at actual conditions"
)

GB3095_2012 = AirLimits(
    "GB3095-2012",
    Provenance("GB 3095-2012 环境空气质量标准", dt.date(2016, 1, 1), dt.date(2018, 9, 1),
               "GB 3095-2012 Tables 1 and 2"),
    _GB3095_2012,
    _ACTUAL,
)  # fmt: skip

# The 2018 amendment changes the reference state of gases, not the limits: data before and
# after 2018-09-01 are not directly comparable (gases ≈ 8 % lower), hence its own table.
GB3095_2012_XG1_2018 = AirLimits(
    "GB3095-2012/XG1-2018",
    Provenance("GB 3095-2012 with amendment No. 1 (2018)", dt.date(2018, 9, 1),
               dt.date(2026, 3, 1), "GB 3095-2012 Tables 1 and 2; XG1-2018 §4.3 reference state"),
    _GB3095_2012,
    _REFERENCE,
)  # fmt: skip

GB3095_2026_TRANSITIONAL = AirLimits(
    "GB3095-2026-transitional",
    Provenance("GB 3095—2026 环境空气质量标准, transitional limits", dt.date(2026, 3, 1),
               dt.date(2031, 1, 1), "GB 3095—2026 Tables 1 and 2 (transitional columns)",
               verify=("all values: one full transcription (PM10 and O3 rows corroborated)",)),
    _GB3095_2026_TRANSITIONAL,
    _REFERENCE,
)  # fmt: skip

GB3095_2026_FINAL = AirLimits(
    "GB3095-2026",
    Provenance("GB 3095—2026 环境空气质量标准, final limits", dt.date(2031, 1, 1), None,
               "GB 3095—2026 Tables 1 and 2",
               verify=("all values: one full transcription (PM10 and O3 rows corroborated)",)),
    _GB3095_2026_FINAL,
    _REFERENCE,
)  # fmt: skip

AIR_LIMITS: tuple[AirLimits, ...] = (
    GB3095_2012,
    GB3095_2012_XG1_2018,
    GB3095_2026_TRANSITIONAL,
    GB3095_2026_FINAL,
)


def air_limits_for(when: dt.date | dt.datetime) -> AirLimits:
    """The limits in force on the (China) date; before 2016 the 2012 limits."""
    day = china_date(when)
    return next((t for t in AIR_LIMITS if t.provenance.in_force(day)), AIR_LIMITS[0])


@dataclass(frozen=True)
class Statistic:
    """An annual-evaluation statistic of HJ 663 and the GB 3095 limit it is compared with."""

    pollutant: str
    percentile: int | None  # None: the annual mean
    compared_with: Averaging


@dataclass(frozen=True)
class AssessmentRules:
    """HJ 663 data validity and statistics (GB 3095-2012 Table 4 is referenced by it)."""

    code: str
    provenance: Provenance
    hour_min_minutes: int = 45
    day_min_hours: int = 20
    window_8h_min_hours: int = 6
    #: Label of the last hour of the first MDA8 window (labels 08…24 → 17 windows).
    mda8_first_window_end: int = 8
    mda8_min_windows: int = 14
    month_min_days: int = 27
    february_min_days: int = 25
    year_min_days: int = 324
    #: Digest §2.1 lists "≥ 324 per year; ≥ 27 per month (February ≥ 25)" on the annual row.
    year_requires_each_month: bool = True
    statistics: tuple[Statistic, ...] = ()
    #: GB/T 8170 half-even rounding of reported concentrations.
    quanta: Mapping[str, Decimal] = field(default_factory=dict)
    default_quantum: Decimal = Decimal(1)


_STATISTICS = (
    Statistic("SO2", None, Averaging.ANNUAL),
    Statistic("SO2", 98, Averaging.DAY),
    Statistic("NO2", None, Averaging.ANNUAL),
    Statistic("NO2", 98, Averaging.DAY),
    Statistic("PM10", None, Averaging.ANNUAL),
    Statistic("PM10", 95, Averaging.DAY),
    Statistic("PM2.5", None, Averaging.ANNUAL),
    Statistic("PM2.5", 95, Averaging.DAY),
    Statistic("CO", 95, Averaging.DAY),
    Statistic("O3", 90, Averaging.MDA8),
)

_VALIDITY_VERIFY = (
    "rounding table (GB/T 8170 precisions): CO 0.1 mg/m³, others 1 µg/m³",
    "annual validity also needs ≥ 27 days in every month (February ≥ 25)",
    "the 324-day rule applied to the CO and O3 percentiles too",
    "daily maximum 1-h O3 needs ≥ 20 valid hours like the 24-h mean",
    "city-average procedure (station → city) not implemented",
)

HJ663_2013 = AssessmentRules(
    "HJ663-2013",
    Provenance(
        "HJ 663-2013 环境空气质量评价技术规范（试行）",
        dt.date(2013, 10, 1),
        dt.date(2026, 3, 1),
        "HJ 663-2013 §6.1.2 (MDA8), Appendix A (percentile); GB 3095-2012 Table 4 (validity)",
        verify=_VALIDITY_VERIFY,
    ),
    statistics=_STATISTICS,
    quanta={"CO": Decimal("0.1")},
)

HJ663_2026 = AssessmentRules(
    "HJ663-2026",
    Provenance(
        "HJ 663—2026 环境空气质量评价技术规范",
        dt.date(2026, 3, 1),
        None,
        "HJ 663—2026 §6.1.2 (MDA8, unchanged), Appendix A (percentile); statistics list as "
        "in 2013 (two code bases agree)",
        verify=(
            *_VALIDITY_VERIFY,
            "a Guangdong implementation keeps period statistics to 0.1 µg/m³ and CO 0.01",
        ),
    ),
    statistics=_STATISTICS,
    quanta={"CO": Decimal("0.1")},
)

ASSESSMENT_RULES: tuple[AssessmentRules, ...] = (HJ663_2013, HJ663_2026)


def assessment_rules_for(when: dt.date | dt.datetime) -> AssessmentRules:
    day = china_date(when)
    return next((r for r in ASSESSMENT_RULES if r.provenance.in_force(day)), ASSESSMENT_RULES[0])


@dataclass(frozen=True)
class RankingMethod:
    """Composite index 综合指数 I_sum = Σ w_i·C_i/S_i for city rankings."""

    code: str
    provenance: Provenance
    #: Pollutant → (statistic used as C_i, S_i).
    terms: Mapping[str, tuple[Statistic, Decimal]]
    weights: Mapping[str, Decimal]


_RANKING_STATISTICS = {
    "SO2": Statistic("SO2", None, Averaging.ANNUAL),
    "NO2": Statistic("NO2", None, Averaging.ANNUAL),
    "PM10": Statistic("PM10", None, Averaging.ANNUAL),
    "PM2.5": Statistic("PM2.5", None, Averaging.ANNUAL),
    "CO": Statistic("CO", 95, Averaging.DAY),
    "O3": Statistic("O3", 90, Averaging.MDA8),
}


def _terms(limits: dict[str, str]) -> dict[str, tuple[Statistic, Decimal]]:
    return {p: (_RANKING_STATISTICS[p], Decimal(s)) for p, s in limits.items()}


RANKING_2018 = RankingMethod(
    "HBJC2018-19",
    Provenance(
        "城市环境空气质量排名技术规定 (环办监测〔2018〕19号)",
        dt.date(2018, 1, 1),
        None,
        "I_i = C_i/S_i, I_sum = Σ I_i; S_i = GB 3095-2012 class-2 annual limits (SO2 60, NO2 40, "
        "PM10 70, PM2.5 35), CO 4 (24 h, P95), O3 160 (MDA8, P90)",
        verify=("effective_from: issue date of the notice not in the digest (2018-01-01 used)",),
    ),
    _terms({"SO2": "60", "NO2": "40", "PM10": "70", "PM2.5": "35", "CO": "4", "O3": "160"}),
    {p: Decimal(1) for p in _RANKING_STATISTICS},
)

#: "New algorithm" seen in one Guangdong code base for the 2026 rules [1-src, VERIFY the
#: issuing document]. Never selected automatically; pass it explicitly.
RANKING_2026_WEIGHTED_UNVERIFIED = RankingMethod(
    "weighted-2026-unverified",
    Provenance(
        "weighted composite index (issuing document unknown)",
        dt.date(2026, 3, 1),
        None,
        "weights PM2.5 3, NO2 2, O3 2, others 1; S_i = GB 3095—2026 transitional class 2",
        verify=("whole table: one source, issuing document not identified",),
    ),
    _terms({"SO2": "60", "NO2": "40", "PM10": "60", "PM2.5": "30", "CO": "4", "O3": "160"}),
    {
        p: Decimal(w)
        for p, w in {"SO2": 1, "NO2": 2, "PM10": 1, "PM2.5": 3, "CO": 1, "O3": 2}.items()
    },
)
