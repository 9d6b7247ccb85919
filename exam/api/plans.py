"""API of exam plans (考试计划, Qinghai, notice 003), the same moves as the pages
(exam.web.views.plans) through the same services: the institution makes, changes, fills and
submits a plan; the authority refuses an ineligible candidate, approves (the sitting is created)
or returns it. Another institution's or region's plan is a 404 `plan_not_found`."""

import datetime

from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from kernel.api import ERROR_RESPONSES
from kernel.errors import NotFoundError

from .. import policies
from ..models import Exam, ExamPlanStatus
from ..selectors import plans as plan_reads
from ..services import plans as plan_services

router = Router(tags=["exam plans"])
P = ExamPlanStatus


class PlanCandidateOut(Schema):
    application_id: int
    candidate_name: str
    masked_id_number: str
    enterprise_name: str | None
    status: str
    seat: int | None
    # For the plan's reviewer while it is submitted: the admission rules this candidate fails now.
    ineligible: list[str]


class PlanOut(Schema):
    id: int
    status: str
    status_label: str
    institution_id: int
    institution_name: str
    exam_id: int
    credential_code: str
    venue: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    reason: str
    sitting_id: int | None
    submitted_at: datetime.datetime | None
    decided_at: datetime.datetime | None

    @staticmethod
    def resolve_status_label(plan) -> str:
        return str(plan.get_status_display())

    @staticmethod
    def resolve_institution_name(plan) -> str:
        return plan.institution.name

    @staticmethod
    def resolve_credential_code(plan) -> str:
        return plan.exam.credential.code


class PlanDetailOut(PlanOut):
    candidates: list[PlanCandidateOut]


class PlanIn(Schema):
    exam_id: int
    venue: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime


class PlanNewIn(PlanIn):
    institution_id: int


class IdsIn(Schema):
    ids: list[int]


class RefuseIn(Schema):
    application_id: int
    reason: str = ""


class PlanDecideIn(Schema):
    approve: bool
    reason: str = ""


def _detail(request, plan_id: int):
    """The plan as the user may see it, with its candidates (PlanDetailOut)."""
    plan = plan_reads.plan_get(request.user, plan_id)
    applications = list(plan_reads.plan_applications(plan))
    reviewing = plan.status == P.SUBMITTED and policies.can_decide_plan(request.user, plan)
    ineligible = plan_reads.plan_eligibility(request.user, plan, applications) if reviewing else {}
    plan.candidates = [
        {
            "application_id": a.pk, "candidate_name": a.candidate.real_name,
            "masked_id_number": a.candidate.masked_id_number,
            "enterprise_name": a.enterprise.name if a.enterprise_id else None,
            "status": a.status, "seat": a.seat, "ineligible": [str(m) for m in ineligible.get(a.pk, [])],
        }
        for a in applications
    ]
    return plan


def _exam(exam_id: int) -> Exam | None:
    return Exam.objects.filter(pk=exam_id).select_related("credential").first()


@router.get("/exam/plans", response=list[PlanOut], summary=_("Exam plans"))
@paginate(LimitOffsetPagination)
def plan_list(request, status: str = ""):
    return plan_reads.plans_for(request.user, status=status if status in P.values else "")


@router.get("/exam/plans/{int:plan_id}", response={200: PlanDetailOut, **ERROR_RESPONSES}, summary=_("An exam plan and its candidates"))
def plan_detail(request, plan_id: int):
    return _detail(request, plan_id)


@router.post("/exam/plans", response={201: PlanDetailOut, **ERROR_RESPONSES}, summary=_("Make an exam plan (the institution)"))
def plan_new(request, payload: PlanNewIn):
    institution = plan_reads.staff_institutions(request.user).filter(pk=payload.institution_id).first()
    if institution is None:
        raise NotFoundError.default()
    plan = plan_services.exam_plan_save(
        actor=request.user, institution=institution, exam=_exam(payload.exam_id), venue=payload.venue,
        starts_at=payload.starts_at, ends_at=payload.ends_at,
    )
    return Status(201, _detail(request, plan.pk))


@router.post("/exam/plans/{int:plan_id}", response={200: PlanDetailOut, **ERROR_RESPONSES}, summary=_("Change a draft or returned plan"))
def plan_save(request, plan_id: int, payload: PlanIn):
    plan = plan_reads.plan_get(request.user, plan_id)
    plan_services.exam_plan_save(
        actor=request.user, plan=plan, exam=_exam(payload.exam_id), venue=payload.venue,
        starts_at=payload.starts_at, ends_at=payload.ends_at,
    )
    return _detail(request, plan_id)


@router.post("/exam/plans/{int:plan_id}/candidates", response={200: PlanDetailOut, **ERROR_RESPONSES}, summary=_("Put candidates in a plan"))
def plan_add(request, plan_id: int, payload: IdsIn):
    plan_services.exam_plan_add(actor=request.user, plan=plan_reads.plan_get(request.user, plan_id), application_ids=payload.ids)
    return _detail(request, plan_id)


@router.post(
    "/exam/plans/{int:plan_id}/candidates/{int:application_id}/remove",
    response={200: PlanDetailOut, **ERROR_RESPONSES}, summary=_("Take a candidate out of a plan"),
)
def plan_remove(request, plan_id: int, application_id: int):
    plan_services.exam_plan_remove(actor=request.user, plan=plan_reads.plan_get(request.user, plan_id), application_id=application_id)
    return _detail(request, plan_id)


@router.post("/exam/plans/{int:plan_id}/submit", response={200: PlanDetailOut, **ERROR_RESPONSES}, summary=_("Submit a plan to the authority"))
def plan_submit(request, plan_id: int):
    plan_services.exam_plan_submit(actor=request.user, plan=plan_reads.plan_get(request.user, plan_id))
    return _detail(request, plan_id)


@router.post("/exam/plans/{int:plan_id}/refuse", response={200: PlanDetailOut, **ERROR_RESPONSES}, summary=_("Refuse one candidate of a submitted plan"))
def plan_refuse(request, plan_id: int, payload: RefuseIn):
    plan_services.exam_plan_refuse_candidate(
        actor=request.user, plan=plan_reads.plan_get(request.user, plan_id), application_id=payload.application_id,
        reason=payload.reason,
    )
    return _detail(request, plan_id)


@router.post("/exam/plans/{int:plan_id}/decide", response={200: PlanDetailOut, **ERROR_RESPONSES}, summary=_("Approve or return a plan"))
def plan_decide(request, plan_id: int, payload: PlanDecideIn):
    plan_services.exam_plan_decide(
        actor=request.user, plan=plan_reads.plan_get(request.user, plan_id), approve=payload.approve, reason=payload.reason
    )
    return _detail(request, plan_id)
