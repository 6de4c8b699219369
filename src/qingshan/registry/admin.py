from django.contrib import admin

from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "credit_code", "region_code", "industry_code", "is_key_discharger")
    list_filter = ("is_key_discharger", "region_code")
    search_fields = ("name", "credit_code")


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "enterprise", "medium", "kind")
    list_select_related = ("enterprise",)
    search_fields = ("code", "name", "enterprise__name")


@admin.register(MonitoringPoint)
class MonitoringPointAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "outlet", "factors")
    search_fields = ("name", "outlet__enterprise__name")


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("mn", "point", "is_active", "offline_after_minutes")
    search_fields = ("mn",)
    exclude = ("password_digest",)  # set through the device page, never shown
