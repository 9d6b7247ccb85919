"""Reads of the home page: counts over what the user may see, and their memberships."""

from django.db.models import QuerySet

from ..models import Membership, OrganisationKind, Role, User
from ..policies import (
    holds,
    is_superuser,
    member_ids,
    organisations_visible,
    people_visible,
)


def dashboard_figures(actor: User) -> dict[str, int]:
    """Counts for the home page, each over what the user may see."""
    figures: dict[str, int] = {}
    reviewer = holds(actor, Role.AUTHORITY_REVIEWER) or is_superuser(actor)
    if holds(actor, Role.ENTERPRISE_ADMIN) or reviewer:
        figures["people"] = people_visible(actor).count()
    if reviewer:
        visible = organisations_visible(actor)
        figures["enterprises"] = visible.filter(kind=OrganisationKind.ENTERPRISE).count()
        figures["institutions"] = visible.filter(kind=OrganisationKind.INSTITUTION).count()
    if holds(actor, Role.INSTITUTION_STAFF):
        figures["staff"] = (
            Membership.objects.filter(organisation_id__in=member_ids(actor, Role.INSTITUTION_STAFF))
            .values("user")
            .distinct()
            .count()
        )
    return figures


def memberships_of(actor: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=actor).select_related("organisation__region")
