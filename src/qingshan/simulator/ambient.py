"""Ambient profiles: what an air-quality station (ST=22) and an automatic surface-water
station (ST=21) report, in the units those networks use (µg/m³, CO mg/m³; mg/L).

The stack and outlet values of :mod:`signals` would be absurd at a station (CO 10–50
mg/m³ is an AQI of 300+), so a device whose system code is 22 or 21 takes its factors'
behaviour from here. The daily cycle of :class:`signals.DeviceSignals` peaks in the
afternoon, which suits ozone; the numbers are plausible for a city in eastern China, not
a model of one.
"""

from __future__ import annotations

from collections.abc import Mapping

from .signals import KINDS, Kind

__all__ = ["AIR_QUALITY", "SURFACE_WATER", "kinds_for"]

AIR_QUALITY: dict[str, Kind] = {
    **{code: KINDS[code] for code in ("a01001", "a01002", "a01006", "a01007", "a01008")},
    "a34004": Kind(30.0, 10.0, 0.15, 0, limit=75.0),  # PM2.5, µg/m³
    "a34002": Kind(50.0, 15.0, 0.15, 0, limit=150.0),  # PM10, µg/m³
    "a21026": Kind(6.0, 3.0, 0.15, 0, limit=150.0),  # SO2, µg/m³
    "a21004": Kind(22.0, 8.0, 0.15, 0, limit=80.0),  # NO2, µg/m³
    "a21005": Kind(0.55, 0.2, 0.10, 2, limit=4.0),  # CO, mg/m³
    "a05024": Kind(25.0, 110.0, 0.12, 0, limit=200.0),  # O3, µg/m³ (afternoon peak)
}

SURFACE_WATER: dict[str, Kind] = {
    "w01001": Kind(7.4, 0.3, 0.01, 2, 6.0, 9.0, scaled=False),  # pH
    "w01009": Kind(7.8, 1.0, 0.04, 2),  # dissolved oxygen, mg/L
    "w01019": Kind(2.8, 0.6, 0.08, 2),  # permanganate index, mg/L
    "w01018": Kind(11.0, 2.0, 0.08, 1),  # COD, mg/L
    "w21003": Kind(0.25, 0.1, 0.12, 3),  # ammonia nitrogen, mg/L
    "w21011": Kind(0.08, 0.03, 0.12, 3),  # total phosphorus, mg/L
    "w21001": Kind(1.4, 0.3, 0.08, 2),  # total nitrogen, mg/L
    "w01010": KINDS["w01010"],  # water temperature
}


def kinds_for(st: str) -> Mapping[str, Kind] | None:
    """The ambient profile of a system code, or None for a pollution source."""
    return {"22": AIR_QUALITY, "21": SURFACE_WATER}.get(st)
