"""A city-scale monitoring dataset, for the benchmarks and for demos.

400 points (60 % flue gas, 40 % waste water) × 6 factors: one year of hourly data and
30 days of minute data (about 21 M hourly and 104 M minute readings), and 100,000 alarms
with their acknowledgements, written the way the gateway writes (plain SQL
``executemany`` on SQLite, ``COPY`` on PostgreSQL, readings in key order).

    python benchmarks/citygen.py --db sqlite   --dir /tmp/qs-city          # → city.sqlite3
    python benchmarks/citygen.py --db postgres --name qs_city
    python benchmarks/citygen.py --db sqlite --points 40 --minute-days 2     # a small one

Signals are deterministic (``--seed``): a daily cycle, noise, a few excursions above the
limit, maintenance (M) and fault (D) flags, and O2 for the converted concentration of the
flue-gas points (the logger sends no Zs, so the charts compute it: the slower path).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

CHINA = dt.timezone(dt.timedelta(hours=8))
COUNTIES = ["330602", "330603", "330604", "330624", "330681", "330683"]
AIR = [  # code, typical value, limit (None: not limited), unit
    ("a21026", 18.0, 35.0, "mg/m3"),
    ("a21002", 30.0, 50.0, "mg/m3"),
    ("a34013", 3.0, 5.0, "mg/m3"),
    ("a19001", 10.5, None, "%"),
    ("a01012", 55.0, None, "℃"),
    ("a01011", 12.0, None, "m/s"),
]
WATER = [
    ("w01018", 45.0, 80.0, "mg/L"),
    ("w21003", 3.0, 8.0, "mg/L"),
    ("w21011", 0.3, 0.5, "mg/L"),
    ("w21001", 10.0, 15.0, "mg/L"),
    ("w01001", 7.2, None, ""),
    ("w00000", 35.0, None, "L/s"),
]
PASSWORD = "bench-password-2026"


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--dir", default="/tmp/qs-city", help="data directory (SQLite file, media)")
    p.add_argument("--name", default="qs_city", help="PostgreSQL database name")
    p.add_argument("--points", type=int, default=400)
    p.add_argument("--days", type=int, default=365, help="days of hourly data")
    p.add_argument("--minute-days", type=int, default=30, help="days of minute data")
    p.add_argument("--alarms", type=int, default=100_000)
    p.add_argument("--no-readings", action="store_true", help="registry and alarms only")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--end", default="2026-11-22", help="the last day of data (China time)")
    return p.parse_args()


def database_url(args: argparse.Namespace) -> str:
    if args.db == "sqlite":
        return f"sqlite:///{Path(args.dir) / 'city.sqlite3'}"
    return f"postgres://postgres@127.0.0.1:5432/{args.name}"


def setup(args: argparse.Namespace) -> None:
    """A fresh database, migrated."""
    Path(args.dir).mkdir(parents=True, exist_ok=True)
    if args.db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{Path(args.dir) / 'city.sqlite3'}{suffix}").unlink(missing_ok=True)
    else:
        for sql in (f"DROP DATABASE IF EXISTS {args.name}", f"CREATE DATABASE {args.name}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    os.environ.update(
        QINGSHAN_ENV="dev",
        QINGSHAN_DATA_DIR=args.dir,
        QINGSHAN_DATABASE_URL=database_url(args),
        DJANGO_SETTINGS_MODULE="qingshan.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def registry(args: argparse.Namespace, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Regions, enterprises (two points each), devices, permits with limits, users."""
    from decimal import Decimal

    from qingshan.core.choices import Role
    from qingshan.core.models import Region, User
    from qingshan.monitoring.models import DeviceState
    from qingshan.permits.models import Permit, PermitLimit
    from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
    from qingshan.registry.passwords import device_password_digest
    from qingshan.registry.validators import credit_code_complete, organization_code_check_char

    Region.objects.get_or_create(code="330600", defaults={"name": "绍兴市", "level": "city"})
    for code in COUNTIES:
        Region.objects.get_or_create(code=code, defaults={"name": code, "level": "county"})
    digest = device_password_digest("123456")
    sites = []
    for i in range(args.points // 2):
        county = COUNTIES[i % len(COUNTIES)]
        org8 = f"{70_000_000 + i:08d}"
        enterprise = Enterprise.objects.create(
            credit_code=credit_code_complete(
                f"91{county}{org8}{organization_code_check_char(org8)}"
            ),
            name=f"基准测试企业{i:04d}",
            region_code=county,
            industry_code="1713" if i % 2 else "4411",
            longitude=Decimal(f"{120.3 + rng.random() * 0.6:.6f}"),
            latitude=Decimal(f"{29.7 + rng.random() * 0.5:.6f}"),
            is_key_discharger=True,
        )
        permit = Permit.objects.create(
            number=f"BENCH{i:06d}P",
            enterprise=enterprise,
            permit_class="key",
            valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2029, 1, 1),
        )
        for j in range(2):
            n = 2 * i + j
            air = n % 5 < 3
            outlet = Outlet.objects.create(
                enterprise=enterprise,
                code=f"{'DA' if air else 'DW'}{j + 1:03d}",
                name="废气排放口" if air else "废水排放口",
                medium="air" if air else "water",
                kind="main",
            )
            factors = AIR if air else WATER
            point = MonitoringPoint.objects.create(
                outlet=outlet, name=f"点位{n:04d}", factors=[f[0] for f in factors]
            )
            device = Device.objects.create(point=point, mn=f"BENCH{n:019d}", password_digest=digest)
            DeviceState.objects.create(device=device, connected=n % 17 != 0, packets=1000)
            for code, _, limit, unit in factors:
                if limit is not None:
                    PermitLimit.objects.create(
                        permit=permit,
                        outlet=outlet,
                        factor_code=code,
                        limit=Decimal(str(limit)),
                        unit=unit,
                        basis="hourly" if air else "daily",
                        reference_o2=Decimal("9") if air else None,
                    )
            sites.append(
                {
                    "point": point.pk,
                    "enterprise": enterprise.pk,
                    "region": county,
                    "factors": factors,
                }
            )
    users = [
        ("bench-admin", Role.ADMIN, ""),
        ("bench-city", Role.REGULATOR, "3306"),
        ("bench-county", Role.REGULATOR, "330603"),
    ]
    for username, role, region in users:
        User.objects.create_user(
            username=username,
            password=PASSWORD,
            role=role,
            region_code=region,
            is_superuser=role == Role.ADMIN,
        )
    return sites


def signal(
    rng: np.random.Generator, times: np.ndarray, typical: float, step: int
) -> tuple[np.ndarray, np.ndarray]:
    """Values and flags: a daily cycle, noise, rare excursions, maintenance and fault runs."""
    hours = (times // 3600 + 8) % 24
    values = typical * (
        1 + 0.25 * np.sin(2 * np.pi * hours / 24) + 0.12 * rng.standard_normal(len(times))
    )
    spikes = rng.random(len(times)) < (0.004 if step == 3600 else 0.0005)
    values[spikes] *= 2.2
    values = np.round(np.maximum(values, 0.0), 3)
    flags = np.full(len(times), "N", dtype="<U1")
    runs = max(1, len(times) // (2000 if step == 3600 else 20000))
    for _ in range(runs):
        start = int(rng.integers(0, len(times)))
        flags[start : start + int(rng.integers(2, 12 if step == 3600 else 120))] = rng.choice(
            ["M", "D", "C"]
        )
    return values, flags


def write_readings(
    args: argparse.Namespace, sites: list[dict[str, Any]], rng: np.random.Generator
) -> int:
    from django.db import connection

    from qingshan.monitoring.models import Reading
    from qingshan.monitoring.storage import reading_partitions_ensure

    end_day = dt.date.fromisoformat(args.end) + dt.timedelta(days=1)
    end = int(dt.datetime.combine(end_day, dt.time(), CHINA).timestamp())
    plans = [(3, 3600, end - args.days * 86400), (2, 60, end - args.minute_days * 86400)]
    table = Reading._meta.db_table
    columns = "point_id, factor_code, period, data_time, value, flag, eflag, received_at"
    total = 0
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            months = args.days // 30 + 2
            reading_partitions_ensure(c, today=end_day, months_back=months, months_ahead=1)
        else:
            c.execute("PRAGMA synchronous = OFF")
            c.execute("PRAGMA cache_size = -262144")
    raw = connection.connection
    for period, step, start in plans:
        times = np.arange(start, end, step, dtype=np.int64)
        received = ((times + 30) * 1000).tolist()
        for site in sites:  # key order (ADR 16): point, period, time, factor
            series = []
            for code, typical, _, _ in sorted(site["factors"]):
                values, flags = signal(rng, times, typical, step)
                series.append((code, values.tolist(), flags.tolist()))
            rows = [
                (site["point"], code, period, t, values[i], flags[i], received[i])
                for i, t in enumerate(times.tolist())
                for code, values, flags in series
            ]
            if connection.vendor == "sqlite":
                cur = raw.cursor()
                cur.execute("BEGIN")  # the module's autocommit would commit every row
                cur.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES (?, ?, ?, ?, ?, ?, '', ?)", rows
                )
                raw.commit()
            else:
                lines = [f"{p}\t{c}\t{k}\t{t}\t{v}\t{f}\t\t{r}\n" for p, c, k, t, v, f, r in rows]
                with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write("".join(lines))
                raw.commit()
            total += len(rows)
        print(f"  period {period}: {total:,} readings so far", flush=True)
    return total


def write_alarms(
    args: argparse.Namespace, sites: list[dict[str, Any]], rng: np.random.Generator
) -> None:
    """Alarms over the year: ~2 % open (one per point, factor and kind), 60 % acknowledged."""
    from django.db import connection

    from qingshan.core.models import User
    from qingshan.monitoring.choices import AlarmKind, Severity
    from qingshan.monitoring.models import Alarm

    kinds = list(AlarmKind.values)
    severities = list(Severity.values)
    acknowledger = User.objects.get(username="bench-city").pk
    end = int(dt.datetime.combine(dt.date.fromisoformat(args.end), dt.time(), CHINA).timestamp())
    start = end - args.days * 86400
    sqlite = connection.vendor == "sqlite"

    def ts(value: dt.datetime | None) -> Any:
        """Aware UTC for PostgreSQL; the naive UTC text Django itself stores on SQLite."""
        if value is None or not sqlite:
            return value
        return value.replace(tzinfo=None).isoformat(sep=" ")

    open_keys: set[tuple[int, str, str]] = set()
    rows = []
    for i in range(args.alarms):
        site = sites[int(rng.integers(0, len(sites)))]
        kind = kinds[int(rng.integers(0, len(kinds)))]
        code, _, limit, _ = site["factors"][int(rng.integers(0, 6))]
        factor = "" if kind in ("offline", "missing") else code
        first = int(rng.integers(start, end - 7200))
        last = first + int(rng.integers(0, 48)) * 3600
        raised = dt.datetime.fromtimestamp(first + 120, tz=dt.UTC)
        key = (site["point"], factor, kind)
        is_open = i % 50 == 0 and key not in open_keys
        if is_open:
            open_keys.add(key)
        cleared = None if is_open else raised + dt.timedelta(hours=int(rng.integers(1, 72)))
        acknowledged = rng.random() < 0.6
        worst = float(round((limit or 10) * (1 + rng.random()), 2))
        rows.append(
            (
                site["point"], site["enterprise"], site["region"], factor, kind,
                severities[int(rng.integers(0, 4))], 3, first, last, int(rng.integers(1, 30)),
                worst, limit, f"monitoring.{kind}", '{"generated": true}', ts(raised),
                ts(cleared), "", ts(raised + dt.timedelta(minutes=30)) if acknowledged else None,
                acknowledger if acknowledged else None,
            )
        )  # fmt: skip
    columns = (
        "point_id, enterprise_id, region_code, factor_code, kind, severity, period, first_at,"
        " last_at, occurrences, worst_value, limit_value, rule, evidence, raised_at, cleared_at,"
        " explanation_status, acknowledged_at, acknowledged_by_id"
    )
    table = Alarm._meta.db_table
    with connection.cursor() as c:
        if sqlite:
            c.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 19)})", rows
            )
        else:
            with c.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        if connection.vendor == "postgresql":
            c.execute(f"ANALYZE {table}")
            c.execute("ANALYZE monitoring_reading")
        else:
            c.execute("ANALYZE")


def main() -> None:
    args = parse()
    rng = np.random.default_rng(args.seed)
    began = time.perf_counter()
    setup(args)
    from django.db import transaction

    with transaction.atomic():
        sites = registry(args, rng)
    print(f"registry: {len(sites)} points ({time.perf_counter() - began:.1f} s)", flush=True)
    t = time.perf_counter()
    total = 0 if args.no_readings else write_readings(args, sites, rng)
    print(f"readings: {total:,} in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()
    write_alarms(args, sites, rng)
    print(f"alarms: {args.alarms:,} in {time.perf_counter() - t:.1f} s", flush=True)
    print(f"done in {time.perf_counter() - began:.0f} s: {database_url(args)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
