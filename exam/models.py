"""Registrations, sittings, question banks, papers, attempts and grading.

Question banks keep every version a candidate may have seen: a version that has been put on a
paper is never changed again (`exam.services.bank`). A paper stores its seed and the pool it was
drawn from, so it can be drawn again for an audit (`exam.drawing`, `exam.services.papers`). An
attempt's status changes only through `exam.services.attempts.attempt_transition`.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")


class Question(models.Model):
    """A question of a credential's bank. Its content lives in versions; `current` is the one new
    papers draw."""

    credential = models.ForeignKey(
        "lms.Credential", on_delete=models.PROTECT, related_name="questions", verbose_name=_("credential")
    )
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    kind = models.CharField(_("question type"), max_length=16, choices=QuestionKind.choices)
    current = models.ForeignKey(
        "QuestionVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    is_active = models.BooleanField(_("in use for new papers"), default=True)
    created_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["credential", "topic", "id"]
        indexes = [models.Index(fields=["credential", "kind", "topic"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class QuestionVersion(models.Model):
    """What a candidate sees and is graded against. `options` is a list of {"id", "text"} whose ids
    never change across versions of a question; `correct` lists the ids of the right options.
    Once `used_at` is set (the version is on a paper) the row is never edited again."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="versions", verbose_name=_("question"))
    number = models.PositiveIntegerField(_("version"))
    stem = models.TextField(_("stem"))
    options = models.JSONField(_("options"), default=list)
    correct = models.JSONField(_("correct options"), default=list)
    explanation = models.TextField(_("explanation"), blank=True)
    created_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    used_at = models.DateTimeField(_("first put on a paper"), null=True, blank=True)

    class Meta:
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        ordering = ["question", "number"]
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="unique_question_version_number")]

    def __str__(self) -> str:
        return f"{self.question} v{self.number}"

    @property
    def option_ids(self) -> list[str]:
        return [option["id"] for option in self.options]


class Exam(models.Model):
    """An exam and its rules. The blueprint says how many questions of each type (and topic) a
    paper holds; the points are per question of each type."""

    title = models.CharField(_("title"), max_length=200)
    credential = models.ForeignKey(
        "lms.Credential", on_delete=models.PROTECT, related_name="exams", verbose_name=_("credential")
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    pass_mark = models.DecimalField(_("pass mark"), max_digits=7, decimal_places=2)
    points_single = models.DecimalField(_("points per single-choice question"), max_digits=6, decimal_places=2, default=Decimal("1"))
    points_multiple = models.DecimalField(
        _("points per multiple-choice question"), max_digits=6, decimal_places=2, default=Decimal("2")
    )
    points_true_false = models.DecimalField(
        _("points per true-or-false question"), max_digits=6, decimal_places=2, default=Decimal("1")
    )
    partial_credit_multiple = models.BooleanField(_("partial credit for multiple choice"), default=False)
    review_allowed = models.BooleanField(_("candidates may review their answers after grading"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__gte=0), name="exam_pass_mark_not_negative"),
            models.CheckConstraint(
                condition=Q(points_single__gte=0) & Q(points_multiple__gte=0) & Q(points_true_false__gte=0),
                name="exam_points_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def points_for(self, kind: str) -> Decimal:
        return {
            QuestionKind.SINGLE: self.points_single,
            QuestionKind.MULTIPLE: self.points_multiple,
            QuestionKind.TRUE_FALSE: self.points_true_false,
        }[kind]


class BlueprintItem(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="blueprint", verbose_name=_("exam"))
    kind = models.CharField(_("question type"), max_length=16, choices=QuestionKind.choices)
    topic = models.CharField(_("topic"), max_length=100, blank=True, help_text=_("Blank: any topic."))
    count = models.PositiveIntegerField(_("number of questions"))

    class Meta:
        verbose_name = _("blueprint item")
        verbose_name_plural = _("blueprint items")
        ordering = ["exam", "id"]
        constraints = [models.CheckConstraint(condition=Q(count__gt=0), name="blueprint_count_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.topic or '*'} × {self.count}"


class Sitting(models.Model):
    """A published exam session (考试班期/场次) of an authority."""

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="sittings", verbose_name=_("exam"))
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


class AttemptStatus(models.TextChoices):
    CREATED = "created", _("Created")
    IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    GRADED = "graded", _("Graded")
    TERMINATED = "terminated", _("Terminated by a proctor")
    EXPIRED = "expired", _("Expired")


class Attempt(models.Model):
    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("sitting"))
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
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("question"))
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


class IncidentKind(models.TextChoices):
    IDENTITY_FAILED = "identity_failed", _("Identity check failed")
    IDENTITY_REFERRED = "identity_referred", _("Referred to the proctor")
    FOCUS_LOST = "focus_lost", _("Left the exam window")
    PAGE_HIDDEN = "page_hidden", _("Hid the exam page")
    FULLSCREEN_LEFT = "fullscreen_left", _("Left full screen")
    SNAPSHOT = "snapshot", _("Snapshot checked")
    WARNING = "warning", _("Warning from the proctor")
    DISCONNECTED = "disconnected", _("Connection lost")


class Incident(models.Model):
    """What the proctor dashboard lists for an attempt: proctoring events reported by the room,
    snapshot decisions and the proctor's warnings. The audit copy is in the capture log."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(_("kind"), max_length=24, choices=IncidentKind.choices)
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("proctoring event")
        verbose_name_plural = _("proctoring events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["attempt", "at"])]
