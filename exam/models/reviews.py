"""Reviews of what the checks flagged, and appeals against them.

A flag is a study snapshot that did not verify (a "study refusal": the stretch it ended earned
nothing) or a proctoring incident of an exam attempt. An authority reviewer of the person's region
upholds it or dismisses it with a reason; dismissing a study refusal re-credits the stretch;
upholding an incident may propose voiding the attempt, which a second reviewer confirms. The
person may appeal a decision against them once, within APPEAL_WINDOW_DAYS, and the appeal is
decided by a reviewer who took no part in the decision. A review's status changes only through
exam.services.reviews.review_transition, along REVIEW_MACHINE; every step is in the audit trail and
the capture log."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.storage import private_storage
from kernel.transitions import Machine

from ..errors import ERRORS


class ReviewKind(models.TextChoices):
    STUDY_REFUSAL = "study_refusal", _("Study refusal")
    EXAM_INCIDENT = "exam_incident", _("Exam incident")
    # A verified study snapshot whose credit a reviewer doubts (a photo that passed the checks):
    # revoking the hours it earned needs a second reviewer.
    STUDY_CREDIT = "study_credit", _("Credited study")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Under review")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")
    VOID_PROPOSED = "void_proposed", _("Voiding proposed, awaiting a second reviewer")
    VOIDED = "voided", _("Upheld, attempt voided")
    REVOKE_PROPOSED = "revoke_proposed", _("Revoking the hours proposed, awaiting a second reviewer")
    REVOKED = "revoked", _("Hours revoked")
    APPEALED = "appealed", _("Appealed")
    APPEAL_GRANTED = "appeal_granted", _("Appeal granted")
    APPEAL_REFUSED = "appeal_refused", _("Appeal refused")


R = ReviewStatus

REVIEW_MACHINE = Machine(
    statuses=ReviewStatus,
    moves={
        R.OPEN: frozenset({R.UPHELD, R.DISMISSED, R.VOID_PROPOSED, R.REVOKE_PROPOSED}),
        # the second reviewer confirms the voiding, or upholds without voiding
        R.VOID_PROPOSED: frozenset({R.VOIDED, R.UPHELD}),
        # the second reviewer confirms the revocation, or lets the credit stand
        R.REVOKE_PROPOSED: frozenset({R.REVOKED, R.DISMISSED}),
        R.UPHELD: frozenset({R.APPEALED}),
        R.VOIDED: frozenset({R.APPEALED}),
        R.REVOKED: frozenset({R.APPEALED}),
        R.DISMISSED: frozenset(),
        R.APPEALED: frozenset({R.APPEAL_GRANTED, R.APPEAL_REFUSED}),
        R.APPEAL_GRANTED: frozenset(),
        R.APPEAL_REFUSED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="review_move_illegal",
)

# Decisions against the person, which they may appeal.
APPEALABLE = frozenset({R.UPHELD, R.VOIDED, R.REVOKED})


def appeal_path(instance, filename: str) -> str:
    return f"appeals/{instance.pk}/{filename[-80:]}"


class Review(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=ReviewKind.choices)
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="+")
    snapshot = models.OneToOneField(
        "proctor.Snapshot", on_delete=models.PROTECT, null=True, blank=True, related_name="review"
    )
    incident = models.OneToOneField("exam.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="review")
    status = models.CharField(_("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    opened_at = models.DateTimeField()
    decided_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    void_confirmed_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    attempt_status_before = models.CharField(max_length=20, blank=True)
    appeal_statement = models.TextField(_("statement"), blank=True)
    appeal_attachment = models.FileField(storage=private_storage, upload_to=appeal_path, blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    appeal_decided_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    appeal_decided_at = models.DateTimeField(null=True, blank=True)
    appeal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(snapshot__isnull=False) | models.Q(incident__isnull=False), name="review_has_a_flag"
            )
        ]

    @property
    def reviewers(self) -> set[int]:
        """Who took part in the decision (the appeal goes to someone else)."""
        return {user_id for user_id in (self.decided_by_id, self.void_confirmed_by_id) if user_id}
