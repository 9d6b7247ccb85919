"""Who works for which enterprise, and when: periods that never overlap; and the requests, confirmed
by the person (and for a change of employer approved by an authority), that start them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.transitions import Machine

from ..errors import ERRORS
from .organisations import OrganisationKind
from .people import Person


class Employment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments", verbose_name=_("person"))
    enterprise = models.ForeignKey(
        "lms.Organisation",
        on_delete=models.PROTECT,
        related_name="employments",
        limit_choices_to={"kind": OrganisationKind.ENTERPRISE},
        verbose_name=_("enterprise"),
    )
    position = models.CharField(_("position"), max_length=50, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(end_date__isnull=True), name="one_current_employment_per_person"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="employment_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.real_name} @ {self.enterprise}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class EmploymentRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the person")
    REVIEW = "review", _("Waiting for the authority's review")
    ACCEPTED = "accepted", _("Accepted")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


# An enterprise invites a person (pending). The person accepts: unemployed, the employment starts
# (accepted); employed by another enterprise, it becomes a personnel change request that an
# authority of the new enterprise's region reviews (review), whose approval ends the old
# employment and starts the new one (approved). Every other end is final.
EMPLOYMENT_REQUEST_MACHINE = Machine(
    statuses=EmploymentRequestStatus,
    moves={
        EmploymentRequestStatus.PENDING: frozenset(
            {
                EmploymentRequestStatus.ACCEPTED,
                EmploymentRequestStatus.REVIEW,
                EmploymentRequestStatus.DECLINED,
                EmploymentRequestStatus.CANCELLED,
            }
        ),
        EmploymentRequestStatus.REVIEW: frozenset(
            {
                EmploymentRequestStatus.APPROVED,
                EmploymentRequestStatus.REJECTED,
                EmploymentRequestStatus.DECLINED,
                EmploymentRequestStatus.CANCELLED,
            }
        ),
        EmploymentRequestStatus.ACCEPTED: frozenset(),
        EmploymentRequestStatus.APPROVED: frozenset(),
        EmploymentRequestStatus.DECLINED: frozenset(),
        EmploymentRequestStatus.REJECTED: frozenset(),
        EmploymentRequestStatus.CANCELLED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="employment_request_move_illegal",
)

OPEN_REQUEST_STATUSES = (EmploymentRequestStatus.PENDING, EmploymentRequestStatus.REVIEW)


class EmploymentRequest(models.Model):
    """An enterprise's invitation to a person (添加在职人员), which the person confirms; for a person
    employed elsewhere, a personnel change request (人员变更申请) that an authority approves
    (人员变更审核). Never an employment by name and ID number alone."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="employment_requests", verbose_name=_("person")
    )
    enterprise = models.ForeignKey(
        "lms.Organisation",
        on_delete=models.PROTECT,
        related_name="employment_requests",
        limit_choices_to={"kind": OrganisationKind.ENTERPRISE},
        verbose_name=_("enterprise"),
    )
    position = models.CharField(_("position"), max_length=50, blank=True)
    start_date = models.DateField(_("start date"))
    status = models.CharField(
        _("status"), max_length=16, choices=EmploymentRequestStatus.choices, default=EmploymentRequestStatus.PENDING
    )
    # The employment the person leaves (set when they confirm while employed elsewhere) and the one
    # the request started.
    previous_employment = models.ForeignKey(
        Employment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    employment = models.ForeignKey(Employment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("personnel change request")
        verbose_name_plural = _("personnel change requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "enterprise"],
                condition=Q(status__in=["pending", "review"]),
                name="one_open_employment_request",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"], name="employment_request_person_idx"),
            models.Index(fields=["enterprise", "status"], name="employment_request_ent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person.real_name} → {self.enterprise}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class SafetyTraining(models.Model):
    """企业年度安全生产教育培训合格: an enterprise records that its employee passed its annual safety
    education and training (notice 001: a condition of applying for the A, B and C exams). One
    record per enterprise, person and year; it is evidence kept, never edited."""

    enterprise = models.ForeignKey(
        "lms.Organisation", on_delete=models.PROTECT, related_name="safety_trainings",
        limit_choices_to={"kind": OrganisationKind.ENTERPRISE}, verbose_name=_("enterprise"),
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="safety_trainings", verbose_name=_("person"))
    year = models.PositiveSmallIntegerField(_("year"))
    passed_on = models.DateField(_("passed on"))
    recorded_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("annual safety training")
        verbose_name_plural = _("annual safety trainings")
        ordering = ["-passed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "person", "year"], name="one_safety_training_per_year"),
            models.CheckConstraint(condition=Q(year__gte=2000), name="safety_training_year_sane"),
        ]
        indexes = [models.Index(fields=["person", "enterprise", "-passed_on"], name="safety_training_person")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.enterprise_id} · {self.year}"
