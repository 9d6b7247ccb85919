"""Writes for employment: an enterprise adds and ends its employees; periods never overlap."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import DomainError, FieldError, PermissionDeniedError
from kernel.validators import validate_id_number

from ..models import Employment, Organisation, OrganisationKind, Person, User
from ..policies import can_manage_employees
from ._fields import validated


def _require_enterprise_admin(actor: User, enterprise: Organisation) -> None:
    if not can_manage_employees(actor, enterprise):
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
    id_number = validated("id_number", validate_id_number, id_number)
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
