from django.contrib import admin

from qingshan.core.admin import AuditHistory
from qingshan.permits.models import AnnualCap, Permit, PermitLimit


class PermitLimitInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PermitLimit
    extra = 0


class AnnualCapInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AnnualCap
    extra = 0


@admin.register(Permit)
class PermitAdmin(AuditHistory):
    list_display = ("number", "enterprise", "permit_class", "valid_from", "valid_to", "status")
    list_filter = ("permit_class", "status")
    search_fields = ("number", "enterprise__name")
    inlines = (PermitLimitInline, AnnualCapInline)
