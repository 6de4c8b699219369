"""The monitoring work the worker does: judge the stream, derive statistics, watch silence.

One evaluator per worker process keeps the per-series state of the alarm rules; the
stream consumer runs it on every batch of newly committed readings (a few times a
second), so an exceedance is an alarm about a second after its packet's commit while the
worker keeps up (up to about 3,000 packets/s on the 2-core benchmark machine, with the
gateway and the simulator beside it: docs/benchmarks.md).

What one packet, period or point makes fail is set aside (``dead_letters``) and the rest
goes on: the stream does so per packet (``stream._deliver``), the jobs here per derived
period and per point. Each can be judged again from the dead-letter list.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from itertools import groupby
from typing import Any, TypeVar

from django.db import transaction

from qingshan.monitoring.alarms import findings_apply
from qingshan.monitoring.checks import Failures, missing_findings, offline_findings
from qingshan.monitoring.context import Contexts
from qingshan.monitoring.dead_letters import SILENCE, STATISTICS, TRANSIENT, dead_letter_record
from qingshan.monitoring.evaluation import Evaluator, Finding
from qingshan.monitoring.models import DeadLetter
from qingshan.monitoring.statistics import statistics_derive, statistics_derive_one
from qingshan.monitoring.stream import StreamReading, packet_redeliver

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


def alarms_reset() -> None:
    """After a rolled-back attempt of the stream consumer (its cursor did not move): the
    series state judged ahead of the database is forgotten and read again from it."""
    with _evaluating:
        evaluator.reset()


def _judge(readings: list[StreamReading]) -> dict[str, int]:
    findings = alarms_judge(readings)
    with transaction.atomic():
        return alarms_apply(findings)


T = TypeVar("T")


def _isolated(
    items: list[T],
    run: Callable[[list[T]], dict[str, int]],
    key: Callable[[T], Any],
    failed: Callable[[T, Exception], None],
) -> dict[str, int]:
    """Run all items at once; if that fails for a reason of the data, run them group by
    group (``key``) and hand the first item of each group that fails alone to ``failed``."""
    try:
        return run(items)
    except TRANSIENT:
        raise
    except Exception:  # noqa: S110 (found again below, group by group, and set aside)
        pass
    counts: dict[str, int] = {}
    for _, group in groupby(sorted(items, key=key), key=key):
        part = list(group)
        try:
            for name, n in run(part).items():
                counts[name] = counts.get(name, 0) + n
        except TRANSIENT:
            raise
        except Exception as exc:
            failed(part[0], exc)
    return counts


def _period(r: StreamReading) -> tuple[int, int, int]:
    return (r.point_id, r.period, r.data_time)


def _period_failed(r: StreamReading, exc: Exception) -> None:
    with transaction.atomic():
        dead_letter_record(
            consumer=STATISTICS,
            exc=exc,
            point_id=r.point_id,
            period=r.period,
            data_time=r.data_time,
        )


def statistics_job() -> dict[str, int]:
    """Derive the due hours and days, then judge them; a period that fails in either step
    is set aside (``statistics_derive`` for the derivation), the others are judged."""
    derived = statistics_derive(now=int(time.time()), contexts=contexts)
    result = _isolated(derived, _judge, _period, _period_failed)
    return {"derived": len(derived), **result}


def statistics_period(point_id: int, period: int, start: int) -> dict[str, int]:
    """Judge again one period from the dead-letter list: derive it now and judge it, in the
    caller's transaction; raises what made it fail."""
    derived = statistics_derive_one(point_id, period, start, contexts=contexts)
    return alarms_apply(alarms_judge(derived))


def _silence_failed(point_id: int, exc: Exception) -> None:
    # once: the check runs every 30 seconds and would fail the same way each time
    with transaction.atomic():
        dead_letter_record(consumer=SILENCE, exc=exc, point_id=point_id, once=True)


def _silence_findings(now: int, point_ids: set[int] | None, failures: Failures) -> list[Finding]:
    offline = offline_findings(now=now, contexts=contexts, point_ids=point_ids, failures=failures)
    return offline + missing_findings(
        now=now, contexts=contexts, point_ids=point_ids, failures=failures
    )


def silence_job() -> dict[str, int]:
    now = int(time.time())
    failures: Failures = []
    findings = _silence_findings(now, None, failures)
    for point_id, exc in failures:
        _silence_failed(point_id, exc)

    def apply(part: list[Finding]) -> dict[str, int]:
        return findings_apply(part, contexts=contexts)

    def failed(f: Finding, exc: Exception) -> None:
        _silence_failed(f.point_id, exc)

    return _isolated(findings, apply, lambda f: f.point_id, failed)


def silence_point(point_id: int) -> dict[str, int]:
    """Judge again one point's silence checks from the dead-letter list, in the caller's
    transaction; raises what made them fail."""
    failures: Failures = []
    findings = _silence_findings(int(time.time()), {point_id}, failures)
    if failures:
        raise failures[0][1]
    return findings_apply(findings, contexts=contexts)


def _period_of(letter: DeadLetter) -> tuple[int, int, int] | None:
    point, period, start = letter.point_id, letter.period, letter.data_time
    return None if point is None or period is None or start is None else (point, period, start)


def dead_letter_redeliver(letter: DeadLetter) -> None:
    """Judge again what was set aside, in the caller's transaction (``services``); raises
    what makes it fail still. The rules' state and the caches are read afresh first: a
    rule entered a moment ago applies."""
    alarms_reset()
    if letter.raw_packet_id is not None:
        packet_redeliver(letter.consumer, letter.raw_packet_id)
    elif letter.consumer == STATISTICS and (period := _period_of(letter)) is not None:
        statistics_period(*period)
    elif letter.consumer == SILENCE and letter.point_id is not None:
        silence_point(letter.point_id)
    else:
        raise LookupError(f"nothing to judge again for {letter.consumer!r}")
