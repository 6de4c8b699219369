"""Running an import job in the background: a thread with its own database connection.

The runner is pluggable through ``settings.QINGSHAN_IMPORT_RUNNER``: ``"thread"`` (the
default) or ``"sync"`` (run in the caller, for tests and the command line). A job lives in
the database, so whichever web process serves the progress page sees it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connections

log = logging.getLogger("qingshan.exchange")


def run_in_background(task: Callable[[], object], *, name: str) -> threading.Thread | None:
    """Run ``task`` per the configured runner; returns the thread when one was started."""
    if getattr(settings, "QINGSHAN_IMPORT_RUNNER", "thread") == "sync":
        task()
        return None
    thread = threading.Thread(target=_thread_main, args=(task,), name=name, daemon=True)
    thread.start()
    return thread


def _thread_main(task: Callable[[], object]) -> None:
    try:
        task()
    except Exception:  # a thread's exception would otherwise vanish
        log.exception("background task failed")
    finally:
        # Django opened this thread's connection on first use; nobody else will close it
        connections.close_all()
