"""Two users act on the same case at the same moment, each in their own thread with their
own database connection: exactly one succeeds, the other is answered 409 with the state the
winner left, and the timeline holds one transition.

On PostgreSQL the row lock (SELECT … FOR UPDATE) serialises the two transactions and the
loser sees the new version; on SQLite the write transaction (BEGIN IMMEDIATE) does. The test
suite's SQLite database is in memory with a shared cache, where a second writer is refused
at once ("database table is locked") instead of waiting as it does on a real database file
(busy_timeout): there the HTTP-level race is skipped, and the service-level race retries the
refused BEGIN — which is what busy_timeout does — before anything was read or written.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client

from qingshan.supervision import services
from qingshan.supervision.models import CaseEvent, SupervisionCase
from tests.helpers import skip_or_fail

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5


def _post(client: Client, case: SupervisionCase, body: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/cases/{case.pk}/actions", data=json.dumps(body), content_type="application/json"
    )


def race(case: SupervisionCase, requests: list[tuple[Client, dict[str, Any]]]) -> list[Any]:
    barrier = threading.Barrier(len(requests))
    answers: list[Any] = [None] * len(requests)

    def run(index: int, client: Client, body: dict[str, Any]) -> None:
        try:
            barrier.wait(timeout=10)
            answers[index] = _post(client, case, body)
        finally:
            connection.close()  # this thread's own connection

    threads = [
        threading.Thread(target=run, args=(i, client, body))
        for i, (client, body) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_two_users_at_once_one_wins(open_case, users) -> None:
    if connection.vendor == "sqlite":
        skip_or_fail(
            "in-memory SQLite (shared cache) refuses a second writer instead of waiting",
            sqlite_ok=True,
        )
    city, admin = Client(), Client()
    city.force_login(users["regulator"])
    admin.force_login(users["admin"])
    for _ in range(ROUNDS):
        case = open_case()
        dispatch = {"action": "dispatch", "version": case.version}
        false_alarm = {"action": "close_false_alarm", "version": case.version, "comment": "误报"}
        answers = race(case, [(city, dispatch), (admin, false_alarm)])

        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409], [a.content for a in answers]
        case.refresh_from_db()
        winner = next(a for a in answers if a.status_code == 200)
        loser = json.loads(next(a for a in answers if a.status_code == 409).content)["error"]
        assert json.loads(winner.content)["state"] == case.state
        assert loser["code"] == "stale"
        assert (loser["state"], loser["version"]) == (case.state, case.version)
        moves = CaseEvent.objects.filter(case=case).exclude(action="open")
        assert moves.count() == 1
        assert case.version == 2


def service_race(case: SupervisionCase, calls: list[tuple[Any, dict[str, Any]]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    outcome: list[Any] = [None] * len(calls)

    def run(index: int, user: Any, kwargs: dict[str, Any]) -> None:
        try:
            barrier.wait(timeout=10)
            for _attempt in range(200):
                try:
                    services.case_act(user=user, case=case, version=case.version, **kwargs)
                    outcome[index] = "ok"
                except services.CaseConflict as exc:
                    outcome[index] = ("conflict", exc.state, exc.version)
                except OperationalError as exc:  # a refused BEGIN on the memory database
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.005)
                    continue
                break
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, u, k)) for i, (u, k) in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcome


def test_two_users_at_once_through_the_service(open_case, users) -> None:
    """The same race one layer down, on both databases."""
    for _ in range(ROUNDS):
        case = open_case()
        outcome = service_race(
            case,
            [
                (users["regulator"], {"action": "dispatch"}),
                (users["admin"], {"action": "close_false_alarm", "comment": "误报"}),
            ],
        )
        case.refresh_from_db()
        assert sorted(outcome, key=str) == sorted(["ok", ("conflict", case.state, 2)], key=str)
        assert CaseEvent.objects.filter(case=case).exclude(action="open").count() == 1


def test_the_same_action_twice_at_once(open_case, users) -> None:
    """The county and the inspector accept the same dispatched case: one does, one is told."""
    if connection.vendor == "sqlite":
        skip_or_fail(
            "in-memory SQLite (shared cache) refuses a second writer instead of waiting",
            sqlite_ok=True,
        )
    case = open_case()
    SupervisionCase.objects.filter(pk=case.pk).update(state="dispatched", team_region_code="330603")
    case.refresh_from_db()
    first, second = Client(), Client()
    first.force_login(users["county"])
    second.force_login(users["inspector"])
    body = {"action": "accept", "version": case.version}
    answers = race(case, [(first, body), (second, body)])
    assert sorted(a.status_code for a in answers) == [200, 409]
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
