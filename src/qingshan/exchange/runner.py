"""Where an import job runs: in ``qingshan worker``, never in the web process.

``settings.QINGSHAN_IMPORT_RUNNER`` is ``"worker"`` (the default): the upload request only
stores the file and queues the job, and the worker's ``exchange.imports`` job imports it
while the page shows its progress. ``"sync"`` runs the job in the request after commit,
for tests. A large or hostile workbook therefore never holds a web process.
"""

from __future__ import annotations

from django.conf import settings

WORKER = "worker"
SYNC = "sync"


def runs_in_request() -> bool:
    # anything but "sync" (also the old "thread") means the worker
    return getattr(settings, "QINGSHAN_IMPORT_RUNNER", WORKER) == SYNC
