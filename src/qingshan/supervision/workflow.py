"""The supervision workflow as one table: states, actions, who may take each, deadlines.

Everything the engine, the pages, the API's ``/cases/workflow`` and the tests know about
the workflow is read from :data:`TRANSITIONS` and :data:`STATE_DEADLINES`; nothing else in
the code decides which action is allowed. docs/adr/0009-supervision-state-machine.md says
why it is a table and not a library.

One row per (state, action): the state it leads to, the roles allowed to take it, what
the action must carry, and how a closing action closes the case. The deadline of a state
is named here and its length read from the rule table (rule ``supervision.deadlines``).
"""

from __future__ import annotations

from dataclasses import dataclass

from qingshan.supervision.choices import OPEN_STATES, CaseAction, CaseRole, CaseState, Resolution

S, A, R = CaseState, CaseAction, CaseRole

# what an action must carry, checked before anything changes
COMMENT = "comment"  # a text: the reason, the findings, the plan
ATTACHMENTS = "attachments"  # at least one uploaded file: the evidence
PENALTY = "penalty"  # decision number, legal basis, amount


@dataclass(frozen=True, slots=True)
class Transition:
    state: str
    action: str
    target: str  # the same state for actions that only add to the timeline
    roles: frozenset[str]
    needs: frozenset[str] = frozenset()
    resolution: str = ""  # set when the action closes the case


def _row(
    state: str,
    action: str,
    target: str,
    roles: set[str],
    needs: set[str] | None = None,
    resolution: str = "",
) -> Transition:
    return Transition(state, action, target, frozenset(roles), frozenset(needs or ()), resolution)


SUPERVISOR, COUNTY, INSPECTOR, ENTERPRISE = R.SUPERVISOR, R.COUNTY, R.INSPECTOR, R.ENTERPRISE
BUREAU: set[str] = {SUPERVISOR, COUNTY, INSPECTOR}

TRANSITIONS: tuple[Transition, ...] = (
    # 预警督办: the supervising bureau sends the case to a county team and/or an inspector
    _row(S.PENDING, A.DISPATCH, S.DISPATCHED, {SUPERVISOR}),
    _row(S.PENDING, A.CLOSE_FALSE_ALARM, S.CLOSED, {SUPERVISOR}, {COMMENT}, Resolution.FALSE_ALARM),
    # the county (or the inspector) takes it on, or returns it with a reason
    _row(S.DISPATCHED, A.ACCEPT, S.INVESTIGATING, {COUNTY, INSPECTOR}),
    _row(S.DISPATCHED, A.RETURN_DISPATCH, S.PENDING, {COUNTY, INSPECTOR}, {COMMENT}),
    _row(
        S.DISPATCHED, A.CLOSE_FALSE_ALARM, S.CLOSED, {SUPERVISOR}, {COMMENT}, Resolution.FALSE_ALARM
    ),
    # 查处: findings on site, then an order to rectify, a closure, or a penalty case
    _row(S.INVESTIGATING, A.RECORD_FINDINGS, S.INVESTIGATING, {INSPECTOR, COUNTY}, {COMMENT}),
    _row(S.INVESTIGATING, A.ORDER_RECTIFICATION, S.RECTIFYING, {INSPECTOR, COUNTY}, {COMMENT}),
    _row(
        S.INVESTIGATING,
        A.CLOSE_UNFOUNDED,
        S.CLOSED,
        {COUNTY, SUPERVISOR},
        {COMMENT},
        Resolution.UNFOUNDED,
    ),
    _row(
        S.INVESTIGATING,
        A.CLOSE_FALSE_ALARM,
        S.CLOSED,
        {COUNTY, SUPERVISOR},
        {COMMENT},
        Resolution.FALSE_ALARM,
    ),
    _row(
        S.INVESTIGATING, A.PENALISE, S.CLOSED, {COUNTY, SUPERVISOR}, {PENALTY}, Resolution.PENALISED
    ),
    # 整改: the enterprise submits its plan and evidence
    _row(S.RECTIFYING, A.SUBMIT_RECTIFICATION, S.VERIFYING, {ENTERPRISE}, {COMMENT, ATTACHMENTS}),
    _row(S.RECTIFYING, A.PENALISE, S.CLOSED, {COUNTY, SUPERVISOR}, {PENALTY}, Resolution.PENALISED),
    # 复核 → 销号, or back to rectifying
    _row(S.VERIFYING, A.VERIFY, S.CLOSED, {COUNTY, SUPERVISOR}, None, Resolution.RECTIFIED),
    _row(S.VERIFYING, A.REJECT_RECTIFICATION, S.RECTIFYING, {COUNTY, SUPERVISOR}, {COMMENT}),
    _row(S.VERIFYING, A.PENALISE, S.CLOSED, {COUNTY, SUPERVISOR}, {PENALTY}, Resolution.PENALISED),
    # a note on the record, in any open state, by bureau staff
    *(_row(state, A.COMMENT, state, BUREAU, {COMMENT}) for state in OPEN_STATES),
)

# which deadline each state carries: the key into rule ``supervision.deadlines``
# (working days or hours); a closed case has none
STATE_DEADLINES: dict[str, str] = {state: state for state in OPEN_STATES}

# actions a person takes (the deadline watcher records OVERDUE and ESCALATE itself)
USER_ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TRANSITIONS))

# the actions that may carry a deadline chosen by the person taking them
DEADLINE_SETTABLE = frozenset({A.DISPATCH, A.ORDER_RECTIFICATION, A.REJECT_RECTIFICATION})

_BY_KEY = {(t.state, t.action): t for t in TRANSITIONS}
assert len(_BY_KEY) == len(TRANSITIONS), "one row per (state, action)"


def transition_for(state: str, action: str) -> Transition | None:
    return _BY_KEY.get((state, action))


def actions_for(state: str, role: str | None) -> list[Transition]:
    """The rows the role may take from the state, in table order."""
    if role is None:
        return []
    return [t for t in TRANSITIONS if t.state == state and role in t.roles]


def allowed(state: str, action: str, role: str) -> bool:
    row = transition_for(state, action)
    return row is not None and role in row.roles
