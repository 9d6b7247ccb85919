"""Writes for employment: an enterprise adds and ends its employees; periods never overlap."""

import datetime

from django.db import transaction
from django.utils import timezone

from kernel.validators import validate_id_number

from ..errors import ERRORS
from ..models import Employment, Organisation, OrganisationKind, Person, User
from ..policies import can_manage_employees
from ._fields import validated


def _require_enterprise_admin(actor: User, enterprise: Organisation) -> None:
    if not can_manage_employees(actor, enterprise):
        raise ERRORS.error("not_enterprise_admin")


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
        raise ERRORS.error("not_an_enterprise")
    _require_enterprise_admin(actor, enterprise)
    if start_date > timezone.localdate():
        raise ERRORS.error("start_date_future", field="start_date")
    with transaction.atomic():
        # Lock the person so that two concurrent changes cannot both pass the overlap check.
        Person.objects.select_for_update().get(pk=person.pk)
        periods = list(Employment.objects.filter(person=person).select_related("enterprise"))
        current = next((period for period in periods if period.is_current), None)
        if current is not None:
            if current.enterprise_id == enterprise.pk:
                raise ERRORS.error("already_employed")
            raise ERRORS.error("employment_overlap", enterprise=current.enterprise.name)
        overlapped = next((period for period in periods if period.end_date >= start_date), None)
        if overlapped is not None:
            raise ERRORS.error("employment_overlap", field="start_date", enterprise=overlapped.enterprise.name)
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
        raise ERRORS.error("person_not_found", field="id_number")
    return employment_start(
        actor=actor, person=person, enterprise=enterprise, start_date=start_date, position=position
    )


def employment_end(*, actor: User, employment: Employment, end_date: datetime.date) -> Employment:
    _require_enterprise_admin(actor, employment.enterprise)
    with transaction.atomic():
        employment = Employment.objects.select_for_update().get(pk=employment.pk)
        if not employment.is_current:
            raise ERRORS.error("employment_already_ended")
        if end_date < employment.start_date:
            raise ERRORS.error("end_before_start", field="end_date")
        if end_date > timezone.localdate():
            raise ERRORS.error("end_date_future", field="end_date")
        employment.end_date = end_date
        employment.save(update_fields=["end_date"])
    return employment
