"""The data loggers a simulation plays: from a CSV file, from the registry, or synthetic.

A :class:`DeviceSpec` is what a real logger is configured with on site: its MN, its access
password, the system code (ST) of what it monitors, and the HJ 212 factor codes of its
monitoring point. Only :func:`registry_devices` touches Django, and only when called.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "GAS_FACTORS",
    "SYNTHETIC_PASSWORD",
    "SYNTHETIC_PREFIX",
    "WATER_FACTORS",
    "DeviceSpec",
    "load_devices_csv",
    "registry_devices",
    "station_type",
    "synthetic_devices",
    "synthetic_mn",
]

#: A stack-gas CEMS point (7 factors; O2 is measured, so SO2/NOx/dust also carry ZsRtd).
GAS_FACTORS = ("a34013", "a21026", "a21002", "a19001", "a01012", "a01011", "a00000")
#: A wastewater outlet (6 factors).
WATER_FACTORS = ("w01018", "w21003", "w21011", "w21001", "w01001", "w00000")

SYNTHETIC_PREFIX = "QSSIM"
SYNTHETIC_PASSWORD = "123456"

# Ambient codes that mean an air-quality station (ST=22) rather than a stack (ST=31).
_AMBIENT = frozenset({"a34002", "a34004", "a34005", "a34001", "a05024", "a21004"})
# Codes only a surface-water station measures (dissolved oxygen, permanganate index): ST=21.
_SURFACE_WATER = frozenset({"w01009", "w01019"})
_NOISE = frozenset({"LA", "Leq", "L5", "L10", "L50", "L90", "L95", "Ld", "Ln", "Ldn"})


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One data logger (数采仪): identity, password, system code and measured factors."""

    mn: str
    password: str
    factors: tuple[str, ...]
    st: str = ""
    point_id: int | None = None
    enterprise: str = ""

    def __post_init__(self) -> None:
        if not self.mn:
            raise ValueError("a device needs an MN")
        if not self.st:
            object.__setattr__(self, "st", station_type(self.factors))


def station_type(factors: Iterable[str]) -> str:
    """HJ 212-2017 Table 5 system code for a point measuring ``factors``: 21 surface water
    quality, 32 wastewater outlet, 31 stack gas, 22 ambient air quality, 23 noise (31 when
    nothing fits)."""
    codes = set(factors)
    if codes & _SURFACE_WATER:
        return "21"
    if any(code.startswith("w") for code in codes):
        return "32"
    if codes & _AMBIENT:
        return "22"
    if codes and codes <= _NOISE:
        return "23"
    return "31"


def load_devices_csv(path: str | Path) -> list[DeviceSpec]:
    """Read ``mn,password,point_id,enterprise,factors`` rows (the file ``qingshan
    load_demo`` writes to ``DATA_DIR/demo_devices.csv``; factors space-separated)."""
    devices: list[DeviceSpec] = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"mn", "password", "factors"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            mn = (row.get("mn") or "").strip()
            if not mn:
                continue
            point = (row.get("point_id") or "").strip()
            factors = tuple((row.get("factors") or "").split())
            if not factors:
                raise ValueError(f"{path}:{line}: device {mn} has no factors")
            devices.append(
                DeviceSpec(
                    mn=mn,
                    password=(row.get("password") or "").strip(),
                    factors=factors,
                    point_id=int(point) if point.isdigit() else None,
                    enterprise=(row.get("enterprise") or "").strip(),
                )
            )
    return devices


def synthetic_mn(index: int, prefix: str = SYNTHETIC_PREFIX) -> str:
    """MN of synthetic device ``index`` (1-based): the prefix, then the index zero-padded
    to 24 characters in all (the 2017 MN length), e.g. ``QSSIM0000000000000000001``."""
    return f"{prefix}{index:0{max(1, 24 - len(prefix))}d}"


def synthetic_devices(
    count: int, *, prefix: str = SYNTHETIC_PREFIX, password: str = SYNTHETIC_PASSWORD
) -> list[DeviceSpec]:
    """``count`` devices for benchmarks: odd indexes are stack-gas points
    (:data:`GAS_FACTORS`, ST=31), even ones wastewater outlets (:data:`WATER_FACTORS`,
    ST=32); MN :func:`synthetic_mn`, one password for all. A benchmark registers the same
    list in the gateway's registry by calling this function with the same arguments."""
    if len(synthetic_mn(count, prefix)) > 24 or not prefix.isalnum():
        raise ValueError("MN prefix: letters and digits, leaving room for the index in 24")
    return [
        DeviceSpec(
            mn=synthetic_mn(i, prefix),
            password=password,
            factors=GAS_FACTORS if i % 2 else WATER_FACTORS,
            enterprise=f"synthetic {i}",
        )
        for i in range(1, count + 1)
    ]


def registry_devices(password: str, *, limit: int | None = None) -> list[DeviceSpec]:
    """Active devices of the registry and their points' factors (sets up Django).

    The registry keeps only password digests, so every device gets ``password``.
    """
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshan.settings")
    import django

    django.setup()
    from qingshan.registry.models import Device

    query = (
        Device.objects.filter(is_active=True)
        .select_related("point__outlet__enterprise")
        .order_by("mn")
    )
    if limit is not None:
        query = query[:limit]
    devices: list[DeviceSpec] = []
    for device in query:
        factors: Sequence[str] = device.point.factors or ()
        if not factors:
            continue
        devices.append(
            DeviceSpec(
                mn=device.mn,
                password=password,
                factors=tuple(str(code) for code in factors),
                point_id=device.point_id,
                # an ambient point (quality station or section) has no outlet
                enterprise=device.point.outlet.enterprise.name if device.point.outlet else "",
            )
        )
    return devices
