"""Core models: users and roles, regions, audit log, domain-event outbox, rule tables."""

from __future__ import annotations

from typing import Any, ClassVar

from axes.models import AccessAttempt
from django.contrib.auth.models import AbstractUser
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingshan.core.choices import AuditAction, RegionLevel, Role


class AuditTracked(models.Model):
    """Every save and delete of the record lands in the audit log (qingshan.core.audit).

    Field-less, so that a model that already has a table (the user, the rule table) can
    be audited without a migration. The values loaded from the database are remembered
    so that an update records only the fields that really changed (old → new) without a
    second query; a save and its audit row share one transaction.
    """

    audit_exclude: ClassVar[frozenset[str]] = frozenset()
    _audit_loaded: dict[str, Any]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # post_save (where the audit row is written) runs after Django's own transaction
        # of the save has ended: without this, a failing audit insert would leave the
        # change committed and unaudited.
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._audit_loaded = dict(zip(field_names, values, strict=True))
        return instance

    def refresh_from_db(
        self, using: Any = None, fields: Any = None, from_queryset: Any = None
    ) -> None:
        # a deferred field read later (or a record read again) is loaded too: what the
        # database holds now is the baseline its audit row compares against
        if fields is None:
            deferred = self.get_deferred_fields()
            names = [f.attname for f in self._meta.concrete_fields if f.attname not in deferred]
        else:
            names = [getattr(self._meta.get_field(name), "attname", name) for name in fields]
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        loaded = self.__dict__.setdefault("_audit_loaded", {})
        loaded.update({name: self.__dict__[name] for name in names if name in self.__dict__})


class User(AbstractUser, AuditTracked):
    """A person who logs in: bureau staff bound to a jurisdiction, or an enterprise's staff."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.REGULATOR)
    region_code = models.CharField(
        _("辖区"),
        max_length=6,
        blank=True,
        db_index=True,
        help_text=_("行政区划代码前缀：省 33、市 3306、县区 330603；管理员可留空表示全部"),
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="user_role_valid", condition=models.Q(role__in=[r.value for r in Role])
            ),
            # an enterprise user is always bound to exactly one enterprise
            models.CheckConstraint(
                name="user_enterprise_binding",
                condition=~models.Q(role=Role.ENTERPRISE) | models.Q(enterprise__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.get_username()

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a new password or a deactivation revokes every API token of the user.

        Here rather than in each form or command, because a password is changed through
        the password-change form, the admin, ``changepassword`` and code alike, and all of
        them end in this save. Django keeps the raw password in ``_password`` from
        ``set_password`` until the save, and clears it for a hash upgrade at login, which
        is not a change and must not revoke anything.
        """
        password_changed = getattr(self, "_password", None) is not None or getattr(
            self, "_password_disabled", False
        )
        revoke = not self._state.adding and (password_changed or not self.is_active)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)
            if revoke:
                from qingshan.core.tokens import tokens_revoke_all

                reason = "password" if password_changed else "inactive"
                tokens_revoke_all(user=self, reason=reason)
        self._password_disabled = False

    @property
    def is_bureau_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def is_bureau_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.REGULATOR, Role.INSPECTOR) or self.is_superuser

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_disabled = True

    def clean(self) -> None:
        super().clean()
        from django.core.exceptions import ValidationError

        from qingshan.core.validators import validate_jurisdiction

        try:  # a jurisdiction outside the region table would show the user nothing
            validate_jurisdiction(self.region_code)
        except ValidationError as exc:
            raise ValidationError({"region_code": exc.messages}) from None

    # a login moves last_login: logins are audited as logins, not as edits of the user
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"last_login"})


class Region(AuditTracked):
    """An administrative division (GB/T 2260): province, city or county."""

    code = models.CharField(_("代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=64, blank=True)
    level = models.CharField(_("级别"), max_length=8, choices=RegionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class AuditLog(models.Model):
    """One create, update or delete of a regulatory record: who, when, from where, what."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    via = models.CharField(_("渠道"), max_length=16, blank=True)  # web, api, import, cli
    action = models.CharField(_("动作"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=64, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=200)
    changes = models.JSONField(_("变更"), default=dict)  # {field: [old, new]}

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class OutboxEvent(models.Model):
    """A domain event written in the same transaction as the change that caused it.

    Consumers (credit, notifications, disclosure) read unpublished rows in id order and
    mark them published; see docs/adr/0003-outbox.md.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    topic = models.CharField(max_length=64, db_index=True)  # e.g. "registry.enterprise.created"
    aggregate_type = models.CharField(max_length=64)
    aggregate_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("领域事件")
        verbose_name_plural = _("领域事件")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic} {self.aggregate_type}:{self.aggregate_id}"


class EventCursor(models.Model):
    """How far one consumer has read the outbox (docs/adr/0003-outbox.md).

    Each consumer keeps its own position, so a slow or failing consumer holds back only
    itself; its handler and the move of its cursor share one transaction.
    """

    consumer = models.CharField(max_length=64, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    failures = models.IntegerField(default=0)  # consecutive, on the event after last_id
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("事件消费位置")
        verbose_name_plural = _("事件消费位置")

    def __str__(self) -> str:
        return f"{self.consumer}@{self.last_id}"


class RuleValue(AuditTracked):
    """One dated value of a regulatory rule for a jurisdiction ("" = national).

    Thresholds, deadlines and scores live here, never in code, because provinces may be
    stricter and standards change (three did in 2026).
    """

    jurisdiction = models.CharField(_("适用辖区"), max_length=6, blank=True, db_index=True)
    rule = models.CharField(_("规则"), max_length=96, db_index=True)
    value = models.JSONField(_("取值"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    source = models.CharField(_("依据"), max_length=300)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("规则取值")
        verbose_name_plural = _("规则取值")
        ordering = ["rule", "jurisdiction", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "jurisdiction", "effective_from"], name="rule_value_unique_start"
            ),
            models.CheckConstraint(
                name="rule_value_dates_ordered",
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gt=models.F("effective_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule}@{self.jurisdiction or '*'} {self.effective_from}: {self.value}"


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored.

    A revoked token keeps its row (``revoked_at`` set) rather than being deleted: the
    audit log points at it, and an administrator looking into a leak needs to see when it
    was last used and when it died. Its digest stays unique, so the secret never returns.
    """

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name or _('未命名')} (#{self.pk})"

    @property
    def status(self) -> str:
        """active, expired or revoked: what the holder will meet on the next request."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "active"


class LoginAttempt(AccessAttempt):  # type: ignore[misc]  # axes ships no types
    """Failed logins counted per account and per source address (django-axes' table).

    A proxy, so that the administrator finds it in Chinese next to the users and lifts a
    lockout by deleting its rows (qingshan.core.accounts explains the counting).
    """

    class Meta:
        proxy = True
        verbose_name = _("登录失败与锁定")
        verbose_name_plural = _("登录失败与锁定")


class AuditedModel(AuditTracked):
    """Base for regulatory records: every save and delete lands in the audit log, and the
    record carries when it was created and last changed."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    audit_exclude: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at"})

    class Meta:
        abstract = True
