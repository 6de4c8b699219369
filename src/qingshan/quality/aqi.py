"""Individual and overall air quality index, row by row, in exact decimal arithmetic.

HJ 633 formula (1): IAQI_P = (IAQI_Hi − IAQI_Lo)/(BP_Hi − BP_Lo)·(C_P − BP_Lo) + IAQI_Lo,
AQI = max(IAQI_P). The result is rounded *up* (HJ 633—2026 §4.2.6; CNEMC practice under
2012, digest §0.2). Binary floating point gets that ceiling wrong on exact values
(CO 2.2 mg/m³ → 55.000000000000004 → 56), so concentrations are ``Decimal`` and the
formula is evaluated as an exact fraction. ``aqi_vector`` is the NumPy twin of this module
and is tested to give the same numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Rounded,
)
from enum import StrEnum
from fractions import Fraction

from qingshan.quality.aqi_bands import AqiBand
from qingshan.quality.standards import (
    HOURLY_SUPPLEMENTARY,
    IAQI_STEPS,
    SLOTS,
    AqiStandard,
    Column,
    Indicator,
    OverRangeAction,
    OverRangeRule,
    aqi_standard_for,
)

Number = Decimal | int | float | str


class Report(StrEnum):
    """实时报 (hourly, real-time) or 日报 (daily); they use different averaging periods."""

    HOURLY = "hourly"
    DAILY = "daily"


@dataclass(frozen=True)
class AqiResult:
    """The AQI of one station-hour or station-day, with what a bulletin publishes."""

    standard: AqiStandard
    report: Report
    aqi: int | None
    iaqi: Mapping[str, int]
    primary_pollutants: tuple[str, ...]
    exceeding_pollutants: tuple[str, ...]
    flags: tuple[str, ...]

    @property
    def band(self) -> AqiBand | None:
        return None if self.aqi is None else self.standard.band(self.aqi)


def to_decimal(value: Number) -> Decimal:
    """A concentration as an exact decimal; floats go through their shortest repr, so
    ``2.2`` means 2.2, not 2.20000000000000017763568394002504646778106689453125."""
    try:
        result = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if result < 0:
        raise ValueError(f"negative concentration: {value!r}")
    return result


def measurements(report: Report | str, standard: AqiStandard) -> tuple[str, ...]:
    """Measurement names a report accepts, including those only over-range rules read."""
    report = Report(report)
    names = [i.measurement for i in _indicators(report, standard)]
    if report is Report.HOURLY:
        names += HOURLY_SUPPLEMENTARY
    return tuple(dict.fromkeys(names))


def iaqi(column: Column, concentration: Number, *, standard: AqiStandard) -> int:
    """IAQI of one concentration against one breakpoint column, rounded up.

    A value on a breakpoint takes that breakpoint's IAQI (35 → 50). Above the top
    breakpoint the formula is undefined and ``standard.above_top_iaqi`` (500) is returned;
    callers flag it. Columns that stop early (SO2 1-h, O3 8-h) raise ``ValueError`` above
    their last breakpoint: their over-range rule decides, see ``compute_aqi``.
    """
    c = to_decimal(concentration)
    limits = standard.breakpoints[column]
    if c == 0:
        return IAQI_STEPS[0]
    for i in range(1, len(limits)):
        bp_hi, bp_lo = limits[i], limits[i - 1]
        if bp_hi is None or bp_lo is None:
            raise ValueError(f"{column} has no breakpoint above {bp_lo}; see its over-range rule")
        if c <= bp_hi:
            return _ceil_segment(c, bp_lo, bp_hi, IAQI_STEPS[i - 1], IAQI_STEPS[i])
    return standard.above_top_iaqi


# Decimal arithmetic that raises instead of rounding: a result it returns is exact.
_EXACT = Context(prec=100, traps=[Inexact, Rounded, InvalidOperation, DivisionByZero])


def _ceil_segment(c: Decimal, bp_lo: Decimal, bp_hi: Decimal, i_lo: int, i_hi: int) -> int:
    """⌈i_lo + (i_hi − i_lo)·(c − bp_lo)/(bp_hi − bp_lo)⌉ without any rounding error."""
    try:
        numerator = _EXACT.multiply(Decimal(i_hi - i_lo), _EXACT.subtract(c, bp_lo))
        quotient, remainder = _EXACT.divmod(numerator, _EXACT.subtract(bp_hi, bp_lo))
        return i_lo + int(quotient) + (1 if remainder > 0 else 0)
    except (Inexact, Rounded):  # more than 100 digits: fall back to fractions
        span = Fraction(bp_hi) - Fraction(bp_lo)
        return math.ceil(i_lo + (i_hi - i_lo) * (Fraction(c) - Fraction(bp_lo)) / span)


def round_concentration(value: Decimal, pollutant: str, standard: AqiStandard) -> Decimal:
    """Concentration as the edition rounds it before the IAQI (none in 2012)."""
    if standard.rounding is None:
        return value
    return value.quantize(standard.rounding.quantum(pollutant), rounding=ROUND_HALF_EVEN)


def compute_aqi(
    concentrations: Mapping[str, Number | None],
    *,
    report: Report | str,
    standard: AqiStandard,
) -> AqiResult:
    """AQI of one record under a given edition.

    ``concentrations`` maps measurement names (``so2``, ``pm25`` … for the hourly report;
    ``so2_24h``, ``o3_8h``, ``o3_1h`` … for the daily one — see ``measurements``) to
    values; ``None`` or an absent key means not measured.
    """
    report = Report(report)
    values = _checked(concentrations, report, standard)
    slots: dict[str, int] = {}
    flags: list[str] = []
    for indicator in _indicators(report, standard):
        found = _indicator_iaqi(indicator, values, standard, flags)
        if found is not None:
            slot, value = found
            slots[slot] = max(value, slots.get(slot, value))
    return _result(standard, report, slots, flags)


def aqi_for(
    concentrations: Mapping[str, Number | None],
    *,
    report: Report | str,
    when: dt.date | dt.datetime,
) -> AqiResult:
    """AQI with the edition chosen by the (China) date of the data."""
    return compute_aqi(concentrations, report=report, standard=aqi_standard_for(when))


def _indicators(report: Report, standard: AqiStandard) -> tuple[Indicator, ...]:
    return standard.hourly if report is Report.HOURLY else standard.daily


def _checked(
    concentrations: Mapping[str, Number | None], report: Report, standard: AqiStandard
) -> dict[str, Decimal]:
    known = measurements(report, standard)
    unknown = sorted(set(concentrations) - set(known))
    if unknown:
        raise KeyError(f"unknown {report} measurements {unknown}; expected some of {known}")
    return {k: to_decimal(v) for k, v in concentrations.items() if v is not None}


def _indicator_iaqi(
    indicator: Indicator,
    values: Mapping[str, Decimal],
    standard: AqiStandard,
    flags: list[str],
) -> tuple[str, int] | None:
    raw = values.get(indicator.measurement)
    if raw is None:
        return None
    column = indicator.column
    c = round_concentration(raw, column.pollutant, standard)
    rule = standard.over_range_rule(column)
    if rule is not None and c > rule.above:
        return _over_range(rule, indicator, values, standard, flags)
    top = standard.breakpoints[column][-1]
    if top is not None and c > top:
        flags.append(
            f"{column} {c} above the top breakpoint {top}: IAQI set to "
            f"{standard.above_top_iaqi} by policy"
        )
    return indicator.slot, iaqi(column, c, standard=standard)


def _over_range(
    rule: OverRangeRule,
    indicator: Indicator,
    values: Mapping[str, Decimal],
    standard: AqiStandard,
    flags: list[str],
) -> tuple[str, int] | None:
    if rule.action is OverRangeAction.FIXED:
        assert rule.fixed_iaqi is not None
        flags.append(rule.clause)
        return indicator.slot, rule.fixed_iaqi
    assert rule.other is not None
    if rule.other.measurement not in values:
        flags.append(
            f"{rule.clause}; {rule.other.measurement} not given: {indicator.slot} IAQI not computed"
        )
        return None
    flags.append(rule.clause)
    return _indicator_iaqi(rule.other, values, standard, flags)


def _result(
    standard: AqiStandard, report: Report, slots: Mapping[str, int], flags: list[str]
) -> AqiResult:
    ordered = {s: slots[s] for s in SLOTS if s in slots}
    aqi = max(ordered.values()) if ordered else None
    primary: tuple[str, ...] = ()
    if aqi is not None and aqi > standard.primary_above_aqi:
        primary = tuple(s for s, v in ordered.items() if v == aqi)
    exceeding = tuple(s for s, v in ordered.items() if v > standard.exceeding_above_iaqi)
    return AqiResult(standard, report, aqi, ordered, primary, exceeding, tuple(flags))
