"""Domain events: written with the change, in its transaction (docs/adr/0003-outbox.md)."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from qingshan.core.models import OutboxEvent


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
    return list(OutboxEvent.objects.filter(published_at__isnull=True).order_by("id")[:limit])


def events_mark_published(*, events: list[OutboxEvent]) -> None:
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(published_at=timezone.now())
