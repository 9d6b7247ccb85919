"""Pass lists (合格名单): after a sitting the city authority compiles the people who passed every
part of an exam, the provincial authority confirms the list (省厅确认成绩名单) or returns it with
reasons, and only a confirmed pass leads to a certificate (notice 001). A pass not yet turned into
a certificate is kept until `keep_until` (the scheme's `score_kept_months`, notice 000) and then
lapses. A list's status changes only through hours.services.passes.pass_list_transition."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.transitions import Machine

from ..errors import ERRORS


class PassListStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the province's confirmation")
    RETURNED = "returned", _("Returned by the province")
    CONFIRMED = "confirmed", _("Confirmed by the province")


# A returned list is corrected and submitted again; a confirmed list is final.
PASS_LIST_MACHINE = Machine(
    statuses=PassListStatus,
    moves={
        PassListStatus.SUBMITTED: frozenset({PassListStatus.CONFIRMED, PassListStatus.RETURNED}),
        PassListStatus.RETURNED: frozenset({PassListStatus.SUBMITTED}),
        PassListStatus.CONFIRMED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="pass_list_move_illegal",
)


class PassList(models.Model):
    authority = models.ForeignKey(
        "lms.Organisation", on_delete=models.PROTECT, related_name="pass_lists", verbose_name=_("compiling authority")
    )
    credential = models.ForeignKey("lms.Credential", on_delete=models.PROTECT, related_name="+", verbose_name=_("credential"))
    # The training institution whose candidates sat it (exam.Sitting.institution): under a scheme
    # whose certificates the institution issues, its staff issue them from this list once confirmed.
    institution = models.ForeignKey(
        "lms.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("training institution"),
    )
    # Where the list came from, e.g. "exam.sitting:12": one list per source and credential.
    source = models.CharField(max_length=64)
    label = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=PassListStatus.choices, default=PassListStatus.SUBMITTED)
    compiled_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, related_name="+")
    compiled_at = models.DateTimeField(_("compiled at"))
    decided_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("pass list")
        verbose_name_plural = _("pass lists")
        ordering = ["-compiled_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "credential"], name="one_pass_list_per_source")]

    def __str__(self) -> str:
        return self.label


class Pass(models.Model):
    """One person's pass on a list, with the scores of every part and the date it lapses unless a
    certificate is issued before."""

    pass_list = models.ForeignKey(PassList, on_delete=models.CASCADE, related_name="passes")
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="exam_passes")
    theory_score = models.DecimalField(_("theory score"), max_digits=7, decimal_places=2, null=True, blank=True)
    practical_score = models.DecimalField(_("practical score"), max_digits=7, decimal_places=2, null=True, blank=True)
    passed_on = models.DateField(_("passed on"))
    keep_until = models.DateField(_("score kept until"))
    certificate = models.OneToOneField(
        "hours.Certificate", on_delete=models.PROTECT, null=True, blank=True, related_name="exam_pass"
    )

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("passes")
        ordering = ["pass_list", "id"]
        constraints = [models.UniqueConstraint(fields=["pass_list", "person"], name="one_pass_per_list_and_person")]
