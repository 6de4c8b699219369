"""Django admin for the bureau administrator: users, regions, rule tables, and read-only logs.

Every change made here is audited by the audit signal like any other write (the
middleware names the administrator, the address and the channel "admin"); the history
page of each record shows those audit rows, old → new, above Django's own log, which
records field names only.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse

from qingshan.core.audit import history_for
from qingshan.core.models import AuditLog, OutboxEvent, Region, RuleValue, User

AUDIT_HISTORY_ROWS = 200


class AuditHistory(admin.ModelAdmin):  # type: ignore[type-arg]
    """The record's audit rows (who, when, from where, old → new) on its history page."""

    object_history_template = "admin/qingshan/object_history.html"

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        rows = list(history_for(obj)[:AUDIT_HISTORY_ROWS]) if obj is not None else []
        context = {**(extra_context or {}), "audit_rows": rows}
        return super().history_view(request, object_id, extra_context=context)


@admin.register(User)
class UserAdmin(AuditHistory, BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "role", "region_code", "enterprise", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "region_code")
    autocomplete_fields = ("enterprise",)
    # set by the platform, never by hand (a posted form would also cut them to the second)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("青山", {"fields": ("role", "region_code", "enterprise")}),
    )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditHistory, BaseGroupAdmin):
    pass


@admin.register(Region)
class RegionAdmin(AuditHistory):
    list_display = ("code", "name", "name_en", "level", "parent")
    search_fields = ("code", "name")


@admin.register(RuleValue)
class RuleValueAdmin(AuditHistory):
    list_display = ("rule", "jurisdiction", "value", "effective_from", "effective_to", "source")
    list_filter = ("rule",)
    search_fields = ("rule", "source")


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Logs are evidence: they can be read and searched, never edited or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "ip_address", "via", "action", "object_type", "object_repr")
    list_filter = ("action", "via", "object_type")
    search_fields = ("actor_name", "object_repr", "object_id")


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "topic", "aggregate_type", "aggregate_id", "published_at")
    list_filter = ("topic",)


from qingshan.core import admin_accounts  # noqa: E402, F401  (tokens and lockouts)
