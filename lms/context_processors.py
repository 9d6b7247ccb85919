"""What the base layout's header shows of the acting user: their real name (a person's name, or
the name a staff account was given) and their roles with the organisation of each."""

from django.utils.functional import SimpleLazyObject

from .selectors.home import memberships_of


def _acting(user) -> dict:
    person = getattr(user, "person", None)
    name = (person.real_name if person else "") or user.get_full_name() or user.get_username()
    roles = [f"{membership.get_role_display()} · {membership.organisation.name}" for membership in memberships_of(user)]
    return {"name": name, "roles": roles}


def acting(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"acting": None}
    return {"acting": SimpleLazyObject(lambda: _acting(user))}
