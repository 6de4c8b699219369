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
