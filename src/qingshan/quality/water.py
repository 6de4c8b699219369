"""Surface-water classification: GB 3838-2002 single-factor classes and the 2011 evaluation
method (section class, main pollutants, status words, river shares, trend, trophic state).

Concentrations are ``Decimal`` so that a value equal to a limit lands in that class
(0.005 mg/L Cd is class II, not "0.005000000001 > 0.005").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from qingshan.quality.aqi import Number, to_decimal
from qingshan.quality.water_standards import (
    GB3838_2002,
    METHOD_2011,
    TLI_COEFFICIENTS,
    TROPHIC_STATES,
    Direction,
    EvaluationMethod,
    Status,
    WaterBody,
    WaterClass,
    WaterItem,
    WaterStandard,
)


@dataclass(frozen=True)
class MainPollutant:
    """主要污染指标: an item worse than class III, with its exceedance multiple."""

    item: str
    water_class: WaterClass
    multiple: Decimal | None

    def __str__(self) -> str:
        if self.multiple is None:
            return self.item
        return f"{self.item}({format(self.multiple.normalize(), 'f')})"


@dataclass(frozen=True)
class WaterSection:
    """The assessment of one monitoring section (断面) from one sample or period mean."""

    water_body: WaterBody
    item_classes: Mapping[str, WaterClass]
    water_class: WaterClass | None
    status: Status | None
    main_pollutants: tuple[MainPollutant, ...]


def item_class(
    item: str,
    value: Number,
    *,
    water_body: WaterBody | str = WaterBody.RIVER,
    standard: WaterStandard = GB3838_2002,
) -> WaterClass:
    """Single-factor class of one item (GB 3838-2002 Table 1). Where several classes share a
    limit the best applies (COD 15 → I, Cd 0.005 → II); beyond class V → 劣V."""
    spec = standard.item(item)
    c = to_decimal(value)
    limits = spec.limits_for(WaterBody.parse(water_body))
    if spec.direction is Direction.RANGE:
        low, high = limits
        return WaterClass.I if low <= c <= high else WaterClass.WORSE_THAN_V
    for water_class, limit in zip(WaterClass, limits, strict=False):
        if (c >= limit) if spec.direction is Direction.AT_LEAST else (c <= limit):
            return water_class
    return WaterClass.WORSE_THAN_V


def exceedance_multiple(
    item: str,
    value: Number,
    *,
    water_body: WaterBody | str = WaterBody.RIVER,
    standard: WaterStandard = GB3838_2002,
) -> Decimal | None:
    """超标倍数 (C − S_III)/S_III against the class III limit (2011 method), unrounded;
    ``None`` for items that take no multiple (pH, DO) or do not exceed class III."""
    spec = standard.item(item)
    if not spec.has_multiple or spec.direction is not Direction.AT_MOST:
        return None
    limit = spec.limits_for(WaterBody.parse(water_body))[WaterClass.III - 1]
    c = to_decimal(value)
    return (c - limit) / limit if c > limit else None


def assess_section(
    values: Mapping[str, Number | None],
    *,
    water_body: WaterBody | str = WaterBody.RIVER,
    standard: WaterStandard = GB3838_2002,
    method: EvaluationMethod = METHOD_2011,
) -> WaterSection:
    """Classify every item given, then the section: the worst class over the items the 2011
    method uses (not TN, not fecal coliform), its status word and main pollutants."""
    body = WaterBody.parse(water_body)
    given = {k: to_decimal(v) for k, v in values.items() if v is not None}
    classes = {
        code: item_class(code, given[code], water_body=body, standard=standard)
        for code in standard.codes
        if code in given
    }
    unknown = sorted(set(given) - set(standard.codes))
    if unknown:
        raise KeyError(f"unknown water-quality items {unknown}")
    used = [c for code, c in classes.items() if standard.item(code).classifies_section]
    worst = max(used) if used else None
    status = None if worst is None else method.section_status[worst]
    main = _main_pollutants(given, classes, body, standard, method)
    return WaterSection(body, classes, worst, status, main)


def _main_pollutants(
    values: Mapping[str, Decimal],
    classes: Mapping[str, WaterClass],
    body: WaterBody,
    standard: WaterStandard,
    method: EvaluationMethod,
) -> tuple[MainPollutant, ...]:
    """Items worse than III: cyanide and heavy metals first, then by class, then by
    exceedance multiple (items without one last in their class); the top three."""
    found: list[tuple[tuple[int, int, int, Decimal, int], MainPollutant]] = []
    quantum = Decimal(1).scaleb(-method.multiple_places)
    for code, water_class in classes.items():
        spec: WaterItem = standard.item(code)
        if not spec.classifies_section or water_class <= WaterClass.III:
            continue
        multiple = exceedance_multiple(code, values[code], water_body=body, standard=standard)
        key = (
            0 if spec.priority else 1,
            -water_class,
            0 if multiple is not None else 1,
            -(multiple or Decimal(0)),
            spec.row,
        )
        shown = None if multiple is None else multiple.quantize(quantum, ROUND_HALF_EVEN)
        found.append((key, MainPollutant(code, water_class, shown)))
    found.sort(key=lambda pair: pair[0])
    return tuple(p for _, p in found[: method.main_pollutant_count])


def format_main_pollutants(pollutants: Iterable[MainPollutant], sep: str = ";") -> str:
    """``nh3n(1.4);tp(0.4)`` — names with exceedance multiples in brackets."""
    return sep.join(str(p) for p in pollutants)


def share_iii_or_better(classes: Sequence[WaterClass]) -> Decimal:
    """I–III 类水质断面比例, percent of the sections assessed."""
    return _share(classes, lambda c: c <= WaterClass.III)


def share_worse_than_v(classes: Sequence[WaterClass]) -> Decimal:
    """劣V 类水质断面比例, percent of the sections assessed."""
    return _share(classes, lambda c: c is WaterClass.WORSE_THAN_V)


def _share(classes: Sequence[WaterClass], test: Callable[[WaterClass], bool]) -> Decimal:
    if not classes:
        raise ValueError("no sections assessed")
    return Decimal(sum(1 for c in classes if test(c)) * 100) / len(classes)


def river_status(
    classes: Sequence[WaterClass], *, method: EvaluationMethod = METHOD_2011
) -> Status:
    """Status of a river or basin with ≥ 5 sections from the shares of I–III and 劣V."""
    if len(classes) < method.river_min_sections:
        raise ValueError(
            f"{len(classes)} sections: below {method.river_min_sections} the method averages "
            "each item over the sections and classifies that (see average_samples)"
        )
    good, worst = share_iii_or_better(classes), share_worse_than_v(classes)
    for rule in method.river_rules:
        if (rule.min_good is None or good >= rule.min_good) and (
            rule.max_worst is None or worst < rule.max_worst
        ):
            return rule.status
    raise AssertionError("the last river rule has no bounds")


def average_samples(samples: Iterable[Mapping[str, Number | None]]) -> dict[str, Decimal]:
    """Arithmetic mean of each item over samples or sections (period values, and rivers of
    fewer than 5 sections): classify the mean, never average classes."""
    sums: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    for sample in samples:
        for item, value in sample.items():
            if value is not None:
                sums[item] = sums.get(item, Decimal(0)) + to_decimal(value)
                counts[item] = counts.get(item, 0) + 1
    return {item: total / counts[item] for item, total in sums.items()}


@dataclass(frozen=True)
class Trend:
    delta: Decimal  # ΔG − ΔD, percentage points
    word: str


def river_trend(
    good_before: Number,
    worst_before: Number,
    good_after: Number,
    worst_after: Number,
    *,
    method: EvaluationMethod = METHOD_2011,
) -> Trend:
    """Change of a river's status from the I–III share G and the 劣V share D (percent)."""
    delta = (to_decimal(good_after) - to_decimal(good_before)) - (
        to_decimal(worst_after) - to_decimal(worst_before)
    )
    small, medium = method.trend_bounds
    if abs(delta) <= small:
        return Trend(delta, "无明显变化")
    direction = "好转" if delta > 0 else "变差"
    return Trend(delta, ("有所" if abs(delta) <= medium else "明显") + direction)


@dataclass(frozen=True)
class TrophicState:
    items: Mapping[str, float]
    tli: float
    state: str
    state_en: str


def trophic_state(*, chla: float, tp: float, tn: float, sd: float, codmn: float) -> TrophicState:
    """Lake trophic state index TLI(Σ) = Σ W_j·TLI(j), W_j = r_j² / Σ r² (2011 method).
    chla in mg/m³, SD in m, others mg/L. Values rounded to 0.01 for publication."""
    given = {"chla": chla, "tp": tp, "tn": tn, "sd": sd, "codmn": codmn}
    weights = {k: r * r for k, (r, _, _) in TLI_COEFFICIENTS.items()}
    total_weight = sum(weights.values())
    items = {k: 10 * (a + b * math.log(given[k])) for k, (_, a, b) in TLI_COEFFICIENTS.items()}
    tli = sum(weights[k] * items[k] for k in items) / total_weight
    state = next(s for s in TROPHIC_STATES if tli < s[0] or (s[1] and tli == s[0]))
    return TrophicState(
        {k: round(v, 2) for k, v in items.items()}, round(tli, 2), state[2], state[3]
    )
