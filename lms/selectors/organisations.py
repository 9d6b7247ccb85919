"""Reads of organisations and employment, scoped to the acting user."""

from django.db.models import QuerySet

from kernel.errors import NotFoundError

from ..models import Employment, Organisation, User
from ..policies import (
    administered_enterprises,
    employments_visible,
    organisations_visible,
)


def organisations_list(actor: User, *, kind: str = "") -> QuerySet[Organisation]:
    organisations = organisations_visible(actor)
    return organisations.filter(kind=kind) if kind else organisations


def organisation_get(actor: User, pk) -> Organisation:
    try:
        return organisations_visible(actor).get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


def administered_enterprise_get(actor: User, pk) -> Organisation:
    """An enterprise the actor administers; any other is not found."""
    try:
        return administered_enterprises(actor).get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


def employments_list(actor: User, *, person: int | None = None, enterprise: int | None = None, current: bool | None = None) -> QuerySet[Employment]:
    employments = employments_visible(actor)
    if person is not None:
        employments = employments.filter(person_id=person)
    if enterprise is not None:
        employments = employments.filter(enterprise_id=enterprise)
    if current is not None:
        employments = employments.filter(end_date__isnull=current)
    return employments


def employment_get(actor: User, pk) -> Employment:
    try:
        return employments_visible(actor).get(pk=pk)
    except (Employment.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


def current_employment_of(actor: User) -> Employment | None:
    return employments_visible(actor).filter(person__user=actor, end_date__isnull=True).first()
