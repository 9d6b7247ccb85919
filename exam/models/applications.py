"""Applications (报名) for an exam, their moves, and the admission ticket (准考证) they lead to.

Two paths from the notices: through the employer (Guangdong, 000: the candidate applies, the
enterprise verifies, fills in the handler and the social-insurance proof, chooses the sitting and
submits) and straight to a published sitting (Jilin, 001). Either way an authority of the region
reviews; an approval seats the candidate on the sitting, which is then their candidate list."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.storage import private_storage
from kernel.transitions import Machine

from ..errors import ERRORS


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Application submitted")
    ENTERPRISE_SUBMITTED = "enterprise_submitted", _("Verified and submitted by the enterprise")
    # The Qinghai path (003): the institution accepts, an authority checks social insurance, the
    # institution puts the candidate in an exam plan, the plan's approval approves the application.
    INSTITUTION_ACCEPTED = "institution_accepted", _("Accepted by the training institution")
    INSURANCE_CHECKED = "insurance_checked", _("Social insurance checked")
    PLANNED = "planned", _("In an exam plan")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PRINTED = "printed", _("Admission ticket printed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


S = ApplicationStatus

# The moves an application may make (the path narrows them: PATH_MOVES). A candidate withdraws and an authority cancels only until the
# ticket is printed: PRINTED has no way out.
APPLICATION_MACHINE = Machine(
    statuses=ApplicationStatus,
    moves={
        S.SUBMITTED: frozenset({
            S.ENTERPRISE_SUBMITTED, S.INSTITUTION_ACCEPTED, S.APPROVED, S.REJECTED, S.WITHDRAWN, S.CANCELLED,
        }),
        S.INSTITUTION_ACCEPTED: frozenset({S.INSURANCE_CHECKED, S.REJECTED, S.WITHDRAWN, S.CANCELLED}),
        # Out of a plan (removed while the plan is a draft or returned) an application goes back.
        S.INSURANCE_CHECKED: frozenset({S.PLANNED, S.WITHDRAWN, S.CANCELLED}),
        # A reviewer may refuse one candidate of a submitted plan (REJECTED) and approve the rest.
        S.PLANNED: frozenset({S.APPROVED, S.INSURANCE_CHECKED, S.REJECTED, S.WITHDRAWN, S.CANCELLED}),
        S.ENTERPRISE_SUBMITTED: frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN, S.CANCELLED}),
        S.APPROVED: frozenset({S.PRINTED, S.WITHDRAWN, S.CANCELLED}),
        S.REJECTED: frozenset(),
        S.PRINTED: frozenset(),
        S.WITHDRAWN: frozenset(),
        S.CANCELLED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="application_move_illegal",
)

# An application in one of these holds the candidate's place for its kind of exam.
ACTIVE = (
    S.SUBMITTED, S.ENTERPRISE_SUBMITTED, S.INSTITUTION_ACCEPTED, S.INSURANCE_CHECKED, S.PLANNED, S.APPROVED, S.PRINTED,
)
# What a candidate may still withdraw from (and an authority cancel): everything live until printed.
WITHDRAWABLE = (S.SUBMITTED, S.ENTERPRISE_SUBMITTED, S.INSTITUTION_ACCEPTED, S.INSURANCE_CHECKED, S.PLANNED, S.APPROVED)
# The statuses an authority has decided: the archive is locked from then on.
REVIEWED = (S.APPROVED, S.PRINTED)
# Waiting for the authority's review.
AWAITING_REVIEW = (S.SUBMITTED, S.ENTERPRISE_SUBMITTED)


class ApplicationPath(models.TextChoices):
    ENTERPRISE = "enterprise", _("Through the employer (Guangdong)")
    SITTING = "sitting", _("For a published sitting (Jilin)")
    INSTITUTION = "institution", _("Through a training institution (Qinghai)")


# The statuses only the Qinghai path passes through, and those it never takes.
INSTITUTION_ONLY = frozenset({S.INSTITUTION_ACCEPTED, S.INSURANCE_CHECKED, S.PLANNED})
NOT_FOR_INSTITUTION = frozenset({S.ENTERPRISE_SUBMITTED})


def path_allows(path: str, source: str, to: str) -> bool:
    """The path's narrowing of APPLICATION_MACHINE: the Qinghai statuses are for the institution
    path only, and on it an application is approved only out of an exam plan (PLANNED)."""
    if path == ApplicationPath.INSTITUTION:
        if to in NOT_FOR_INSTITUTION:
            return False
        if to == S.APPROVED:
            return source == S.PLANNED
        return True
    return to not in INSTITUTION_ONLY and source not in INSTITUTION_ONLY


def proof_path(instance, filename: str) -> str:
    return f"insurance-proofs/{uuid.uuid4().hex}"


class Application(models.Model):
    candidate = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="exam_applications")
    credential = models.ForeignKey("lms.Credential", on_delete=models.PROTECT, related_name="+", verbose_name=_("exam kind"))
    path = models.CharField(_("path"), max_length=16, choices=ApplicationPath.choices)
    enterprise = models.ForeignKey(
        "lms.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="exam_applications",
        verbose_name=_("enterprise"),
    )
    sitting = models.ForeignKey(
        "exam.Sitting", on_delete=models.PROTECT, null=True, blank=True, related_name="applications",
        verbose_name=_("sitting"),
    )
    institution = models.ForeignKey(
        "lms.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="exam_applications_received",
        verbose_name=_("training institution"),
    )
    plan = models.ForeignKey(
        "exam.ExamPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="applications",
        verbose_name=_("exam plan"),
    )
    # The region whose authorities review it: the enterprise's, or the sitting's authority's; on the
    # institution path the candidate's employer's (whose authority checks the social insurance).
    region_path = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=24, choices=ApplicationStatus.choices, default=S.SUBMITTED)
    handler_name = models.CharField(_("handler"), max_length=50, blank=True)
    handler_mobile = models.CharField(_("handler's mobile"), max_length=11, blank=True)
    insurance_proof = models.FileField(storage=private_storage, upload_to=proof_path, blank=True)
    insurance_proof_type = models.CharField(max_length=32, blank=True)
    seat = models.PositiveIntegerField(_("seat"), null=True, blank=True)
    ticket_number = models.CharField(_("ticket number"), max_length=20, null=True, blank=True, unique=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    enterprise_submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    insurance_checked_at = models.DateTimeField(_("social insurance checked at"), null=True, blank=True)
    insurance_checked_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    printed_at = models.DateTimeField(_("printed at"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # The review list: a region's applications by status, newest first.
            models.Index(fields=["region_path", "status", "-submitted_at"], name="application_review"),
            models.Index(fields=["enterprise", "status"], name="application_enterprise"),
            models.Index(fields=["sitting", "status"], name="application_sitting"),
            models.Index(fields=["candidate", "status"], name="application_candidate"),
            models.Index(fields=["institution", "status"], name="application_institution"),
        ]
        constraints = [
            # One live application per candidate and kind of exam (a second is refused).
            models.UniqueConstraint(
                fields=["candidate", "credential"], condition=Q(status__in=ACTIVE), name="one_active_application_per_kind"
            ),
            # A seat is never given twice, whatever races.
            models.UniqueConstraint(fields=["sitting", "seat"], condition=Q(seat__isnull=False), name="unique_sitting_seat"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} · {self.credential_id} · {self.status}"

    @property
    def withdrawable(self) -> bool:
        return self.status in WITHDRAWABLE
