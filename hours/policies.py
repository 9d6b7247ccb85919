"""Who may see or do what in the learning record: hours, batches, certificates, the dashboard.

- A learner sees their own courses, hours and certificates.
- An enterprise administrator assigns courses to its current employees and sees their standing.
- Institution staff upload offline training batches for their institution and see them.
- An authority reviewer sees and decides the batches of its regions, adjusts the hours of the
  people it oversees, issues certificates for its own authority, decides extension requests and
  sees every certificate issued in its regions (lms.policies defines region coverage).
- A superuser may do all of it.
"""

from django.db.models import Q, QuerySet

from lms import policies as people
from lms.models import Organisation, OrganisationKind, Person, Role, User

from .models import (
    BatchStatus,
    Certificate,
    Enrolment,
    ExtensionRequest,
    LegacyHolding,
    OfflineBatch,
    PassList,
)

# Hours -------------------------------------------------------------------------------------------


def can_adjust_hours(actor: User) -> bool:
    """Authority reviewers (and superusers) correct hours, of the people they oversee only."""
    return people.is_reviewer(actor)


def adjustable_people(actor: User) -> QuerySet[Person]:
    if not can_adjust_hours(actor):
        return Person.objects.none()
    return people.people_overseen(actor)


def can_assign_courses(actor: User, enterprise: Organisation) -> bool:
    return people.can_manage_employees(actor, enterprise)


# Offline training batches ------------------------------------------------------------------------


def uploading_institutions(actor: User) -> QuerySet[Organisation]:
    """The institutions whose batches the actor may upload."""
    institutions = Organisation.objects.filter(kind=OrganisationKind.INSTITUTION)
    if people.is_superuser(actor):
        return institutions
    return institutions.filter(pk__in=people.member_ids(actor, Role.INSTITUTION_STAFF))


def can_upload_batches(actor: User) -> bool:
    return people.is_superuser(actor) or people.holds(actor, Role.INSTITUTION_STAFF)


def batches_visible(actor: User) -> QuerySet[OfflineBatch]:
    """An institution's staff see their institution's batches, an authority those of its regions."""
    if people.is_superuser(actor):
        return OfflineBatch.objects.all()
    condition = Q(institution_id__in=people.member_ids(actor, Role.INSTITUTION_STAFF)) | people.in_regions(
        people.region_paths(actor), "region__path"
    )
    return OfflineBatch.objects.filter(condition)


def can_decide_batch(actor: User, batch: OfflineBatch) -> bool:
    """A reviewer whose authority covers the batch's region, while the batch waits for a decision."""
    return batch.status == BatchStatus.SUBMITTED and people.covers_region(actor, batch.region.path)


def covers_batch_region(actor: User, region_path: str) -> bool:
    return people.covers_region(actor, region_path)


def can_see_batches(actor: User) -> bool:
    return people.is_reviewer(actor) or people.holds(actor, Role.INSTITUTION_STAFF)


# Certificates ------------------------------------------------------------------------------------


def _issued_in_regions(actor: User, prefix: str = "") -> Q:
    return people.in_regions(people.region_paths(actor), f"{prefix}authority__region__path")


def certificates_managed(actor: User) -> QuerySet[Certificate]:
    """Certificates issued by authorities in the actor's regions (all, for a superuser): those an
    authority lists, revokes and reviews."""
    if people.is_superuser(actor):
        return Certificate.objects.all()
    return Certificate.objects.filter(_issued_in_regions(actor))


def certificates_visible(actor: User) -> QuerySet[Certificate]:
    """What the actor may open (the PDF, the 学时证明): their own certificates, those managed by
    their authorities, and those of the current employees of the enterprises they administer, the
    same certificates as their 证书管理 list (enterprise_certificates)."""
    if people.is_superuser(actor):
        return Certificate.objects.all()
    condition = _issued_in_regions(actor)
    if institution_ids := people.member_ids(actor, Role.INSTITUTION_STAFF):
        # The certificates an institution issued under its own seal (hours.CreditScheme.issued_by).
        condition |= Q(institution_id__in=institution_ids)
    if people.is_learner(actor):
        condition |= Q(holder__user=actor)
    if enterprise_ids := people.member_ids(actor, Role.ENTERPRISE_ADMIN):
        employed = Certificate.objects.filter(
            holder__employments__enterprise_id__in=enterprise_ids, holder__employments__end_date__isnull=True
        )
        condition |= Q(pk__in=employed.values("pk"))
    return Certificate.objects.filter(condition)


def certificates_counted(actor: User) -> QuerySet[Certificate]:
    """Whose certificates the actor may count on the hours dashboard: an authority everyone it
    oversees, an enterprise its current employees, a learner their own, a superuser everyone."""
    if people.is_superuser(actor):
        return Certificate.objects.all()
    conditions = [Q(holder__in=people.people_overseen(actor).values("pk"))]
    if enterprise_ids := people.member_ids(actor, Role.ENTERPRISE_ADMIN):
        conditions.append(
            Q(holder__employments__enterprise_id__in=enterprise_ids, holder__employments__end_date__isnull=True)
        )
    if people.is_learner(actor):
        conditions.append(Q(holder__user=actor))
    return Certificate.objects.filter(people.any_of(conditions)).distinct()


def people_counted(actor: User) -> QuerySet[Person]:
    """Whose hours the actor may count on the dashboard, certificate or not: an authority everyone
    it oversees, an enterprise its current employees, a superuser everyone (as certificates_counted)."""
    if people.is_superuser(actor):
        return Person.objects.all()
    conditions = [Q(pk__in=people.people_overseen(actor).values("pk"))]
    if enterprise_ids := people.member_ids(actor, Role.ENTERPRISE_ADMIN):
        conditions.append(Q(employments__enterprise_id__in=enterprise_ids, employments__end_date__isnull=True))
    return Person.objects.filter(people.any_of(conditions)).distinct()


def can_see_dashboard(actor: User) -> bool:
    """The dashboard is the working side's, each seeing what it counts (certificates_counted);
    learners see their own standing on 我的学时."""
    return people.can_see_people_lists(actor)


def can_manage_certificates(actor: User) -> bool:
    """Lists, issues, revokes certificates and decides extensions: authority reviewers."""
    return people.is_reviewer(actor)


def issuing_authorities(actor: User) -> QuerySet[Organisation]:
    """The authorities on whose behalf the actor may issue certificates: those they review for."""
    queryset = Organisation.objects.filter(kind=OrganisationKind.AUTHORITY)
    if people.is_superuser(actor):
        return queryset
    return queryset.filter(pk__in=people.member_ids(actor, Role.AUTHORITY_REVIEWER))


def can_issue_for(actor: User, authority: Organisation) -> bool:
    return issuing_authorities(actor).filter(pk=authority.pk).exists()


def can_manage_certificate(actor: User, certificate: Certificate) -> bool:
    """Revoke, extend: a reviewer whose authority covers the issuing authority's region."""
    return people.covers(actor, certificate.authority)


def extension_requests_managed(actor: User) -> QuerySet[ExtensionRequest]:
    if people.is_superuser(actor):
        return ExtensionRequest.objects.all()
    return ExtensionRequest.objects.filter(_issued_in_regions(actor, "certificate__"))


def people_issuable_by(authority: Organisation) -> Q:
    """The people an authority may certify: those employed or working in its regions."""
    return Q(pk__in=people.people_in_region(authority.region.path).values("pk"))


def is_enrolled_in_any(actor: User, course_ids: list[int]) -> bool:
    """Whether the actor is enrolled in one of these courses (who may fetch their lessons' media)."""
    person = getattr(actor, "person", None)
    if person is None or not course_ids:
        return False
    return Enrolment.objects.filter(person=person, course_id__in=course_ids).exists()
# Pass lists --------------------------------------------------------------------------------------


def pass_lists_visible(actor: User) -> QuerySet[PassList]:
    """The lists compiled by authorities in the actor's regions: the city's own, and every city's
    for its province (all, for a superuser); and, for a training institution's staff, the lists of
    the sittings their institution organised (PassList.institution)."""
    if people.is_superuser(actor):
        return PassList.objects.all()
    condition = _issued_in_regions(actor)
    if institution_ids := people.member_ids(actor, Role.INSTITUTION_STAFF):
        condition |= Q(institution_id__in=institution_ids)
    return PassList.objects.filter(condition)


def can_see_pass_lists(actor: User) -> bool:
    """Reviewers, and institution staff (their institution's lists only)."""
    return people.is_reviewer(actor) or people.holds(actor, Role.INSTITUTION_STAFF)


def can_issue_as_institution(actor: User, pass_list: PassList) -> bool:
    """The staff of the institution whose candidates sat (`PassList.institution`) issue the
    certificates its scheme says the institution issues (notice 003). Authority reviewers and other
    institutions do not; a superuser may."""
    if pass_list.institution_id is None:
        return False
    return people.is_superuser(actor) or pass_list.institution_id in people.member_ids(actor, Role.INSTITUTION_STAFF)


def can_confirm_pass_list(actor: User, pass_list: PassList) -> bool:
    """The province confirms (省厅确认): a reviewer of an authority whose region lies strictly above
    the compiling authority's (a city never confirms its own list)."""
    if people.is_superuser(actor):
        return True
    path = pass_list.authority.region.path
    return any(path.startswith(own) and path != own for own in people.region_paths(actor))


# The enterprise's certificates (证书管理) --------------------------------------------------------


def enterprise_certificates(actor: User, enterprise: Organisation) -> QuerySet[Certificate]:
    """The certificates of an enterprise's current employees, for its administrators."""
    if not people.can_manage_employees(actor, enterprise):
        return Certificate.objects.none()
    return Certificate.objects.filter(
        holder__employments__enterprise=enterprise, holder__employments__end_date__isnull=True
    ).distinct()


def can_apply_extension_for(actor: User, certificate: Certificate) -> bool:
    """An administrator of an enterprise that currently employs the holder."""
    return any(
        certificate.holder.employments.filter(enterprise=enterprise, end_date__isnull=True).exists()
        for enterprise in people.administered_enterprises(actor)
    )


# Old certificates (原持证人员信息备案) and their exchange (换证) ---------------------------------


def can_register_legacy(actor: User, enterprise: Organisation) -> bool:
    """An enterprise's administrators register the old certificates of its current employees."""
    return people.can_manage_employees(actor, enterprise)


def enterprise_legacy_holdings(actor: User, enterprise: Organisation) -> QuerySet[LegacyHolding]:
    """The old certificates an enterprise registered, for its administrators; nothing for others."""
    if not can_register_legacy(actor, enterprise):
        return LegacyHolding.objects.none()
    return LegacyHolding.objects.filter(enterprise=enterprise)


def legacy_holdings_reviewed(actor: User) -> QuerySet[LegacyHolding]:
    """The old certificates registered by enterprises of the regions the actor reviews (every one,
    for a superuser): those they confirm or reject."""
    if not people.is_reviewer(actor):
        return LegacyHolding.objects.none()
    return LegacyHolding.objects.filter(people.reviewer_region_scope(actor, "enterprise__region__path"))


def can_decide_legacy(actor: User, holding: LegacyHolding) -> bool:
    """A reviewer of an authority covering the registering enterprise's region."""
    return people.covers_region(actor, holding.enterprise.region.path)


def legacy_confirming_authority(actor: User, holding: LegacyHolding) -> Organisation | None:
    """The authority a confirmation is made for (and that issues the electronic certificate): of
    the authorities covering the enterprise's region in which the actor reviews (any, for a
    superuser), the nearest one."""
    queryset = Organisation.objects.filter(kind=OrganisationKind.AUTHORITY).select_related("region")
    if not people.is_superuser(actor):
        queryset = queryset.filter(pk__in=people.member_ids(actor, Role.AUTHORITY_REVIEWER))
    path = holding.enterprise.region.path
    covering = [authority for authority in queryset if path.startswith(authority.region.path)]
    return max(covering, key=lambda authority: len(authority.region.path), default=None)


def legacy_holdings_own(actor: User) -> QuerySet[LegacyHolding]:
    """A holder's own old certificates: only they exchange them."""
    if not people.is_learner(actor):
        return LegacyHolding.objects.none()
    return LegacyHolding.objects.filter(person__user=actor)
