"""Writes for people and organisations. Every function validates everything before it writes, and
writes in one transaction, so bad input changes nothing."""

import datetime
import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import DomainError, FieldError, PermissionDeniedError
from kernel.images import clean_uploaded_photo
from kernel.validators import validate_credit_code, validate_id_number, validate_mobile

from . import events
from .models import (
    ROLE_ORGANISATION_KINDS,
    Education,
    Employment,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    ProfessionalTitle,
    Region,
    RegionLevel,
    Role,
    User,
)
from .roles import forget_roles, roles_of

# Chinese names (with the middle dot of minority and transliterated names) or Latin letters.
_REAL_NAME = re.compile(r"^[\u3400-\u9fff·•]{2,20}$|^[A-Za-z][A-Za-z .'-]{1,49}$")


def _validated(field: str, validator, value: str) -> str:
    try:
        return validator(value)
    except ValidationError as error:
        raise FieldError(field=field, code=error.code or "invalid", message=error.messages[0])


def _validated_real_name(value: str) -> str:
    value = (value or "").strip()
    if not _REAL_NAME.match(value):
        raise FieldError(
            field="real_name",
            code="real_name_format",
            message=_("Enter your real name as it is printed on your ID card."),
        )
    return value


def person_register(
    *,
    real_name: str,
    id_number: str,
    mobile: str,
    education: str,
    password: str,
    professional_title: str = ProfessionalTitle.NONE,
    id_photo: bytes | None = None,
) -> Person:
    """Self-registration under a real name: the account and the profile are created together or not at all."""
    real_name = _validated_real_name(real_name)
    id_number = _validated("id_number", validate_id_number, id_number)
    mobile = _validated("mobile", validate_mobile, mobile)
    if education not in Education.values:
        raise FieldError(field="education", code="education_invalid", message=_("Choose your education level."))
    if professional_title not in ProfessionalTitle.values:
        raise FieldError(
            field="professional_title", code="title_invalid", message=_("Choose your professional title.")
        )
    if Person.objects.filter(id_number=id_number).exists():
        raise FieldError(
            field="id_number", code="id_number_taken", message=_("This ID number is already registered.")
        )
    if Person.objects.filter(mobile=mobile).exists():
        raise FieldError(field="mobile", code="mobile_taken", message=_("This mobile number is already registered."))
    candidate = User(username=id_number, first_name=real_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise FieldError(field="password", code="password_weak", message=" ".join(error.messages))
    photo = clean_uploaded_photo(id_photo, name="id.jpg") if id_photo else None

    saved_photo_name = None
    try:
        with transaction.atomic():
            candidate.set_password(password)
            candidate.save()
            person = Person(
                user=candidate,
                real_name=real_name,
                id_number=id_number,
                mobile=mobile,
                education=education,
                professional_title=professional_title,
            )
            if photo is not None:
                person.id_photo.save(photo.name, photo, save=False)
                saved_photo_name = person.id_photo.name
            person.save()
    except IntegrityError:
        # Another registration with the same ID number or mobile won the race.
        if saved_photo_name:
            person.id_photo.storage.delete(saved_photo_name)
        raise FieldError(
            field="id_number",
            code="id_number_taken",
            message=_("This ID number or mobile number is already registered."),
        )
    return person


def person_id_photo_set(*, person: Person, data: bytes) -> Person:
    """Put an ID photo on file for a person registered without one. One on file is never replaced
    here: it is the photo identity checks start from."""
    photo = clean_uploaded_photo(data, name="id.jpg")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.id_photo:
            raise DomainError(code="id_photo_exists", message=_("An ID photo is already on file."))
        person.id_photo.save(photo.name, photo, save=False)
        person.save(update_fields=["id_photo"])
    return person


def region_create(*, code: str, name: str, level: str, parent: Region | None = None) -> Region:
    if not re.fullmatch(r"\d{6}", code or ""):
        raise FieldError(field="code", code="region_code_format", message=_("A division code has 6 digits."))
    if level not in RegionLevel.values:
        raise FieldError(field="level", code="region_level_invalid", message=_("Choose a region level."))
    region, _created = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return region


def organisation_create(*, kind: str, name: str, region: Region, credit_code: str | None = None) -> Organisation:
    if kind not in OrganisationKind.values:
        raise FieldError(field="kind", code="organisation_kind_invalid", message=_("Choose a kind of organisation."))
    name = (name or "").strip()
    if not name:
        raise FieldError(field="name", code="name_required", message=_("Enter the organisation's name."))
    if credit_code:
        credit_code = _validated("credit_code", validate_credit_code, credit_code)
    elif kind == OrganisationKind.ENTERPRISE:
        raise FieldError(
            field="credit_code",
            code="credit_code_required",
            message=_("An enterprise needs its unified social credit code."),
        )
    else:
        credit_code = None
    if credit_code and Organisation.objects.filter(credit_code=credit_code).exists():
        raise FieldError(
            field="credit_code",
            code="credit_code_taken",
            message=_("An organisation with this unified social credit code already exists."),
        )
    with transaction.atomic():
        organisation = Organisation.objects.create(kind=kind, name=name, region=region, credit_code=credit_code)
        if kind == OrganisationKind.INSTITUTION:
            events.institution_created.send(sender=Organisation, institution=organisation)
    return organisation


def membership_grant(*, user: User, organisation: Organisation, role: str) -> Membership:
    if organisation.kind not in ROLE_ORGANISATION_KINDS.get(role, set()):
        raise DomainError(
            code="role_not_for_organisation",
            message=_("This role cannot be given in this kind of organisation."),
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
        if created:
            events.membership_granted.send(sender=Membership, membership=membership)
    forget_roles(user)
    return membership


def _require_enterprise_admin(actor: User, enterprise: Organisation) -> None:
    if actor.is_superuser:
        return
    if enterprise.pk not in roles_of(actor).organisation_ids(Role.ENTERPRISE_ADMIN):
        raise PermissionDeniedError(
            code="not_enterprise_admin",
            message=_("Only this enterprise's administrators can manage its employees."),
        )


def employment_start(
    *,
    actor: User,
    person: Person,
    enterprise: Organisation,
    start_date: datetime.date,
    position: str = "",
) -> Employment:
    """Record that a person works for an enterprise from a date on.

    A person has at most one current employer and periods never overlap: a change of employer is
    the old employment ended, then a new one started after that end.
    """
    if enterprise.kind != OrganisationKind.ENTERPRISE:
        raise DomainError(code="not_an_enterprise", message=_("People can only be employed by an enterprise."))
    _require_enterprise_admin(actor, enterprise)
    if start_date > timezone.localdate():
        raise FieldError(
            field="start_date", code="start_date_future", message=_("The start date cannot be in the future.")
        )
    with transaction.atomic():
        # Lock the person so that two concurrent changes cannot both pass the overlap check.
        Person.objects.select_for_update().get(pk=person.pk)
        periods = list(Employment.objects.filter(person=person).select_related("enterprise"))
        current = next((period for period in periods if period.is_current), None)
        if current is not None:
            if current.enterprise_id == enterprise.pk:
                raise DomainError(
                    code="already_employed", message=_("This person is already an employee of this enterprise.")
                )
            raise DomainError(
                code="employment_overlap",
                message=_(
                    "This person is currently employed by %(enterprise)s. The current employment must end "
                    "before a new one can start."
                )
                % {"enterprise": current.enterprise.name},
            )
        if any(period.end_date >= start_date for period in periods):
            raise FieldError(
                field="start_date",
                code="employment_overlap",
                message=_("The new employment overlaps an earlier one; it must start after the earlier one ended."),
            )
        return Employment.objects.create(
            person=person, enterprise=enterprise, start_date=start_date, position=(position or "").strip()
        )


def employee_add(
    *,
    actor: User,
    enterprise: Organisation,
    id_number: str,
    real_name: str,
    start_date: datetime.date,
    position: str = "",
) -> Employment:
    """An enterprise adds a registered person as its employee, identified by ID number and real name."""
    _require_enterprise_admin(actor, enterprise)
    id_number = _validated("id_number", validate_id_number, id_number)
    person = Person.objects.filter(id_number=id_number, real_name=(real_name or "").strip()).first()
    if person is None:
        # The same answer for an unknown number and a wrong name, so the form cannot probe who is registered.
        raise FieldError(
            field="id_number",
            code="person_not_found",
            message=_("No registered person has this name and ID number. The person must register first."),
        )
    return employment_start(
        actor=actor, person=person, enterprise=enterprise, start_date=start_date, position=position
    )


def employment_end(*, actor: User, employment: Employment, end_date: datetime.date) -> Employment:
    _require_enterprise_admin(actor, employment.enterprise)
    with transaction.atomic():
        employment = Employment.objects.select_for_update().get(pk=employment.pk)
        if not employment.is_current:
            raise DomainError(code="employment_already_ended", message=_("This employment has already ended."))
        if end_date < employment.start_date:
            raise FieldError(
                field="end_date", code="end_before_start", message=_("The end date cannot be before the start date.")
            )
        if end_date > timezone.localdate():
            raise FieldError(
                field="end_date", code="end_date_future", message=_("The end date cannot be in the future.")
            )
        employment.end_date = end_date
        employment.save(update_fields=["end_date"])
    return employment
