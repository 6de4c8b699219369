"""Monitoring-factor (pollutant / parameter) codes of HJ 212-2017 Appendix B.

The catalogue lives in one file shipped with the package, ``data/factors.csv`` (UTF-8,
header ``code,name_zh,name_en,unit,code_2005,medium,unit_amount,data_type``), transcribed
from hj212.md §7: Table B.1 water (``w…``), B.2 gas (``a…``), B.3 noise (``L…``) and B.10
field-machine information (``i…``; the ``i3331x``–``i3334x`` rows expanded to x = 0–9).
``unit`` is the default concentration unit (for ``-Rtd/-Min/-Avg/-Max``), ``unit_amount``
the default amount unit (for ``-Cou``); an empty unit means dimensionless or none.
``code_2005`` is the HJ/T 212-2005 code (原编码) or empty.

The standard marks every table "可扩充" and devices send many codes not in it
(hj212.md §7), so an unknown code is normal: keep it and its values as sent.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["Factor", "factor", "factor_2005", "load_factors"]


@dataclass(frozen=True, slots=True)
class Factor:
    """One monitoring factor of Appendix B."""

    code: str
    name_zh: str
    name_en: str
    unit: str
    code_2005: str
    #: ``water``, ``air``, ``noise`` or ``device`` (field-machine information, B.10).
    medium: str
    unit_amount: str = ""
    #: Default data type of the standard, e.g. ``N5.2`` (2017 §6.3.3.2.2).
    data_type: str = ""


@cache
def _catalogue() -> dict[str, Factor]:
    text = resources.files(__package__).joinpath("data/factors.csv").read_text("utf-8")
    return {row["code"]: Factor(**row) for row in csv.DictReader(io.StringIO(text))}


def load_factors() -> dict[str, Factor]:
    """The whole catalogue, ``{code: Factor}`` in the order of the standard's tables."""
    return dict(_catalogue())


@cache
def _by_lower() -> dict[str, Factor]:
    return {code.lower(): f for code, f in _catalogue().items()}


@cache
def _by_2005() -> dict[str, Factor]:
    return {f.code_2005: f for f in reversed(_catalogue().values()) if f.code_2005}


def factor(code: str) -> Factor | None:
    """Look up a 2017 code. Exact match first, then case-insensitive (the standard itself
    prints ``I33400`` for ``i33400``, hj212.md §7.6)."""
    found = _catalogue().get(code)
    return found if found is not None else _by_lower().get(code.lower())


def factor_2005(code: str) -> Factor | None:
    """Look up an HJ/T 212-2005 code (``B01``, ``011``, ``S01`` …) sent by old loggers."""
    return _by_2005().get(code)
