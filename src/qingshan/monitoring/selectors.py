"""Reads of monitoring data, always scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    BigIntegerField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils.translation import pgettext_lazy

from qingshan.core.chinatime import china_date_of_epoch
from qingshan.core.choices import Colour
from qingshan.core.models import User
from qingshan.core.permissions import restrict, scope_q
from qingshan.monitoring.choices import AlarmKind, DeclarationStatus, PointStatus, Severity
from qingshan.monitoring.dead_letters import region_expression
from qingshan.monitoring.models import (
    Alarm,
    AlarmEntry,
    AnomalyDeclaration,
    DeadLetter,
    DeviceSession,
    RawPacket,
    Reading,
    RefusedSender,
)

# the series selectors live in their own module; every read is reachable from here
from qingshan.monitoring.series import Series as Series
from qingshan.monitoring.series import SeriesValue as SeriesValue
from qingshan.monitoring.series import flag_status as flag_status
from qingshan.monitoring.series import flag_validity as flag_validity
from qingshan.monitoring.series import point_enterprise
from qingshan.monitoring.series import reading_series as reading_series
from qingshan.monitoring.stream import stream_backlog
from qingshan.registry import selectors as registry
from qingshan.registry.history import history_check_register as check
from qingshan.registry.models import Device, Enterprise, MonitoringPoint


def device_status_list(
    *, user: User | AnonymousUser, q: str = "", region_code: str = "", online: bool | None = None
) -> QuerySet[Device]:
    """Devices with what the gateway last knew of them (``device.state`` may be missing)."""
    qs = restrict(Device.objects.select_related("state", "point__outlet__enterprise"), user)
    if q:
        qs = qs.filter(Q(mn__icontains=q) | Q(point__outlet__enterprise__name__icontains=q))
    if region_code:
        qs = qs.filter(point__outlet__enterprise__region_code__startswith=region_code)
    if online is True:
        qs = qs.filter(state__connected=True)
    elif online is False:
        qs = qs.exclude(state__connected=True)
    return qs.order_by("-state__connected", "-state__last_seen_at", "mn")


def device_status_summary(*, user: User | AnonymousUser) -> dict[str, int]:
    qs = restrict(Device.objects.all(), user)
    totals = qs.aggregate(
        devices=Count("pk"),
        online=Count("pk", filter=Q(state__connected=True)),
        refused=Sum("state__refused"),
        frame_errors=Sum("state__frame_errors"),
        out_of_window=Sum("state__out_of_window"),
    )
    found = {k: int(v or 0) for k, v in totals.items()}
    found["refused_senders"] = refused_sender_list(user=user).count()
    return found


def device_online_counts(*, user: User | AnonymousUser) -> dict[str, int]:
    """The data loggers in use in the user's scope (registered at an enterprise, not
    retired, enabled) and how many of them the gateway has connected now."""
    qs = registry.device_list(user=user).filter(is_active=True)
    totals = qs.aggregate(devices=Count("pk"), online=Count("pk", filter=Q(state__connected=True)))
    return {k: int(v or 0) for k, v in totals.items()}


def refused_sender_list(
    *, user: User | AnonymousUser, q: str = "", reason: str = ""
) -> QuerySet[RefusedSender]:
    """Who the gateway refused, newest first. A row of a registered device (a wrong
    password, a disabled logger) is seen by whoever may see that device; a row of an MN
    that no one registered belongs to no jurisdiction, so every bureau staff member sees it
    (a field engineer's mistyped MN must be found by whoever they call), never an
    enterprise user."""
    visible = Q(device_id__in=restrict(Device.objects.all(), user).values("pk"))
    if isinstance(user, User) and user.is_bureau_staff:
        visible |= Q(device__isnull=True)
    qs = RefusedSender.objects.filter(visible).select_related("device")
    if q:
        qs = qs.filter(Q(mn__icontains=q) | Q(host__icontains=q))
    if reason:
        qs = qs.filter(reason=reason)
    return qs.order_by("-last_seen_at", "-pk")


def judging_backlog() -> int | None:
    """Committed packets not yet judged by the worker, platform-wide (None: no worker is
    judging). Above the gateway's ``max_unjudged`` it pauses reading (ADR 14)."""
    return stream_backlog()


# --- alarms -----------------------------------------------------------------------------


def region_prefix_q(field: str, prefix: str) -> Q:
    """``field`` starts with a region-code prefix, written so an index serves it: region
    codes are six digits (GB/T 2260), so "3306" is the range 330600–330699. SQLite cannot
    use an index for LIKE … ESCAPE, which Django's ``startswith`` is."""
    q = Q(**{f"{field}__startswith": prefix})
    if prefix.isdigit() and len(prefix) <= 6:
        q &= Q(**{f"{field}__gte": prefix.ljust(6, "0"), f"{field}__lte": prefix.ljust(6, "9")})
    return q


def _scoped_alarms(user: User | AnonymousUser) -> QuerySet[Alarm]:
    """The alarms of the enterprises ``restrict`` lets the user see.

    Written as ``enterprise_id + 0 IN (visible enterprises)``: a join, or a bare
    ``enterprise_id IN``, lets SQLite's planner start from the jurisdiction's enterprises
    and sort all their alarms for a page of 50 (measured on 100,000 alarms: 200–450 ms);
    as a per-row check the planner keeps to the indexes of the filters and the order.
    """
    if scope_q(Alarm, user) is None:
        return Alarm.objects.all()
    visible = restrict(Enterprise.objects.all(), user).values("pk")
    owner = ExpressionWrapper(F("enterprise_id") + 0, output_field=BigIntegerField())
    return Alarm.objects.alias(owner=owner).filter(owner__in=visible)


def alarm_list(
    *,
    user: User | AnonymousUser,
    region_code: str = "",
    enterprise_id: int | None = None,
    point_id: int | None = None,
    factor_code: str = "",
    kind: str = "",
    severity: str = "",
    active: bool | None = None,
    acknowledged: bool | None = None,
    explanation_status: str = "",
    start: int | None = None,
    end: int | None = None,
) -> QuerySet[Alarm]:
    """Alarms the user may see, newest first; ``start``/``end`` (epoch seconds) keep the
    alarms whose occurrences overlap that period."""
    # related rows come by prefetch (three small queries for a page): a join here lets
    # SQLite's planner start from the enterprises and sort the whole jurisdiction
    qs = _scoped_alarms(user).prefetch_related("point", "enterprise", "acknowledged_by")
    if region_code:
        qs = qs.filter(region_prefix_q("region_code", region_code))
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    if point_id:
        qs = qs.filter(point_id=point_id)
    if factor_code:
        qs = qs.filter(factor_code=factor_code)
    if kind:
        qs = qs.filter(kind=kind)
    if severity:
        qs = qs.filter(severity=severity)
    if active is not None:
        qs = qs.filter(cleared_at__isnull=active)
    if acknowledged is not None:
        qs = qs.filter(acknowledged_at__isnull=not acknowledged)
    if explanation_status:
        qs = qs.filter(explanation_status=explanation_status)
    if start is not None:
        qs = qs.filter(last_at__gte=start)
    if end is not None:
        qs = qs.filter(first_at__lt=end)
    return qs.order_by("-raised_at", "-id")


def alarm_get(*, user: User | AnonymousUser, pk: int) -> Alarm:
    return restrict(
        Alarm.objects.select_related("point__outlet", "enterprise", "acknowledged_by"), user
    ).get(pk=pk)


def alarm_entries(*, alarm: Alarm) -> QuerySet[AlarmEntry]:
    """The history of an alarm already fetched through ``alarm_get`` (so already scoped)."""
    return alarm.entries.select_related("actor").order_by("at", "id")


def alarm_entry_get(*, user: User | AnonymousUser, pk: int) -> AlarmEntry:
    """An alarm history entry (for its attachment) if the user may see the alarm."""
    alarms = restrict(Alarm.objects.all(), user)
    return AlarmEntry.objects.select_related("alarm").get(pk=pk, alarm__in=alarms)


def alarm_counts(*, user: User | AnonymousUser) -> dict[str, int]:
    qs = restrict(Alarm.objects.filter(cleared_at__isnull=True), user)
    totals = qs.aggregate(
        active=Count("pk"),
        unacknowledged=Count("pk", filter=Q(acknowledged_at__isnull=True)),
        critical=Count("pk", filter=Q(severity="critical")),
        explanations=Count("pk", filter=Q(explanation_status=DeclarationStatus.SUBMITTED)),
    )
    return {k: int(v or 0) for k, v in totals.items()}


def alarm_severity_counts(alarms: QuerySet[Alarm]) -> dict[str, int]:
    """How many of ``alarms`` (an ``alarm_list``) there are of each severity, every
    severity present (0 when none), in the order of the severity choices."""
    counts = dict.fromkeys(Severity.values, 0)
    rows = alarms.prefetch_related(None).order_by().values("severity").annotate(n=Count("pk"))
    for row in rows:
        counts[row["severity"]] = counts.get(row["severity"], 0) + row["n"]
    return counts


# --- declarations -----------------------------------------------------------------------


def declaration_list(
    *,
    user: User | AnonymousUser,
    point_id: int | None = None,
    enterprise_id: int | None = None,
    status: str = "",
    kind: str = "",
    region_code: str = "",
    overlapping: tuple[int, int] | None = None,
) -> QuerySet[AnomalyDeclaration]:
    qs = restrict(
        AnomalyDeclaration.objects.select_related(
            "point__outlet", "enterprise", "declared_by", "reviewed_by"
        ),
        user,
    )
    if point_id:
        qs = qs.filter(point_id=point_id)
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if region_code:
        qs = qs.filter(enterprise__region_code__startswith=region_code)
    if overlapping is not None:
        qs = qs.filter(starts_at__lt=overlapping[1], ends_at__gt=overlapping[0])
    return qs.order_by("-starts_at", "-id")


def declaration_get(*, user: User | AnonymousUser, pk: int) -> AnomalyDeclaration:
    return restrict(
        AnomalyDeclaration.objects.select_related(
            "point__outlet", "enterprise", "declared_by", "reviewed_by"
        ),
        user,
    ).get(pk=pk)


# --- the overview: each point's state ---------------------------------------------------

# which state an open alarm of each kind puts its point in (worst wins, PointStatus order)
KIND_STATUS = {
    AlarmKind.EXCEEDANCE: PointStatus.EXCEEDING,
    AlarmKind.RTD_EXCEEDANCE: PointStatus.WARNING,  # the law judges hourly values
    AlarmKind.OFFLINE: PointStatus.OFFLINE,
    AlarmKind.MISSING: PointStatus.OFFLINE,
    AlarmKind.STUCK: PointStatus.FAULT,
    AlarmKind.ZERO: PointStatus.FAULT,
    AlarmKind.FLAG_RUN: PointStatus.FAULT,
    AlarmKind.EARLY_WARNING: PointStatus.WARNING,
    AlarmKind.NEAR_LIMIT: PointStatus.WARNING,
    AlarmKind.CONTRADICTION: PointStatus.WARNING,
}
STATUS_ORDER = list(PointStatus.values)


@dataclass(slots=True)
class PointState:
    """A point as the overview shows it: where, whose, and how it is doing."""

    point: MonitoringPoint
    status: str
    open_alarms: int = 0
    kinds: list[str] = field(default_factory=list)
    connected: bool = False
    last_seen_at: dt.datetime | None = None  # the last packet of any of its loggers

    @property
    def enterprise(self) -> Enterprise:
        return point_enterprise(self.point)

    @property
    def colour(self) -> Colour:
        return PointStatus.colour(self.status)


def point_states(
    *,
    user: User | AnonymousUser,
    region_code: str = "",
    industry_code: str = "",
    factor_code: str = "",
    status: str = "",
    q: str = "",
    point_ids: list[int] | None = None,
) -> list[PointState]:
    """Every enterprise point the user may see, with its state: the worst of its open
    alarms, else offline when none of its active data loggers is connected, else normal."""
    points = registry.point_list(user=user, q=q)
    if region_code:
        points = points.filter(outlet__enterprise__region_code__startswith=region_code)
    if industry_code:
        points = points.filter(outlet__enterprise__industry_code__startswith=industry_code)
    if point_ids is not None:
        points = points.filter(pk__in=point_ids)
    by_id = {p.pk: p for p in points}
    if factor_code:  # JSON containment is not portable to SQLite; the list is small
        by_id = {pk: p for pk, p in by_id.items() if factor_code in (p.factors or [])}
    open_kinds: dict[int, list[str]] = {}
    alarms = restrict(Alarm.objects.filter(cleared_at__isnull=True), user)
    for point_id, kind in alarms.filter(point_id__in=list(by_id)).values_list("point_id", "kind"):
        open_kinds.setdefault(point_id, []).append(kind)
    links: dict[int, tuple[bool, dt.datetime | None]] = {}
    devices = Device.objects.filter(point_id__in=list(by_id), is_active=True).values_list(
        "point_id", "state__connected", "state__last_seen_at"
    )
    for point_id, connected, seen in devices:
        was = links.get(point_id, (False, None))
        seen_at: Any = seen
        latest = max((s for s in (was[1], seen_at) if s is not None), default=None)
        links[point_id] = (was[0] or bool(connected), latest)
    states = []
    for pk, point in by_id.items():
        kinds = sorted(set(open_kinds.get(pk, [])))
        connected, last_seen = links.get(pk, (False, None))
        candidates = [KIND_STATUS[AlarmKind(k)] for k in kinds if k in AlarmKind.values]
        if not connected:
            candidates.append(PointStatus.OFFLINE)
        state = min(candidates, key=STATUS_ORDER.index, default=PointStatus.NORMAL)
        states.append(
            PointState(
                point=point,
                status=str(state),
                open_alarms=len(open_kinds.get(pk, [])),
                kinds=kinds,
                connected=connected,
                last_seen_at=last_seen,
            )
        )
    if status:
        states = [s for s in states if s.status == status]
    states.sort(key=lambda s: (STATUS_ORDER.index(s.status), s.enterprise.name, s.point.pk))
    return states


# --- dead letters: what the alarm engine could not judge ---------------------------------


def _dead_letter_scope(user: User | AnonymousUser) -> Q | None:
    """Bureau staff see the entries of points in their jurisdiction (an enterprise's, or
    an air station's or water section's); the administrator sees all, entries of no point
    included; enterprise users see none: the list is about the platform's judging."""
    if not (isinstance(user, User) and user.is_bureau_staff):
        return Q(pk__in=[])
    if user.is_bureau_admin:
        return None
    if not user.region_code:
        return Q(pk__in=[])
    points = MonitoringPoint.objects.alias(region=region_expression()).filter(
        region__startswith=user.region_code
    )
    return Q(point_id__in=points.values("pk"))


def dead_letter_list(
    *, user: User | AnonymousUser, open_only: bool = True, consumer: str = ""
) -> QuerySet[DeadLetter]:
    """Entries the user may see, newest first (open ones only, unless told otherwise),
    with the MN of their logger, the names of their point and enterprise and the point's
    region (``mn``, ``point_name``, ``enterprise_name``, ``region_code``; "" if none)."""
    q = _dead_letter_scope(user)
    qs = DeadLetter.objects.all() if q is None else DeadLetter.objects.filter(q)
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    if consumer:
        qs = qs.filter(consumer=consumer)
    point = MonitoringPoint.objects.filter(pk=OuterRef("point_id"))
    return (
        qs.annotate(
            mn=Subquery(Device.objects.filter(pk=OuterRef("device_id")).values("mn")[:1]),
            point_name=Subquery(point.values("name")[:1]),
            enterprise_name=Subquery(point.values("outlet__enterprise__name")[:1]),
            region_code=Subquery(point.annotate(region=region_expression()).values("region")[:1]),
        )
        .select_related("resolved_by")
        .order_by("-created_at", "-id")
    )


def dead_letter_get(*, user: User | AnonymousUser, pk: int) -> DeadLetter:
    return dead_letter_list(user=user, open_only=False).get(pk=pk)


def dead_letter_count(*, user: User | AnonymousUser) -> int:
    """Open entries the user may see (the status page's card)."""
    q = _dead_letter_scope(user)
    qs = DeadLetter.objects.filter(resolved_at__isnull=True)
    return (qs if q is None else qs.filter(q)).count()


def dead_letter_date(letter: DeadLetter) -> dt.date | None:
    """The data time as a date in China, for any year a logger may send (1 … 9999)."""
    return None if letter.data_time is None else china_date_of_epoch(letter.data_time)


# --- the evidence monitoring keeps about registry records (qingshan.registry.history) ---


def history_checks_register() -> None:
    """Alarms, declarations, readings, raw packets and sessions are a record's history:
    with any of them it is retired, never deleted. The readings key and the raw packets'
    index ``rawpacket_device_data`` start with the point and the device: each check is an
    index probe on the platform's largest tables."""
    check("device", pgettext_lazy("history", "原始报文"), _raw_packets_of)
    check("device", pgettext_lazy("history", "连接记录"), _sessions_of)
    check("point", pgettext_lazy("history", "报警"), _point_alarms)
    check("point", pgettext_lazy("history", "企业申报"), _point_declarations)
    check("point", pgettext_lazy("history", "监测数据"), _readings_of)
    check("enterprise", pgettext_lazy("history", "报警"), _enterprise_alarms)
    check("enterprise", pgettext_lazy("history", "企业申报"), _enterprise_declarations)


def _raw_packets_of(ids: list[int]) -> QuerySet[RawPacket]:
    return RawPacket.objects.filter(device_id__in=ids)


def _sessions_of(ids: list[int]) -> QuerySet[DeviceSession]:
    return DeviceSession.objects.filter(device_id__in=ids)


def _readings_of(ids: list[int]) -> QuerySet[Reading]:
    return Reading.objects.filter(point_id__in=ids)


def _point_alarms(ids: list[int]) -> QuerySet[Alarm]:
    return Alarm.objects.filter(point_id__in=ids)


def _point_declarations(ids: list[int]) -> QuerySet[AnomalyDeclaration]:
    return AnomalyDeclaration.objects.filter(point_id__in=ids)


def _enterprise_alarms(ids: list[int]) -> QuerySet[Alarm]:
    return Alarm.objects.filter(enterprise_id__in=ids)


def _enterprise_declarations(ids: list[int]) -> QuerySet[AnomalyDeclaration]:
    return AnomalyDeclaration.objects.filter(enterprise_id__in=ids)
