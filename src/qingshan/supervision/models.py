"""Supervision cases (督办案件): an alarm or a finding driven to closure, with its timeline."""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingshan.core.choices import Colour
from qingshan.core.models import AuditedModel
from qingshan.monitoring.models import Alarm
from qingshan.registry.models import Enterprise
from qingshan.supervision.choices import (
    CaseAction,
    CaseRole,
    CaseSeverity,
    CaseState,
    NotificationKind,
    Resolution,
    SourceKind,
    Visibility,
)

CASE_DESCRIPTION_MAX = 5000


class SupervisionCase(AuditedModel):
    """One supervision case: what happened, where, who handles it, where it stands.

    ``version`` goes up by one with every change; a client sends back the version it read,
    and an action on a case changed since then is refused (optimistic concurrency). The
    region code is copied from the enterprise so that lists scope and filter without a join.
    """

    SCOPE_ENTERPRISE = "enterprise"

    source_kind = models.CharField(_("来源"), max_length=16, choices=SourceKind.choices)
    source_ref = models.CharField(_("来源编号"), max_length=64, blank=True)
    alarm = models.OneToOneField(
        Alarm,
        verbose_name=_("报警"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("排污单位"), on_delete=models.PROTECT, related_name="cases"
    )
    region_code = models.CharField(_("行政区划"), max_length=6)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("案件描述"), blank=True)
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=CaseSeverity.choices, default=CaseSeverity.MAJOR
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=CaseState.choices, default=CaseState.PENDING
    )
    resolution = models.CharField(
        _("办结方式"), max_length=16, choices=Resolution.choices, blank=True
    )
    team_region_code = models.CharField(_("承办单位"), max_length=6, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    state_entered_at = models.DateTimeField(_("进入本状态时间"), default=timezone.now)
    deadline = models.DateTimeField(_("本环节期限"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("逾期时间"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("升级层级"), default=0)
    reminded_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("立案人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("督办案件")
        verbose_name_plural = _("督办案件")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="case_state_valid", condition=models.Q(state__in=CaseState.values)
            ),
            models.CheckConstraint(
                name="case_source_valid", condition=models.Q(source_kind__in=SourceKind.values)
            ),
            # closed ⇔ a resolution: a case cannot be closed without saying how
            models.CheckConstraint(
                name="case_closed_has_resolution",
                condition=(
                    models.Q(state=CaseState.CLOSED, resolution__in=Resolution.values)
                    | (~models.Q(state=CaseState.CLOSED) & models.Q(resolution=""))
                ),
            ),
            models.CheckConstraint(
                name="case_alarm_source",
                condition=~models.Q(source_kind=SourceKind.ALARM) | models.Q(alarm__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "region_code"], name="case_state_region"),
            models.Index(fields=["region_code", "-created_at"], name="case_region_time"),
            models.Index(fields=["enterprise", "-created_at"], name="case_enterprise_time"),
            models.Index(fields=["deadline"], name="case_deadline"),
        ]

    def clean(self) -> None:
        # a size limit without a column change: the text stays a TextField
        if len(self.description) > CASE_DESCRIPTION_MAX:
            raise ValidationError(
                {
                    "description": _("案件描述最多 %(max)s 个字符（现为 %(n)s）")
                    % {"max": CASE_DESCRIPTION_MAX, "n": len(self.description)}
                }
            )

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """The case number as printed on the supervision order: DB-2026-000123."""
        year = (self.created_at or timezone.now()).astimezone().year
        return f"DB-{year}-{self.pk or 0:06d}"

    @property
    def is_open(self) -> bool:
        return self.state != CaseState.CLOSED

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None

    def get_state_colour(self) -> Colour:
        return CaseState.colour(self.state)

    def get_severity_colour(self) -> Colour:
        return CaseSeverity.colour(self.severity)


class CaseEvent(models.Model):
    """One entry of a case's timeline: who did what, when, from which state to which.

    The timeline is the case's history and is never edited: an entry is written once, with
    the action, and cannot be saved again or deleted (see ``save`` and ``delete``).
    """

    SCOPE_ENTERPRISE = "case__enterprise"

    case = models.ForeignKey(
        SupervisionCase, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人"), max_length=150)
    actor_role = models.CharField(_("身份"), max_length=16, blank=True)  # CaseRole or ""=system
    action = models.CharField(_("动作"), max_length=24, choices=CaseAction.choices)
    from_state = models.CharField(_("原状态"), max_length=16, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, choices=CaseState.choices)
    comment = models.TextField(_("意见"), blank=True)
    # who reads the comment and what the action carried, besides the bureau
    visibility = models.CharField(
        _("可见范围"), max_length=8, choices=Visibility.choices, default=Visibility.BUREAU
    )
    deadline = models.DateTimeField(_("期限"), null=True, blank=True)
    # what the action carried: assignee, team, location and time on site, penalty, …
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_time")]
        constraints = [
            models.CheckConstraint(
                name="case_event_visibility_valid",
                condition=models.Q(visibility__in=Visibility.values),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_state}→{self.to_state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("a case's timeline is not edited: add an entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("a case's timeline is not deleted")

    @property
    def role_label(self) -> str:
        return str(CaseRole(self.actor_role).label) if self.actor_role else ""

    def get_to_state_colour(self) -> Colour:
        return CaseState.colour(self.to_state)


def attachment_path(instance: CaseAttachment, filename: str) -> str:
    # a random name: what the user called the file is kept in original_name, never on disk
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    now = timezone.now()
    return f"supervision/{now:%Y/%m}/{secrets.token_hex(16)}{suffix}"


class CaseAttachment(AuditedModel):
    """A file attached to a case: a photo on site, a rectification report, a decision.

    Stored under MEDIA_ROOT (in the data directory, never served by the web server) and
    handed out only through a view that checks the case is visible to the user. Until the
    action it belongs to is taken, ``event`` is empty and only its uploader sees it; one
    never attached is removed after a day (``attachments_purge_unattached``). Afterwards
    the enterprise sees it only when ``visibility`` shares it.
    """

    SCOPE_ENTERPRISE = "case__enterprise"

    case = models.ForeignKey(
        SupervisionCase,
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("案件记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    visibility = models.CharField(
        _("可见范围"), max_length=8, choices=Visibility.choices, default=Visibility.BUREAU
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("案件附件")
        verbose_name_plural = _("案件附件")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="case_attachment_visibility_valid",
                condition=models.Q(visibility__in=Visibility.values),
            )
        ]
        # the quota and rate checks sum a user's recent uploads; the purge finds old loose ones
        indexes = [
            models.Index(fields=["uploaded_by", "created_at"], name="case_attachment_user_time"),
            models.Index(fields=["event", "created_at"], name="case_attachment_loose"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Penalty(AuditedModel):
    """The administrative penalty a case was escalated to (行政处罚决定)."""

    SCOPE_ENTERPRISE = "case__enterprise"

    case = models.OneToOneField(
        SupervisionCase, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="penalty"
    )
    decision_number = models.CharField(_("处罚决定书文号"), max_length=64, unique=True)
    legal_basis = models.CharField(_("法律依据"), max_length=300)
    amount = models.DecimalField(
        _("罚款金额（元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("行政处罚")
        verbose_name_plural = _("行政处罚")
        constraints = [
            models.CheckConstraint(
                name="penalty_amount_non_negative", condition=models.Q(amount__gte=0)
            )
        ]

    def __str__(self) -> str:
        return self.decision_number


class Notification(models.Model):
    """A message in a user's in-app inbox about a case (assignment, return, deadline)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        SupervisionCase, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=NotificationKind.choices)
    text = models.CharField(_("内容"), max_length=300)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notice_inbox")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.text}"
