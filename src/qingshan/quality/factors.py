"""Which HJ 212 factor codes an ambient station sends, and what the quality core calls them.

Pure data (no Django): the stream consumer, the importers and the demo read it.

Air (ST=22): national-network stations report µg/m³, CO in mg/m³ — the units of HJ 633
Table 1 — whatever unit HJ 212 Appendix B lists for the code as a pollution-source factor
(it lists a21026 in mg/m³ and a34004 in ng/m³ for stacks). Ozone, a05024, is an HJ 524
extension code that real ST=22 loggers send (reference/hj212.md §7, sample 844).

Water (ST=21): values arrive in the unit of the HJ 212 catalogue (reference/hj212.md
Appendix B; metals in µg/L for some codes) and are converted to the mg/L of GB 3838-2002
Table 1 with ``scale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class FactorMap:
    code: str  # HJ 212 factor code
    name: str  # measurement name of the quality core (aqi.measurements / water item)
    scale: Decimal = Decimal(1)  # value in the core's unit = value as sent × scale


#: Ambient air: HJ 212 code → hourly measurement of ``aqi.compute_aqi`` (µg/m³, CO mg/m³).
AIR_FACTORS: tuple[FactorMap, ...] = (
    FactorMap("a21026", "so2"),
    FactorMap("a21004", "no2"),
    FactorMap("a34002", "pm10"),
    FactorMap("a21005", "co"),
    FactorMap("a05024", "o3"),
    FactorMap("a34004", "pm25"),
)

_UG = Decimal("0.001")  # µg/L → mg/L

#: Surface water: HJ 212 code → GB 3838-2002 item of ``water.assess_section`` (mg/L).
WATER_FACTORS: tuple[FactorMap, ...] = (
    FactorMap("w01001", "ph"),
    FactorMap("w01009", "do"),
    FactorMap("w01019", "codmn"),
    FactorMap("w01018", "cod"),
    FactorMap("w01017", "bod5"),
    FactorMap("w21003", "nh3n"),
    FactorMap("w21011", "tp"),
    FactorMap("w21001", "tn"),
    FactorMap("w20122", "cu"),
    FactorMap("w20123", "zn"),
    FactorMap("w21017", "f"),
    FactorMap("w20128", "se", _UG),
    FactorMap("w20119", "as", _UG),
    FactorMap("w20111", "hg", _UG),
    FactorMap("w20115", "cd", _UG),
    FactorMap("w20117", "cr6", _UG),
    FactorMap("w20120", "pb", _UG),
    FactorMap("w21016", "cn"),
    FactorMap("w23002", "phenol"),
    FactorMap("w22001", "oil"),
    FactorMap("w19002", "las"),
    FactorMap("w21019", "s"),
    FactorMap("w02003", "fecal_coliform"),
)

AIR_BY_CODE = {f.code: f for f in AIR_FACTORS}
AIR_BY_NAME = {f.name: f for f in AIR_FACTORS}
WATER_BY_CODE = {f.code: f for f in WATER_FACTORS}
WATER_BY_NAME = {f.name: f for f in WATER_FACTORS}

#: What a new station's monitoring point measures.
AIR_POINT_FACTORS = tuple(f.code for f in AIR_FACTORS)
#: What a new automatic water station measures (the nine items of most automatic stations).
WATER_POINT_FACTORS = ("w01001", "w01009", "w01019", "w21003", "w21011", "w21001", "w01018")

#: HJ 212 data flags that mark a value as valid: ``N`` normal (HJ 212-2017); ``3`` normal
#: data of an HJ/T 212-2005 air-quality station (reference/hj212.md, data flags). A value
#: sent without a flag is taken as normal. Everything else (F, M, S, D, C, T, B; 0, 1, 2)
#: is calibration, maintenance, fault or out-of-range data and not a valid hourly mean.
VALID_FLAGS = frozenset({"N", "3", ""})


def to_core(factor: FactorMap, value: float) -> Decimal:
    """A value as sent → the core's unit, exactly (floats through their shortest repr)."""
    return Decimal(repr(value)) * factor.scale if factor.scale != 1 else Decimal(repr(value))
