"""Writes to supervision cases: opening a case, taking an action, the deadline watcher.

Every state change goes through :func:`case_act`, which reads the workflow table
(``workflow.TRANSITIONS``) and nothing else to decide what is allowed. It locks the case
row, checks state, role and the version the caller read, validates what the action
carries, then changes the case, appends the timeline entry, links the attachments,
records the domain event and fills the inboxes, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.audit import audit_context
from qingshan.core.choices import Role
from qingshan.core.models import OutboxEvent, User
from qingshan.core.outbox import event_record
from qingshan.core.permissions import PermissionDenied, in_jurisdiction
from qingshan.core.rules import rule_value
from qingshan.monitoring.models import Alarm
from qingshan.registry.factors import factor_name
from qingshan.supervision import notify
from qingshan.supervision.attachments import attachment_check, quota_check, upload_limits
from qingshan.supervision.choices import (
    SHARED_BY_DEFAULT,
    CaseAction,
    CaseRole,
    CaseSeverity,
    CaseState,
    NotificationKind,
    SourceKind,
    Visibility,
)
from qingshan.supervision.deadlines import (
    AUTO_CASE,
    deadline_for,
    escalation_due,
    reminder_hours,
    watch_filter,
)
from qingshan.supervision.models import (
    CaseAttachment,
    CaseEvent,
    Notification,
    Penalty,
    SupervisionCase,
)
from qingshan.supervision.roles import case_role, role_in
from qingshan.supervision.workflow import (
    ATTACHMENTS,
    COMMENT,
    DEADLINE_SETTABLE,
    PENALTY,
    USER_ACTIONS,
    transition_for,
)

SYSTEM = "系统"
COMMENT_MAX = 4000
SEVERITY_OF_ALARM = {"critical": CaseSeverity.CRITICAL, "major": CaseSeverity.MAJOR}

TOPICS = {
    CaseAction.VERIFY: "supervision.case.rectified",
    CaseAction.CLOSE_UNFOUNDED: "supervision.case.closed_unfounded",
    CaseAction.CLOSE_FALSE_ALARM: "supervision.case.closed_unfounded",
    CaseAction.PENALISE: "supervision.case.penalised",
}


class CaseConflict(Exception):
    """The action does not fit the case as it now is: wrong state, or changed since read."""

    def __init__(self, case: SupervisionCase, *, stale: bool) -> None:
        self.state = case.state
        self.version = case.version
        self.stale = stale
        if stale:
            message = _(
                "案件已被他人修改（当前版本 %(version)s，状态：%(state)s），请刷新后重试"
            ) % {
                "version": case.version,
                "state": case.get_state_display(),
            }
        else:
            message = _("案件当前状态为“%(state)s”，不能执行该操作") % {
                "state": case.get_state_display()
            }
        super().__init__(message)


def _payload(case: SupervisionCase, **extra: Any) -> dict[str, Any]:
    return {
        "case_id": case.pk,
        "enterprise_id": case.enterprise_id,
        "region_code": case.region_code,
        "alarm_id": case.alarm_id,
        "source_kind": case.source_kind,
        **extra,
    }


def _event(
    case: SupervisionCase,
    *,
    actor: User | None,
    role: str,
    action: str,
    from_state: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
    visibility: str = Visibility.BUREAU,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor,
        actor_name=(actor.get_full_name() or actor.get_username()) if actor else SYSTEM,
        actor_role=role,
        action=action,
        from_state=from_state,
        to_state=case.state,
        comment=comment,
        visibility=visibility,
        deadline=case.deadline,
        data=data or {},
    )


# ---------------------------------------------------------------- opening a case


def _alarm_text(alarm: Alarm) -> tuple[str, str]:
    factor = factor_name(alarm.factor_code) if alarm.factor_code else ""
    title = f"{alarm.enterprise.name} {alarm.point.name} {factor} {alarm.get_kind_display()}"
    lines = [
        f"报警类型：{alarm.get_kind_display()}（{alarm.get_severity_display()}）",
        f"监控点：{alarm.point.name}",
    ]
    if factor:
        lines.append(f"监测因子：{factor}")
    if alarm.worst_value is not None:
        limit = f"，限值 {alarm.limit_value:g}" if alarm.limit_value is not None else ""
        lines.append(f"最严重值：{alarm.worst_value:g}{limit}")
    first = timezone.localtime(alarm.first_at).strftime("%Y-%m-%d %H:%M")
    last = timezone.localtime(alarm.last_at).strftime("%Y-%m-%d %H:%M")
    lines.append(f"发生时间：{first} 至 {last}，共 {alarm.occurrences} 次")
    return " ".join(title.split())[:200], "\n".join(lines)


@transaction.atomic
def case_open_from_alarm(*, user: User | None, alarm: Alarm, comment: str = "") -> SupervisionCase:
    """Open the case of an alarm: by a regulator (``user``) or by the policy (None).

    One alarm opens at most one case: a second attempt by a person is refused, a second
    delivery of the alarm event to the policy does nothing (returns the case).
    """
    if user is not None:
        role = role_in(user, region_code=alarm.region_code, enterprise_id=alarm.enterprise_id)
        if role not in (CaseRole.SUPERVISOR, CaseRole.COUNTY):
            raise PermissionDenied(_("只有辖区内的监管人员可以从报警立案"))
    existing = SupervisionCase.objects.filter(alarm=alarm).first()
    if existing is not None:
        if user is None:
            return existing
        raise ValidationError(
            {"alarm_id": _("该报警已立案：%(number)s") % {"number": existing.number}}
        )
    title, description = _alarm_text(alarm)
    try:
        with transaction.atomic():
            case = _case_create(
                user=user,
                data={
                    "source_kind": SourceKind.ALARM,
                    "source_ref": str(alarm.pk),
                    "alarm": alarm,
                    "enterprise": alarm.enterprise,
                    "region_code": alarm.region_code,
                    "title": title,
                    "description": description,
                    "severity": SEVERITY_OF_ALARM.get(alarm.severity, CaseSeverity.MINOR),
                },
                comment=comment,
            )
    except IntegrityError:
        # the policy and a person (or two workers) raced for the same alarm: one case
        existing = SupervisionCase.objects.filter(alarm=alarm).first()
        if existing is None or user is not None:
            raise
        return existing
    return case


@transaction.atomic
def case_open_manual(
    *, user: User, enterprise: Any, title: str, description: str = "", severity: str = "major"
) -> SupervisionCase:
    """Open a case that no alarm raised (a regulator's own finding)."""
    role = role_in(user, region_code=enterprise.region_code, enterprise_id=enterprise.pk)
    if role not in (CaseRole.SUPERVISOR, CaseRole.COUNTY):
        raise PermissionDenied(_("只有辖区内的监管人员可以立案"))
    return _case_create(
        user=user,
        data={
            "source_kind": SourceKind.MANUAL,
            "enterprise": enterprise,
            "region_code": enterprise.region_code,
            "title": title.strip(),
            "description": description.strip(),
            "severity": severity,
        },
        comment="",
    )


def _case_create(*, user: User | None, data: dict[str, Any], comment: str) -> SupervisionCase:
    now = timezone.now()
    case = SupervisionCase(**data, opened_by=user, state=CaseState.PENDING, state_entered_at=now)
    case.deadline = deadline_for(CaseState.PENDING, region_code=case.region_code, start=now)
    case.full_clean()
    case.save()
    role = case_role(user, case) if user else ""
    _event(
        case, actor=user, role=role or "", action=CaseAction.OPEN, from_state="", comment=comment
    )
    event_record(topic="supervision.case.opened", aggregate=case, payload=_payload(case))
    notify.notify(
        notify.supervisors(case),
        case=case,
        kind=NotificationKind.OPENED,
        text=_("新督办案件待派发：%(title)s") % {"title": case.title},
        skip=user,
    )
    return case


def alarm_raised_handle(event: OutboxEvent) -> SupervisionCase | None:
    """The outbox consumer: open a case when the policy in the rule table says so.

    Rule ``supervision.auto_case_alarm_kinds`` = ``{"key_dischargers": [...], "others": [...]}``
    lists the alarm kinds that open a case, for key dischargers and for the rest.
    """
    alarm = (
        Alarm.objects.select_related("enterprise", "point")
        .filter(pk=event.payload.get("alarm_id"))
        .first()
    )
    if alarm is None:
        return None
    policy = rule_value(
        AUTO_CASE, region_code=alarm.region_code, on=timezone.localdate(), default={}
    )
    group = "key_dischargers" if alarm.enterprise.is_key_discharger else "others"
    if alarm.kind not in policy.get(group, []):
        return None
    with audit_context(user=None, via="worker"):
        return case_open_from_alarm(user=None, alarm=alarm)


# ---------------------------------------------------------------- visibility


def visibility_for(role: str | None, chosen: str | None, action: str | None = None) -> str:
    """What the author's note or file is shared as: staff choose, bureau only unless told
    (shared for the actions addressed to the enterprise, ``SHARED_BY_DEFAULT``); what the
    enterprise writes is the enterprise's own and always shared."""
    if role == CaseRole.ENTERPRISE:
        if chosen not in (None, "", Visibility.SHARED):
            raise ValidationError(
                {
                    "visibility": _(
                        "企业提交的意见和附件本单位与生态环境局均可见，不能设为仅局内可见"
                    )
                }
            )
        return Visibility.SHARED
    if chosen in (None, ""):
        return Visibility.SHARED if action in SHARED_BY_DEFAULT else Visibility.BUREAU
    if chosen not in Visibility.values:
        raise ValidationError(
            {"visibility": _("可见范围应为 bureau（仅局内）或 shared（与企业共享）")}
        )
    return str(chosen)


# ---------------------------------------------------------------- attachments


@transaction.atomic
def attachment_upload(
    *,
    user: User,
    case: SupervisionCase,
    upload: UploadedFile,
    visibility: str | None = None,
) -> CaseAttachment:
    """Check and store one file for an action the user is about to take on the case.

    Raises UploadRefused (a ValidationError) over the user's or the case's quota, or when
    the user uploads faster than the rule allows.
    """
    role = case_role(user, case)
    if role is None:
        raise PermissionDenied(_("无权向该案件上传附件"))
    if not case.is_open:
        raise ValidationError({"file": _("案件已销号，不能再上传附件")})
    shared_as = visibility_for(role, visibility)
    content_type = attachment_check(upload, region_code=case.region_code)
    # one upload at a time per user and per case, so that two at once cannot both fit
    User.objects.select_for_update().filter(pk=user.pk).exists()
    SupervisionCase.objects.select_for_update().filter(pk=case.pk).exists()
    quota_check(user_id=user.pk, case=case, size=upload.size or 0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = CaseAttachment(
        case=case,
        original_name=(upload.name or "file")[-200:],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        visibility=shared_as,
        uploaded_by=user,
    )
    attachment.file.save(upload.name or "file", upload, save=False)
    attachment.save()
    return attachment


def attachments_purge_unattached(*, now: dt.datetime | None = None) -> int:
    """The worker job: remove the files no action took, ``unattached_hours`` after upload.

    Each removal is its own transaction with its audit row (CaseAttachment is audited);
    the file goes once the row's removal has committed.
    """
    now = now or timezone.now()
    hours = upload_limits()["unattached_hours"]
    removed = 0
    with audit_context(user=None, via="worker"):
        stale = CaseAttachment.objects.filter(
            event__isnull=True, created_at__lt=now - dt.timedelta(hours=hours)
        )
        for pk in stale.values_list("pk", flat=True).order_by("created_at", "id"):
            with transaction.atomic():
                attachment = (
                    CaseAttachment.objects.select_for_update()
                    .filter(pk=pk, event__isnull=True)
                    .first()
                )
                if attachment is None:  # attached to an action since the list was read
                    continue
                storage, name = attachment.file.storage, attachment.file.name
                attachment.delete()
                transaction.on_commit(lambda s=storage, n=name: s.delete(n))  # type: ignore[misc]
            removed += 1
    return removed


# ---------------------------------------------------------------- actions


def _comment(value: str, needed: bool) -> str:
    text = (value or "").strip()
    if needed and not text:
        raise ValidationError({"comment": _("该操作需要填写意见或说明")})
    if len(text) > COMMENT_MAX:
        raise ValidationError({"comment": _("意见不能超过 %(n)s 字") % {"n": COMMENT_MAX}})
    return text


def _assignee(user: User | None, case: SupervisionCase) -> User | None:
    if user is None:
        return None
    if (
        user.role != Role.INSPECTOR
        or not user.is_active
        or not in_jurisdiction(user, case.region_code)
    ):
        raise ValidationError({"assignee_id": _("承办人应为辖区内的执法人员")})
    return user


def _team(code: str, case: SupervisionCase) -> str:
    code = (code or case.region_code).strip()
    if code not in (case.region_code, case.region_code[:4]):
        raise ValidationError(
            {
                "team_region_code": _("承办单位应为案件所在县区（%(county)s）或所在市（%(city)s）")
                % {"county": case.region_code, "city": case.region_code[:4]}
            }
        )
    return code


def _deadline(value: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= now:
        raise ValidationError({"deadline": _("期限应晚于当前时间")})
    return value


def _location(value: Mapping[str, Any] | None) -> dict[str, float] | None:
    if not value:
        return None
    try:
        lat, lng = float(value["lat"]), float(value["lng"])
        accuracy = float(value["accuracy"]) if value.get("accuracy") is not None else None
    except (KeyError, TypeError, ValueError):
        raise ValidationError({"location": _("位置应包含经度 lng 和纬度 lat")}) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError({"location": _("经纬度超出范围")})
    place = {"lat": round(lat, 6), "lng": round(lng, 6)}
    if accuracy is not None:
        place["accuracy"] = round(accuracy, 1)
    return place


def _penalty(case: SupervisionCase, value: Mapping[str, Any] | None) -> Penalty:
    value = value or {}
    try:
        amount = Decimal(str(value.get("amount", "")))
    except InvalidOperation:
        raise ValidationError({"penalty.amount": _("罚款金额应为数字")}) from None
    penalty = Penalty(
        case=case,
        decision_number=str(value.get("decision_number", "")).strip(),
        legal_basis=str(value.get("legal_basis", "")).strip(),
        amount=amount,
    )
    try:
        penalty.full_clean(exclude=["case"])
    except ValidationError as exc:
        raise ValidationError({f"penalty.{k}": v for k, v in exc.message_dict.items()}) from None
    return penalty


def _not_for(action: str, **given: object) -> None:
    wrong = [name for name, value in given.items() if value not in (None, "", (), [], {})]
    if wrong:
        raise ValidationError({name: _("该操作不接受此项") for name in wrong})


@transaction.atomic
def case_act(
    *,
    user: User,
    case: SupervisionCase,
    action: str,
    version: int,
    comment: str = "",
    assignee: User | None = None,
    team_region_code: str = "",
    deadline: dt.datetime | None = None,
    attachment_ids: Sequence[int] = (),
    location: Mapping[str, Any] | None = None,
    penalty: Mapping[str, Any] | None = None,
    visibility: str | None = None,
) -> SupervisionCase:
    """Take ``action`` on the case as ``user``.

    ``visibility`` says whether the enterprise reads the comment and what the action
    carried (``visibility_for``: bureau only unless a staff author shares it).

    Raises ValidationError for an unknown action or bad input (nothing changes),
    CaseConflict when the state does not allow the action or the case has changed since
    ``version`` was read, PermissionDenied when the user's part in the case may not take it.
    """
    if action not in USER_ACTIONS:
        raise ValidationError({"action": _("未知的操作：%(action)s") % {"action": action}})
    locked = SupervisionCase.objects.select_for_update().get(pk=case.pk)
    role = case_role(user, locked)
    if role is None:
        raise SupervisionCase.DoesNotExist
    row = transition_for(locked.state, action)
    if row is None:
        raise CaseConflict(locked, stale=locked.version != version)
    if role not in row.roles:
        raise PermissionDenied(
            _("您（%(role)s）不能对该案件执行“%(action)s”")
            % {"role": CaseRole(role).label, "action": CaseAction(action).label}
        )
    if locked.version != version:
        raise CaseConflict(locked, stale=True)

    now = timezone.now()
    text = _comment(comment, COMMENT in row.needs)
    shared_as = visibility_for(role, visibility, action)
    data: dict[str, Any] = {}
    if action == CaseAction.DISPATCH:
        locked.team_region_code = _team(team_region_code, locked)
        locked.assignee = _assignee(assignee, locked)
        data["team_region_code"] = locked.team_region_code
    elif action == CaseAction.ACCEPT and role == CaseRole.COUNTY:
        _not_for(action, team_region_code=team_region_code)
        if assignee is not None:
            locked.assignee = _assignee(assignee, locked)
    elif action == CaseAction.ACCEPT and role == CaseRole.INSPECTOR:
        _not_for(action, team_region_code=team_region_code, assignee_id=assignee)
        locked.assignee = user
    else:
        _not_for(action, team_region_code=team_region_code, assignee_id=assignee)
    if locked.assignee is not None:
        data["assignee_id"] = locked.assignee.pk
        data["assignee_name"] = locked.assignee.get_full_name() or locked.assignee.get_username()
    chosen = _deadline(deadline, now)
    if chosen is not None and action not in DEADLINE_SETTABLE:
        _not_for(action, deadline=chosen)
    place = _location(location)
    if place is not None:
        data["location"] = place
    attachments = (
        list(
            CaseAttachment.objects.filter(
                pk__in=list(attachment_ids), case=locked, event__isnull=True, uploaded_by=user
            )
        )
        if attachment_ids
        else []
    )
    if len(attachments) != len(set(attachment_ids)):
        raise ValidationError({"attachments": _("附件不存在、已使用或不是您上传的")})
    if ATTACHMENTS in row.needs and not attachments:
        raise ValidationError(
            {"attachments": _("该操作需要上传至少一个附件（如整改前后照片、整改报告）")}
        )
    fine: Penalty | None = None
    if PENALTY in row.needs:
        fine = _penalty(locked, penalty)
        data["penalty"] = {
            "decision_number": fine.decision_number,
            "legal_basis": fine.legal_basis,
            "amount": str(fine.amount),
        }
    elif penalty:
        _not_for(action, penalty=penalty)

    from_state = locked.state
    if row.target != from_state:
        locked.state = row.target
        locked.state_entered_at = now
        locked.overdue_since = None
        locked.escalation_level = 0
        locked.reminded_at = None
        locked.deadline = chosen or deadline_for(
            row.target, region_code=locked.region_code, start=now
        )
    if row.resolution:
        locked.resolution = row.resolution
        locked.closed_at = now
        locked.deadline = None
    locked.version += 1
    locked.save()
    if fine is not None:
        fine.save()
    entry = _event(
        locked,
        actor=user,
        role=role,
        action=action,
        from_state=from_state,
        comment=text,
        data=data,
        visibility=shared_as,
    )
    if attachments:
        CaseAttachment.objects.filter(pk__in=[a.pk for a in attachments]).update(event=entry)
    if row.target != from_state:
        topic = TOPICS.get(action, "supervision.case.transitioned")  # type: ignore[call-overload]
        extra = {"action": action, "from": from_state, "to": locked.state}
        if locked.resolution:
            extra["resolution"] = locked.resolution
        if fine is not None:
            extra.update(data["penalty"])
        event_record(topic=topic, aggregate=locked, payload=_payload(locked, **extra))
    _notify_action(locked, action, user, text, shared=shared_as == Visibility.SHARED)
    return locked


def _notify_action(
    case: SupervisionCase, action: str, actor: User, comment: str, *, shared: bool
) -> None:
    """Tell who must act next; the enterprise's inbox (and e-mail) quotes a note only when
    the note is shared with it."""
    title = case.title
    if action == CaseAction.DISPATCH:
        users = [*([case.assignee] if case.assignee else []), *notify.team_users(case)]
        text = _("案件已派发给您，请在期限内处理：%(title)s") % {"title": title}
        notify.notify(users, case=case, kind=NotificationKind.ASSIGNED, text=text, skip=actor)
    elif action == CaseAction.ACCEPT and case.assignee and case.assignee != actor:
        text = _("案件已指派给您查处：%(title)s") % {"title": title}
        notify.notify([case.assignee], case=case, kind=NotificationKind.ASSIGNED, text=text)
    elif action == CaseAction.RETURN_DISPATCH:
        text = _("派发被退回（%(reason)s）：%(title)s") % {"reason": comment[:80], "title": title}
        notify.notify(
            notify.supervisors(case),
            case=case,
            kind=NotificationKind.RETURNED,
            text=text,
            skip=actor,
        )
    elif action == CaseAction.ORDER_RECTIFICATION:
        text = _("请按期完成整改并提交整改材料：%(title)s") % {"title": title}
        notify.notify(
            notify.enterprise_users(case), case=case, kind=NotificationKind.RECTIFY, text=text
        )
    elif action == CaseAction.SUBMIT_RECTIFICATION:
        users = [*([case.assignee] if case.assignee else []), *notify.team_users(case)]
        text = _("企业已提交整改材料，请复核：%(title)s") % {"title": title}
        notify.notify(users, case=case, kind=NotificationKind.SUBMITTED, text=text, skip=actor)
    elif action == CaseAction.REJECT_RECTIFICATION:
        text = (
            _("整改未通过复核（%(reason)s），请继续整改：%(title)s")
            % {"reason": comment[:80], "title": title}
            if shared
            else _("整改未通过复核，请继续整改：%(title)s") % {"title": title}
        )
        notify.notify(
            notify.enterprise_users(case), case=case, kind=NotificationKind.REJECTED, text=text
        )
    elif not case.is_open:
        users = [
            *notify.enterprise_users(case),
            *([case.assignee] if case.assignee else []),
            *notify.team_users(case),
        ]
        text = _("案件已销号（%(how)s）：%(title)s") % {
            "how": case.get_resolution_display(),
            "title": title,
        }
        notify.notify(users, case=case, kind=NotificationKind.CLOSED, text=text, skip=actor)


# ---------------------------------------------------------------- deadlines


def deadlines_check(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The worker job: remind before a deadline, mark overdue, escalate past the thresholds."""
    now = now or timezone.now()
    counts = {"reminded": 0, "overdue": 0, "escalated": 0}
    with audit_context(user=None, via="worker"):
        candidates = (
            SupervisionCase.objects.exclude(state=CaseState.CLOSED)
            .filter(deadline__isnull=False)
            .filter(watch_filter(now))
        )
        for case_id in candidates.values_list("pk", flat=True).order_by("deadline"):
            with transaction.atomic():
                case = SupervisionCase.objects.select_for_update().get(pk=case_id)
                for key in _deadline_step(case, now):
                    counts[key] += 1
    return counts


def _deadline_step(case: SupervisionCase, now: dt.datetime) -> list[str]:
    done: list[str] = []
    deadline = case.deadline
    if deadline is None or not case.is_open:
        return done
    if now < deadline:
        hours = reminder_hours(case.region_code, now)
        if hours and case.reminded_at is None and deadline - now <= dt.timedelta(hours=hours):
            case.reminded_at = now
            case.save(update_fields=["reminded_at", "updated_at"])
            text = _("案件将于 %(when)s 到期：%(title)s") % {
                "when": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
                "title": case.title,
            }
            notify.notify(
                notify.responsible(case), case=case, kind=NotificationKind.DUE_SOON, text=text
            )
            done.append("reminded")
        return done
    if case.overdue_since is None:
        case.overdue_since = deadline
        case.version += 1
        case.save(update_fields=["overdue_since", "version", "updated_at"])
        _event(case, actor=None, role="", action=CaseAction.OVERDUE, from_state=case.state)
        event_record(
            topic="supervision.case.overdue",
            aggregate=case,
            payload=_payload(case, state=case.state, deadline=deadline.isoformat()),
        )
        text = _("案件已逾期（%(state)s，期限 %(when)s）：%(title)s") % {
            "state": case.get_state_display(),
            "when": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
            "title": case.title,
        }
        users = [*notify.responsible(case), *notify.overseers(case)]
        notify.notify(users, case=case, kind=NotificationKind.OVERDUE, text=text)
        done.append("overdue")
    level = escalation_due(deadline=deadline, region_code=case.region_code, now=now)
    while case.escalation_level < level:
        case.escalation_level += 1
        case.version += 1
        case.save(update_fields=["escalation_level", "version", "updated_at"])
        targets = notify.escalation_users(case, case.escalation_level)
        _event(
            case,
            actor=None,
            role="",
            action=CaseAction.ESCALATE,
            from_state=case.state,
            data={"level": case.escalation_level, "to": sorted({u.region_code for u in targets})},
        )
        event_record(
            topic="supervision.case.escalated",
            aggregate=case,
            payload=_payload(case, level=case.escalation_level, state=case.state),
        )
        text = _("逾期未办结，升级督办：%(title)s") % {"title": case.title}
        notify.notify(targets, case=case, kind=NotificationKind.ESCALATED, text=text)
        done.append("escalated")
    return done


# ---------------------------------------------------------------- inbox


def notifications_mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when ``ids`` is None)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
