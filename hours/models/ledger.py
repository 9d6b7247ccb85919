"""The hours ledger: every credit hour a person holds, wherever it came from."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cms.models import KnowledgeCategory

from .study import LessonProgress


class HoursSource(models.TextChoices):
    ONLINE_STUDY = "online_study", _("Verified online study")
    OFFLINE = "offline", _("Offline training")
    ADJUSTMENT = "adjustment", _("Authority adjustment")


class HoursEntry(models.Model):
    """One line of the hours ledger. Online study lines point at the lesson progress they came from
    and carry the sessions and verified snapshots that earned them."""

    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="hours_entries")
    credential = models.ForeignKey(
        "lms.Credential", on_delete=models.PROTECT, null=True, blank=True, related_name="hours_entries"
    )
    category = models.CharField(_("knowledge category"), max_length=16, choices=KnowledgeCategory.choices)
    hours = models.DecimalField(_("credit hours"), max_digits=6, decimal_places=2)
    earned_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=16, choices=HoursSource.choices)
    progress = models.ForeignKey(
        LessonProgress, on_delete=models.PROTECT, null=True, blank=True, related_name="hours_entries"
    )
    evidence = models.JSONField(default=dict)
    offline_row = models.OneToOneField(
        "hours.OfflineRow", on_delete=models.PROTECT, null=True, blank=True, related_name="entry"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)  # required for an adjustment
    recorded_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Set when the learner moved online hours from a credential they do not hold to one they do
    # (hours.services.credit.hours_entry_reassign): allowed once, with its audit row.
    reassigned_at = models.DateTimeField(_("reassigned at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hours entry")
        verbose_name_plural = _("hours ledger")
        ordering = ["-earned_on", "-id"]
        indexes = [models.Index(fields=["person", "credential", "earned_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["progress"], condition=Q(source="online_study"), name="one_online_entry_per_lesson_progress"
            )
        ]
