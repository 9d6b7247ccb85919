"""Reads of the Qinghai path (003): the institution's applications and exam plans, the
authority's social-insurance queue and plan reviews, each scoped to the acting user
(exam.policies.applications_visible, plans_visible): another tenant's id is a 404."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lms.models import Organisation, OrganisationKind, User

from .. import policies
from ..errors import ERRORS
from ..models import Application, ApplicationPath, ApplicationStatus, Exam, ExamPlan, ExamPlanStatus, Sitting
from ..rules import admission
from .applications import Question, eligibility_facts_many

S = ApplicationStatus
P = ExamPlanStatus


def institutions() -> QuerySet[Organisation]:
    """The training institutions a learner may choose."""
    return Organisation.objects.filter(kind=OrganisationKind.INSTITUTION).select_related("region").order_by("name", "pk")


def staff_institutions(actor: User) -> QuerySet[Organisation]:
    ids = policies.plan_institution_ids(actor)
    queryset = institutions()
    return queryset if ids is None else queryset.filter(pk__in=ids)


def institution_applications(actor: User, *, status: str = "") -> QuerySet[Application]:
    """The applications made to the actor's institutions (institution staff)."""
    ids = policies.plan_institution_ids(actor)
    queryset = Application.objects.filter(path=ApplicationPath.INSTITUTION)
    if ids is not None:
        queryset = queryset.filter(institution_id__in=ids)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("candidate", "credential", "enterprise", "institution", "plan").order_by("-submitted_at", "-id")


def insurance_queue(actor: User) -> QuerySet[Application]:
    """社保核查: institution-path applications accepted by the institution, in the reviewer's regions
    (the candidate's employer's region)."""
    if not policies.can_review_applications(actor):
        return Application.objects.none()
    paths = policies.reviewer_region_paths(actor)
    queryset = Application.objects.filter(path=ApplicationPath.INSTITUTION, status=S.INSTITUTION_ACCEPTED)
    if paths is not None:
        queryset = queryset.filter(policies.people.in_regions(paths, "region_path"))
    return queryset.select_related("candidate", "credential", "enterprise", "institution").order_by("accepted_at", "id")


def plans_for(actor: User, *, status: str = "") -> QuerySet[ExamPlan]:
    queryset = ExamPlan.objects.filter(policies.plans_visible(actor))
    if status:
        queryset = queryset.filter(status=status)
    return (
        queryset.select_related("institution", "exam__credential", "sitting")
        .annotate(candidates=Count("applications", filter=Q(applications__status__in=(S.PLANNED, S.APPROVED, S.PRINTED))))
        .order_by("-created_at", "-id")
    )


def plan_get(actor: User, pk: int) -> ExamPlan:
    plan = (
        ExamPlan.objects.filter(policies.plans_visible(actor), pk=pk)
        .select_related("institution__region", "exam__credential", "sitting", "decided_by")
        .first()
    )
    if plan is None:
        raise ERRORS.error("plan_not_found")
    return plan


def plan_applications(plan: ExamPlan) -> QuerySet[Application]:
    """The plan's candidates (those still in it, and those it approved)."""
    return (
        plan.applications.filter(status__in=(S.PLANNED, S.APPROVED, S.PRINTED))
        .select_related("candidate", "credential", "enterprise").order_by("pk")
    )


def plan_addable(plan: ExamPlan) -> QuerySet[Application]:
    """Applications the institution may still put in this plan: its own, of the plan's kind,
    insurance-checked and in no plan."""
    return (
        Application.objects.filter(
            path=ApplicationPath.INSTITUTION, institution_id=plan.institution_id, credential_id=plan.exam.credential_id,
            status=S.INSURANCE_CHECKED,
        ).select_related("candidate", "enterprise").order_by("accepted_at", "pk")
    )


def plan_exams() -> QuerySet[Exam]:
    return Exam.objects.select_related("credential").order_by("credential__code", "title", "pk")


def qinghai_counts(actor: User) -> dict[str, int]:
    """What waits on the Qinghai path for the actor (the home notices): the institution's new
    applications, those ready for a plan and its returned plans; the authority's insurance checks
    and plans to approve."""
    counts: dict[str, int] = {}
    if policies.is_institution_staff(actor):
        rows = institution_applications(actor).filter(status__in=(S.SUBMITTED, S.INSURANCE_CHECKED)).values("status").annotate(n=Count("id"))
        for row in rows:
            counts["institution_" + row["status"]] = row["n"]
        counts["plans_returned"] = plans_for(actor, status=P.RETURNED).filter(
            institution_id__in=staff_institutions(actor).values("pk")
        ).count()
    if policies.can_review_applications(actor):
        counts["insurance"] = insurance_queue(actor).count()
        counts["plans_submitted"] = ExamPlan.objects.filter(policies.plans_visible(actor), status=P.SUBMITTED).filter(
            _reviewed_regions(actor)
        ).count()
    return counts


def _reviewed_regions(actor: User) -> Q:
    paths = policies.reviewer_region_paths(actor)
    return Q() if paths is None else policies.people.in_regions(paths, "region_path")


def plan_sitting(plan: ExamPlan, authority: Organisation, *, capacity: int) -> Sitting:
    """The sitting the plan's approval creates (unsaved): held by the authority, the institution
    set, closed to applications, a seat for each candidate."""
    return Sitting(
        exam=plan.exam, authority=authority, institution=plan.institution, venue=plan.venue,
        starts_at=plan.starts_at, ends_at=plan.ends_at, open_for_applications=False, capacity=capacity,
    )


def plan_eligibility(actor: User, plan: ExamPlan, applications: list[Application], *, today: datetime.date | None = None) -> dict[int, list[str]]:
    """For the reviewer of a submitted plan: each candidate's failed admission rules (in the user's
    language) against the sitting the approval would create, as exam_plan_decide will check them,
    so the reviewer can refuse the ineligible candidate before approving. {} with no authority."""
    authority = policies.plan_authority(actor, plan.region_path)
    if authority is None or not applications:
        return {}
    today = today or timezone.localdate()
    sitting = plan_sitting(plan, authority, capacity=len(applications))
    questions = [Question(a.candidate, a.credential, a.enterprise, sitting, exclude_id=a.pk) for a in applications]
    found = {}
    for application, facts in zip(applications, eligibility_facts_many(questions, today=today)):
        failed = admission.failures(facts, today)
        if failed:
            found[application.pk] = [ERRORS.message(failure.code, **failure.params) for failure in failed]
    return found
