"""The monitoring work the worker does: judge the stream, derive statistics, watch silence.

One evaluator per worker process keeps the per-series state of the alarm rules; the
stream consumer runs it on every batch of newly committed readings (a few times a
second), so an exceedance is an alarm about a second after its packet's commit while the
worker keeps up (up to about 3,000 packets/s on the 2-core benchmark machine, with the
gateway and the simulator beside it: docs/benchmarks.md).
"""

from __future__ import annotations

import threading
import time

from django.db import transaction

from qingshan.monitoring.alarms import findings_apply
from qingshan.monitoring.checks import missing_findings, offline_findings
from qingshan.monitoring.context import Contexts
from qingshan.monitoring.evaluation import Evaluator, Finding
from qingshan.monitoring.statistics import statistics_derive
from qingshan.monitoring.stream import StreamReading

contexts = Contexts()
evaluator = Evaluator(contexts)
# the worker runs each job on its own thread; the evaluator's series state is one. (The
# contexts' caches are shared without a lock: a reload replaces a dict whole, and two
# threads loading the same rule value at once store the same thing.)
_evaluating = threading.Lock()


def alarms_judge(readings: list[StreamReading]) -> list[Finding]:
    """Stream consumer, first step: judge the values, outside any transaction."""
    with _evaluating:
        try:
            return evaluator.evaluate(readings)
        except Exception:
            evaluator.reset()
            raise


def alarms_apply(findings: list[Finding]) -> dict[str, int]:
    """Stream consumer, second step: in the transaction that moves the consumer's cursor."""
    try:
        return findings_apply(findings, contexts=contexts)
    except Exception:
        evaluator.reset()  # the transaction rolls back: the judged state must too
        raise


def statistics_job() -> dict[str, int]:
    derived = statistics_derive(now=int(time.time()), contexts=contexts)
    findings = alarms_judge(derived)
    with transaction.atomic():
        result = alarms_apply(findings)
    return {"derived": len(derived), **result}


def silence_job() -> dict[str, int]:
    now = int(time.time())
    findings = offline_findings(now=now, contexts=contexts) + missing_findings(
        now=now, contexts=contexts
    )
    return findings_apply(findings, contexts=contexts)
