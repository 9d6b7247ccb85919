"""Certificates held before the platform (原持证人员信息备案): an old paper or provincial certificate
an enterprise registers for a current employee, confirmed against the platform's register or by
an authority reviewer of the enterprise's region, and exchanged once for an electronic certificate
(换证). Every status change goes through `hours.services.legacy.legacy_holding_transition`."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.transitions import Machine

from ..errors import ERRORS


class LegacyHoldingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the authority's confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    EXCHANGED = "exchanged", _("Exchanged for an electronic certificate")


# Submitted holdings are confirmed or rejected once; a confirmed one is exchanged once (the old
# certificate is then void: the electronic one replaces it). Rejected and exchanged are final.
LEGACY_HOLDING_MACHINE = Machine(
    statuses=LegacyHoldingStatus,
    moves={
        LegacyHoldingStatus.SUBMITTED: frozenset({LegacyHoldingStatus.CONFIRMED, LegacyHoldingStatus.REJECTED}),
        LegacyHoldingStatus.CONFIRMED: frozenset({LegacyHoldingStatus.EXCHANGED}),
        LegacyHoldingStatus.REJECTED: frozenset(),
        LegacyHoldingStatus.EXCHANGED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="legacy_move_illegal",
)


class LegacyHolding(models.Model):
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="legacy_holdings", verbose_name=_("holder"))
    # The enterprise that registered it (the holder's employer then): its region's authority confirms.
    enterprise = models.ForeignKey(
        "lms.Organisation", on_delete=models.PROTECT, related_name="legacy_holdings", verbose_name=_("enterprise")
    )
    credential = models.ForeignKey("lms.Credential", on_delete=models.PROTECT, related_name="legacy_holdings")
    number = models.CharField(_("certificate number"), max_length=32)
    issued_on = models.DateField(_("issue date"))
    expires_on = models.DateField(_("expiry date"))
    issuer_name = models.CharField(_("issuing authority (as printed)"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=LegacyHoldingStatus.choices, default=LegacyHoldingStatus.SUBMITTED
    )
    # The certificate of the platform's register the number matched, when it did.
    register_certificate = models.ForeignKey(
        "hours.Certificate", on_delete=models.PROTECT, null=True, blank=True, related_name="legacy_records"
    )
    # The authority that confirmed it (the reviewer's): it issues the electronic certificate.
    authority = models.ForeignKey(
        "lms.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="confirmed_legacy_holdings"
    )
    submitted_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    exchanged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("legacy certificate")
        verbose_name_plural = _("legacy certificates")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # One live record of an old certificate: a rejected one may be registered again.
            models.UniqueConstraint(
                fields=["credential", "number"], condition=~Q(status="rejected"), name="one_live_legacy_holding_per_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.person_id})"
