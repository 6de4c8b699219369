"""Domain events: written with the change, in its transaction (docs/adr/0003-outbox.md).

Producers call :func:`event_record` inside the transaction of their change. Consumers
register a handler for some topics with :func:`register_consumer` (in their app's
``ready()``); the worker's ``core.events`` job hands every new event to every consumer
interested in its topic, in id order, and moves that consumer's cursor in the same
transaction as the handler's own writes: an event is handled once per consumer, or, if
the handler fails, retried on the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from qingshan.core.cursors import readable_after
from qingshan.core.models import EventCursor, OutboxEvent

log = logging.getLogger("qingshan.events")

# A failing event is retried this many times, then skipped and logged, so that one bad
# event never stops a consumer for good.
MAX_FAILURES = 5
# Ids are taken when a transaction inserts, not when it commits: an id missing between
# two committed events may belong to a transaction still running. It is waited for this
# long before it is treated as rolled back.
GAP_WAIT = dt.timedelta(seconds=10)


def event_record(*, topic: str, aggregate: models.Model, payload: dict[str, Any]) -> OutboxEvent:
    """Record a domain event; must run inside the transaction that made the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record() must be called inside the change's transaction")
    return OutboxEvent.objects.create(
        topic=topic,
        aggregate_type=aggregate._meta.label_lower,
        aggregate_id=str(aggregate.pk),
        payload=payload,
    )


def events_pending(*, limit: int = 500) -> list[OutboxEvent]:
    """Events not yet relayed beyond this database (for a stream relay, ADR 3)."""
    return list(OutboxEvent.objects.filter(published_at__isnull=True).order_by("id")[:limit])


def events_mark_published(*, events: list[OutboxEvent]) -> None:
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(published_at=timezone.now())


@dataclass(frozen=True)
class Consumer:
    name: str
    topics: frozenset[str]
    handle: Callable[[OutboxEvent], object]


CONSUMERS: dict[str, Consumer] = {}


def register_consumer(
    name: str, *, topics: Iterable[str], handle: Callable[[OutboxEvent], object]
) -> None:
    CONSUMERS[name] = Consumer(name, frozenset(topics), handle)


_pk = attrgetter("pk")


def _readable(events: list[OutboxEvent], after_id: int) -> list[OutboxEvent]:
    """The events up to the first id gap that may still be filled by a running transaction."""
    now = timezone.now()
    return readable_after(
        events,
        after_id,
        id_of=_pk,
        age_s=lambda event: (now - event.created_at).total_seconds(),
        gap_wait_s=GAP_WAIT.total_seconds(),
    )


def consumer_run(consumer: Consumer, *, limit: int = 500) -> int:
    """Hand the consumer's new events to it; returns how many it handled."""
    cursor, _ = EventCursor.objects.get_or_create(consumer=consumer.name)
    events = list(OutboxEvent.objects.filter(pk__gt=cursor.last_id).order_by("pk")[:limit])
    handled = 0
    written = cursor.last_id
    for event in _readable(events, cursor.last_id):
        if event.topic not in consumer.topics:
            # not for this consumer: no transaction of its own, the cursor passes it with
            # the next write (a transaction per event held the database for nothing)
            cursor.last_id = event.pk
            continue
        try:
            with transaction.atomic():
                consumer.handle(event)
                EventCursor.objects.filter(consumer=consumer.name).update(
                    last_id=event.pk, failures=0, last_error=""
                )
        except Exception as exc:
            failures = cursor.failures + 1
            log.exception("event=%s consumer=%s failure=%d", event.pk, consumer.name, failures)
            skip = failures >= MAX_FAILURES
            EventCursor.objects.filter(consumer=consumer.name).update(
                last_id=event.pk if skip else cursor.last_id,
                failures=0 if skip else failures,
                last_error=f"event {event.pk}: {exc!r}"[:2000],
            )
            written = event.pk if skip else cursor.last_id
            if skip:
                cursor.last_id, cursor.failures = event.pk, 0
                log.error("event=%s consumer=%s skipped", event.pk, consumer.name)
                continue
            break
        handled += 1
        cursor.last_id = written = event.pk
    if cursor.last_id != written:  # events passed after the last write
        EventCursor.objects.filter(consumer=consumer.name).update(last_id=cursor.last_id)
    return handled


def events_dispatch() -> dict[str, int]:
    """The worker job: every consumer catches up with the outbox."""
    return {name: consumer_run(consumer) for name, consumer in CONSUMERS.items()}
