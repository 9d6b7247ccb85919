"""An exam: its rules (duration, pass mark, points) and the blueprint its papers are drawn from."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .bank import QuestionKind


class TheoryMode(models.TextChoices):
    ONLINE = "online", _("On the platform, scored on submission")
    VENUE = "venue", _("At a venue, scores uploaded by the authority")
    NONE = "none", _("No theory part")


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
    review_allowed = models.BooleanField(_("candidates may review their answers after the sitting ends"), default=False)
    # The parts of the exam (理论考试和实操考试, notice 001): a candidate passes only when every
    # part is passed (exam.rules.results).
    theory_mode = models.CharField(_("theory part"), max_length=16, choices=TheoryMode.choices, default=TheoryMode.ONLINE)
    theory_max_score = models.DecimalField(
        _("maximum theory score at a venue"), max_digits=7, decimal_places=2, default=Decimal("100")
    )
    has_practical = models.BooleanField(_("has a practical part"), default=False)
    practical_max_score = models.DecimalField(_("maximum practical score"), max_digits=7, decimal_places=2, default=Decimal("100"))
    practical_pass_mark = models.DecimalField(_("practical pass mark"), max_digits=7, decimal_places=2, default=Decimal("60"))
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
