from .roles import roles_of


def roles(request):
    """The acting user's roles, for navigation; evaluated lazily by templates that use them."""
    user = getattr(request, "user", None)
    return {"roles": roles_of(user) if user is not None else None}
