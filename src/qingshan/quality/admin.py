from django.contrib import admin

from qingshan.core.admin import AuditHistory
from qingshan.quality.models import AirStation, WaterSection


@admin.register(AirStation)
class AirStationAdmin(AuditHistory):
    list_display = ("code", "name", "region_code", "level", "is_published")
    list_filter = ("level", "is_published", "region_code")
    search_fields = ("code", "name")
    raw_id_fields = ("point",)


@admin.register(WaterSection)
class WaterSectionAdmin(AuditHistory):
    list_display = ("code", "name", "water_body_name", "region_code", "target_class")
    list_filter = ("level", "water_body", "is_published", "region_code")
    search_fields = ("code", "name", "water_body_name")
    raw_id_fields = ("point",)
