"""The AQI of many records at once, with NumPy, giving exactly the numbers of ``aqi``.

Float arithmetic is only used to *guess* each IAQI; the guess is then corrected with exact
comparisons. Why that is exact: every breakpoint is an integer and every IAQI step is 50
or 100, so the concentration at which IAQI reaches an integer k,

    T(k) = BP_Lo + (k − IAQI_Lo)·(BP_Hi − BP_Lo)/(IAQI_Hi − IAQI_Lo),

is a decimal with at most two places, and ``(BP_Lo·ΔI + (k − IAQI_Lo)·ΔBP) / ΔI`` computes
the double nearest to it (integer numerator, one correctly rounded division). Rounding to
the nearest double is monotone, so for a concentration ``c`` read from decimal text
(≤ 15 significant digits) ``c <= fl(T(k))`` holds exactly when the decimal value is
``<= T(k)``, i.e. when the exact IAQI is ``<= k``. The same argument makes the
half-even rounding of HJ 633—2026 exact (midpoints (2j ± 1)/(2·10^d) are short decimals).

Missing values are NaN in the inputs and −1 in the integer outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from qingshan.quality.aqi import AqiResult, Number, Report, compute_aqi, measurements, to_decimal
from qingshan.quality.standards import (
    IAQI_STEPS,
    SLOTS,
    AqiStandard,
    Column,
    Indicator,
    OverRangeAction,
    OverRangeRule,
)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int16]
Bools = npt.NDArray[np.bool_]

MISSING = -1


@dataclass(frozen=True)
class AqiArrays:
    """Results for n records: one array per output, aligned with the inputs."""

    aqi: Ints
    iaqi: Mapping[str, Ints]
    #: Bit i set ⇔ ``SLOTS[i]`` is a primary (resp. exceeding) pollutant of the record.
    primary: npt.NDArray[np.uint8]
    exceeding: npt.NDArray[np.uint8]
    #: Some concentration was above its top breakpoint and its IAQI set to 500 by policy.
    capped: Bools
    #: An over-range rule (SO2 1-h or O3 8-h above 800) was applied.
    over_range: Bools
    standard: AqiStandard

    def primary_names(self, i: int) -> tuple[str, ...]:
        return _names(int(self.primary[i]))

    def exceeding_names(self, i: int) -> tuple[str, ...]:
        return _names(int(self.exceeding[i]))

    def band_index(self) -> npt.NDArray[np.int8]:
        """Index into ``standard.bands`` per record, −1 where there is no AQI."""
        uppers = [b.upper for b in self.standard.bands if b.upper is not None]
        index = np.searchsorted(np.asarray(uppers), self.aqi, side="left").astype(np.int8)
        index[self.aqi < 0] = -1
        return index


def compute_aqi_arrays(
    concentrations: Mapping[str, npt.ArrayLike],
    *,
    report: Report | str,
    standard: AqiStandard,
) -> AqiArrays:
    """Vectorised ``aqi.compute_aqi`` for one edition: same measurement names, one array
    of n values each (NaN = not measured)."""
    report = Report(report)
    known = measurements(report, standard)
    unknown = sorted(set(concentrations) - set(known))
    if unknown:
        raise KeyError(f"unknown {report} measurements {unknown}; expected some of {known}")
    values = {k: _checked(k, v) for k, v in concentrations.items()}
    n = _length(values)
    run = _Run(standard, values, n)
    indicators = standard.hourly if report is Report.HOURLY else standard.daily
    for indicator in indicators:
        run.add_indicator(indicator)
    return run.result()


class _Run:
    """Accumulates the slot IAQIs and flags of one call."""

    def __init__(self, standard: AqiStandard, values: Mapping[str, Floats], n: int) -> None:
        self.standard = standard
        self.values = values
        self.n = n
        self.slots: dict[str, Ints] = {}
        self.capped = np.zeros(n, dtype=np.bool_)
        self.over_range = np.zeros(n, dtype=np.bool_)

    def add_indicator(self, indicator: Indicator, where: Bools | None = None) -> None:
        raw = self.values.get(indicator.measurement)
        if raw is None:
            return
        c = _rounded(raw, indicator.column.pollutant, self.standard)
        if where is not None:
            c = np.where(where, c, np.nan)
        rule = self.standard.over_range_rule(indicator.column)
        if rule is not None:
            over = c > float(rule.above)
            if over.any():
                self._over_range(rule, indicator, over)
                c = np.where(over, np.nan, c)
        self._merge(indicator.slot, self._iaqi(indicator.column, c))

    def _over_range(self, rule: OverRangeRule, indicator: Indicator, over: Bools) -> None:
        self.over_range |= over
        if rule.action is OverRangeAction.FIXED:
            assert rule.fixed_iaqi is not None
            fixed = np.where(over, rule.fixed_iaqi, MISSING).astype(np.int16)
            self._merge(indicator.slot, fixed)
        else:
            assert rule.other is not None
            self.add_indicator(rule.other, where=over)

    def _iaqi(self, column: Column, c: Floats) -> Ints:
        limits = [float(b) for b in self.standard.breakpoints[column] if b is not None]
        values, capped = iaqi_array(c, limits, self.standard.above_top_iaqi)
        self.capped |= capped
        return values

    def _merge(self, slot: str, values: Ints) -> None:
        current = self.slots.get(slot)
        self.slots[slot] = values if current is None else np.maximum(current, values)

    def result(self) -> AqiArrays:
        ordered = {s: self.slots[s] for s in SLOTS if s in self.slots}
        stack = list(ordered.values())
        aqi = np.maximum.reduce(stack) if stack else np.full(self.n, MISSING, np.int16)
        primary = np.zeros(self.n, dtype=np.uint8)
        exceeding = np.zeros(self.n, dtype=np.uint8)
        has_primary = aqi > self.standard.primary_above_aqi
        for slot, values in ordered.items():
            bit = np.uint8(SLOTS.index(slot))
            primary |= (has_primary & (values == aqi)).view(np.uint8) << bit
            exceeding |= (values > self.standard.exceeding_above_iaqi).view(np.uint8) << bit
        return AqiArrays(
            aqi, ordered, primary, exceeding, self.capped, self.over_range, self.standard
        )


def iaqi_array(c: Floats, limits: list[float], above_top: int) -> tuple[Ints, Bools]:
    """Exact IAQI (rounded up) of each concentration against one breakpoint column.

    ``limits`` are the column's breakpoints for ``IAQI_STEPS[:len(limits)]``. Returns the
    IAQIs (−1 for NaN) and the mask of values above the top breakpoint (set to
    ``above_top``).
    """
    bp = np.asarray(limits, dtype=np.float64)
    steps = np.asarray(IAQI_STEPS[: len(limits)], dtype=np.float64)
    slope = np.diff(steps) / np.diff(bp)
    offset = steps[:-1] - bp[:-1] * slope
    # bp[j] < c <= bp[j+1]: a value on a breakpoint takes that breakpoint's IAQI.
    j = np.clip(np.searchsorted(bp, c, side="left"), 1, len(bp) - 1) - 1
    guess = offset[j] + c * slope[j]
    k = np.ceil(guess)
    # The guess is within 1e-11 of the exact IAQI, so its ceiling can only be wrong where
    # the exact value is (nearly) an integer: settle those exactly, see the module docstring.
    near = np.flatnonzero(np.abs(guess - np.rint(guess)) < 1e-9)
    if near.size:
        k[near] = _exact_ceiling(c[near], np.rint(guess[near]), j[near], bp, steps)
    capped = c > bp[-1]
    k[capped] = above_top
    k[np.isnan(c)] = MISSING
    return k.astype(np.int16), capped


def _exact_ceiling(
    c: Floats, nearest: Floats, j: npt.NDArray[np.intp], bp: Floats, steps: Floats
) -> Floats:
    """IAQI = ``nearest`` if c <= T(nearest), else ``nearest`` + 1: the exact value lies
    within 1e-11 of ``nearest``."""
    span, step = np.diff(bp)[j], np.diff(steps)[j]
    # The double nearest T(nearest): integer numerator, one correctly rounded division.
    threshold = (bp[j] * step + (nearest - steps[j]) * span) / step
    return np.asarray(nearest + (c > threshold), dtype=np.float64)


def round_half_even(c: Floats, decimals: int) -> Floats:
    """GB/T 8170 rounding of decimal-text values to ``decimals`` places, exactly."""
    if decimals == 0:
        return np.rint(c)  # ties of binary doubles n + 0.5 are exact: rint is half-even
    scale = 10.0**decimals
    j = np.rint(c * scale)
    below = (2 * j - 1) / (2 * scale)  # the double nearest the exact midpoint
    above = (2 * j + 1) / (2 * scale)
    even = np.remainder(j, 2) == 0
    j -= (c < below) | ((c == below) & ~even)
    j += (c > above) | ((c == above) & ~even)
    return j / scale


def _rounded(c: Floats, pollutant: str, standard: AqiStandard) -> Floats:
    if standard.rounding is None:
        return c
    exponent = standard.rounding.quantum(pollutant).as_tuple().exponent
    assert isinstance(exponent, int)
    return round_half_even(c, max(0, -exponent))


def _checked(name: str, value: npt.ArrayLike) -> Floats:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a one-dimensional array")
    if np.any(array < 0):
        raise ValueError(f"{name}: negative concentration")
    return array


def _length(values: Mapping[str, Floats]) -> int:
    lengths = {len(v) for v in values.values()}
    if len(lengths) > 1:
        raise ValueError(f"arrays of different lengths: {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def _names(mask: int) -> tuple[str, ...]:
    return tuple(s for i, s in enumerate(SLOTS) if mask & (1 << i))


_NAMES = [_names(mask) for mask in range(1 << len(SLOTS))]


def compute_aqi_many(
    records: Sequence[tuple[AqiStandard, Mapping[str, Number | None]]],
    *,
    report: Report | str,
) -> list[AqiResult]:
    """``aqi.compute_aqi`` for a batch of records, each with its own edition, at vector speed.

    Gives the same ``AqiResult`` as the row-by-row path. Records with a value of more than
    15 significant digits (beyond what a double holds, so the module's exactness argument
    does not apply) and records that need a flag (over-range rule, above 500) go through
    ``aqi.compute_aqi``.
    """
    report = Report(report)
    out: list[AqiResult | None] = [None] * len(records)
    groups: dict[str, list[tuple[int, dict[str, float]]]] = {}
    for i, (standard, values) in enumerate(records):
        floats = _as_floats(values)
        if floats is None:
            out[i] = compute_aqi(values, report=report, standard=standard)
        else:
            groups.setdefault(standard.code, []).append((i, floats))
    for members in groups.values():
        standard = records[members[0][0]][0]
        for (i, _), result in zip(members, _batch(members, report, standard), strict=True):
            out[i] = (
                result
                if result is not None
                else compute_aqi(records[i][1], report=report, standard=standard)
            )
    return [r for r in out if r is not None]


def _batch(
    members: list[tuple[int, dict[str, float]]], report: Report, standard: AqiStandard
) -> list[AqiResult | None]:
    """Results of one edition's records; ``None`` where a flag needs the row-by-row path."""
    names = {name for _, floats in members for name in floats}
    if not names:  # nothing measured at all
        return [AqiResult(standard, report, None, {}, (), (), ()) for _ in members]
    arrays = {name: np.array([f.get(name, np.nan) for _, f in members]) for name in names}
    fast = compute_aqi_arrays(arrays, report=report, standard=standard)
    aqi, primary, exceeding = fast.aqi.tolist(), fast.primary.tolist(), fast.exceeding.tolist()
    flagged = (fast.capped | fast.over_range).tolist()
    slots = {slot: values.tolist() for slot, values in fast.iaqi.items()}
    results: list[AqiResult | None] = []
    for j in range(len(members)):
        if flagged[j]:
            results.append(None)
            continue
        iaqi = {slot: values[j] for slot, values in slots.items() if values[j] >= 0}
        value = None if aqi[j] < 0 else aqi[j]
        names_p, names_e = _NAMES[primary[j]], _NAMES[exceeding[j]]
        results.append(AqiResult(standard, report, value, iaqi, names_p, names_e, ()))
    return results


def _as_floats(values: Mapping[str, Number | None]) -> dict[str, float] | None:
    """Validated values as doubles, or ``None`` if one has more digits than a double holds."""
    out: dict[str, float] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, Decimal) and value.is_finite() and value >= 0:
            exact = value  # already valid: skip the copy to_decimal makes
        else:
            exact = to_decimal(value)  # validates or raises
        if not isinstance(value, float) and len(exact.as_tuple().digits) > 15:
            return None
        out[name] = value if isinstance(value, float) else float(exact)
    return out
