"""The login account and the person behind it, registered under their real name."""

import datetime
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.masking import mask_id_number, mask_mobile
from kernel.storage import private_storage
from kernel.validators import (
    id_number_birth_date,
    id_number_sex,
    validate_id_number,
    validate_mobile,
)


class User(AbstractUser):
    """The login account. People log in with the mobile or ID number on their Person profile;
    the username remains for superusers and service accounts that have no profile."""

    # Set when too many wrong passwords were tried (lms.services.login); only an authority that
    # oversees the person, a superuser, or a code sent to the person's mobile lifts it.
    login_locked_at = models.DateTimeField(_("login locked at"), null=True, blank=True)

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


class IdPhotoStatus(models.TextChoices):
    """The real-name review of the ID photo: until an authority approves it, it is no face reference
    for exams (exam.services.proctoring)."""

    NONE = "none", _("No ID photo")
    PENDING = "pending", _("Waiting for real-name review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


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
    id_photo_status = models.CharField(
        _("ID photo review"), max_length=16, choices=IdPhotoStatus.choices, default=IdPhotoStatus.NONE
    )
    id_photo_reviewed_at = models.DateTimeField(null=True, blank=True)
    id_photo_reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reviewed by")
    )
    id_photo_reason = models.CharField(_("reason"), max_length=300, blank=True)
    # The personal archive (个人档案): the day the person began construction management work.
    management_since = models.DateField(_("in construction management since"), null=True, blank=True)
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
