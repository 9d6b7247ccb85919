"""Writes of exam plans (考试计划, Qinghai, notice 003): the institution makes a plan (exam, venue,
time), puts in it the applications it accepted whose social insurance an authority has checked,
and submits it; an authority covering the institution's region approves it (creating the sitting
and approving every application of the plan, seat and ticket, in one transaction) or returns it
with a reason, after which the institution may change it and submit it again.

`exam_plan_transition` is the one function that changes a plan's status (locks the row, checks
EXAM_PLAN_MACHINE, stamps the time, writes the audit row, logs after commit). The applications'
moves go through exam.services.applications.applications_transition."""

import datetime
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from kernel import audit
from kernel.audit import AuditEventType
from kernel.events import after_commit
from kernel.reasons import reason_clean
from lms.models import Organisation, OrganisationKind, User

from .. import policies
from ..errors import ERRORS
from ..models import (
    EXAM_PLAN_MACHINE,
    Application,
    ApplicationPath,
    ApplicationStatus,
    Exam,
    ExamPlan,
    ExamPlanStatus,
)
from ..rules import admission
from ..selectors import applications as reads
from ..selectors import plans as plan_reads
from .applications import _failures_error, application_transition, applications_transition
from .exams import raise_if_bank_too_small
from .papers import exam_requirements

log = logging.getLogger(__name__)
S = ApplicationStatus
P = ExamPlanStatus
MAX_VENUE = 200
MAX_PLAN = 1000


# The one transition function --------------------------------------------------------------------


def exam_plan_transition(
    *,
    plan: ExamPlan,
    to: str,
    actor: User | None,
    reason: str = "",
    changes: dict | None = None,
    now: datetime.datetime | None = None,
) -> ExamPlan:
    """Move a plan: the one place its status changes. Must run inside the caller's transaction."""
    now = now or timezone.now()
    row = ExamPlan.objects.select_for_update().get(pk=plan.pk)
    source = row.status
    EXAM_PLAN_MACHINE.check(source, to)
    for name, value in (changes or {}).items():
        setattr(row, name, value)
    if to == P.SUBMITTED:
        row.submitted_at, row.reason = now, ""
    elif to in (P.APPROVED, P.RETURNED):
        row.decided_at, row.decided_by, row.reason = now, actor, reason
    row.status = to
    row.save()
    audit.record(
        event_type=AuditEventType.STATUS_CHANGED, target=row, actor=actor, old_state=source, new_state=to,
        extra={"reason": reason, "sitting": row.sitting_id}, now=now,
    )
    after_commit(lambda: log.info("exam plan %s: %s -> %s by user %s", row.pk, source, to, getattr(actor, "pk", None)))
    plan.status = row.status
    return row


# The institution --------------------------------------------------------------------------------


def _clean_plan(*, exam: Exam | None, venue: str, starts_at, ends_at, now: datetime.datetime) -> str:
    if exam is None:
        raise ERRORS.error("plan_exam_invalid", field="exam")
    venue = (venue or "").strip()
    if not venue:
        raise ERRORS.error("plan_venue_required", field="venue")
    if len(venue) > MAX_VENUE:
        raise ERRORS.error("venue_too_long", field="venue", count=MAX_VENUE)
    if starts_at is None or ends_at is None:
        raise ERRORS.error("plan_time_invalid", field="starts_at")
    if ends_at <= starts_at:
        raise ERRORS.error("sitting_window_invalid", field="ends_at")
    if ends_at - starts_at < datetime.timedelta(minutes=exam.duration_minutes):
        raise ERRORS.error("sitting_window_too_short", field="ends_at", minutes=exam.duration_minutes)
    if starts_at <= now:
        raise ERRORS.error("plan_in_past", field="starts_at")
    _check_sittable(exam)
    return venue


def _check_sittable(exam: Exam) -> None:
    """The exam can be drawn for its sitting: a blueprint, and a bank large enough for it (the
    rules of sitting_create)."""
    requirements = exam_requirements(exam)
    if not requirements:
        raise ERRORS.error("blueprint_empty", field="exam")
    raise_if_bank_too_small(exam.credential_id, requirements)


def _require_editor(actor: User, plan: ExamPlan) -> None:
    if not policies.can_edit_plan(actor, plan):
        raise ERRORS.error("not_plan_institution")
    if not plan.editable:
        raise ERRORS.error("plan_not_editable")


def exam_plan_save(
    *,
    actor: User,
    institution: Organisation | None = None,
    plan: ExamPlan | None = None,
    exam: Exam | None,
    venue: str,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> ExamPlan:
    """Make a draft plan for `institution`, or change a draft or returned `plan` (its exam kind
    only while it has no candidates). Refused, writing nothing: institution_invalid,
    not_plan_institution (403), plan_not_editable, plan_exam_invalid, plan_venue_required,
    venue_too_long, plan_time_invalid, sitting_window_invalid, sitting_window_too_short,
    plan_in_past, blueprint_empty, bank_too_small, plan_application_invalid (a new kind while
    candidates are in)."""
    now = now or timezone.now()
    venue = _clean_plan(exam=exam, venue=venue, starts_at=starts_at, ends_at=ends_at, now=now)
    with transaction.atomic():
        if plan is None:
            if institution is None or institution.kind != OrganisationKind.INSTITUTION:
                raise ERRORS.error("institution_invalid", field="institution")
            ids = policies.plan_institution_ids(actor)
            if ids is not None and institution.pk not in ids:
                raise ERRORS.error("not_plan_institution")
            plan = ExamPlan.objects.create(
                institution=institution, exam=exam, region_path=institution.region.path, venue=venue,
                starts_at=starts_at, ends_at=ends_at, created_by=actor,
            )
            audit.record(
                event_type=AuditEventType.CREATED, target=plan, actor=actor, new_state=P.DRAFT,
                extra={"exam": exam.pk, "venue": venue}, now=now,
            )
            return plan
        plan = ExamPlan.objects.select_for_update().get(pk=plan.pk)
        _require_editor(actor, plan)
        if exam.pk != plan.exam_id and plan.applications.filter(status=S.PLANNED).exists():
            raise ERRORS.error("plan_application_invalid", id=plan.applications.filter(status=S.PLANNED).first().pk)
        old = {"exam": plan.exam_id, "venue": plan.venue, "starts_at": plan.starts_at, "ends_at": plan.ends_at}
        plan.exam, plan.venue, plan.starts_at, plan.ends_at = exam, venue, starts_at, ends_at
        plan.save(update_fields=["exam", "venue", "starts_at", "ends_at"])
        audit.record(event_type=AuditEventType.CHANGED, target=plan, actor=actor, extra={"before": old}, now=now)
        return plan


def exam_plan_add(
    *, actor: User, plan: ExamPlan, application_ids: Iterable[int], now: datetime.datetime | None = None
) -> list[Application]:
    """Put applications in a draft or returned plan: each made to the plan's institution, for the
    plan's kind of exam, with its social insurance checked and in no plan (plan_application_invalid
    names the first that is not; then nothing is added). They become PLANNED."""
    now = now or timezone.now()
    wanted = list(dict.fromkeys(int(pk) for pk in application_ids))
    if not wanted:
        raise ERRORS.error("plan_empty")
    if len(wanted) > MAX_PLAN:
        raise ERRORS.error("too_many_applications", count=MAX_PLAN)
    with transaction.atomic():
        plan = ExamPlan.objects.select_for_update().select_related("exam").get(pk=plan.pk)
        _require_editor(actor, plan)
        found = Application.objects.filter(policies.applications_visible(actor), pk__in=wanted).in_bulk()
        for pk in wanted:
            application = found.get(pk)
            if (
                application is None or application.path != ApplicationPath.INSTITUTION
                or application.institution_id != plan.institution_id
                or application.credential_id != plan.exam.credential_id
                or application.status != S.INSURANCE_CHECKED
            ):
                raise ERRORS.error("plan_application_invalid", id=pk)
        moved, refused = applications_transition(
            applications=[found[pk] for pk in wanted], to=S.PLANNED, actor=actor, changes={"plan": plan}, now=now
        )
        if refused:
            raise ERRORS.error("plan_application_invalid", id=refused[0][0])
        return moved


def exam_plan_remove(
    *, actor: User, plan: ExamPlan, application_id: int, now: datetime.datetime | None = None
) -> Application:
    """Take an application out of a draft or returned plan: it is insurance-checked again, free for
    another plan."""
    with transaction.atomic():
        plan = ExamPlan.objects.select_for_update().get(pk=plan.pk)
        _require_editor(actor, plan)
        application = plan.applications.filter(pk=application_id, status=S.PLANNED).first()
        if application is None:
            raise ERRORS.error("application_not_found")
        moved, refused = applications_transition(
            applications=[application], to=S.INSURANCE_CHECKED, actor=actor, changes={"plan": None}, now=now
        )
        if refused:
            raise refused[0][1]
        return moved[0]


def exam_plan_submit(*, actor: User, plan: ExamPlan, now: datetime.datetime | None = None) -> ExamPlan:
    """The institution submits the plan (after training) to the authority. Refused: plan_empty,
    plan_in_past, not_plan_institution, plan_move_illegal (a replay)."""
    now = now or timezone.now()
    if not policies.can_edit_plan(actor, plan):
        raise ERRORS.error("not_plan_institution")
    with transaction.atomic():
        EXAM_PLAN_MACHINE.check(ExamPlan.objects.select_for_update().get(pk=plan.pk).status, P.SUBMITTED)
        if not plan.applications.filter(status=S.PLANNED).exists():
            raise ERRORS.error("plan_empty")
        if plan.starts_at <= now:
            raise ERRORS.error("plan_in_past")
        return exam_plan_transition(plan=plan, to=P.SUBMITTED, actor=actor, now=now)


# The authority ----------------------------------------------------------------------------------


def exam_plan_decide(
    *, actor: User, plan: ExamPlan, approve: bool, reason: str = "", now: datetime.datetime | None = None
) -> ExamPlan:
    """An authority covering the institution's region approves the plan or returns it with a
    reason. Approval, in ONE transaction: the plan becomes approved; the sitting is created (held
    by policies.plan_authority, the institution set, closed to applications, capacity the plan's
    candidates); every application still in the plan is checked for eligibility again against
    that sitting and approved through applications_transition (a seat and a ticket each, under
    the sitting's lock). If anything is refused nothing is written: the plan stays submitted and
    the reviewer returns it. Refused: not_plan_reviewer (403), reason_required, plan_move_illegal
    (a replay), plan_empty, plan_in_past, blueprint_empty, bank_too_small, plan_authority_missing,
    plan_candidate_ineligible (the reviewer refuses that candidate, exam_plan_refuse_candidate,
    or returns the plan), and the seats' refusals."""
    now = now or timezone.now()
    if not policies.can_decide_plan(actor, plan):
        raise ERRORS.error("not_plan_reviewer")
    reason = reason_clean(reason, required=not approve)
    with transaction.atomic():
        if not approve:
            return exam_plan_transition(plan=plan, to=P.RETURNED, actor=actor, reason=reason, now=now)
        locked = ExamPlan.objects.select_for_update().select_related("exam__credential", "institution").get(pk=plan.pk)
        EXAM_PLAN_MACHINE.check(locked.status, P.APPROVED)
        if locked.starts_at <= now:
            raise ERRORS.error("plan_in_past")
        _check_sittable(locked.exam)
        authority = policies.plan_authority(actor, locked.region_path)
        if authority is None:
            raise ERRORS.error("plan_authority_missing")
        applications = list(
            Application.objects.filter(plan=locked, status=S.PLANNED)
            .select_related("candidate", "credential", "enterprise").order_by("pk")
        )
        if not applications:
            raise ERRORS.error("plan_empty")
        sitting = plan_reads.plan_sitting(locked, authority, capacity=len(applications))
        sitting.save()
        today = timezone.localdate(now)
        questions = [reads.Question(a.candidate, a.credential, a.enterprise, sitting, exclude_id=a.pk) for a in applications]
        for application, facts in zip(applications, reads.eligibility_facts_many(questions, today=today)):
            if error := _failures_error(admission.failures(facts, today)):
                raise ERRORS.error(
                    "plan_candidate_ineligible", id=application.pk, reasons=str(error.message),
                    details={"application": application.pk, "failures": error.details.get("failures", [])},
                )
        moved, refused = applications_transition(
            applications=applications, to=S.APPROVED, actor=actor, changes={"sitting": sitting}, now=now, plan=locked
        )
        if refused:
            raise refused[0][1]
        approved = exam_plan_transition(plan=locked, to=P.APPROVED, actor=actor, changes={"sitting": sitting}, now=now)
        plan.status, plan.sitting = approved.status, sitting
        return approved



def exam_plan_refuse_candidate(
    *, actor: User, plan: ExamPlan, application_id: int, reason: str, now: datetime.datetime | None = None
) -> Application:
    """The reviewer of a submitted plan refuses one of its candidates, with a reason (most often
    one who is no longer eligible: selectors.plans.plan_eligibility shows who), so that the rest can
    be approved without sending the whole plan back. The application becomes REJECTED (the
    candidate sees the reason); the plan stays submitted and its history says who was refused.
    Refused: not_plan_reviewer (403), reason_required, plan_move_illegal (the plan is not
    submitted), application_not_found (not a candidate of this plan)."""
    now = now or timezone.now()
    if not policies.can_decide_plan(actor, plan):
        raise ERRORS.error("not_plan_reviewer")
    reason = reason_clean(reason, required=True)
    with transaction.atomic():
        locked = ExamPlan.objects.select_for_update().get(pk=plan.pk)
        # Only a plan that could be approved now (a submitted one) has candidates to refuse.
        EXAM_PLAN_MACHINE.check(locked.status, P.APPROVED)
        application = locked.applications.filter(pk=application_id, status=S.PLANNED).first()
        if application is None:
            raise ERRORS.error("application_not_found")
        refused = application_transition(application=application, to=S.REJECTED, actor=actor, reason=reason, now=now)
        audit.record(
            event_type=AuditEventType.CHANGED, target=locked, actor=actor,
            extra={"refused": application.pk, "reason": reason}, now=now,
        )
        return refused
