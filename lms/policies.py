"""Who may see or do what among people and organisations, and the region coverage every app uses.

A user's roles come from their memberships (`roles_of`); the policies modules of every app are the
only callers of it. "This authority covers that region" is defined here once: an authority covers
its own region and every region below it (region paths are prefixes of one another).
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from .models import (
    Employment,
    EmploymentRequest,
    EmploymentRequestStatus,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    Role,
    User,
)

_CACHE_ATTRIBUTE = "_kaohe_roles"


@dataclass(frozen=True)
class Roles:
    is_superuser: bool = False
    is_learner: bool = False
    # role -> ids of the organisations in which the user holds it
    by_role: dict[str, frozenset[int]] = field(default_factory=dict)
    # roles -> the region paths of those authorities (region_paths), filled on first use: a page
    # asks several policies, each of which needs them.
    paths: dict[tuple[str, ...], list[str]] = field(default_factory=dict, compare=False, repr=False)

    def organisation_ids(self, role: str) -> frozenset[int]:
        return self.by_role.get(role, frozenset())

    def has(self, role: str) -> bool:
        return bool(self.organisation_ids(role))

    @property
    def names(self) -> list[str]:
        return [role for role in Role.values if self.has(role)]

    @property
    def is_staff_member(self) -> bool:
        """Holds any role in an organisation (or is a superuser): sees the working side."""
        return self.is_superuser or bool(self.names)


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


# Region coverage ---------------------------------------------------------------------------------


def nothing() -> Q:
    return Q(pk__in=[])


def any_of(conditions: list[Q]) -> Q:
    return reduce(or_, conditions) if conditions else nothing()


def region_paths(actor: User, roles: tuple[str, ...] = (Role.AUTHORITY_REVIEWER,)) -> list[str]:
    """The region paths of the authorities in which the actor holds one of `roles`: each covers its
    own region and every region below it."""
    held = roles_of(actor)
    key = tuple(roles)
    if key in held.paths:
        return list(held.paths[key])
    ids = set().union(*(held.organisation_ids(role) for role in roles))
    paths = list(
        Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.AUTHORITY).values_list("region__path", flat=True)
    ) if ids else []
    if getattr(actor, "is_authenticated", False):
        held.paths[key] = paths  # kept with the roles on the user object, forgotten with them
    return list(paths)


def in_regions(paths: list[str], lookup: str) -> Q:
    """Rows whose `lookup` (a region path, e.g. "enterprise__region__path") lies in one of `paths`."""
    return any_of([Q(**{f"{lookup}__startswith": path}) for path in paths])


def covers_region(actor: User, region_path: str, roles: tuple[str, ...] = (Role.AUTHORITY_REVIEWER,)) -> bool:
    """Whether the actor is a superuser or holds one of `roles` in an authority covering the region."""
    if roles_of(actor).is_superuser:
        return True
    return any(region_path.startswith(path) for path in region_paths(actor, roles))


def covers(actor: User, organisation: Organisation, roles: tuple[str, ...] = (Role.AUTHORITY_REVIEWER,)) -> bool:
    return covers_region(actor, organisation.region.path, roles)


def is_reviewer(actor: User) -> bool:
    """An authority reviewer somewhere, or a superuser: the working side of the authorities."""
    roles = roles_of(actor)
    return roles.is_superuser or roles.has(Role.AUTHORITY_REVIEWER)


def reviewer_region_scope(actor: User, lookup: str) -> Q:
    """Rows in the regions the actor reviews (everything for a superuser), by a region-path lookup."""
    if roles_of(actor).is_superuser:
        return Q()
    return in_regions(region_paths(actor), lookup)


# People ------------------------------------------------------------------------------------------


def _working_in(paths: list[str]) -> Q:
    """People employed by an enterprise, or holding a role in an organisation, of these regions."""
    return Q(
        pk__in=Employment.objects.filter(in_regions(paths, "enterprise__region__path"), end_date__isnull=True).values(
            "person"
        )
    ) | Q(user__in=Membership.objects.filter(in_regions(paths, "organisation__region__path")).values("user"))


def people_visible(actor: User) -> QuerySet[Person]:
    """A learner sees themself; an enterprise its current employees; an institution its staff and
    the learners of its courses; an authority everyone employed or working in its regions; a
    superuser everyone."""
    queryset = Person.objects.select_related("user")
    roles = roles_of(actor)
    if roles.is_superuser:
        return queryset.all()
    conditions: list[Q] = []
    if roles.is_learner:
        conditions.append(Q(user=actor))
    if enterprise_ids := roles.organisation_ids(Role.ENTERPRISE_ADMIN):
        conditions.append(
            Q(pk__in=Employment.objects.filter(enterprise_id__in=enterprise_ids, end_date__isnull=True).values("person"))
        )
    if institution_ids := roles.organisation_ids(Role.INSTITUTION_STAFF):
        conditions.append(Q(user__in=Membership.objects.filter(organisation_id__in=institution_ids).values("user")))
        # Learners enrolled in the institution's courses (the enrolments live in `hours`; the
        # lookup follows the relation by name, so this module imports nothing from above it).
        conditions.append(Q(enrolments__course__institution_id__in=institution_ids))
    if paths := region_paths(actor):
        conditions.append(_working_in(paths))
    return queryset.filter(any_of(conditions)).distinct()


def people_overseen(actor: User) -> QuerySet[Person]:
    """Only the people an authority oversees (or everyone, for a superuser): those whose identity
    evidence and hours the actor may see and correct, which employers and institutions never do."""
    if roles_of(actor).is_superuser:
        return Person.objects.all()
    paths = region_paths(actor)
    if not paths:
        return Person.objects.none()
    return Person.objects.filter(_working_in(paths))


def people_in_region(region_path: str) -> QuerySet[Person]:
    """The people an authority of this region oversees: employed or working in it or below it."""
    return Person.objects.filter(_working_in([region_path]))


def oversees_person(actor: User, person_id: int) -> bool:
    return people_overseen(actor).filter(pk=person_id).exists()


def employs_now(actor: User, person_id: int) -> bool:
    """Whether the actor administers an enterprise that employs the person now."""
    ids = roles_of(actor).organisation_ids(Role.ENTERPRISE_ADMIN)
    return bool(ids) and Employment.objects.filter(person_id=person_id, enterprise_id__in=ids, end_date__isnull=True).exists()


def can_see_record_of(actor: User, person_id: int) -> bool:
    """A person's hours, certificates and exam results: the person, the authorities overseeing
    them, their current employer and superusers; a training institution that sees the name of a
    learner of its courses does not see their record."""
    if not getattr(actor, "is_authenticated", False):
        return False
    roles = roles_of(actor)
    if roles.is_superuser or getattr(getattr(actor, "person", None), "pk", None) == person_id:
        return True
    return oversees_person(actor, person_id) or employs_now(actor, person_id)


def can_see_identity_evidence(actor: User, person_id: int) -> bool:
    """Identity evidence (the ID photo, face references, snapshots) is for the person, the
    authorities that oversee them and superusers; never for employers or training institutions."""
    own = getattr(getattr(actor, "person", None), "pk", None) == person_id
    return own or oversees_person(actor, person_id)


def can_unlock_login(actor: User, person_id: int) -> bool:
    """A login locked after wrong passwords is lifted by an authority reviewer who oversees the
    person (their region) or a superuser; never by an employer or an institution."""
    return oversees_person(actor, person_id)


# Organisations and employment --------------------------------------------------------------------


def organisations_visible(actor: User) -> QuerySet[Organisation]:
    """A member sees their organisations, a learner their current employer, an authority every
    organisation of its regions, a superuser all."""
    queryset = Organisation.objects.select_related("region")
    roles = roles_of(actor)
    if roles.is_superuser:
        return queryset.all()
    conditions: list[Q] = [Q(pk__in=Membership.objects.filter(user=actor).values("organisation"))]
    if roles.is_learner:
        conditions.append(
            Q(pk__in=Employment.objects.filter(person__user=actor, end_date__isnull=True).values("enterprise"))
        )
    if paths := region_paths(actor):
        conditions.append(in_regions(paths, "region__path"))
    return queryset.filter(any_of(conditions)).distinct()


def employments_visible(actor: User) -> QuerySet[Employment]:
    """Employment history: a learner's own, an enterprise's (past employees included), an authority's region."""
    queryset = Employment.objects.select_related("person", "enterprise")
    roles = roles_of(actor)
    if roles.is_superuser:
        return queryset.all()
    conditions: list[Q] = []
    if roles.is_learner:
        conditions.append(Q(person__user=actor))
    if enterprise_ids := roles.organisation_ids(Role.ENTERPRISE_ADMIN):
        conditions.append(Q(enterprise_id__in=enterprise_ids))
    if paths := region_paths(actor):
        conditions.append(in_regions(paths, "enterprise__region__path"))
    return queryset.filter(any_of(conditions))


def administered_enterprises(actor: User) -> QuerySet[Organisation]:
    """The enterprises whose employees this user may add and end, and whom they may assign courses."""
    queryset = Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE)
    if roles_of(actor).is_superuser:
        return queryset
    return queryset.filter(pk__in=roles_of(actor).organisation_ids(Role.ENTERPRISE_ADMIN))


def can_manage_employees(actor: User, enterprise: Organisation) -> bool:
    if roles_of(actor).is_superuser:
        return True
    return enterprise.pk in roles_of(actor).organisation_ids(Role.ENTERPRISE_ADMIN)


# Invitations and personnel change requests (人员变更申请) -------------------------------------------

# What the old employer and the authorities see: the requests the person has confirmed.
CONFIRMED_REQUEST_STATUSES = (
    EmploymentRequestStatus.REVIEW,
    EmploymentRequestStatus.APPROVED,
    EmploymentRequestStatus.REJECTED,
)


def employment_requests_visible(actor: User) -> QuerySet[EmploymentRequest]:
    """A person their own invitations; an enterprise those it made, and, once the person has
    confirmed, those that take one of its employees away (the same request seen from the old side);
    an authority reviewer the confirmed change requests of the enterprises of its regions; a
    superuser all. An invitation the person has not answered is never shown to their employer."""
    queryset = EmploymentRequest.objects.select_related(
        "person", "enterprise__region", "previous_employment__enterprise"
    )
    roles = roles_of(actor)
    if roles.is_superuser:
        return queryset.all()
    conditions: list[Q] = []
    if roles.is_learner:
        conditions.append(Q(person__user=actor))
    if enterprise_ids := roles.organisation_ids(Role.ENTERPRISE_ADMIN):
        conditions.append(Q(enterprise_id__in=enterprise_ids))
        conditions.append(
            Q(previous_employment__enterprise_id__in=enterprise_ids, status__in=CONFIRMED_REQUEST_STATUSES)
        )
    if paths := region_paths(actor):
        conditions.append(Q(in_regions(paths, "enterprise__region__path"), status__in=CONFIRMED_REQUEST_STATUSES))
    return queryset.filter(any_of(conditions))


def can_decide_change_request(actor: User, enterprise: Organisation) -> bool:
    """人员变更审核: a reviewer of an authority covering the new enterprise's region (or a superuser)."""
    return covers(actor, enterprise)


def can_see_people_lists(actor: User) -> bool:
    """The people and organisation lists are for those who hold a role (and superusers)."""
    return roles_of(actor).is_staff_member


def member_ids(actor: User, role: str) -> frozenset[int]:
    """The organisations in which the actor holds `role`."""
    return roles_of(actor).organisation_ids(role)


def holds(actor: User, role: str) -> bool:
    return roles_of(actor).has(role)


def is_superuser(actor: User) -> bool:
    return roles_of(actor).is_superuser


def is_learner(actor: User) -> bool:
    return roles_of(actor).is_learner


# The personal archive ----------------------------------------------------------------------------


def can_see_archive(actor: User, person_id: int) -> bool:
    """The archive's documents are for the person, the administrators of their current employer (who
    verify applications) and the authorities that oversee them (who review); nobody else."""
    if getattr(getattr(actor, "person", None), "pk", None) == person_id:
        return True
    if enterprise_ids := roles_of(actor).organisation_ids(Role.ENTERPRISE_ADMIN):
        if Employment.objects.filter(person_id=person_id, enterprise_id__in=enterprise_ids, end_date__isnull=True).exists():
            return True
    return oversees_person(actor, person_id)


def id_photos_to_review(actor: User) -> QuerySet[Person]:
    """People of the actor's regions whose ID photo waits for the real-name review."""
    return people_overseen(actor).filter(id_photo_status="pending").select_related("user")
