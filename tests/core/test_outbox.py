import json

import pytest
from django.db import transaction

from qingshan.core.models import OutboxEvent
from qingshan.core.outbox import event_record, events_mark_published, events_pending
from tests.conftest import credit_code_for


def _payload(n):
    return {
        "credit_code": credit_code_for("330603", 90_000 + n),
        "name": f"事件测试{n}",
        "region_code": "330603",
        "industry_code": "1713",
    }


def test_enterprise_creation_records_an_event_in_the_same_transaction(users, api_client):
    response = api_client(users["county"]).post(
        "/api/v1/enterprises", json.dumps(_payload(1)), content_type="application/json"
    )
    assert response.status_code == 201
    event = OutboxEvent.objects.get(topic="registry.enterprise.created")
    assert event.aggregate_id == str(response.json()["id"])
    assert [e.pk for e in events_pending()] == [event.pk]
    events_mark_published(events=[event])
    assert events_pending() == []


def test_refused_change_leaves_no_event(users, api_client):
    bad = _payload(2) | {"credit_code": "91330603000000000A"}
    response = api_client(users["county"]).post(
        "/api/v1/enterprises", json.dumps(bad), content_type="application/json"
    )
    assert response.status_code == 422
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_event_outside_a_transaction_is_refused(users):
    with pytest.raises(RuntimeError):
        event_record(topic="x", aggregate=users["keqiao"]["enterprise"], payload={})
    with transaction.atomic():
        event_record(topic="x", aggregate=users["keqiao"]["enterprise"], payload={})


def _consumer(name, seen, *, fail_on=None):
    from qingshan.core.outbox import Consumer

    def handle(event):
        if fail_on is not None and event.payload.get("n") == fail_on:
            raise ValueError("cannot handle")
        seen.append(event.payload["n"])

    return Consumer(name, frozenset({"test.happened"}), handle)


def _record(enterprise, n, topic="test.happened"):
    with transaction.atomic():
        return event_record(topic=topic, aggregate=enterprise, payload={"n": n})


def test_consumer_gets_each_event_of_its_topics_once_in_order(users):
    from qingshan.core.models import EventCursor
    from qingshan.core.outbox import consumer_run

    enterprise = users["keqiao"]["enterprise"]
    for n, topic in [(1, "test.happened"), (2, "other.topic"), (3, "test.happened")]:
        _record(enterprise, n, topic)
    seen: list[int] = []
    consumer = _consumer("t1", seen)
    assert consumer_run(consumer) == 2
    assert consumer_run(consumer) == 0
    assert seen == [1, 3]
    assert EventCursor.objects.get(consumer="t1").last_id == OutboxEvent.objects.last().pk


def test_failing_handler_holds_its_consumer_then_skips_after_retries(users):
    from qingshan.core.models import EventCursor
    from qingshan.core.outbox import MAX_FAILURES, consumer_run

    enterprise = users["keqiao"]["enterprise"]
    for n in (1, 2, 3):
        _record(enterprise, n)
    seen: list[int] = []
    failing = _consumer("t2", seen, fail_on=2)
    for _ in range(MAX_FAILURES - 1):
        consumer_run(failing)
        assert seen == [1]  # held at event 2, and event 1 not handled twice
    assert "cannot handle" in EventCursor.objects.get(consumer="t2").last_error
    consumer_run(failing)
    consumer_run(failing)
    assert seen == [1, 3]
    other: list[int] = []
    consumer_run(_consumer("t3", other))  # another consumer is not held by t2's failure
    assert other == [1, 2, 3]


def test_consumer_waits_briefly_for_a_gap_in_ids(users):
    from qingshan.core.outbox import GAP_WAIT, consumer_run

    enterprise = users["keqiao"]["enterprise"]
    first = _record(enterprise, 1)
    _record(enterprise, 2)
    third = _record(enterprise, 3)
    OutboxEvent.objects.filter(pk=first.pk + 1).delete()  # as if still uncommitted
    seen: list[int] = []
    consumer = _consumer("t4", seen)
    consumer_run(consumer)
    assert seen == [1]
    OutboxEvent.objects.filter(pk=third.pk).update(created_at=third.created_at - GAP_WAIT)
    consumer_run(consumer)
    assert seen == [1, 3]
