"""A sitting: an exam held at a time and place for its candidates."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Sitting(models.Model):
    """A published exam session (考试班期/场次) of an authority."""

    exam = models.ForeignKey("exam.Exam", on_delete=models.PROTECT, related_name="sittings", verbose_name=_("exam"))
    authority = models.ForeignKey(
        "lms.Organisation",
        on_delete=models.PROTECT,
        related_name="exam_sittings",
        limit_choices_to={"kind": "authority"},
        verbose_name=_("authority"),
    )
    institution = models.ForeignKey(
        "lms.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exam_sittings_organised",
        limit_choices_to={"kind": "institution"},
        verbose_name=_("training institution"),
        help_text=_("The institution whose candidates sit it; its staff see the results."),
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    candidates = models.ManyToManyField(
        "lms.Person", through="SittingCandidate", related_name="exam_sittings", verbose_name=_("candidates")
    )
    # Published for applications (发布考场): candidates apply until applications_close_at; approvals
    # never seat more than `capacity` (None: no limit); a candidate needs `hours_required` hours.
    open_for_applications = models.BooleanField(_("open for applications"), default=False)
    applications_close_at = models.DateTimeField(_("applications close at"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    hours_required = models.DecimalField(_("credit hours required"), max_digits=6, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sitting")
        verbose_name_plural = _("sittings")
        ordering = ["-starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="sitting_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.exam} @ {self.starts_at:%Y-%m-%d %H:%M}"


class SittingCandidate(models.Model):
    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sitting candidate")
        verbose_name_plural = _("sitting candidates")
        constraints = [models.UniqueConstraint(fields=["sitting", "person"], name="unique_sitting_candidate")]
