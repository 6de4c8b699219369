"""Benchmark: the case list with 50,000 cases, and one transition, on SQLite or PostgreSQL.

    .venv/bin/python benchmarks/bench_supervision.py --db sqlite
    .venv/bin/python benchmarks/bench_supervision.py --db postgres   # scratch database

A fresh database (a temporary SQLite file, or the scratch PostgreSQL database
``qingshan_bench_supervision``) is migrated and filled with 600 enterprises in six counties of
one city and ``--cases`` cases spread over the six states, each with its timeline's
opening entry. Then, with a city regulator logged in (scoping applies, as for a person):

- the case list filtered by a county and a state, as the web page serves it (state tabs
  with counts, one page of 25 rows rendered) and as the API serves it (count + 50 rows);
- one transition (dispatch of a pending case) through the service and through the API:
  row lock, version check, timeline entry, outbox event, audit row, inbox notifications.

Times are server time in-process (Django's test client, no network), medians of ``--runs``.
Prints markdown table rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

COUNTIES = ["330602", "330603", "330604", "330624", "330681", "330683"]
STATES = ["pending", "dispatched", "investigating", "rectifying", "verifying", "closed"]
DB_NAME = "qingshan_bench_supervision"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=30, help="timed runs; the median is shown")
    return parser.parse_args(argv)


def prepare(kind: str) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="qingshan-bench-supervision-"))
    if kind == "sqlite":
        url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    else:
        for sql in (f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
        url = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    os.environ.update(
        QINGSHAN_ENV="dev",
        QINGSHAN_DATA_DIR=str(data_dir),
        QINGSHAN_DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="qingshan.settings",
        QINGSHAN_LOG_LEVEL="WARNING",
        QINGSHAN_ALLOWED_HOSTS="testserver",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(cases: int) -> dict[str, Any]:
    import datetime as dt

    from django.utils import timezone

    from qingshan.core.audit import audit_context
    from qingshan.core.models import Region, User
    from qingshan.registry.models import Enterprise
    from qingshan.registry.validators import credit_code_complete, organization_code_check_char
    from qingshan.supervision.models import CaseEvent, SupervisionCase

    with audit_context(user=None, via="benchmark"):
        Region.objects.bulk_create(
            [Region(code="330600", name="绍兴市", level="city")]
            + [Region(code=c, name=f"县区{c}", level="county") for c in COUNTIES]
        )
        enterprises = []
        for i in range(600):
            county = COUNTIES[i % len(COUNTIES)]
            org = f"77{i:06d}"
            code = credit_code_complete(f"91{county}" + org + organization_code_check_char(org))
            enterprises.append(
                Enterprise(
                    credit_code=code,
                    name=f"基准企业{i}",
                    region_code=county,
                    industry_code="1713",
                    is_key_discharger=True,
                )
            )
        enterprises = Enterprise.objects.bulk_create(enterprises)
        city = User.objects.create_user(
            "bench-city", password="x", role="regulator", region_code="3306"
        )
        inspector = User.objects.create_user(
            "bench-inspector", password="x", role="inspector", region_code="3306"
        )
        User.objects.create_user(
            "bench-county", password="x", role="regulator", region_code="330603"
        )
        now = timezone.now()
        batch: list[SupervisionCase] = []
        for i in range(cases):
            enterprise = enterprises[i % len(enterprises)]
            state = STATES[(i // len(enterprises)) % len(STATES)]
            opened = now - dt.timedelta(minutes=i)
            batch.append(
                SupervisionCase(
                    source_kind="manual",
                    enterprise=enterprise,
                    region_code=enterprise.region_code,
                    title=f"{enterprise.name} 二氧化硫 超标 {i}",
                    severity="major",
                    state=state,
                    resolution="rectified" if state == "closed" else "",
                    team_region_code="" if state == "pending" else enterprise.region_code,
                    assignee=inspector if state in ("investigating", "rectifying") else None,
                    state_entered_at=opened,
                    deadline=None if state == "closed" else opened + dt.timedelta(days=3),
                    created_at=opened,
                )
            )
        created = SupervisionCase.objects.bulk_create(batch, batch_size=2000)
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case=c,
                    at=c.created_at,
                    actor_name="系统",
                    action="open",
                    from_state="",
                    to_state="pending",
                )
                for c in created
            ],
            batch_size=2000,
        )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"city": city, "inspector": inspector}


def median_ms(run: Callable[[], object], runs: int) -> tuple[float, float]:
    run()  # warm caches and templates
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    prepare(args.db)
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    started = time.perf_counter()
    people = fill(args.cases)
    fill_s = time.perf_counter() - started

    from qingshan.supervision import services
    from qingshan.supervision.models import SupervisionCase

    client = Client()
    client.force_login(people["city"])
    page_url = "/supervision/?region=330603&state=investigating"
    api_url = "/api/v1/cases?region_code=330603&state=investigating&limit=50"

    def web_list() -> None:
        response = client.get(page_url)
        assert response.status_code == 200, response.status_code
        assert len(response.context["page"].object_list) == 25

    def api_list() -> None:
        response = client.get(api_url)
        assert response.status_code == 200
        assert len(json.loads(response.content)["items"]) == 50

    matching = SupervisionCase.objects.filter(region_code="330603", state="investigating").count()
    web = median_ms(web_list, args.runs)
    api = median_ms(api_list, args.runs)

    pending = iter(
        SupervisionCase.objects.filter(state="pending").order_by("id")[: 2 * args.runs + 4]
    )

    def service_step() -> None:
        case = next(pending)
        services.case_act(
            user=people["city"],
            case=case,
            action="dispatch",
            version=case.version,
            assignee=people["inspector"],
        )

    def api_step() -> None:
        case = next(pending)
        response = client.post(
            f"/api/v1/cases/{case.pk}/actions",
            data=json.dumps(
                {
                    "action": "dispatch",
                    "version": case.version,
                    "assignee_id": people["inspector"].pk,
                }
            ),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content

    step = median_ms(service_step, args.runs)
    step_api = median_ms(api_step, args.runs)

    db = f"{args.db} ({connection.vendor} {connection.Database.sqlite_version if args.db == 'sqlite' else connection.pg_version})"  # noqa: E501
    today = time.strftime("%Y-%m-%d", time.gmtime())
    cmd = f"`python benchmarks/bench_supervision.py --db {args.db}`"
    print(
        f"# {args.cases:,} cases ({matching:,} in 330603 investigating), filled in {fill_s:.1f} s;"
        f" {db}; Python {platform.python_version()}; median / max of {args.runs}"
    )
    print(
        f"| case list page, {args.cases:,} cases, filtered by county and state (tabs with counts,"
        f" 25 rows rendered), {args.db} | ≤ 200 ms | **{web[0]:.1f} ms** (max {web[1]:.1f}) |"
        f" {cmd} | {today} |"
    )
    print(
        f"| case list API, same filter (count + 50 rows), {args.db} | ≤ 200 ms |"
        f" **{api[0]:.1f} ms** (max {api[1]:.1f}) | {cmd} | {today} |"
    )
    print(
        f"| one transition (dispatch) through the service, {args.db} | ≤ 50 ms |"
        f" **{step[0]:.1f} ms** (max {step[1]:.1f}) | {cmd} | {today} |"
    )
    print(
        f"| one transition through the API (POST /cases/{{id}}/actions), {args.db} | ≤ 50 ms |"
        f" **{step_api[0]:.1f} ms** (max {step_api[1]:.1f}) | {cmd} | {today} |"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.exit(main())
