"""Cases in the Django admin, read only: every change goes through the workflow's service."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from qingshan.core.admin import AuditHistory
from qingshan.supervision.models import CaseEvent, Notification, Penalty, SupervisionCase


class ReadOnly(AuditHistory):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SupervisionCase)
class SupervisionCaseAdmin(ReadOnly):
    list_display = ("id", "title", "state", "resolution", "region_code", "deadline", "version")
    list_filter = ("state", "resolution", "source_kind")
    list_select_related = ("enterprise",)
    search_fields = ("title", "enterprise__name")


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnly):
    list_display = ("at", "case", "action", "from_state", "to_state", "actor_name")
    list_filter = ("action",)
    list_select_related = ("case",)


@admin.register(Penalty)
class PenaltyAdmin(ReadOnly):
    list_display = ("decision_number", "case", "amount")


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ("created_at", "user", "kind", "text", "read_at")
    list_filter = ("kind",)
