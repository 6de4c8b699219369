"""Reads of supervision cases, always scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from qingshan.core.choices import Role
from qingshan.core.models import User
from qingshan.core.permissions import restrict, scope_q
from qingshan.monitoring.models import Alarm, Reading
from qingshan.registry.history import history_check_register
from qingshan.supervision.choices import CaseAction, CaseRole, CaseState, Resolution, Visibility
from qingshan.supervision.models import (
    CaseAttachment,
    CaseEvent,
    Notification,
    SupervisionCase,
)
from qingshan.supervision.roles import case_role
from qingshan.supervision.workflow import Transition, actions_for

AnyUser = User | AnonymousUser

# the alarm chart shows readings from this long before the alarm to this long after it
CHART_BEFORE = dt.timedelta(hours=12)
CHART_AFTER = dt.timedelta(hours=12)
CHART_MAX_POINTS = 2000

# who an enterprise user reads as the author of what staff did: never a staff account
BUREAU_ACTOR = gettext_lazy("生态环境局")
# what an entry carried that the enterprise reads: the penalty is served on it; the rest
# (assignee, escalation targets) is the bureau's, and the place only when the note is shared
ENTERPRISE_DATA = frozenset({"penalty"})
SHARED_DATA = frozenset({"penalty", "location"})


def case_list(
    *,
    user: AnyUser,
    state: str = "",
    region_code: str = "",
    enterprise_id: int | None = None,
    assignee_id: int | None = None,
    overdue: bool | None = None,
    q: str = "",
) -> QuerySet[SupervisionCase]:
    qs = _filtered(
        user=user,
        region_code=region_code,
        enterprise_id=enterprise_id,
        assignee_id=assignee_id,
        overdue=overdue,
        q=q,
    )
    if state == "open":
        qs = qs.exclude(state=CaseState.CLOSED)
    elif state:
        qs = qs.filter(state=state)
    return qs.select_related("enterprise", "assignee").order_by("-created_at", "-id")


def _filtered(
    *,
    user: AnyUser,
    region_code: str = "",
    enterprise_id: int | None = None,
    assignee_id: int | None = None,
    overdue: bool | None = None,
    q: str = "",
) -> QuerySet[SupervisionCase]:
    qs = restrict(SupervisionCase.objects.all(), user)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    if assignee_id:
        qs = qs.filter(assignee_id=assignee_id)
    if overdue is True:
        qs = qs.filter(overdue_since__isnull=False)
    elif overdue is False:
        qs = qs.filter(overdue_since__isnull=True)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(enterprise__name__icontains=q))
    return qs


def case_counts(**filters: Any) -> dict[str, int]:
    """Cases per state under the same filters as the list (without the state filter)."""
    rows = _filtered(**filters).values("state").annotate(n=Count("id")).order_by()
    counts = dict.fromkeys(CaseState.values, 0)
    counts.update({row["state"]: row["n"] for row in rows})
    counts["open"] = sum(n for s, n in counts.items() if s != CaseState.CLOSED)
    return counts


def case_get(*, user: AnyUser, pk: int) -> SupervisionCase:
    return restrict(
        SupervisionCase.objects.select_related("enterprise", "assignee", "alarm", "alarm__point"),
        user,
    ).get(pk=pk)


def case_actions(*, user: AnyUser, case: SupervisionCase) -> list[Transition]:
    """The actions this user may take on the case now, and nothing else."""
    return actions_for(case.state, case_role(user, case))


def case_timeline(*, user: AnyUser, case: SupervisionCase) -> list[CaseEvent]:
    """The case's history, oldest first, with the attachments the user may open
    (``entry.shown_attachments``).

    To the enterprise, staff appear as the bureau, bureau-only notes and files are left
    out (a bureau-only remark, which is nothing but its note, altogether), and of what
    an entry carried only the penalty remains (and the place, when the note is shared).
    The entries are changed in memory only: a timeline entry is never saved twice.
    """
    restrict(SupervisionCase.objects.filter(pk=case.pk), user).get()
    enterprise = case_role(user, case) == CaseRole.ENTERPRISE
    files = CaseAttachment.objects.order_by("created_at", "id")
    if enterprise:
        files = files.filter(visibility=Visibility.SHARED)
    entries: list[CaseEvent] = list(
        CaseEvent.objects.filter(case=case)
        .select_related("actor")
        .prefetch_related(Prefetch("attachments", queryset=files, to_attr="shown_attachments"))
        .order_by("at", "id")
    )
    if not enterprise:
        return entries
    return [_for_enterprise(e) for e in entries if _enterprise_reads(e)]


def _enterprise_reads(entry: CaseEvent) -> bool:
    internal_remark = entry.action == CaseAction.COMMENT and entry.visibility != Visibility.SHARED
    return not internal_remark


def _for_enterprise(entry: CaseEvent) -> CaseEvent:
    shared = entry.visibility == Visibility.SHARED
    if entry.actor_role != CaseRole.ENTERPRISE:
        if entry.actor_role:  # a person of the bureau; the platform's own stays "系统"
            entry.actor_name = str(BUREAU_ACTOR)
            entry.actor_id = None
        if not shared:
            entry.comment = ""
    keep = SHARED_DATA if shared else ENTERPRISE_DATA
    entry.data = {k: v for k, v in entry.data.items() if k in keep}
    return entry


def order_notes(*, user: AnyUser, case: SupervisionCase) -> list[CaseEvent]:
    """The notes printed on the supervision order: only those shared with the enterprise,
    whoever prints it, since the order is what is served on the enterprise (staff as the
    bureau there too)."""
    restrict(SupervisionCase.objects.filter(pk=case.pk), user).get()
    shared = (
        CaseEvent.objects.filter(case=case, visibility=Visibility.SHARED)
        .exclude(comment="")
        .order_by("at", "id")
    )
    return [_for_enterprise(e) for e in shared]


def attachment_get(*, user: AnyUser, pk: int) -> CaseAttachment:
    """An attachment of a case the user sees; before its action, only to its uploader;
    to the enterprise, only what is shared with it (and what it uploaded itself)."""
    attachment = restrict(CaseAttachment.objects.select_related("case"), user).get(pk=pk)
    if attachment.uploaded_by_id == getattr(user, "pk", None):
        return attachment
    if attachment.event_id is None:
        raise CaseAttachment.DoesNotExist
    if (
        case_role(user, attachment.case) == CaseRole.ENTERPRISE
        and attachment.visibility != Visibility.SHARED
    ):
        raise CaseAttachment.DoesNotExist
    return attachment


def alarm_series(*, user: AnyUser, case: SupervisionCase) -> dict[str, Any] | None:
    """Readings of the alarm's point and factor around the alarm, for the case's chart."""
    alarm = case.alarm
    if alarm is None or not alarm.factor_code:
        return None
    restrict(SupervisionCase.objects.filter(pk=case.pk), user).get()
    start, end = alarm.first_at - CHART_BEFORE, alarm.last_at + CHART_AFTER
    base = Reading.objects.filter(
        point_id=alarm.point_id,
        factor_code=alarm.factor_code,
        data_time__gte=start,
        data_time__lte=end,
    )
    period = alarm.period or base.order_by("period").values_list("period", flat=True).first()
    if period is None:
        period = 0  # no readings at all: the chart says so
    rows = list(
        base.filter(period=period)
        .order_by("data_time")
        .values_list("data_time", "value", "zs")[:CHART_MAX_POINTS]
    )
    return {
        "factor_code": alarm.factor_code,
        "period": period,
        "limit": alarm.limit_value,
        "first_at_local": _local(alarm.first_at),
        "last_at_local": _local(alarm.last_at),
        "points": [[_local(t), zs if zs is not None else v] for t, v, zs in rows],
    }


def _local(moment: Any) -> str:
    # EpochField hands out aware datetimes (its stub says int)
    return str(timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S"))


def alarms_without_case(*, user: AnyUser, limit: int = 50) -> QuerySet[Alarm]:
    """Recent alarms in the user's scope that no case has been opened for."""
    return restrict(
        Alarm.objects.select_related("enterprise", "point").filter(case__isnull=True), user
    ).order_by("-raised_at", "-id")[:limit]


def alarm_get(*, user: AnyUser, pk: int) -> Alarm:
    return restrict(Alarm.objects.select_related("enterprise", "point"), user).get(pk=pk)


def inspectors_for(*, case: SupervisionCase) -> QuerySet[User]:
    """The inspectors a case may be assigned to: those whose jurisdiction covers it."""
    prefixes = [case.region_code[:n] for n in (2, 4, 6)]
    return User.objects.filter(
        role=Role.INSPECTOR, is_active=True, region_code__in=prefixes
    ).order_by("username")


def notifications_for(*, user: AnyUser, unread_only: bool = False) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    qs = Notification.objects.filter(user_id=user.pk).select_related("case")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(*, user: AnyUser) -> int:
    return notifications_for(user=user, unread_only=True).count()


def dashboard(*, user: AnyUser, region_code: str = "") -> dict[str, Any]:
    """Open cases by state and region, overdue counts, time per state, closure rate.

    Rows are per county (6-digit region), with the total of the user's scope first.
    """
    cases = restrict(SupervisionCase.objects.all(), user)
    if region_code:
        cases = cases.filter(region_code__startswith=region_code)
    per_region: dict[str, dict[str, Any]] = {}
    rows = cases.values("region_code", "state").annotate(
        n=Count("id"), late=Count("id", filter=Q(overdue_since__isnull=False))
    )
    for row in rows.order_by():
        entry = per_region.setdefault(row["region_code"], _empty_row(row["region_code"]))
        entry["states"][row["state"]] += row["n"]
        entry["total"] += row["n"]
        if row["state"] != CaseState.CLOSED:
            entry["overdue"] += row["late"]
    total = _empty_row("")
    for entry in per_region.values():
        for state, n in entry["states"].items():
            total["states"][state] += n
        total["total"] += entry["total"]
        total["overdue"] += entry["overdue"]
    for entry in [total, *per_region.values()]:
        states = entry["states"]
        entry["open"] = entry["total"] - states[CaseState.CLOSED]
        entry["closure_rate"] = (
            states[CaseState.CLOSED] / entry["total"] if entry["total"] else None
        )
    return {
        "total": total,
        "regions": [per_region[code] for code in sorted(per_region)],
        "state_hours": _hours_per_state(user=user, region_code=region_code),
        "resolutions": _resolutions(cases),
    }


def _empty_row(code: str) -> dict[str, Any]:
    return {
        "region_code": code,
        "states": dict.fromkeys(CaseState.values, 0),
        "total": 0,
        "overdue": 0,
    }


def _hours_per_state(*, user: AnyUser, region_code: str) -> dict[str, float | None]:
    """Average hours a case spent in each state, read from the timelines."""
    events = CaseEvent.objects.exclude(from_state=F("to_state"))
    q = scope_q(CaseEvent, user)
    if q is not None:
        events = events.filter(q)
    if region_code:
        events = events.filter(case__region_code__startswith=region_code)
    spent: dict[str, list[float]] = {s: [] for s in CaseState.values if s != CaseState.CLOSED}
    entered: dict[str, dt.datetime] = {}
    current_case = None
    rows = events.values_list("case_id", "from_state", "to_state", "at").order_by(
        "case_id", "at", "id"
    )
    for case_id, from_state, to_state, at in rows:
        if case_id != current_case:
            current_case, entered = case_id, {}
        start = entered.pop(from_state, None)
        if start is not None and from_state in spent:
            spent[from_state].append((at - start).total_seconds() / 3600)
        entered[to_state] = at
    return {s: (sum(v) / len(v) if v else None) for s, v in spent.items()}


def _resolutions(cases: QuerySet[SupervisionCase]) -> dict[str, int]:
    counts = dict.fromkeys(Resolution.values, 0)
    for row in (
        cases.filter(state=CaseState.CLOSED).values("resolution").annotate(n=Count("id")).order_by()
    ):
        counts[row["resolution"]] = row["n"]
    return counts


# --- the evidence supervision keeps about registry records (qingshan.registry.history) --


def history_checks_register() -> None:
    """An enterprise with a supervision case is retired, never deleted."""
    history_check_register("enterprise", pgettext_lazy("history", "督办案件"), _cases_of)


def _cases_of(enterprise_ids: list[int]) -> QuerySet[SupervisionCase]:
    return SupervisionCase.objects.filter(enterprise_id__in=enterprise_ids)
