"""Scores of the parts not taken in the exam room: a practical part (实操考试) and a theory part sat
at a venue and scored elsewhere (notice 001). An examiner of the sitting enters them, or the
authority uploads them as a table; once the authority locks the sitting's score sheet they are
final. A sheet's status changes only through exam.services.results.score_sheet_transition."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.transitions import Machine

from ..errors import ERRORS


class Part(models.TextChoices):
    THEORY = "theory", _("Theory")
    PRACTICAL = "practical", _("Practical")


class ScoreSheetStatus(models.TextChoices):
    OPEN = "open", _("Open for scores")
    LOCKED = "locked", _("Locked: scores are final")


SCORE_SHEET_MACHINE = Machine(
    statuses=ScoreSheetStatus,
    moves={ScoreSheetStatus.OPEN: frozenset({ScoreSheetStatus.LOCKED}), ScoreSheetStatus.LOCKED: frozenset()},
    errors=ERRORS,
    illegal_code="scores_locked",
)


class ScoreSheet(models.Model):
    sitting = models.OneToOneField("exam.Sitting", on_delete=models.CASCADE, related_name="score_sheet")
    status = models.CharField(_("status"), max_length=16, choices=ScoreSheetStatus.choices, default=ScoreSheetStatus.OPEN)
    locked_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")


class PartScore(models.Model):
    """One candidate's score of one part, or their absence (缺考)."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Entered by an examiner")
        UPLOADED = "uploaded", _("Uploaded")

    sitting = models.ForeignKey("exam.Sitting", on_delete=models.CASCADE, related_name="part_scores")
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="+")
    part = models.CharField(_("part"), max_length=16, choices=Part.choices)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    absent = models.BooleanField(_("absent"), default=False)
    source = models.CharField(max_length=16, choices=Source.choices)
    entered_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("part score")
        verbose_name_plural = _("part scores")
        constraints = [models.UniqueConstraint(fields=["sitting", "person", "part"], name="one_score_per_part")]
