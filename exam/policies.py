"""Who may watch and proctor a sitting. One place, used by the selectors, the services and the
consumers alike.

- Proctors and reviewers of the sitting's authority, and reviewers of an authority above it (a
  province over its cities), proctor it: they see the live dashboard, warn, confirm identities and
  terminate attempts.
- Proctors of the sitting's institution proctor it too.
- Staff of the sitting's institution see its results, not the dashboard.
- Only reviewers of the sitting's own authority issue certificates from its results (the rule of
  `hours.services.certificates.certificates_issue`).
"""

from django.db.models import Q

from lms.models import Organisation, Role, User
from lms.policies import roles_of

from .models import Sitting


def _authority_paths(actor: User, roles: tuple[str, ...]) -> list[str]:
    ids = set().union(*(roles_of(actor).organisation_ids(role) for role in roles))
    if not ids:
        return []
    return list(Organisation.objects.filter(pk__in=ids, kind="authority").values_list("region__path", flat=True))


def _under(paths: list[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(authority__region__path__startswith=path)
    return condition


def proctored_sittings(actor: User) -> Q:
    """A filter on Sitting: the sittings the actor proctors."""
    roles = roles_of(actor)
    if roles.is_superuser:
        return Q()
    condition = _under(_authority_paths(actor, (Role.AUTHORITY_REVIEWER, Role.PROCTOR)))
    institution_proctor = roles.organisation_ids(Role.PROCTOR)
    if institution_proctor:
        condition |= Q(institution_id__in=institution_proctor)
    return condition


def watched_sittings(actor: User) -> Q:
    """A filter on Sitting: the sittings whose results the actor sees."""
    roles = roles_of(actor)
    if roles.is_superuser:
        return Q()
    condition = proctored_sittings(actor)
    staff = roles.organisation_ids(Role.INSTITUTION_STAFF)
    if staff:
        condition |= Q(institution_id__in=staff)
    return condition


def can_proctor(actor: User, sitting: Sitting) -> bool:
    return Sitting.objects.filter(proctored_sittings(actor), pk=sitting.pk).exists()


def can_watch(actor: User, sitting: Sitting) -> bool:
    return Sitting.objects.filter(watched_sittings(actor), pk=sitting.pk).exists()


def can_issue_certificates(actor: User, sitting: Sitting) -> bool:
    """Whether the results page offers to issue certificates: the sitting's proctors who are also
    reviewers of its authority (certificates_issue refuses anyone else)."""
    roles = roles_of(actor)
    if sitting.authority_id is None or not can_proctor(actor, sitting):
        return False
    return roles.is_superuser or sitting.authority_id in roles.organisation_ids(Role.AUTHORITY_REVIEWER)
