"""The monitoring work the worker does: judge the stream, derive statistics, watch silence.

One evaluator per worker process keeps the per-series state of the alarm rules; the
stream consumer runs it on every batch of newly committed readings (a few times a
second), so an exceedance is an alarm within about a second of its packet's commit.
"""

from __future__ import annotations

import threading
import time

from qingshan.monitoring.alarms import findings_apply
from qingshan.monitoring.checks import missing_findings, offline_findings
from qingshan.monitoring.context import Contexts
from qingshan.monitoring.evaluation import Evaluator
from qingshan.monitoring.statistics import statistics_derive
from qingshan.monitoring.stream import StreamReading

contexts = Contexts()
evaluator = Evaluator(contexts)
# the worker runs each job on its own thread; the evaluator's state is one
_evaluating = threading.Lock()


def alarms_on_stream(readings: list[StreamReading]) -> dict[str, int]:
    """Stream consumer: runs inside the transaction that moves the consumer's cursor."""
    with _evaluating:
        try:
            return findings_apply(evaluator.evaluate(readings), contexts=contexts)
        except Exception:
            evaluator.reset()  # the transaction rolls back: the in-memory state must too
            raise


def statistics_job() -> dict[str, int]:
    with _evaluating:  # the contexts' cache is shared too
        derived = statistics_derive(now=int(time.time()), contexts=contexts)
    result = alarms_on_stream(derived)
    return {"derived": len(derived), **result}


def silence_job() -> dict[str, int]:
    now = int(time.time())
    with _evaluating:
        return findings_apply(
            offline_findings(now=now, contexts=contexts)
            + missing_findings(now=now, contexts=contexts),
            contexts=contexts,
        )
