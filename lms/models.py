"""People, organisations, the roles that join them and employment history."""

import datetime
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.masking import mask_id_number, mask_mobile
from kernel.storage import private_storage
from kernel.validators import (
    id_number_birth_date,
    id_number_sex,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)


class User(AbstractUser):
    """The login account. People log in with the mobile or ID number on their Person profile;
    the username remains for superusers and service accounts that have no profile."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Education(models.TextChoices):
    JUNIOR_SECONDARY = "junior_secondary", _("Junior secondary school or below")
    SENIOR_SECONDARY = "senior_secondary", _("Senior secondary or vocational school")
    JUNIOR_COLLEGE = "junior_college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")


class ProfessionalTitle(models.TextChoices):
    NONE = "none", _("No professional title")
    TECHNICIAN = "technician", _("Technician")
    ASSISTANT = "assistant", _("Assistant engineer (junior)")
    INTERMEDIATE = "intermediate", _("Engineer (intermediate)")
    SENIOR = "senior", _("Senior engineer")
    PROFESSOR = "professor", _("Professor-level senior engineer")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


def id_photo_path(instance: "Person", filename: str) -> str:
    # A random name: the file system must not reveal whose photo it is.
    return f"id-photos/{uuid.uuid4().hex}.jpg"


class Person(models.Model):
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="person", verbose_name=_("user"))
    real_name = models.CharField(_("real name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True, validators=[validate_id_number])
    mobile = models.CharField(_("mobile number"), max_length=11, unique=True, validators=[validate_mobile])
    education = models.CharField(_("education"), max_length=32, choices=Education.choices)
    professional_title = models.CharField(
        _("professional title"), max_length=32, choices=ProfessionalTitle.choices, default=ProfessionalTitle.NONE
    )
    id_photo = models.ImageField(_("ID photo"), storage=private_storage, upload_to=id_photo_path, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["real_name", "id"]

    def __str__(self) -> str:
        return f"{self.real_name} ({self.masked_id_number})"

    # Birth date and sex are read from the ID number, never typed a second time.
    @property
    def birth_date(self) -> datetime.date:
        return id_number_birth_date(self.id_number)

    @property
    def sex(self) -> str:
        return id_number_sex(self.id_number)

    def get_sex_display(self) -> str:
        return Sex(self.sex).label

    def age_on(self, day: datetime.date) -> int:
        birth = self.birth_date
        return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)


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


class _KindManager(models.Manager):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def get_queryset(self):
        return super().get_queryset().filter(kind=self.kind)


class Enterprise(Organisation):
    objects = _KindManager(OrganisationKind.ENTERPRISE)

    class Meta:
        proxy = True
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def save(self, *args, **kwargs) -> None:
        self.kind = OrganisationKind.ENTERPRISE
        super().save(*args, **kwargs)


class Institution(Organisation):
    objects = _KindManager(OrganisationKind.INSTITUTION)

    class Meta:
        proxy = True
        verbose_name = _("training institution")
        verbose_name_plural = _("training institutions")

    def save(self, *args, **kwargs) -> None:
        self.kind = OrganisationKind.INSTITUTION
        super().save(*args, **kwargs)


class Authority(Organisation):
    objects = _KindManager(OrganisationKind.AUTHORITY)

    class Meta:
        proxy = True
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")

    def save(self, *args, **kwargs) -> None:
        self.kind = OrganisationKind.AUTHORITY
        super().save(*args, **kwargs)


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
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
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


class Employment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments", verbose_name=_("person"))
    enterprise = models.ForeignKey(
        Organisation,
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


class CredentialFamily(models.TextChoices):
    SAFETY_MANAGER = "safety_manager", _("Safety production management personnel")
    SITE_PROFESSIONAL = "site_professional", _("Construction site professionals")
    SPECIAL_OPERATIONS = "special_operations", _("Special operations workers")


class Credential(models.Model):
    """A kind of certificate (安管人员 A/B/C, a site-professional post, a special operation). A
    reference table: courses say which credentials they serve, and the hours rules of issue 5 hang
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
