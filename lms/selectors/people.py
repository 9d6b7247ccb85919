"""Reads of people, scoped to the acting user: another tenant's person is not found."""

from django.db.models import Q, QuerySet

from kernel.errors import NotFoundError

from ..models import Person, User
from ..policies import people_visible


def person_of(user: User) -> Person:
    """The acting user's own learner profile; not found for staff accounts without one."""
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        raise NotFoundError.default()
    return person


def people_list(actor: User, *, query: str = "") -> QuerySet[Person]:
    """The people the actor may see, filtered by a name, an exact ID number or an exact mobile."""
    people = people_visible(actor)
    query = (query or "").strip()
    if query:
        people = people.filter(Q(real_name__icontains=query) | Q(id_number=query.upper()) | Q(mobile=query))
    return people


def person_get(actor: User, pk) -> Person:
    try:
        return people_visible(actor).get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()
