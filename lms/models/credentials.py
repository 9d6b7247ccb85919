"""The kinds of certificate the platform knows: a reference table kept as data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CredentialFamily(models.TextChoices):
    SAFETY_MANAGER = "safety_manager", _("Safety production management personnel")
    SITE_PROFESSIONAL = "site_professional", _("Construction site professionals")
    SPECIAL_OPERATIONS = "special_operations", _("Special operations workers")


class Credential(models.Model):
    """A kind of certificate (安管人员 A/B/C, a site-professional post, a special operation). A
    reference table: courses say which credentials they serve, and the hours rules hang
    their schemes on it. The names are official Chinese titles, kept as data."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=50)
    family = models.CharField(_("family"), max_length=32, choices=CredentialFamily.choices)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name
