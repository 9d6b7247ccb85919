"""Certificates: issued by an authority, extended on completed hours, expired or voided by the
rules, revoked by an authority. Every status change goes through `hours.services.certificates`."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.transitions import Machine

from ..errors import ERRORS


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    VOID = "void", _("Void")
    REVOKED = "revoked", _("Revoked")


# The moves a certificate's status may make. An extension is the one move from a status to itself
# (valid to valid, with a later expiry); expired, void and revoked certificates are never extended.
CERTIFICATE_MACHINE = Machine(
    statuses=CertificateStatus,
    moves={
        CertificateStatus.VALID: frozenset(
            {CertificateStatus.VALID, CertificateStatus.EXPIRED, CertificateStatus.VOID, CertificateStatus.REVOKED}
        ),
        CertificateStatus.EXPIRED: frozenset({CertificateStatus.REVOKED}),
        CertificateStatus.VOID: frozenset(),
        CertificateStatus.REVOKED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="certificate_move_illegal",
)


class Certificate(models.Model):
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    holder = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("holder"))
    credential = models.ForeignKey("lms.Credential", on_delete=models.PROTECT, related_name="certificates")
    authority = models.ForeignKey(
        "lms.Organisation", on_delete=models.PROTECT, related_name="issued_certificates", verbose_name=_("issuing authority")
    )
    # Set when the training institution issued the certificate under its own seal (the scheme's
    # `issued_by`, notice 003); `authority` is then the authority that confirmed the pass and
    # oversees the certificate (revocation, the register), not the issuer.
    institution = models.ForeignKey(
        "lms.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="institution_certificates",
        limit_choices_to={"kind": "institution"}, verbose_name=_("issuing training institution"),
    )
    issued_on = models.DateField(_("issue date"))
    # Empty: no end of validity (长期有效), as the scheme's `open_ended` says (notice 002).
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID)
    # A random id for the public verification link, so certificate numbers cannot be walked.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Set when the certificate was issued in exchange for a confirmed old certificate (原持证换发)
    # rather than on an exam pass: one electronic certificate per old one.
    legacy_holding = models.OneToOneField(
        "hours.LegacyHolding", on_delete=models.PROTECT, null=True, blank=True, related_name="exchanged_certificate",
        verbose_name=_("exchanged from"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "number"]
        indexes = [models.Index(fields=["credential", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def issuer(self):
        """The organisation that issued it and whose name and seal it carries."""
        return self.institution if self.institution_id else self.authority

    @property
    def open_ended(self) -> bool:
        """No end of validity (长期有效)."""
        return self.expires_on is None

    @property
    def from_legacy(self) -> bool:
        """Issued in exchange for an old certificate (原持证换发), not on an exam pass."""
        return self.legacy_holding_id is not None


class CertificateEvent(models.Model):
    """The audit row of one status change or extension."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    expires_on = models.DateField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    actor = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the authority")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# An extension request is decided once.
EXTENSION_MACHINE = Machine(
    statuses=ExtensionStatus,
    moves={
        ExtensionStatus.PENDING: frozenset({ExtensionStatus.APPROVED, ExtensionStatus.REJECTED}),
        ExtensionStatus.APPROVED: frozenset(),
        ExtensionStatus.REJECTED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="extension_decided",
)


class ExtensionRequest(models.Model):
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="extension_requests")
    status = models.CharField(max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    requested_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # What the eligibility rules said when the holder applied, for the authority to read.
    explanation = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate"], condition=models.Q(status="pending"), name="one_pending_extension_per_certificate"
            )
        ]
