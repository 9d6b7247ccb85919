"""A candidate's attempt at a sitting, its paper, answers and events. An attempt's status changes
only through exam.services.attempts.attempt_transition, along ATTEMPT_MACHINE."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.transitions import Machine

from ..errors import ERRORS


class AttemptStatus(models.TextChoices):
    CREATED = "created", _("Created")
    IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    GRADED = "graded", _("Graded")
    TERMINATED = "terminated", _("Terminated by a proctor")
    EXPIRED = "expired", _("Expired")
    VOIDED = "voided", _("Voided after review")


S = AttemptStatus

# The moves an attempt's status may make (exam.services.attempts.attempt_transition).
ATTEMPT_MACHINE = Machine(
    statuses=AttemptStatus,
    moves={
        S.CREATED: frozenset({S.IDENTITY_VERIFIED, S.TERMINATED, S.EXPIRED}),
        S.IDENTITY_VERIFIED: frozenset({S.IN_PROGRESS, S.TERMINATED, S.EXPIRED}),
        S.IN_PROGRESS: frozenset({S.SUBMITTED, S.TERMINATED}),
        S.SUBMITTED: frozenset({S.GRADED, S.VOIDED}),
        # Voiding follows an upheld incident confirmed by two reviewers (exam.services.reviews);
        # an appeal granted against it restores the attempt to what it was.
        S.GRADED: frozenset({S.VOIDED}),
        S.TERMINATED: frozenset({S.VOIDED}),
        S.EXPIRED: frozenset(),
        S.VOIDED: frozenset({S.GRADED, S.TERMINATED, S.SUBMITTED}),
    },
    errors=ERRORS,
    illegal_code="attempt_move_illegal",
)


class Attempt(models.Model):
    sitting = models.ForeignKey("exam.Sitting", on_delete=models.PROTECT, related_name="attempts", verbose_name=_("sitting"))
    candidate = models.ForeignKey(
        "lms.Person", on_delete=models.PROTECT, related_name="exam_attempts", verbose_name=_("candidate")
    )
    status = models.CharField(_("status"), max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.CREATED)
    created_at = models.DateTimeField(_("created at"))
    identity_verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True)
    identity_verified_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    identity_method = models.CharField(_("identity check"), max_length=32, blank=True)
    identity_evidence = models.JSONField(_("identity evidence"), default=dict, blank=True)
    identity_failures = models.PositiveSmallIntegerField(_("failed identity checks"), default=0)
    # Set when the failures ran out: only a proctor can verify the candidate now.
    identity_referred_at = models.DateTimeField(_("referred to the proctor at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=7, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    # Per question: {"version_id", "points", "max_points", "correct"}, in paper order.
    grading = models.JSONField(_("grading"), default=list, blank=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["sitting", "candidate"], name="one_attempt_per_sitting")]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.candidate_id} · {self.sitting_id} · {self.status}"


class Paper(models.Model):
    """A candidate's own paper. `items` is the ordered list of {"version_id", "option_order"}.
    `seed`, `blueprint` and `pool` (the candidate versions as [version_id, kind, topic], sorted)
    are everything `exam.drawing.draw_paper` needs to draw the same items again."""

    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="paper", verbose_name=_("attempt"))
    seed = models.BigIntegerField(_("seed"))
    blueprint = models.JSONField(default=list)
    pool = models.JSONField(default=list)
    items = models.JSONField(default=list)
    drawn_at = models.DateTimeField(_("drawn at"))

    class Meta:
        verbose_name = _("paper")
        verbose_name_plural = _("papers")

    def __str__(self) -> str:
        return f"paper of attempt {self.attempt_id}"

    @property
    def version_ids(self) -> list[int]:
        return [item["version_id"] for item in self.items]


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers", verbose_name=_("attempt"))
    version = models.ForeignKey("exam.QuestionVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("question"))
    option_ids = models.JSONField(_("chosen options"), default=list)
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["attempt", "version"], name="one_answer_per_question")]


class AttemptEvent(models.Model):
    """The audit row of one status change of an attempt."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
