"""Every (state, action, role): the allowed ones succeed, every other is refused and changes
nothing — through the API, as a client would see it.

Expected answers come from the workflow table itself: 200 when the row exists and names
the role; 403 when the state allows the action but not for this role; 409 with the current
state when the state does not allow the action at all.
"""

from __future__ import annotations

from typing import Any

import pytest

from qingshan.core.models import OutboxEvent
from qingshan.supervision.choices import CaseRole, CaseState
from qingshan.supervision.models import CaseEvent, Penalty, SupervisionCase
from qingshan.supervision.workflow import TRANSITIONS, USER_ACTIONS, transition_for
from tests.conftest import client_for
from tests.supervision.conftest import ROLE_USERS, body, post_json, upload

ROLE_OF = {
    "supervisor": CaseRole.SUPERVISOR,
    "admin": CaseRole.SUPERVISOR,
    "county": CaseRole.COUNTY,
    "inspector": CaseRole.INSPECTOR,
    "enterprise": CaseRole.ENTERPRISE,
}


def action_body(client: Any, case: SupervisionCase, action: str) -> dict[str, Any]:
    request: dict[str, Any] = {"action": action, "version": case.version, "comment": "情况说明"}
    if action == "penalise":
        request["penalty"] = {
            "decision_number": f"绍环罚〔2026〕{case.pk}号",
            "legal_basis": "《中华人民共和国大气污染防治法》第九十九条",
            "amount": "100000",
        }
    if action == "submit_rectification" and case.state != CaseState.CLOSED:
        response = upload(client, case)
        if response.status_code == 201:
            request["attachments"] = [body(response)["id"]]
    return request


def snapshot(case: SupervisionCase) -> tuple[Any, ...]:
    fresh = SupervisionCase.objects.get(pk=case.pk)
    return (
        fresh.state,
        fresh.version,
        fresh.resolution,
        fresh.assignee_id,
        fresh.deadline,
        CaseEvent.objects.filter(case=case).count(),
        OutboxEvent.objects.filter(
            aggregate_type="supervision.supervisioncase", aggregate_id=str(case.pk)
        ).count(),
        Penalty.objects.filter(case=case).count(),
    )


def test_table_covers_every_state_and_role() -> None:
    """Every open state has a way out for someone, and every role has something to do."""
    for state in CaseState.values:
        if state != CaseState.CLOSED:
            assert any(t.state == state and t.target != state for t in TRANSITIONS), state
    for role in CaseRole.values:
        assert any(role in t.roles for t in TRANSITIONS), role
    assert not any(t.state == CaseState.CLOSED for t in TRANSITIONS)


@pytest.mark.parametrize("role", list(ROLE_USERS))
@pytest.mark.parametrize("action", USER_ACTIONS)
@pytest.mark.parametrize("state", CaseState.values)
def test_state_action_role(case_in, users, role, action, state) -> None:
    case = case_in(state)
    client = client_for(users[ROLE_USERS[role]])
    request = action_body(client, case, action)
    before = snapshot(case)
    response = post_json(client, f"/api/v1/cases/{case.pk}/actions", request)
    row = transition_for(state, action)

    if row is not None and ROLE_OF[role] in row.roles:
        assert response.status_code == 200, response.content
        out = body(response)
        assert out["state"] == row.target
        assert out["version"] == case.version + 1
        last = CaseEvent.objects.filter(case=case).last()
        assert (last.action, last.from_state, last.to_state) == (action, state, row.target)
        assert last.actor_id == users[ROLE_USERS[role]].pk
        if row.resolution:
            assert out["resolution"] == row.resolution and out["deadline"] is None
        return

    assert snapshot(case) == before, "a refused action must change nothing"
    error = body(response)["error"]
    if row is None:
        assert response.status_code == 409, response.content
        assert error["code"] == "state_conflict"
        assert error["state"] == state and error["version"] == case.version
    else:
        assert response.status_code == 403, response.content
        assert error["code"] == "forbidden"
