from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from qingshan.core.admin import AuditHistory
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet

RETIREMENT = ("retired_at", "retired_reason", "retired_by")


class RegistryAdmin(AuditHistory):
    """Records are retired and deleted through the pages and the API only, where the
    rules on history apply (qingshan.registry.retirement): the admin neither deletes them
    nor changes their retirement."""

    readonly_fields = RETIREMENT

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(RegistryAdmin):
    list_display = ("name", "credit_code", "region_code", "industry_code", "is_key_discharger")
    list_filter = ("is_key_discharger", "region_code")
    search_fields = ("name", "credit_code")


@admin.register(Outlet)
class OutletAdmin(RegistryAdmin):
    list_display = ("code", "name", "enterprise", "medium", "kind")
    list_select_related = ("enterprise",)
    search_fields = ("code", "name", "enterprise__name")


@admin.register(MonitoringPoint)
class MonitoringPointAdmin(RegistryAdmin):
    list_display = ("name", "outlet", "factors")
    search_fields = ("name", "outlet__enterprise__name")


@admin.register(Device)
class DeviceAdmin(RegistryAdmin):
    list_display = ("mn", "point", "is_active", "offline_after_minutes")
    search_fields = ("mn",)
    exclude = ("password_digest",)  # set through the device page, never shown
