"""`qingshan worker`: background jobs on a schedule.

Jobs are plain functions with an interval. Each app registers its own in its
``AppConfig.ready()`` with :func:`register_job`, so this module knows none of them.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
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
# the shortest pause between two runs of a job
TICK = 0.05
SLOW = 1.0  # seconds: a run longer than this is logged as a warning


def register_job(job: Job) -> None:
    if all(existing.name != job.name for existing in JOBS):
        JOBS.append(job)


def run_due(last_run: dict[str, float], now: float, jobs: list[Job] | None = None) -> list[str]:
    """Run every job whose interval has passed; a failing job is logged, never fatal."""
    ran = []
    for job in JOBS if jobs is None else jobs:
        if now - last_run.get(job.name, 0.0) < job.every_seconds:
            continue
        last_run[job.name] = now
        try:
            started = time.monotonic()
            result = job.run()
            took = time.monotonic() - started
            # frequent jobs (the readings stream, several times a second) log only when
            # asked, or when slow: every job shares the process with the stream's judging
            level = logging.DEBUG if job.every_seconds < 10 else logging.INFO
            log.log(
                logging.WARNING if took > SLOW else level,
                "job %s done in %.2f s: %s",
                job.name,
                took,
                result,
            )
        except Exception:
            log.exception("job %s failed", job.name)
        ran.append(job.name)
    return ran


def _job_loop(job: Job, stop: threading.Event) -> None:
    """One job on its own thread, so a slow job never delays a frequent one."""
    from django.db import close_old_connections

    while not stop.is_set():
        started = time.monotonic()
        close_old_connections()
        run_due({}, time.time(), jobs=[job])
        stop.wait(max(job.every_seconds - (time.monotonic() - started), TICK))


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
    stop = threading.Event()
    threads = [
        threading.Thread(target=_job_loop, args=(job, stop), name=job.name, daemon=True)
        for job in JOBS
    ]
    for thread in threads:
        thread.start()
    try:
        while all(t.is_alive() for t in threads):
            time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return 0
