"""Air stations and water sections of the Shaoxing demo city, their loggers, and a history.

Called once from ``demo.loader.load_city`` (inside its transaction): creates what is
missing — 12 air stations (two per county), 10 surface-water sections, one data logger
each — writes synthetic hourly air data and 4-hourly water samples from 1 January of
the plan's year to the last full hour, as if the loggers had sent them, and computes the
results. The devices are appended to the simulator's device file so that ``qingshan demo``
feeds them live (ST=22 and ST=21 profiles in ``simulator.ambient``).

The places are real towns of each county; the coordinates are plausible, not surveyed.
The data are synthetic: seasonal and daily cycles, city-wide weather episodes, a county
factor, so that the rankings and the month and year reports have something to show.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import time
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction

from qingshan.core.audit import audit_context
from qingshan.core.chinatime import CHINA_OFFSET_S, china_date_of_epoch, china_day_start
from qingshan.monitoring.models import Reading
from qingshan.quality.factors import AIR_POINT_FACTORS, WATER_POINT_FACTORS
from qingshan.quality.models import AirStation, WaterSection
from qingshan.quality.results import (
    AIR,
    DAY,
    HOUR,
    RTD,
    WATER,
    results_mark,
    results_recompute_pending,
)
from qingshan.registry.models import Device, MonitoringPoint
from qingshan.registry.passwords import device_password_digest

PASSWORD = "qs-ambient-demo"
N, P, C = "national", "provincial", "city"  # StationLevel values
# code, name, county, level, longitude, latitude, pollution factor
STATIONS = (
    ("3306A01", "越城区城东站", "330602", "national", "120.6130", "30.0020", 1.05),
    ("3306A02", "越城区袍江站", "330602", "national", "120.6400", "30.0660", 1.10),
    ("3306A03", "柯桥区柯岩站", "330603", "national", "120.4920", "30.0370", 1.12),
    ("3306A04", "柯桥区滨海站", "330603", "provincial", "120.5500", "30.1230", 1.20),
    ("3306A05", "上虞区百官站", "330604", "national", "120.8720", "30.0330", 1.00),
    ("3306A06", "上虞区杭州湾站", "330604", "provincial", "120.8950", "30.1500", 1.15),
    ("3306A07", "诸暨市暨阳站", "330681", "national", "120.2370", "29.7150", 0.95),
    ("3306A08", "诸暨市店口站", "330681", "provincial", "120.2900", "29.8350", 1.02),
    ("3306A09", "嵊州市剡湖站", "330683", "national", "120.8200", "29.5880", 0.88),
    ("3306A10", "嵊州市三江站", "330683", "city", "120.8450", "29.6050", 0.92),
    ("3306A11", "新昌县七星站", "330624", "national", "120.9050", "29.4990", 0.80),
    ("3306A12", "新昌县羽林站", "330624", "city", "120.9400", "29.5150", 0.84),
)
# code, name, water body, kind, target class, county, level, longitude, latitude, load
SECTIONS = (
    ("3306W01", "曹娥江大闸", "曹娥江", "river", 3, "330604", N, "120.8300", "30.1250", 1.1),
    ("3306W02", "嵊州章镇", "曹娥江", "river", 2, "330683", N, "120.8050", "29.6800", 0.7),
    ("3306W03", "浦阳江安华", "浦阳江", "river", 3, "330681", N, "120.1700", "29.6400", 1.3),
    ("3306W04", "诸暨茅渚埠", "浦阳江", "river", 3, "330681", P, "120.2300", "29.8000", 1.6),
    ("3306W05", "鉴湖", "鉴湖", "lake", 3, "330602", P, "120.5400", "29.9900", 1.2),
    ("3306W06", "柯桥钱清", "西小江", "river", 3, "330603", P, "120.3900", "30.0800", 2.6),
    ("3306W07", "越城袍江", "若耶溪", "river", 3, "330602", C, "120.6050", "30.0500", 1.8),
    ("3306W08", "上虞小舜江", "小舜江", "river", 2, "330604", C, "120.8900", "29.9500", 0.6),
    ("3306W09", "长诏水库", "长诏水库", "lake", 2, "330624", P, "121.0000", "29.4200", 0.8),
    ("3306W10", "新昌江城关", "新昌江", "river", 3, "330624", C, "120.9150", "29.5000", 1.0),
)  # fmt: skip


def _mn(prefix: str, n: int) -> str:
    return f"{prefix}{n:020d}"


def _point(name: str, factors: tuple[str, ...]) -> MonitoringPoint:
    return MonitoringPoint.objects.create(outlet=None, name=name, factors=list(factors))


def _device(point: MonitoringPoint, mn: str) -> None:
    Device.objects.create(point=point, mn=mn, password_digest=device_password_digest(PASSWORD))


def load_quality(*, plan_date: dt.date, devices_csv: Path | None, seed: int = 1) -> dict[str, int]:
    """Create the demo stations and sections (if missing) with their history."""
    with audit_context(user=None, via="demo"), transaction.atomic():
        created = _load(plan_date, seed)
    if devices_csv is not None and devices_csv.exists():
        _append_devices(devices_csv)
    return created


def _load(plan_date: dt.date, seed: int) -> dict[str, int]:
    created: dict[str, int] = {"stations": 0, "sections": 0}
    existing = set(AirStation.objects.values_list("code", flat=True))
    new_stations = []
    for i, (code, name, county, level, lon, lat, _) in enumerate(STATIONS, start=1):
        if code in existing:
            continue
        point = _point(name, AIR_POINT_FACTORS)
        _device(point, _mn("QSAQ", i))
        new_stations.append(
            AirStation.objects.create(
                code=code, name=name, region_code=county, level=level, point=point,
                longitude=Decimal(lon), latitude=Decimal(lat),
            )
        )  # fmt: skip
    existing = set(WaterSection.objects.values_list("code", flat=True))
    new_sections = []
    for i, (code, name, body_name, body, target, county, level, lon, lat, _) in enumerate(
        SECTIONS, start=1
    ):
        if code in existing:
            continue
        point = _point(name, WATER_POINT_FACTORS)
        _device(point, _mn("QSWQ", i))
        new_sections.append(
            WaterSection.objects.create(
                code=code, name=name, water_body_name=body_name, water_body=body,
                target_class=target, region_code=county, level=level, point=point,
                longitude=Decimal(lon), latitude=Decimal(lat),
            )
        )  # fmt: skip
    created["stations"], created["sections"] = len(new_stations), len(new_sections)
    now = int(time.time())
    end = now - now % 3600  # the last full hour has started at end - 3600
    start = china_day_start(dt.date(plan_date.year, 1, 1))
    rng = random.Random(seed)
    _air_history(new_stations, start, end, rng)
    _water_history(new_sections, start, end, rng)
    while results_recompute_pending():
        pass
    return created


def _insert(rows: list[tuple[int, str, int, int, float, str, int]]) -> None:
    sql = (
        f"INSERT INTO {Reading._meta.db_table} (point_id, factor_code, period, data_time,"  # noqa: S608
        " value, flag, eflag, received_at) VALUES (%s, %s, %s, %s, %s, %s, '', %s)"
        " ON CONFLICT (point_id, period, data_time, factor_code) DO NOTHING"
    )
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])


def _weather(start: int, end: int, rng: random.Random) -> list[float]:
    """A city-wide stagnation factor per hour: an AR(1) process on a log scale."""
    out, level = [], 0.0
    for _ in range(start, end, 3600):
        level = 0.97 * level + rng.gauss(0, 0.08)
        out.append(math.exp(level))
    return out


def _air_history(stations: list[AirStation], start: int, end: int, rng: random.Random) -> None:
    if not stations:
        return
    weather = _weather(start, end, rng)
    factor = {s[0]: s[6] for s in STATIONS}
    received = int(time.time() * 1000)
    for station in stations:
        rows: list[tuple[int, str, int, int, float, str, int]] = []
        scale = factor.get(station.code, 1.0)
        for i, t in enumerate(range(start, end, 3600)):
            if rng.random() < 0.01:
                continue  # an hour the analyser missed
            local = time.gmtime(t + CHINA_OFFSET_S)
            season = math.cos((local.tm_yday - 15) / 365 * 2 * math.pi)  # 1 in mid-January
            hour = local.tm_hour
            stagnant = weather[i] * scale * (1 + 0.1 * rng.gauss(0, 1))
            night = 1 + 0.25 * math.cos((hour - 3) / 24 * 2 * math.pi)
            pm25 = max(3.0, (32 + 22 * season) * stagnant * night)
            sun = max(0.0, math.sin((hour - 7) / 12 * math.pi))
            rush = 1 + 0.3 * math.cos((hour - 8) / 12 * math.pi)
            o3 = max(2.0, (20 + (85 - 35 * season) * sun) * (0.8 + 0.4 * rng.random()) / scale**0.3)
            values = {
                "a34004": pm25,
                "a34002": pm25 * (1.55 + 0.2 * rng.random()),
                "a21026": max(1.0, (6 + 2 * season) * stagnant),
                "a21004": max(2.0, (24 + 10 * season) * stagnant * rush),
                "a21005": max(0.1, (0.55 + 0.25 * season) * stagnant),
                "a05024": o3,
            }  # fmt: skip
            for code, value in values.items():
                digits = 2 if code == "a21005" else 0
                rows.append((station.point_id, code, HOUR, t, round(value, digits), "N", received))
        _insert(rows)
        results_mark(_marks(AIR, station.pk, HOUR, {r[3] for r in rows}, end))


def _water_history(sections: list[WaterSection], start: int, end: int, rng: random.Random) -> None:
    load = {s[0]: s[9] for s in SECTIONS}
    received = int(time.time() * 1000)
    for section in sections:
        rows: list[tuple[int, str, int, int, float, str, int]] = []
        f = load.get(section.code, 1.0)
        lake = section.water_body == "lake"
        for t in range(start - start % (4 * 3600), end, 4 * 3600):
            yday = time.gmtime(t + CHINA_OFFSET_S).tm_yday
            warm = math.sin((yday - 100) / 365 * 2 * math.pi)  # summer: less oxygen, more algae

            def noise() -> float:
                return 1 + 0.12 * rng.gauss(0, 1)

            values = {
                "w01001": 7.3 + 0.3 * rng.random(),
                "w01009": max(1.0, (8.2 - 1.5 * warm - 0.6 * (f - 1)) * noise()),
                "w01019": max(0.5, 2.6 * f * noise()),
                "w21003": max(0.02, 0.28 * f**1.6 * noise()),
                "w21011": max(0.005, (0.035 if lake else 0.09) * f * (1 + 0.3 * warm) * noise()),
                "w21001": max(0.2, 1.3 * f * noise()),
                "w01018": max(4.0, 10.5 * f * noise()),
            }
            for code, value in values.items():
                rows.append((section.point_id, code, RTD, t, round(value, 3), "N", received))
        _insert(rows)
        results_mark(_marks(WATER, section.pk, RTD, {r[3] for r in rows}, end))


#: Hourly reports and samples are computed for the last weeks only; older days get their
#: daily results alone (a whole year of hourly rows would take minutes to write).
DETAIL_DAYS = 35


def _marks(
    kind: str, target: int, period: int, times: set[int], end: int
) -> set[tuple[str, int, int, int]]:
    recent = end - DETAIL_DAYS * 86400
    marks = {(kind, target, period, t) for t in times if t >= recent}
    marks |= {
        (kind, target, DAY, china_day_start(china_date_of_epoch(t))) for t in times if t < recent
    }
    return marks


def _append_devices(path: Path) -> None:
    """Add the stations' and sections' loggers to the simulator's device file."""
    with open(path, encoding="utf-8", newline="") as handle:
        known = {row["mn"] for row in csv.DictReader(handle)}
    rows = []
    for model, factors in ((AirStation, AIR_POINT_FACTORS), (WaterSection, WATER_POINT_FACTORS)):
        for site in model.objects.select_related("point"):
            device = Device.objects.filter(point_id=site.point_id).first()
            if device is None or device.mn in known or not device.mn.startswith("QS"):
                continue
            rows.append([device.mn, PASSWORD, site.point_id, site.name, " ".join(factors)])
    with open(path, "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
