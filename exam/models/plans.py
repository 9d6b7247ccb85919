"""Exam plans (考试计划) of the Qinghai path (notice 003): after training, an institution submits
the candidates, the venue and the time to the authority; the sitting exists only once the
authority approves the plan, and that approval approves the plan's applications (seat and ticket).

The plan is reviewed by the authorities covering the institution's region (`region_path`, the
institution's region when the plan was made); the sitting created at approval is held by the
approving reviewer's authority that covers that region most closely (the city's before the
province's)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.transitions import Machine

from ..errors import ERRORS


class ExamPlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


P = ExamPlanStatus

EXAM_PLAN_MACHINE = Machine(
    statuses=ExamPlanStatus,
    moves={
        P.DRAFT: frozenset({P.SUBMITTED}),
        P.SUBMITTED: frozenset({P.APPROVED, P.RETURNED}),
        P.RETURNED: frozenset({P.SUBMITTED}),
        P.APPROVED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="plan_move_illegal",
)

# The institution may change a plan (its time, venue and candidates) only in these.
EDITABLE = (P.DRAFT, P.RETURNED)


class ExamPlan(models.Model):
    institution = models.ForeignKey(
        "lms.Organisation", on_delete=models.PROTECT, related_name="exam_plans", limit_choices_to={"kind": "institution"},
        verbose_name=_("training institution"),
    )
    exam = models.ForeignKey("exam.Exam", on_delete=models.PROTECT, related_name="plans", verbose_name=_("exam"))
    region_path = models.CharField(max_length=64)
    venue = models.CharField(_("venue"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=16, choices=ExamPlanStatus.choices, default=P.DRAFT)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    sitting = models.OneToOneField(
        "exam.Sitting", on_delete=models.PROTECT, null=True, blank=True, related_name="plan", verbose_name=_("sitting")
    )
    created_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("exam plan")
        verbose_name_plural = _("exam plans")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region_path", "status"], name="exam_plan_review"),
            models.Index(fields=["institution", "status"], name="exam_plan_institution"),
        ]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="exam_plan_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.institution_id} · {self.exam_id} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE
