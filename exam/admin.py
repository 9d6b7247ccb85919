"""The admin: exams and sittings are edited here as in their pages; a question's versions are
editable only until a paper uses them, and attempts, which change only through the attempt
services that log why, are shown read-only with their events."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Attempt,
    AttemptAnswer,
    AttemptEvent,
    BlueprintItem,
    Exam,
    Incident,
    Question,
    QuestionVersion,
    Sitting,
    SittingCandidate,
)


class _FixedRowsInline(admin.TabularInline):
    """Rows are never added or deleted here (versions and audit rows come from the services)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class UsedVersionInline(_FixedRowsInline):
    """Versions on papers: what candidates saw, never changed."""

    model = QuestionVersion
    verbose_name = _("version used on papers")
    verbose_name_plural = _("versions used on papers (read-only)")
    fields = ("number", "stem", "options", "correct", "explanation", "created_at", "used_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(used_at__isnull=False)

    def has_change_permission(self, request, obj=None):
        return False


class UnusedVersionInline(_FixedRowsInline):
    model = QuestionVersion
    verbose_name = _("version not yet used")
    verbose_name_plural = _("versions not yet used")
    fields = ("number", "stem", "options", "correct", "explanation", "created_at")
    readonly_fields = ("number", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(used_at__isnull=True)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("pk", "credential", "kind", "topic", "current", "is_active", "created_at")
    list_filter = ("credential", "kind", "is_active")
    search_fields = ("topic", "current__stem")
    fields = ("credential", "kind", "topic", "current", "is_active", "created_by", "created_at")
    readonly_fields = ("credential", "kind", "current", "created_by", "created_at")
    inlines = [UsedVersionInline, UnusedVersionInline]

    def has_add_permission(self, request):
        # Questions are written through the bank pages, which check their content.
        return False


class BlueprintItemInline(admin.TabularInline):
    model = BlueprintItem
    extra = 1


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = ("title", "credential", "duration_minutes", "pass_mark", "review_allowed", "created_at")
    list_filter = ("credential",)
    search_fields = ("title",)
    inlines = [BlueprintItemInline]


class SittingCandidateInline(admin.TabularInline):
    model = SittingCandidate
    extra = 0
    raw_id_fields = ("person",)
    readonly_fields = ("created_at",)


@admin.register(Sitting)
class SittingAdmin(admin.ModelAdmin):
    list_display = ("exam", "authority", "institution", "venue", "starts_at", "ends_at")
    list_filter = ("authority", "exam")
    search_fields = ("exam__title", "venue", "authority__name", "institution__name")
    date_hierarchy = "starts_at"
    raw_id_fields = ("exam",)
    inlines = [SittingCandidateInline]


class AttemptEventInline(_FixedRowsInline):
    model = AttemptEvent
    fields = ("at", "from_status", "to_status", "reason", "actor")
    readonly_fields = fields

    def has_change_permission(self, request, obj=None):
        return False


class IncidentInline(AttemptEventInline):
    model = Incident
    fields = ("at", "kind", "detail", "actor")
    readonly_fields = fields


class AttemptAnswerInline(AttemptEventInline):
    model = AttemptAnswer
    fields = ("version", "option_ids", "answered_at")
    readonly_fields = fields


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("pk", "candidate", "sitting", "status", "score", "max_score", "passed", "created_at")
    list_filter = ("status", "passed")
    search_fields = ("=candidate__id_number", "candidate__real_name", "sitting__exam__title")
    inlines = [AttemptEventInline, IncidentInline, AttemptAnswerInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
