import datetime as dt

from qingshan.core.worker import JOBS, run_due
from qingshan.permits.models import Permit


def test_apps_register_their_jobs():
    assert {"permits.expire", "monitoring.partitions"} <= {job.name for job in JOBS}


def test_due_jobs_run_once_per_interval_and_expire_permits(users):
    permit = users["keqiao"]["permit"]
    Permit.objects.filter(pk=permit.pk).update(
        valid_to=dt.date(2025, 1, 1), valid_from=dt.date(2020, 1, 1)
    )
    last_run: dict[str, float] = {}
    assert "permits.expire" in run_due(last_run, now=1_000_000.0)
    assert Permit.objects.get(pk=permit.pk).status == "expired"
    assert "permits.expire" not in run_due(last_run, now=1_000_010.0)  # not due again yet


def test_a_failing_job_does_not_stop_the_others(monkeypatch, db):
    from qingshan.core import worker

    ran = []
    monkeypatch.setattr(
        worker,
        "JOBS",
        [
            worker.Job("boom", 1, lambda: 1 / 0),
            worker.Job("fine", 1, lambda: ran.append(True)),
        ],
    )
    assert worker.run_due({}, now=10.0) == ["boom", "fine"]
    assert ran == [True]


def test_the_planner_statistics_job_runs_on_either_database(db):
    from django.db import connection

    from qingshan.core.maintenance import database_optimize

    assert database_optimize() == (
        "optimized" if connection.vendor == "sqlite" else "skipped: autovacuum analyses PostgreSQL"
    )
