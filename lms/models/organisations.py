"""Regions, the organisations in them (enterprises, institutions, authorities) and the roles
people hold there."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.validators import validate_credit_code


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")


class Region(models.Model):
    """An administrative division (GB/T 2260 code). `path` holds the codes from the root down,
    so a region and everything below it is one indexed prefix query."""

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(max_length=64, editable=False, db_index=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.path = (self.parent.path if self.parent else "") + self.code + "/"
        super().save(*args, **kwargs)


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Construction enterprise")
    INSTITUTION = "institution", _("Training institution")
    AUTHORITY = "authority", _("Authority")


class Organisation(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_credit_code],
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("region"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="enterprise") | Q(credit_code__isnull=False),
                name="enterprise_has_credit_code",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ENTERPRISE_ADMIN = "enterprise_admin", _("Enterprise administrator")
    INSTITUTION_STAFF = "institution_staff", _("Institution staff")
    AUTHORITY_REVIEWER = "authority_reviewer", _("Authority reviewer")
    PROCTOR = "proctor", _("Proctor")


# Which kind of organisation each role belongs to.
ROLE_ORGANISATION_KINDS: dict[str, set[str]] = {
    Role.ENTERPRISE_ADMIN: {OrganisationKind.ENTERPRISE},
    Role.INSTITUTION_STAFF: {OrganisationKind.INSTITUTION},
    Role.AUTHORITY_REVIEWER: {OrganisationKind.AUTHORITY},
    Role.PROCTOR: {OrganisationKind.AUTHORITY, OrganisationKind.INSTITUTION},
}


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"
