"""A learner's separate consent to face processing (PIPL)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BiometricConsent(models.Model):
    """A learner's separate consent to face processing, for one version of the consent text."""

    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="biometric_consents")
    version = models.CharField(_("text version"), max_length=16)
    text_sha256 = models.CharField(max_length=64)
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("biometric consent")
        verbose_name_plural = _("biometric consents")
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(withdrawn_at__isnull=True), name="one_standing_consent_per_person"
            )
        ]
