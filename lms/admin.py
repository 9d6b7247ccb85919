from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Employment, Membership, Organisation, Person, Region, User


@admin.register(User)
class KaoheUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "is_staff", "is_superuser", "is_active")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("real_name", "masked_id_number", "masked_mobile", "education", "professional_title")
    search_fields = ("real_name", "=id_number", "=mobile")
    readonly_fields = ("user", "created_at")
    list_select_related = ("user",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    search_fields = ("code", "name")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "credit_code", "region")
    list_filter = ("kind",)
    search_fields = ("name", "=credit_code")
    inlines = [MembershipInline]


@admin.register(Employment)
class EmploymentAdmin(admin.ModelAdmin):
    list_display = ("person", "enterprise", "position", "start_date", "end_date")
    list_select_related = ("person", "enterprise")
    raw_id_fields = ("person",)
