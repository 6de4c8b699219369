"""What people do with alarms and declarations: one function per change, access checked
first, validated, atomic, audited, and a line in the alarm's history.

Raising, repeating and clearing alarms is the alarm engine's work (``evaluation``,
``alarms``); here are the human steps: a regulator acknowledges and comments, the
enterprise explains and the regulator accepts or rejects the explanation; the enterprise
declares maintenance, a shutdown or a fault for a period and the regulator reviews it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import PurePath
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.attachments import (
    AttachmentPolicy,
    AttachmentRefused,
    Refusal,
    attachment_kind,
    attachment_policy,
)
from qingshan.core.audit import audit_record
from qingshan.core.choices import AuditAction, Role
from qingshan.core.models import User
from qingshan.core.outbox import event_record
from qingshan.core.permissions import PermissionDenied, in_jurisdiction, require_edit
from qingshan.core.rules import rule_value
from qingshan.monitoring import jobs
from qingshan.monitoring.choices import AlarmAction, DeclarationKind, DeclarationStatus
from qingshan.monitoring.dead_letters import (
    JUDGED_AGAIN,
    TRANSIENT,
    detail_for,
    point_regions,
    reason_for,
)
from qingshan.monitoring.models import Alarm, AlarmEntry, AnomalyDeclaration, DeadLetter
from qingshan.registry.models import MonitoringPoint

MAX_TEXT = 2000
ATTACHMENTS = "monitoring.attachments"
# used when the rule table has no row (it always has the national one, migration 0013)
DEFAULT_ATTACHMENT_POLICY = AttachmentPolicy(
    max_bytes=10 * 1024 * 1024, types=("pdf", "png", "jpg", "docx", "xlsx")
)
# platform defaults until a province sets them in the rule table
DECLARATION_MAX_DAYS = 90
DECLARATION_MAX_BACKDATE_DAYS = 30


# --- checks -----------------------------------------------------------------------------


def _staff_in_jurisdiction(user: User, alarm: Alarm) -> None:
    """Bureau staff whose jurisdiction covers the alarm's enterprise."""
    if not (user.is_authenticated and user.is_bureau_staff):
        raise PermissionDenied(_("只有生态环境部门人员可以确认报警"))
    if not in_jurisdiction(user, alarm.enterprise.region_code):
        raise PermissionDenied(_("该报警不在您的辖区内"))


def _may_see(user: User, alarm: Alarm) -> None:
    if user.role == Role.ENTERPRISE and not user.is_superuser:
        if user.enterprise_id != alarm.enterprise_id:
            raise PermissionDenied(_("只能处理本企业的报警"))
        return
    _staff_in_jurisdiction(user, alarm)


def _text(value: str, *, field: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("必填")}, code="required")
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {field: _("不能超过 %(n)s 个字符") % {"n": MAX_TEXT}}, code="too_long"
        )
    return text


def attachment_check(
    upload: UploadedFile | None, *, region_code: str, field: str = "attachment"
) -> None:
    """Refuse what the rule ``monitoring.attachments`` does not allow (by default: not a PDF,
    image, Word or Excel file of at most 10 MiB)."""
    if upload is None:
        return
    policy = attachment_policy(
        ATTACHMENTS,
        region_code=region_code,
        on=timezone.localdate(),
        default=DEFAULT_ATTACHMENT_POLICY,
    )
    try:
        attachment_kind(upload, policy=policy)
    except AttachmentRefused as refused:
        raise ValidationError(
            {field: _attachment_refusal_text(refused, policy)}, code=refused.reason.value
        ) from None


def _attachment_refusal_text(refused: AttachmentRefused, policy: AttachmentPolicy) -> str:
    if refused.reason == Refusal.TOO_LARGE:
        return _("附件不能超过 %(mb)s MB") % {"mb": policy.max_bytes // (1024 * 1024)}
    if refused.reason == Refusal.EMPTY:
        return _("附件是空文件")
    if refused.reason == Refusal.BAD_TYPE:
        return _("附件只能是 PDF、PNG、JPEG、Word（docx）或 Excel（xlsx）文件")
    return _("附件内容与其扩展名 .%(ext)s 不符") % {"ext": refused.suffix.lstrip(".")}


def _stored_name(upload: UploadedFile) -> str:
    """A name no user chose: the original is kept only as a readable suffix."""
    original = PurePath(upload.name or "file").name
    stem = "".join(c for c in PurePath(original).stem if c.isalnum() or c in "-_")[:40]
    return f"{uuid.uuid4().hex[:12]}-{stem or 'file'}{PurePath(original).suffix.lower()}"


def _entry(
    alarm: Alarm,
    *,
    user: User,
    action: str,
    text: str = "",
    attachment: UploadedFile | None = None,
) -> AlarmEntry:
    entry = AlarmEntry(alarm=alarm, action=action, actor=user, text=text)
    if attachment is not None:
        entry.attachment.save(_stored_name(attachment), attachment, save=False)
    entry.save()
    audit_record(
        entry,
        AuditAction.CREATE,
        {
            "alarm": [None, alarm.pk],
            "action": [None, action],
            "text": [None, text],
            "attachment": [None, entry.attachment.name or None],
        },
    )
    return entry


def _locked(alarm: Alarm) -> Alarm:
    """The alarm row, locked for this transaction, so two people cannot race a change."""
    return Alarm.objects.select_for_update().select_related("enterprise").get(pk=alarm.pk)


# --- alarms -----------------------------------------------------------------------------


@transaction.atomic
def alarm_acknowledge(*, alarm: Alarm, user: User, note: str = "") -> Alarm:
    """A regulator has seen the alarm and takes it on (once; a later note is a comment)."""
    _staff_in_jurisdiction(user, alarm)
    note = _text(note, field="note", required=False)
    alarm = _locked(alarm)
    if alarm.acknowledged_at is not None:
        raise ValidationError(_("该报警已被确认"), code="already_acknowledged")
    alarm.acknowledged_at = timezone.now()
    alarm.acknowledged_by = user
    alarm.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit_record(
        alarm,
        AuditAction.UPDATE,
        {"acknowledged_at": [None, alarm.acknowledged_at], "acknowledged_by": [None, user.pk]},
    )
    _entry(alarm, user=user, action=AlarmAction.ACKNOWLEDGED, text=note)
    return alarm


@transaction.atomic
def alarm_comment(*, alarm: Alarm, user: User, text: str) -> AlarmEntry:
    """A remark in the alarm's history, by staff in jurisdiction or the enterprise itself."""
    _may_see(user, alarm)
    return _entry(alarm, user=user, action=AlarmAction.COMMENTED, text=_text(text, field="text"))


@transaction.atomic
def alarm_explain(
    *, alarm: Alarm, user: User, text: str, attachment: UploadedFile | None = None
) -> AlarmEntry:
    """The enterprise explains an alarm (a cause, a repair), for the regulator to judge."""
    if user.role != Role.ENTERPRISE or user.enterprise_id != alarm.enterprise_id:
        raise PermissionDenied(_("只有该报警所属企业的用户可以提交说明"))
    text = _text(text, field="text")
    attachment_check(attachment, region_code=alarm.enterprise.region_code)
    alarm = _locked(alarm)
    if alarm.explanation_status == DeclarationStatus.ACCEPTED:
        raise ValidationError(_("说明已被采纳，不能再次提交"), code="already_accepted")
    old = alarm.explanation_status
    alarm.explanation_status = DeclarationStatus.SUBMITTED
    alarm.save(update_fields=["explanation_status"])
    audit_record(alarm, AuditAction.UPDATE, {"explanation_status": [old, alarm.explanation_status]})
    entry = _entry(alarm, user=user, action=AlarmAction.EXPLAINED, text=text, attachment=attachment)
    event_record(
        topic="monitoring.alarm.explained",
        aggregate=alarm,
        payload={"enterprise_id": alarm.enterprise_id, "entry_id": entry.pk},
    )
    return entry


@transaction.atomic
def alarm_explanation_review(*, alarm: Alarm, user: User, accept: bool, note: str = "") -> Alarm:
    """A regulator in jurisdiction accepts or rejects the enterprise's explanation."""
    require_edit(user, alarm.enterprise.region_code, what=Alarm._meta.verbose_name)
    note = _text(note, field="note", required=not accept)
    alarm = _locked(alarm)
    if alarm.explanation_status != DeclarationStatus.SUBMITTED:
        raise ValidationError(_("该报警没有待审核的企业说明"), code="nothing_to_review")
    status = DeclarationStatus.ACCEPTED if accept else DeclarationStatus.REJECTED
    alarm.explanation_status = status
    alarm.save(update_fields=["explanation_status"])
    audit_record(alarm, AuditAction.UPDATE, {"explanation_status": ["submitted", status]})
    action = AlarmAction.EXPLANATION_ACCEPTED if accept else AlarmAction.EXPLANATION_REJECTED
    _entry(alarm, user=user, action=action, text=note)
    event_record(
        topic=f"monitoring.alarm.explanation_{status}",
        aggregate=alarm,
        payload={"enterprise_id": alarm.enterprise_id},
    )
    return alarm


# --- declarations -----------------------------------------------------------------------


def _declaration_limits(region_code: str) -> tuple[int, int]:
    today = timezone.localdate()
    longest = rule_value(
        "monitoring.declaration_max_days",
        region_code=region_code,
        on=today,
        default=DECLARATION_MAX_DAYS,
    )
    backdate = rule_value(
        "monitoring.declaration_max_backdate_days",
        region_code=region_code,
        on=today,
        default=DECLARATION_MAX_BACKDATE_DAYS,
    )
    return int(longest), int(backdate)


def _aware(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValidationError({field: _("应为日期时间")}, code="bad_datetime")
    aware: dt.datetime = timezone.make_aware(value) if timezone.is_naive(value) else value
    return aware


@transaction.atomic
def declaration_submit(
    *,
    user: User,
    point: MonitoringPoint,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    attachment: UploadedFile | None = None,
) -> AnomalyDeclaration:
    """An enterprise declares maintenance, a shutdown or a fault of one of its own points."""
    enterprise = point.outlet.enterprise if point.outlet is not None else None
    if user.role != Role.ENTERPRISE or enterprise is None or user.enterprise_id != enterprise.pk:
        raise PermissionDenied(_("只有该监控点所属企业的用户可以申报"))
    errors: dict[str, str] = {}
    if point.is_retired:  # it sends nothing more: there is nothing to declare
        errors["point_id"] = _("监控点已注销，不能申报")
    if kind not in DeclarationKind.values:
        errors["kind"] = _("类型应为计划维护、停产或设备故障")
    starts_at, ends_at = _aware(starts_at, "starts_at"), _aware(ends_at, "ends_at")
    longest, backdate = _declaration_limits(enterprise.region_code)
    now = timezone.now()
    if ends_at <= starts_at:
        errors["ends_at"] = _("结束时间必须晚于开始时间")
    elif ends_at - starts_at > dt.timedelta(days=longest):
        errors["ends_at"] = _("申报时段不能超过 %(days)s 天") % {"days": longest}
    if starts_at < now - dt.timedelta(days=backdate):
        errors["starts_at"] = _("开始时间不能早于 %(days)s 天前") % {"days": backdate}
    elif starts_at > now + dt.timedelta(days=366):
        errors["starts_at"] = _("开始时间不能晚于一年以后")
    try:
        reason = _text(reason, field="reason")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    attachment_check(attachment, region_code=enterprise.region_code)
    declaration = AnomalyDeclaration(
        point=point,
        enterprise=enterprise,
        kind=kind,
        starts_at=cast(Any, starts_at),  # an EpochField takes an aware datetime
        ends_at=cast(Any, ends_at),
        reason=reason,
        declared_by=user,
    )
    # (no full_clean: Django's integer validators cannot compare an EpochField's datetime;
    # every field is checked above and the period order by a database constraint too)
    if attachment is not None:  # stored only once everything else has passed
        declaration.attachment.save(_stored_name(attachment), attachment, save=False)
    declaration.save()
    audit_record(
        declaration,
        AuditAction.CREATE,
        {
            "point": [None, point.pk],
            "kind": [None, kind],
            "starts_at": [None, starts_at],
            "ends_at": [None, ends_at],
            "reason": [None, reason],
            "attachment": [None, declaration.attachment.name or None],
        },
    )
    event_record(
        topic="monitoring.declaration.submitted",
        aggregate=declaration,
        payload={"point_id": point.pk, "kind": kind},
    )
    return declaration


@transaction.atomic
def declaration_review(
    *, declaration: AnomalyDeclaration, user: User, accept: bool, comment: str = ""
) -> AnomalyDeclaration:
    """A regulator in jurisdiction accepts or rejects a submitted declaration."""
    require_edit(
        user, declaration.enterprise.region_code, what=AnomalyDeclaration._meta.verbose_name
    )
    comment = _text(comment, field="comment", required=not accept)
    declaration = AnomalyDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status != DeclarationStatus.SUBMITTED:
        raise ValidationError(_("该申报已审核"), code="already_reviewed")
    declaration.status = DeclarationStatus.ACCEPTED if accept else DeclarationStatus.REJECTED
    declaration.reviewed_by = user
    declaration.reviewed_at = timezone.now()
    declaration.review_comment = comment
    declaration.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    audit_record(
        declaration,
        AuditAction.UPDATE,
        {
            "status": ["submitted", declaration.status],
            "reviewed_by": [None, user.pk],
            "review_comment": ["", comment],
        },
    )
    event_record(
        topic=f"monitoring.declaration.{declaration.status}",
        aggregate=declaration,
        payload={"point_id": declaration.point_id},
    )
    return declaration


# --- dead letters: what the alarm engine could not judge -------------------------------


def _dead_letter_editable(user: User, letter: DeadLetter) -> DeadLetter:
    """A regulator whose jurisdiction covers the entry's point (an entry of no point: the
    bureau administrator); the entry locked, and still open."""
    region = point_regions([letter.point_id]).get(letter.point_id or 0, "")
    require_edit(user, region, what=DeadLetter._meta.verbose_name)
    locked = DeadLetter.objects.select_for_update().get(pk=letter.pk)
    if locked.resolved_at is not None:
        raise ValidationError(_("该条目已处理"), code="already_resolved")
    return locked


def _dead_letter_close(letter: DeadLetter, *, user: User, resolution: str) -> DeadLetter:
    letter.resolved_at = timezone.now()
    letter.resolved_by = user
    letter.resolution = resolution
    letter.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    audit_record(
        letter,
        AuditAction.UPDATE,
        {
            "resolved_at": [None, letter.resolved_at],
            "resolved_by": [None, user.pk],
            "resolution": ["", resolution],
        },
    )
    return letter


@transaction.atomic
def dead_letter_judge_again(*, letter: DeadLetter, user: User) -> DeadLetter:
    """Hand the packet or period to its consumer again (after its cause was fixed: a
    missing rule entered, say). Resolved when it is judged now; otherwise it stays open
    with the reason it failed for this time. Either way audited."""
    letter = _dead_letter_editable(user, letter)
    try:
        with transaction.atomic():  # a failed attempt leaves nothing behind
            jobs.dead_letter_redeliver(letter)
    except TRANSIENT:
        raise
    except Exception as exc:
        old = letter.reason
        letter.reason, letter.detail = reason_for(exc), detail_for(exc)
        letter.save(update_fields=["reason", "detail"])
        audit_record(
            letter,
            AuditAction.UPDATE,
            {"judged_again": [None, "failed"], "reason": [old, letter.reason]},
        )
        return letter
    return _dead_letter_close(letter, user=user, resolution=JUDGED_AGAIN)


@transaction.atomic
def dead_letter_dismiss(*, letter: DeadLetter, user: User, reason: str) -> DeadLetter:
    """Close an entry without judging it (a test logger's packets, a known fault), with
    the reason why, for whoever reads the list later."""
    reason = _text(reason, field="reason")[: DeadLetter._meta.get_field("resolution").max_length]
    letter = _dead_letter_editable(user, letter)
    return _dead_letter_close(letter, user=user, resolution=reason)
