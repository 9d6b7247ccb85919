from django.contrib import admin

from .models import (
    BiometricConsent,
    CaptureLogCheckpoint,
    CaptureLogEntry,
    FaceReference,
    Snapshot,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence is written by the services only; the admin shows it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaptureLogEntry)
class CaptureLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "person", "subject", "hash")
    list_filter = ("kind",)
    search_fields = ("=subject", "=hash")


@admin.register(CaptureLogCheckpoint)
class CaptureLogCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "created_at", "length", "tip_hash", "key_id")


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ("id", "person", "context_kind", "received_at", "decision", "distance", "purged_at")
    list_filter = ("decision", "context_kind")
    exclude = ("image",)


@admin.register(BiometricConsent)
class BiometricConsentAdmin(ReadOnlyAdmin):
    list_display = ("person", "version", "given_at", "withdrawn_at")


@admin.register(FaceReference)
class FaceReferenceAdmin(ReadOnlyAdmin):
    list_display = ("person", "source", "created_at", "retired_at")
    exclude = ("image", "encoding")
