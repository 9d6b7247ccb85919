"""Reads scoped to the acting user. Every list and detail a user sees comes through here, so a
request for another tenant's object finds nothing and becomes a 404."""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import (
    Employment,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    Role,
    User,
)
from .roles import roles_of


def _nothing() -> Q:
    return Q(pk__in=[])


def _any(conditions: list[Q]) -> Q:
    return reduce(or_, conditions) if conditions else _nothing()


def authority_region_paths(actor: User) -> list[str]:
    """The region paths an authority reviewer oversees: its own region and every region below it."""
    ids = roles_of(actor).organisation_ids(Role.AUTHORITY_REVIEWER)
    if not ids:
        return []
    return list(Organisation.objects.filter(pk__in=ids).values_list("region__path", flat=True))


def _in_regions(paths: list[str], prefix: str) -> Q:
    return _any([Q(**{f"{prefix}__startswith": path}) for path in paths])


def people_for(actor: User) -> QuerySet[Person]:
    """A learner sees themself; an enterprise its current employees; an institution its staff; an
    authority everyone employed or working in its regions; a superuser everyone."""
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
    if paths := authority_region_paths(actor):
        conditions.append(
            Q(
                pk__in=Employment.objects.filter(
                    _in_regions(paths, "enterprise__region__path"), end_date__isnull=True
                ).values("person")
            )
            | Q(user__in=Membership.objects.filter(_in_regions(paths, "organisation__region__path")).values("user"))
        )
    return queryset.filter(_any(conditions)).distinct()


def person_of(user: User) -> Person:
    """The acting user's own learner profile; a 404 for staff accounts without one."""
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        raise Http404
    return person


def people_overseen(actor: User) -> QuerySet[Person]:
    """Only the people an authority oversees (or everyone, for a superuser): those who may see
    someone's identity evidence, which employers and institutions never do."""
    if roles_of(actor).is_superuser:
        return Person.objects.all()
    paths = authority_region_paths(actor)
    if not paths:
        return Person.objects.none()
    return Person.objects.filter(
        Q(pk__in=Employment.objects.filter(_in_regions(paths, "enterprise__region__path"), end_date__isnull=True).values("person"))
        | Q(user__in=Membership.objects.filter(_in_regions(paths, "organisation__region__path")).values("user"))
    )


def person_get(actor: User, pk: int) -> Person:
    try:
        return people_for(actor).get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404


def organisations_for(actor: User) -> QuerySet[Organisation]:
    """Members see their own organisations, learners their current employer, authorities every
    organisation in their regions."""
    queryset = Organisation.objects.select_related("region")
    roles = roles_of(actor)
    if roles.is_superuser:
        return queryset.all()
    conditions: list[Q] = [Q(pk__in=Membership.objects.filter(user=actor).values("organisation"))]
    if roles.is_learner:
        conditions.append(
            Q(pk__in=Employment.objects.filter(person__user=actor, end_date__isnull=True).values("enterprise"))
        )
    if paths := authority_region_paths(actor):
        conditions.append(_in_regions(paths, "region__path"))
    return queryset.filter(_any(conditions)).distinct()


def organisation_get(actor: User, pk: int) -> Organisation:
    try:
        return organisations_for(actor).get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404


def employments_for(actor: User) -> QuerySet[Employment]:
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
    if paths := authority_region_paths(actor):
        conditions.append(_in_regions(paths, "enterprise__region__path"))
    return queryset.filter(_any(conditions))


def employment_get(actor: User, pk: int) -> Employment:
    try:
        return employments_for(actor).get(pk=pk)
    except (Employment.DoesNotExist, ValueError, TypeError):
        raise Http404


def administered_enterprises(actor: User) -> QuerySet[Organisation]:
    """The enterprises whose employees this user may add and end."""
    queryset = Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE)
    if actor.is_superuser:
        return queryset
    return queryset.filter(pk__in=roles_of(actor).organisation_ids(Role.ENTERPRISE_ADMIN))


def dashboard_figures(actor: User) -> dict[str, int]:
    """Counts for the home page, each over what the user may see."""
    roles = roles_of(actor)
    figures: dict[str, int] = {}
    if roles.has(Role.ENTERPRISE_ADMIN) or roles.has(Role.AUTHORITY_REVIEWER) or roles.is_superuser:
        figures["people"] = people_for(actor).count()
    if roles.has(Role.AUTHORITY_REVIEWER) or roles.is_superuser:
        visible = organisations_for(actor)
        figures["enterprises"] = visible.filter(kind=OrganisationKind.ENTERPRISE).count()
        figures["institutions"] = visible.filter(kind=OrganisationKind.INSTITUTION).count()
    if roles.has(Role.INSTITUTION_STAFF):
        figures["staff"] = Membership.objects.filter(
            organisation_id__in=roles.organisation_ids(Role.INSTITUTION_STAFF)
        ).values("user").distinct().count()
    return figures


def memberships_of(actor: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=actor).select_related("organisation__region")


def current_employment_of(actor: User) -> Employment | None:
    return employments_for(actor).filter(person__user=actor, end_date__isnull=True).first()
