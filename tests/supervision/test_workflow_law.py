"""The legally important facts of the supervision workflow, written out by hand.

test_workflow_matrix.py checks that the engine obeys ``workflow.TRANSITIONS``; a wrong row
in that table passes there. The rows here do not read the table: each is a fact from
docs/supervision.md (who plays which part, the workflow table, what an action needs),
asserted against the engine through ``services.case_act``. A wrong row that lets the
wrong part act, or drops what an action must carry, fails one of them.

Parts (supervision/roles.py): ``regulator`` (city 3306) and ``admin`` are the supervising
bureau (督办方); ``county`` is the county team of 柯桥 (330603), where the case lies;
``inspector`` an inspector; ``enterprise`` the case's enterprise.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from qingshan.core.permissions import PermissionDenied
from qingshan.supervision import services
from qingshan.supervision.choices import CaseAction
from qingshan.supervision.models import Penalty, SupervisionCase
from tests.supervision.conftest import png_upload

OPEN = ("pending", "dispatched", "investigating", "rectifying", "verifying")
BUREAU = ("regulator", "admin", "county", "inspector")
EVERYONE = (*BUREAU, "enterprise")
CLOSING = ("verify", "close_false_alarm", "close_unfounded", "penalise")
REFUSED = "refused"

# (state, action, who) → the state it leads to and how it closes, or REFUSED
LAW: list[tuple[str, str, str, Any]] = [
    # 派发 is the supervising bureau's alone
    ("pending", "dispatch", "regulator", ("dispatched", "")),
    ("pending", "dispatch", "admin", ("dispatched", "")),
    ("pending", "dispatch", "county", REFUSED),
    ("pending", "dispatch", "inspector", REFUSED),
    ("pending", "dispatch", "enterprise", REFUSED),
    # before the county has the case, only the supervising bureau closes it as a false alarm
    ("pending", "close_false_alarm", "regulator", ("closed", "false_alarm")),
    ("pending", "close_false_alarm", "county", REFUSED),
    ("dispatched", "close_false_alarm", "county", REFUSED),
    # the county or the inspector takes the dispatched case on; not the bureau above
    ("dispatched", "accept", "county", ("investigating", "")),
    ("dispatched", "accept", "inspector", ("investigating", "")),
    ("dispatched", "accept", "regulator", REFUSED),
    # 查无实据 only after an investigation
    ("pending", "close_unfounded", "regulator", REFUSED),
    ("dispatched", "close_unfounded", "regulator", REFUSED),
    ("investigating", "close_unfounded", "county", ("closed", "unfounded")),
    # findings and the order to rectify come from the staff on site
    ("investigating", "order_rectification", "inspector", ("rectifying", "")),
    ("investigating", "order_rectification", "county", ("rectifying", "")),
    # only the enterprise submits its rectification, and only when ordered to
    ("rectifying", "submit_rectification", "enterprise", ("verifying", "")),
    *(("rectifying", "submit_rectification", who, REFUSED) for who in BUREAU),
    ("investigating", "submit_rectification", "enterprise", REFUSED),
    # once rectification is ordered, the case closes by verification or a penalty, never
    # as a false alarm or unfounded
    *(
        (state, action, who, REFUSED)
        for state in ("rectifying", "verifying")
        for action in ("close_false_alarm", "close_unfounded")
        for who in ("regulator", "county")
    ),
    # 复核 by the county or the supervising bureau, after the submission, never before
    ("verifying", "verify", "county", ("closed", "rectified")),
    ("verifying", "verify", "regulator", ("closed", "rectified")),
    ("rectifying", "verify", "county", REFUSED),
    ("verifying", "reject_rectification", "county", ("rectifying", "")),
    # 处罚 by the county or the supervising bureau, from investigation onwards
    ("investigating", "penalise", "county", ("closed", "penalised")),
    ("rectifying", "penalise", "regulator", ("closed", "penalised")),
    ("verifying", "penalise", "county", ("closed", "penalised")),
    ("pending", "penalise", "regulator", REFUSED),
    # an inspector never closes a case: the county or the bureau above does
    *(("investigating", action, "inspector", REFUSED) for action in CLOSING),
    *(("verifying", action, "inspector", REFUSED) for action in CLOSING),
    ("rectifying", "penalise", "inspector", REFUSED),
    # the enterprise never closes or verifies a case, in any state
    *((state, action, "enterprise", REFUSED) for state in OPEN for action in CLOSING),
    # a closed case stays closed: nobody takes any action on it
    *(("closed", action, who, REFUSED) for action in CaseAction.values for who in EVERYONE),
]

# the enterprise's one action is its rectification: no other action, in no open state
ENTERPRISE_ONLY = ("rectifying", "submit_rectification")
LAW += [
    (state, action, "enterprise", REFUSED)
    for state in OPEN
    for action in CaseAction.values
    if (state, action) != ENTERPRISE_ONLY and (state, action, "enterprise", REFUSED) not in LAW
]

# what an action must carry (docs/supervision.md, column "needs"): without it, refused
# for that field, and nothing changes
NEEDS: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("pending", "close_false_alarm", "regulator", {}, "comment"),
    ("dispatched", "return_dispatch", "county", {}, "comment"),
    ("investigating", "close_unfounded", "county", {}, "comment"),
    ("investigating", "order_rectification", "inspector", {}, "comment"),
    ("verifying", "reject_rectification", "county", {}, "comment"),
    ("rectifying", "submit_rectification", "enterprise", {"comment": "已整改"}, "attachments"),
    # a penalty needs its decision number (处罚决定书文号), legal basis and amount
    *(
        (
            state,
            "penalise",
            "county",
            {"penalty": {"legal_basis": "《大气污染防治法》第九十九条", "amount": "100000"}},
            "penalty.decision_number",
        )
        for state in ("investigating", "rectifying", "verifying")
    ),
    ("investigating", "penalise", "county", {}, "penalty.amount"),
    (
        "verifying",
        "penalise",
        "regulator",
        {"penalty": {"decision_number": "绍环罚〔2026〕1号", "amount": "100000"}},
        "penalty.legal_basis",
    ),
    (
        "rectifying",
        "penalise",
        "county",
        {"penalty": {"decision_number": "绍环罚〔2026〕2号", "legal_basis": "第九十九条"}},
        "penalty.amount",
    ),
]


def _id(row: tuple[Any, ...]) -> str:
    return "-".join(str(part) for part in row[:3])


def _full_input(case: SupervisionCase, action: str, user: Any) -> dict[str, Any]:
    """Everything the action could need, so that only the workflow can refuse it."""
    given: dict[str, Any] = {"comment": "情况说明"}
    if action == "penalise":
        given["penalty"] = {
            "decision_number": f"绍环罚〔2026〕{case.pk}号",
            "legal_basis": "《中华人民共和国大气污染防治法》第九十九条",
            "amount": "100000",
        }
    if action == "submit_rectification" and case.is_open:
        photo = services.attachment_upload(user=user, case=case, upload=png_upload())
        given["attachment_ids"] = [photo.pk]
    return given


def _state(case: SupervisionCase) -> tuple[str, int, str]:
    fresh = SupervisionCase.objects.get(pk=case.pk)
    return fresh.state, fresh.version, fresh.resolution


@pytest.mark.parametrize(("state", "action", "who", "expected"), LAW, ids=map(_id, LAW))
def test_the_law(case_in, users, state, action, who, expected) -> None:
    case = case_in(state)
    user = users[who]
    before = _state(case)
    if expected == REFUSED:
        try:
            services.case_act(user=user, case=case, action=action, version=case.version)
        except (PermissionDenied, services.CaseConflict):
            pass
        except ValidationError as exc:
            # a system action (overdue, escalate, open) is no person's to take
            assert set(exc.message_dict) == {"action"}, (
                f"{who} was let {action} a {state} case; only the missing input stopped it"
            )
        else:
            pytest.fail(f"{who} took {action} on a {state} case")
        assert _state(case) == before, "a refused action must change nothing"
        return

    target, resolution = expected
    done = services.case_act(
        user=user,
        case=case,
        action=action,
        version=case.version,
        **_full_input(case, action, user),
    )
    assert (done.state, done.resolution) == (target, resolution)
    assert _state(case) == (target, case.version + 1, resolution)
    if action == "penalise":
        assert Penalty.objects.get(case=case).decision_number == f"绍环罚〔2026〕{case.pk}号"


@pytest.mark.parametrize(("state", "action", "who", "given", "field"), NEEDS, ids=map(_id, NEEDS))
def test_what_an_action_must_carry(case_in, users, state, action, who, given, field) -> None:
    case = case_in(state)
    before = _state(case)
    with pytest.raises(ValidationError) as refused:
        services.case_act(user=users[who], case=case, action=action, version=case.version, **given)
    assert field in refused.value.message_dict
    assert _state(case) == before
    assert not Penalty.objects.filter(case=case).exists()
