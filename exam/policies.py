"""Who may see or do what in exams. One place, used by the selectors, the services, the views and
the consumers alike.

- Question banks and exams belong to a credential, not to a tenant: every authority reviewer (and
  superuser) manages them; nobody else sees them.
- The reviewers of a sitting's authority schedule and change it and manage its candidates.
- Proctors and reviewers of the sitting's authority, and reviewers of an authority above it (a
  province over its cities), proctor it: they see the live board, warn, confirm identities and
  terminate attempts. Proctors of the sitting's institution proctor it too.
- Staff of the sitting's institution see its results, not the board.
- Only reviewers of the sitting's own authority issue certificates from its results (the rule of
  hours.services.certificates.certificates_issue).
"""

from django.db.models import Q, QuerySet

from lms import policies as people
from lms.models import Organisation, OrganisationKind, Role, User

from .models import Application, ApplicationPath, ExamPlan, Sitting

# Banks and exams ---------------------------------------------------------------------------------


def can_manage_exams(actor: User) -> bool:
    return people.is_reviewer(actor)


def can_manage_bank(actor: User) -> bool:
    return people.is_reviewer(actor)


# Scheduling --------------------------------------------------------------------------------------


def managed_authority_ids(actor: User) -> frozenset[int] | None:
    """The authorities whose sittings the actor schedules; None means every one (a superuser)."""
    if people.is_superuser(actor):
        return None
    return people.member_ids(actor, Role.AUTHORITY_REVIEWER)


def can_manage_sittings_of(actor: User, authority_id: int) -> bool:
    ids = managed_authority_ids(actor)
    return ids is None or authority_id in ids


def can_manage_sitting(actor: User, sitting: Sitting) -> bool:
    return can_manage_sittings_of(actor, sitting.authority_id)


def scheduling_authorities(actor: User) -> QuerySet[Organisation]:
    """The authorities the actor schedules sittings for."""
    authorities = Organisation.objects.filter(kind=OrganisationKind.AUTHORITY)
    ids = managed_authority_ids(actor)
    return authorities if ids is None else authorities.filter(pk__in=ids)


def scheduling_institutions(actor: User) -> QuerySet[Organisation]:
    """The institutions in the regions of those authorities."""
    institutions = Organisation.objects.filter(kind=OrganisationKind.INSTITUTION)
    if managed_authority_ids(actor) is None:
        return institutions
    paths = list(scheduling_authorities(actor).values_list("region__path", flat=True))
    return institutions.filter(people.in_regions(paths, "region__path"))


# Watching and proctoring -------------------------------------------------------------------------


def can_see_sittings(actor: User) -> bool:
    return people.is_superuser(actor) or any(
        people.holds(actor, role) for role in (Role.AUTHORITY_REVIEWER, Role.PROCTOR, Role.INSTITUTION_STAFF)
    )


def proctored_sittings(actor: User) -> Q:
    """A filter on Sitting: the sittings the actor proctors."""
    if people.is_superuser(actor):
        return Q()
    paths = people.region_paths(actor, (Role.AUTHORITY_REVIEWER, Role.PROCTOR))
    condition = people.in_regions(paths, "authority__region__path")
    if institution_proctor := people.member_ids(actor, Role.PROCTOR):
        condition |= Q(institution_id__in=institution_proctor)
    return condition


def watched_sittings(actor: User) -> Q:
    """A filter on Sitting: the sittings whose results the actor sees."""
    if people.is_superuser(actor):
        return Q()
    condition = proctored_sittings(actor)
    if staff := people.member_ids(actor, Role.INSTITUTION_STAFF):
        condition |= Q(institution_id__in=staff)
    return condition


def can_proctor(actor: User, sitting: Sitting) -> bool:
    return Sitting.objects.filter(proctored_sittings(actor), pk=sitting.pk).exists()


def can_issue_certificates(actor: User, sitting: Sitting) -> bool:
    """Whether the results page offers to issue certificates: the sitting's proctors who are also
    reviewers of its authority (certificates_issue refuses anyone else)."""
    if sitting.authority_id is None or not can_proctor(actor, sitting):
        return False
    return people.is_superuser(actor) or sitting.authority_id in people.member_ids(actor, Role.AUTHORITY_REVIEWER)


# Applications (报名) -----------------------------------------------------------------------------


def applications_visible(actor: User) -> Q:
    """A filter on Application: a candidate sees their own; an enterprise its employees' (those made
    through it); an authority its regions'; a superuser all."""
    if people.is_superuser(actor):
        return Q()
    conditions: list[Q] = []
    if people.is_learner(actor):
        conditions.append(Q(candidate__user=actor))
    if enterprise_ids := people.member_ids(actor, Role.ENTERPRISE_ADMIN):
        conditions.append(Q(enterprise_id__in=enterprise_ids))
    if institution_ids := people.member_ids(actor, Role.INSTITUTION_STAFF):
        conditions.append(Q(institution_id__in=institution_ids))
    if paths := people.region_paths(actor):
        conditions.append(people.in_regions(paths, "region_path"))
    return people.any_of(conditions)


def can_verify_application(actor: User, application: Application) -> bool:
    """The administrators of the enterprise the application was made through (Guangdong only: on
    the institution path the enterprise sees the application but does not verify it)."""
    if application.enterprise_id is None or application.path != ApplicationPath.ENTERPRISE:
        return False
    return people.is_superuser(actor) or application.enterprise_id in people.member_ids(actor, Role.ENTERPRISE_ADMIN)


def can_review_application(actor: User, application: Application) -> bool:
    """Reviewers of an authority covering the application's region."""
    return people.covers_region(actor, application.region_path)


def can_accept_application(actor: User, application: Application) -> bool:
    """The staff of the training institution the candidate applied to (Qinghai)."""
    if application.institution_id is None:
        return False
    return people.is_superuser(actor) or application.institution_id in people.member_ids(actor, Role.INSTITUTION_STAFF)


def is_institution_staff(actor: User) -> bool:
    return people.is_superuser(actor) or people.holds(actor, Role.INSTITUTION_STAFF)


def plan_institution_ids(actor: User) -> frozenset[int] | None:
    """The institutions whose exam plans the actor makes; None means every one (a superuser)."""
    return None if people.is_superuser(actor) else people.member_ids(actor, Role.INSTITUTION_STAFF)


def plans_visible(actor: User) -> Q:
    """A filter on ExamPlan: an institution's staff its own; an authority the plans of institutions
    in its regions (by the plan's region_path); a superuser all. Learners see none."""
    if people.is_superuser(actor):
        return Q()
    conditions: list[Q] = []
    if institution_ids := people.member_ids(actor, Role.INSTITUTION_STAFF):
        conditions.append(Q(institution_id__in=institution_ids))
    if paths := people.region_paths(actor):
        conditions.append(people.in_regions(paths, "region_path"))
    return people.any_of(conditions)


def can_edit_plan(actor: User, plan: ExamPlan) -> bool:
    ids = plan_institution_ids(actor)
    return ids is None or plan.institution_id in ids


def can_decide_plan(actor: User, plan: ExamPlan) -> bool:
    """Reviewers of an authority covering the institution's region (the plan's region_path)."""
    return people.covers_region(actor, plan.region_path)


def plan_authority(actor: User, region_path: str) -> Organisation | None:
    """The authority a plan's sitting is held by: of the authorities whose reviewer the actor is
    (any, for a superuser) and whose region covers the institution's, the closest (the deepest
    region: the city's before the province's)."""
    authorities = Organisation.objects.filter(kind=OrganisationKind.AUTHORITY).select_related("region")
    if not people.is_superuser(actor):
        authorities = authorities.filter(pk__in=people.member_ids(actor, Role.AUTHORITY_REVIEWER))
    covering = [a for a in authorities if region_path.startswith(a.region.path)]
    return max(covering, key=lambda a: (len(a.region.path), -a.pk), default=None)


def can_review_applications(actor: User) -> bool:
    return people.is_reviewer(actor)


def can_verify_applications(actor: User) -> bool:
    return people.is_superuser(actor) or people.holds(actor, Role.ENTERPRISE_ADMIN)


def reviewer_region_paths(actor: User) -> list[str] | None:
    """None for a superuser (every region)."""
    return None if people.is_superuser(actor) else people.region_paths(actor)
# The audit portal ----------------------------------------------------------------------------------
# Authority reviewers (and superusers) only: never employers, institutions or proctors. What a
# reviewer sees in it is scoped to the people and organisations of their regions
# (lms.policies.people_overseen, covers); anything else is not found.


def can_audit(actor: User) -> bool:
    return people.is_superuser(actor) or people.holds(actor, Role.AUTHORITY_REVIEWER)


def audited_sittings(actor: User) -> Q:
    """A filter on Sitting: those of authorities in the reviewer's regions."""
    if people.is_superuser(actor):
        return Q()
    return people.in_regions(people.region_paths(actor), "authority__region__path")


def audited_organisations(actor: User) -> Q:
    """A filter on Organisation: the enterprises and institutions of the reviewer's regions."""
    return people.reviewer_region_scope(actor, "region__path")
