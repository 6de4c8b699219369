"""Admin pages of account security: API tokens and failed logins (lockouts).

Both are evidence first: nothing here is edited by hand. An administrator revokes a
token (it stays listed, revoked) and lifts a lockout by deleting its failure rows; both
acts are audited.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingshan.core.accounts import locked_until
from qingshan.core.audit import audit_record
from qingshan.core.choices import AuditAction
from qingshan.core.models import ApiToken, LoginAttempt, User
from qingshan.core.tokens import token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "user", "status_label", "created_at", "expires_at", "last_used_at")
    list_filter = ("expires_at", "revoked_at")
    search_fields = ("name", "user__username")
    list_select_related = ("user",)
    fields = ("user", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description=_("状态"))
    def status_label(self, obj: ApiToken) -> str:
        labels = {"active": _("有效"), "expired": _("已过期"), "revoked": _("已撤销")}
        return str(labels[obj.status])

    @admin.action(description=_("撤销所选令牌"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        assert isinstance(request.user, User)
        with transaction.atomic():
            for token in queryset.select_related("user"):
                token_revoke(user=request.user, token=token)
        self.message_user(request, _("所选令牌已撤销"), messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a token is issued to its holder, who alone sees the secret

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # revoked, not deleted: the audit log points at it


def _unlock(rows: QuerySet[LoginAttempt]) -> int:
    """Delete failure rows, each with an audit row naming the administrator."""
    count = 0
    with transaction.atomic():
        for row in rows.select_for_update():
            audit_record(
                row,
                AuditAction.UNLOCK,
                {
                    "username": [row.username, None],
                    "ip_address": [row.ip_address, None],
                    "failures_since_start": [row.failures_since_start, 0],
                },
            )
            row.delete()
            count += 1
    return count


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "username",
        "ip_address",
        "failures_since_start",
        "attempt_time",
        "lock_state",
        "path_info",
    )
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
    fields = (
        "username",
        "ip_address",
        "user_agent",
        "path_info",
        "failures_since_start",
        "attempt_time",
    )
    readonly_fields = fields
    actions = ["unlock"]

    @admin.display(description=_("锁定状态"))
    def lock_state(self, obj: LoginAttempt) -> str:
        until = locked_until(username=obj.username, ip_address=obj.ip_address)
        if until is None:
            return "—"
        return str(_("锁定至 %(time)s")) % {"time": f"{timezone.localtime(until):%Y-%m-%d %H:%M}"}

    @admin.action(description=_("解除锁定：删除所选记录的账号和来源地址的全部失败记录"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[LoginAttempt]) -> None:
        pairs = list(queryset.values_list("username", "ip_address"))
        where = Q(pk__in=[])
        for username, ip_address in pairs:
            where |= Q(username=username) | Q(ip_address=ip_address)
        count = _unlock(LoginAttempt.objects.filter(where))
        self.message_user(request, _("已解除锁定，删除 %(n)d 条失败记录") % {"n": count})

    def delete_model(self, request: HttpRequest, obj: LoginAttempt) -> None:
        _unlock(LoginAttempt.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[LoginAttempt]) -> None:
        _unlock(queryset)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
