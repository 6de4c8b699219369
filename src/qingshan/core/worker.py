"""`qingshan worker`: background jobs on a schedule.

Jobs are plain functions with an interval. Each app registers its own in its
``AppConfig.ready()`` with :func:`register_job`, so this module knows none of them.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("qingshan.worker")


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[], object]


JOBS: list[Job] = []
# the finest interval a job can have: alarm evaluation runs several times a second
TICK = 0.1


def register_job(job: Job) -> None:
    if all(existing.name != job.name for existing in JOBS):
        JOBS.append(job)


def run_due(last_run: dict[str, float], now: float) -> list[str]:
    """Run every job whose interval has passed; a failing job is logged, never fatal."""
    ran = []
    for job in JOBS:
        if now - last_run.get(job.name, 0.0) < job.every_seconds:
            continue
        last_run[job.name] = now
        try:
            result = job.run()
            log.info("job %s done: %s", job.name, result)
        except Exception:
            log.exception("job %s failed", job.name)
        ran.append(job.name)
    return ran


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="qingshan worker", description="Run background jobs.")
    parser.add_argument("--once", action="store_true", help="run every job once and exit")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshan.settings")
    import django

    django.setup()
    last_run: dict[str, float] = {}
    if args.once:
        run_due(last_run, time.time())
        return 0
    log.info("worker started with jobs: %s", ", ".join(j.name for j in JOBS))
    while True:
        run_due(last_run, time.time())
        time.sleep(TICK)
