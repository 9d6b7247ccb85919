"""Question banks: a question and every version a candidate may have seen. A version that has been
put on a paper is never changed again (exam.services.bank)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Options are lettered A to F on papers, in imports and in the bank's forms.
OPTION_LETTERS = "ABCDEF"


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
