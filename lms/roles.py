"""What a user is, by membership: the single source every selector and page asks."""

from dataclasses import dataclass, field

from .models import Membership, Role, User

_CACHE_ATTRIBUTE = "_kaohe_roles"


@dataclass(frozen=True)
class Roles:
    is_superuser: bool = False
    is_learner: bool = False
    # role -> ids of the organisations in which the user holds it
    by_role: dict[str, frozenset[int]] = field(default_factory=dict)

    def organisation_ids(self, role: str) -> frozenset[int]:
        return self.by_role.get(role, frozenset())

    def has(self, role: str) -> bool:
        return bool(self.organisation_ids(role))

    @property
    def names(self) -> list[str]:
        return [role for role in Role.values if self.has(role)]


def roles_of(user: User) -> Roles:
    """The user's roles, read once per user object (a request keeps one user object)."""
    if not getattr(user, "is_authenticated", False):
        return Roles()
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    by_role: dict[str, set[int]] = {}
    for role, organisation_id in Membership.objects.filter(user=user).values_list("role", "organisation_id"):
        by_role.setdefault(role, set()).add(organisation_id)
    roles = Roles(
        is_superuser=user.is_superuser,
        is_learner=hasattr(user, "person"),
        by_role={role: frozenset(ids) for role, ids in by_role.items()},
    )
    setattr(user, _CACHE_ATTRIBUTE, roles)
    return roles


def forget_roles(user: User) -> None:
    """After a membership changes, so the next question reads the database again."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)
