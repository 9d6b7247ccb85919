"""The admin: authorities (as staff) edit the credit-hour schemes; the ledger and certificates are
shown read-only, since they change only through the services that log why."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Certificate, CreditScheme, HoursEntry, LegacyHolding


@admin.register(CreditScheme)
class CreditSchemeAdmin(admin.ModelAdmin):
    list_display = (
        "credential", "province", "effective_from", "validity_years", "hours_per_year",
        "professional_hours_per_year", "hours_per_period", "window_years", "window_hours", "consequence",
        "open_ended", "issued_by",
    )
    list_filter = ("credential__family", "province", "consequence", "issued_by", "open_ended")
    search_fields = ("credential__name", "credential__code", "source")
    fieldsets = (
        (None, {"fields": ("credential", "province", "effective_from", "source", "issued_by")}),
        (_("Requirements"), {"fields": (
            "validity_years", "open_ended", "hours_per_year", "professional_hours_per_year", "hours_per_period",
            "window_years", "window_hours", "yearly_rule_starts", "consequence", "hours_count_from",
        )}),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HoursEntry)
class HoursEntryAdmin(ReadOnlyAdmin):
    list_display = ("person", "credential", "category", "hours", "earned_on", "source", "reason")
    list_filter = ("source", "category", "credential")
    search_fields = ("=person__id_number", "person__real_name")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("number", "holder", "credential", "authority", "institution", "issued_on", "expires_on", "status")
    list_filter = ("status", "credential")
    search_fields = ("=number", "=holder__id_number", "holder__real_name")


@admin.register(LegacyHolding)
class LegacyHoldingAdmin(ReadOnlyAdmin):
    list_display = ("number", "person", "credential", "enterprise", "issued_on", "expires_on", "status", "authority")
    list_filter = ("status", "credential")
    search_fields = ("=number", "=person__id_number", "person__real_name")
