"""Django admin for the bureau administrator: users, regions, rule tables, and read-only logs."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from qingshan.core.models import AuditLog, OutboxEvent, Region, RuleValue, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "role", "region_code", "enterprise", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "region_code")
    autocomplete_fields = ("enterprise",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("青山", {"fields": ("role", "region_code", "enterprise")}),
    )


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "name_en", "level", "parent")
    search_fields = ("code", "name")


@admin.register(RuleValue)
class RuleValueAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
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
