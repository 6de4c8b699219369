"""Monitoring reads at city scale: a point's one-year chart and the alarm list.

Needs a dataset from ``benchmarks/citygen.py`` (400 points × 6 factors, a year of hourly
and 30 days of minute data, 100,000 alarms). Each case runs twice to warm up, then
``--repeat`` times; the median is the figure. The "request" cases go through Django's
whole request path in-process (middleware, session auth, the view or API endpoint, JSON
or HTML rendering), without a network hop.

    python benchmarks/citygen.py --db sqlite --dir /tmp/qs-city
    python benchmarks/bench_monitoring.py --db sqlite --dir /tmp/qs-city
    python benchmarks/bench_monitoring.py --db postgres --name qs_city
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

CHINA = dt.timezone(dt.timedelta(hours=8))


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--dir", default="/tmp/qs-city")
    p.add_argument("--name", default="qs_city")
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--end", default="2026-11-22", help="the last day of the dataset")
    return p.parse_args()


def setup(args: argparse.Namespace) -> None:
    url = (
        f"sqlite:///{args.dir}/city.sqlite3"
        if args.db == "sqlite"
        else f"postgres://postgres@127.0.0.1:5432/{args.name}"
    )
    os.environ.update(
        QINGSHAN_ENV="dev",
        QINGSHAN_DATA_DIR=args.dir,
        QINGSHAN_DATABASE_URL=url,
        QINGSHAN_ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="qingshan.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # indexes added since the data was generated
    from django.db import connection

    with connection.cursor() as cursor:  # statistics for the planner, as a maintained DB has
        cursor.execute("ANALYZE monitoring_alarm")


def measure(name: str, run: Callable[[], Any], repeat: int) -> dict[str, Any]:
    for _ in range(2):
        run()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    result = {
        "case": name,
        "median_ms": statistics.median(times),
        "p90_ms": times[int(0.9 * (len(times) - 1))],
        "min_ms": times[0],
    }
    print(
        f"{name:<78} median {result['median_ms']:7.1f} ms  p90 {result['p90_ms']:7.1f}"
        f"  min {result['min_ms']:7.1f}",
        flush=True,
    )
    return result


def main() -> None:
    args = parse()
    setup(args)
    from django.test import Client

    from qingshan.core.models import User
    from qingshan.monitoring import selectors
    from qingshan.monitoring.models import Alarm
    from qingshan.registry.models import MonitoringPoint

    city = User.objects.get(username="bench-city")
    county = User.objects.get(username="bench-county")
    point = (
        MonitoringPoint.objects.filter(
            outlet__medium="air", outlet__enterprise__region_code="330603"
        )
        .order_by("pk")
        .first()
    )
    assert point is not None, "no dataset: run benchmarks/citygen.py first"
    end_day = dt.date.fromisoformat(args.end) + dt.timedelta(days=1)
    end = int(dt.datetime.combine(end_day, dt.time(), CHINA).timestamp())
    year = end - 365 * 86400
    client = Client()
    client.force_login(city)
    county_client = Client()
    county_client.force_login(county)
    print(f"{args.db}: {Alarm.objects.count():,} alarms; point {point.pk}", flush=True)

    def series(kind: str, start: int) -> Callable[[], Any]:
        def run() -> Any:
            s = selectors.reading_series(
                user=city, point_id=point.pk, factor_code="a21026", kind=kind, start=start, end=end
            )
            assert s.values
            return s

        return run

    def get(c: Client, url: str, params: dict[str, Any] | None = None) -> Callable[[], Any]:
        def run() -> Any:
            response = c.get(url, params or {})
            assert response.status_code == 200, (url, response.status_code)
            return response

        return run

    iso = {
        "start": dt.datetime.fromtimestamp(year, CHINA).isoformat(),
        "end": dt.datetime.fromtimestamp(end, CHINA).isoformat(),
    }
    hourly = series("hour", year)()
    print(f"one-year hourly: {len(hourly.values):,} values, converted from O2", flush=True)
    r = args.repeat
    results = [
        measure(
            "chart, one year hourly (8,760 values + O2 conversion): selector",
            series("hour", year),
            r,
        ),
        measure(
            "chart, one year hourly: GET /api/v1/points/{id}/readings",
            get(
                client,
                f"/api/v1/points/{point.pk}/readings",
                {"factor": "a21026", "kind": "hour", **iso},
            ),
            r,
        ),
        measure(
            "chart, one year hourly: point page (HTML with the series)",
            get(
                client,
                f"/monitoring/points/{point.pk}/",
                {
                    "factor": "a21026",
                    "kind": "hour",
                    "start": str(dt.date.fromtimestamp(year)),
                    "end": args.end,
                },
            ),
            r,
        ),
        measure(
            "chart, 30 days of minute data (43,200 → buckets in SQL): selector",
            series("minute", end - 30 * 86400),
            r,
        ),
        measure(
            "alarms, city regulator, newest 50: GET /api/v1/alarms",
            get(client, "/api/v1/alarms", {"limit": 50}),
            r,
        ),
        measure(
            "alarms, filtered (cleared, exceedance, major), page 11: GET /api/v1/alarms",
            get(
                client,
                "/api/v1/alarms",
                {
                    "active": "false",
                    "type": "exceedance",
                    "severity": "major",
                    "limit": 50,
                    "offset": 500,
                },
            ),
            r,
        ),
        measure(
            "alarms, county regulator, unacknowledged in a month: GET /api/v1/alarms",
            get(
                county_client,
                "/api/v1/alarms",
                {
                    "acknowledged": "false",
                    "start": "2026-06-01T00:00:00+08:00",
                    "end": "2026-07-01T00:00:00+08:00",
                    "limit": 50,
                },
            ),
            r,
        ),
        measure(
            "alarms, one point's active alarms: GET /api/v1/alarms",
            get(client, "/api/v1/alarms", {"point_id": point.pk, "active": "true"}),
            r,
        ),
        measure(
            "alarms, list page 20 filtered by kind (HTML)",
            get(client, "/monitoring/alarms/", {"kind": "offline", "page": 20}),
            r,
        ),
    ]
    print()
    print("| case | median | p90 |")
    print("|---|---|---|")
    for res in results:
        print(f"| {res['case']} | {res['median_ms']:.1f} ms | {res['p90_ms']:.1f} ms |")


if __name__ == "__main__":
    sys.exit(main())
