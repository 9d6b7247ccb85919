"""Who works for which enterprise, and when: periods that never overlap."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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
