"""Believable monitoring values: a daily production cycle, noise, and faults on request.

Each factor code maps to a :class:`Kind`: the value at zero and at full production load,
relative noise, the decimals a logger prints, a physical range, and a typical emission
limit (the threshold an exceedance crosses). Concentrations of pollutant gases are also
reported converted to reference O2 (``ZsRtd``, hj212.md §7.7: C × (21 − O2ref)/(21 − O2))
when the point measures O2 (``a19001``).

The numbers are plausible, not a standard: they make dashboards, alarms and quality checks
look like a real city. Codes not listed get a generic concentration.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["KINDS", "O2_CODE", "O2_REFERENCE", "DeviceSignals", "Faults", "Kind", "kind_of"]

O2_CODE = "a19001"
#: Reference O2 for the 折算 conversion: 9 % (coal-fired boilers, GB 13271).
O2_REFERENCE = 9.0


@dataclass(frozen=True, slots=True)
class Kind:
    """How one factor behaves: ``base + swing × load`` with relative noise, clamped."""

    base: float
    swing: float
    noise: float
    decimals: int = 3
    low: float = 0.0
    high: float = 1e9
    #: Typical emission limit; exceedances are drawn above it. ``None``: never exceeds.
    limit: float | None = None
    #: A pollutant gas converted to reference O2 (``ZsRtd``) when O2 is measured.
    zs: bool = False
    #: Differs from site to site (a per-device scale of 0.6–1.4 applies).
    scaled: bool = True
    #: Flow: the period amount (``Cou``) is a volume.
    flow: bool = False


_CONC = Kind(5.0, 5.0, 0.10)

KINDS: dict[str, Kind] = {
    # wastewater (mg/L unless noted)
    "w00000": Kind(5.0, 25.0, 0.08, 3, flow=True),  # flow, L/s
    "w01001": Kind(6.9, 0.6, 0.02, 2, 6.0, 9.0, limit=9.0, scaled=False),  # pH
    "w01018": Kind(25.0, 35.0, 0.08, 2, limit=100.0),  # COD
    "w21003": Kind(1.5, 3.0, 0.10, 3, limit=15.0),  # NH3-N
    "w21011": Kind(0.15, 0.35, 0.10, 3, limit=1.0),  # total P
    "w21001": Kind(6.0, 8.0, 0.08, 3, limit=20.0),  # total N
    "w01012": Kind(10.0, 20.0, 0.10, 1, limit=70.0),  # suspended solids
    "w20116": Kind(0.05, 0.10, 0.15, 4, limit=1.5),  # total Cr
    "w20117": Kind(0.02, 0.05, 0.15, 4, limit=0.5),  # Cr(VI)
    "w20121": Kind(0.05, 0.20, 0.15, 4, limit=1.0),  # Ni
    "w20122": Kind(0.05, 0.20, 0.15, 4, limit=0.5),  # Cu
    "w01010": Kind(18.0, 8.0, 0.03, 1, scaled=False),  # water temperature
    # stack gas (mg/m³ unless noted)
    "a00000": Kind(10.0, 30.0, 0.06, 3, flow=True),  # flue-gas flow, m³/s
    "a19001": Kind(12.0, -4.0, 0.03, 2, 3.0, 21.0, scaled=False),  # O2, %
    "a01011": Kind(6.0, 8.0, 0.05, 2),  # velocity, m/s
    "a01012": Kind(60.0, 60.0, 0.03, 1, scaled=False),  # flue temperature, °C
    "a01013": Kind(-0.3, 0.5, 0.10, 3, -5.0, 5.0, scaled=False),  # pressure, kPa
    "a01014": Kind(6.0, 6.0, 0.05, 2, 0.0, 100.0, scaled=False),  # humidity, %
    "a01017": Kind(0.1, 0.3, 0.08, 3),  # dynamic pressure, kPa
    "a01901": Kind(850.0, 150.0, 0.02, 1, scaled=False),  # furnace temperature, °C
    "a34013": Kind(3.0, 6.0, 0.12, 3, limit=20.0, zs=True),  # dust
    "a21026": Kind(10.0, 25.0, 0.10, 3, limit=50.0, zs=True),  # SO2
    "a21002": Kind(30.0, 60.0, 0.08, 3, limit=150.0, zs=True),  # NOx
    "a21005": Kind(10.0, 40.0, 0.12, 3, limit=100.0, zs=True),  # CO
    "a21024": Kind(2.0, 6.0, 0.12, 3, limit=10.0, zs=True),  # HCl
    "a24088": Kind(3.0, 12.0, 0.12, 3, limit=60.0),  # NMHC
    # ambient air and noise
    "a34002": Kind(40.0, 60.0, 0.12, 1, limit=150.0),  # PM10, µg/m³
    "a34004": Kind(20.0, 40.0, 0.12, 1, limit=75.0),  # PM2.5, µg/m³
    "a01001": Kind(12.0, 10.0, 0.03, 1, -30.0, 45.0, scaled=False),  # air temperature, °C
    "a01002": Kind(75.0, -25.0, 0.04, 1, 5.0, 100.0, scaled=False),  # humidity, %
    "a01006": Kind(101.3, -0.4, 0.001, 2, scaled=False),  # pressure, kPa
    "a01007": Kind(1.0, 3.0, 0.25, 1, scaled=False),  # wind speed, m/s
    "a01008": Kind(180.0, 0.0, 0.5, 0, 0.0, 359.0, scaled=False),  # wind direction, °
    "LA": Kind(48.0, 14.0, 0.04, 1, limit=65.0, scaled=False),  # A-weighted level, dB
}


def kind_of(code: str) -> Kind:
    """The behaviour of ``code`` (a generic concentration for codes not listed)."""
    return KINDS.get(code, _CONC)


@dataclass(frozen=True, slots=True)
class Faults:
    """Faults to inject. Probabilities are per packet unless said otherwise."""

    #: Chance that a packet carries one pollutant above its limit × ``exceed_factor``.
    exceed: float = 0.0
    exceed_factor: float = 1.5
    #: Fraction of devices with one factor stuck at a constant value for the whole run.
    stuck: float = 0.0
    #: Chance per value of a zero reading (flag still N — a classic instrument fault).
    zero: float = 0.0
    #: Fraction of devices that go offline: after ``offline_after`` s connected they
    #: disconnect, stay away ``offline_for`` s, reconnect, and so on.
    offline: float = 0.0
    offline_after: float = 60.0
    offline_for: float = 30.0
    #: Chance per transmission that the CRC is wrong (a resend is sent correctly).
    bad_crc: float = 0.0
    #: Chance per packet that it is written in 2–4 pieces, ``split_gap`` s apart.
    split: float = 0.0
    split_gap: float = 0.02
    #: Chance per write that 2–3 packets go out in one write (ignores the window).
    merge: float = 0.0


class DeviceSignals:
    """The values one device reports: its factors, site scale, daily peak and faults."""

    __slots__ = (
        "_exceed_codes",
        "_fixed",
        "_kinds",
        "_o2",
        "_peak",
        "_rng",
        "_scale",
        "codes",
        "faults",
        "has_flow",
        "zs",
    )

    def __init__(
        self,
        codes: tuple[str, ...],
        faults: Faults,
        rng: random.Random,
        kinds: Mapping[str, Kind] | None = None,  # a profile (``ambient``) before KINDS
    ) -> None:
        self.codes = codes
        self.faults = faults
        self._rng = rng
        self._kinds = [(kinds or {}).get(code) or kind_of(code) for code in codes]
        self._scale = [rng.uniform(0.6, 1.4) if k.scaled else 1.0 for k in self._kinds]
        self._peak = rng.uniform(10.0, 16.0)  # hour of the day production peaks
        self._o2 = codes.index(O2_CODE) if O2_CODE in codes else -1
        #: Per factor: also report the O2-converted value.
        self.zs = [k.zs and self._o2 >= 0 for k in self._kinds]
        self.has_flow = any(k.flow for k in self._kinds)
        self._exceed_codes = [i for i, k in enumerate(self._kinds) if k.limit is not None]
        #: Stuck factors: index → the value it keeps reporting.
        self._fixed: dict[int, float] = {}
        if faults.stuck and rng.random() < faults.stuck and codes:
            self._fixed[rng.randrange(len(codes))] = math.nan

    def load(self, epoch: float) -> float:
        """Production load 0.05–1: high around the site's peak hour, low at night."""
        hour = ((epoch + 28800.0) % 86400.0) / 3600.0
        cycle = 0.5 + 0.45 * math.cos((hour - self._peak) * (math.pi / 12.0))
        return min(1.0, max(0.05, cycle + 0.05 * (self._rng.random() - 0.5)))

    def values(self, epoch: float, spread: float = 1.0) -> list[float]:
        """One value per factor at ``epoch`` (UTC seconds); ``spread`` scales the noise."""
        rng = self._rng.random
        load = self.load(epoch)
        out: list[float] = []
        for kind, scale in zip(self._kinds, self._scale, strict=True):
            mean = (kind.base + kind.swing * load) * scale
            # Sum of two uniforms: a cheap bell-ish noise in -1..1.
            value = mean * (1.0 + kind.noise * spread * (rng() + rng() - 1.0))
            out.append(min(kind.high, max(kind.low, value)))
        faults = self.faults
        if faults.exceed and self._exceed_codes and rng() < faults.exceed:
            index = self._exceed_codes[int(rng() * len(self._exceed_codes))]
            limit = self._kinds[index].limit
            assert limit is not None
            out[index] = limit * faults.exceed_factor * (1.0 + 0.05 * rng())
        if faults.zero:
            for i in range(len(out)):
                if rng() < faults.zero:
                    out[i] = 0.0
        for index, kept in self._fixed.items():
            if math.isnan(kept):
                self._fixed[index] = out[index]
            else:
                out[index] = kept
        return out

    def period(self, epoch: float) -> tuple[list[float], list[float], list[float]]:
        """Min, mean and max of each factor over a period centred on ``epoch``."""
        avgs = self.values(epoch, 0.5)
        rng = self._rng.random
        lows: list[float] = []
        highs: list[float] = []
        for i, (kind, value) in enumerate(zip(self._kinds, avgs, strict=True)):
            delta = 0.0 if i in self._fixed else abs(value) * kind.noise * (1.0 + rng())
            lows.append(max(kind.low, value - delta))
            highs.append(min(kind.high, value + delta))
        return lows, avgs, highs

    def converted(self, values: list[float], o2_from: list[float] | None = None) -> list[float]:
        """Values converted to the reference O2 (``Zs…``, hj212.md §7.7), with the O2 of
        ``o2_from`` (default: of ``values`` itself)."""
        if self._o2 < 0:
            return values
        o2 = min((o2_from or values)[self._o2], 19.0)  # keep the divisor sane near 21 %
        ratio = (21.0 - O2_REFERENCE) / (21.0 - o2)
        return [v * ratio for v in values]

    def decimals(self) -> list[int]:
        return [k.decimals for k in self._kinds]

    def flows(self) -> list[bool]:
        return [k.flow for k in self._kinds]
