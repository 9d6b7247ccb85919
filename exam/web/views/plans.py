"""Pages of the Qinghai path (notice 003): the institution reviews the applications made to it and
builds, changes and submits exam plans (考试计划); the authority checks social insurance (社保核查)
and approves or returns plans. Each reads through the actor's own scope (another tenant's id is a
404), calls one service and redirects; refusals are shown as messages, never a 500."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.audit import trail_of
from kernel.errors import DomainError, NotFoundError

from ... import policies
from ...models import ApplicationStatus, Exam, ExamPlanStatus
from ...selectors import applications as reads
from ...selectors import plans as plan_reads
from ...services import applications as services
from ...services import plans as plan_services

S = ApplicationStatus
P = ExamPlanStatus


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _when(value: str) -> datetime.datetime | None:
    """A `datetime-local` value (yyyy-mm-ddThh:mm), in the user's zone (Asia/Shanghai)."""
    try:
        moment = datetime.datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _back(request, default: str):
    """Where to go after a POST: the page it came from when that is a page of this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


def _local(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


# The institution: applications made to it ---------------------------------------------------------


@login_required
def institution_applications(request):
    if not policies.is_institution_staff(request.user):
        raise NotFoundError.default()
    status = request.GET.get("status", "")
    status = status if status in (S.SUBMITTED, S.INSTITUTION_ACCEPTED, S.INSURANCE_CHECKED, S.PLANNED, S.APPROVED, S.REJECTED) else ""
    return render(
        request,
        "exam/plans/institution_applications.html",
        {
            "applications": plan_reads.institution_applications(request.user, status=status)[:200],
            "status": status,
            "statuses": [(value, label) for value, label in S.choices if value != S.ENTERPRISE_SUBMITTED],
        },
    )


@login_required
@require_POST
def institution_decide(request, pk: int):
    application = reads.application_get(request.user, pk)
    accept = request.POST.get("decision") == "accept"
    try:
        services.application_institution_decide(
            actor=request.user, application=application, accept=accept, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The application has been accepted.") if accept else _("The application has been rejected."))
    except DomainError as failure:
        messages.error(request, failure.message)
    return _back(request, "exam:institution_applications")


# The authority: the social-insurance check --------------------------------------------------------


@login_required
def insurance_queue(request):
    if not policies.can_review_applications(request.user):
        raise NotFoundError.default()
    return render(request, "exam/plans/insurance.html", {"applications": plan_reads.insurance_queue(request.user)[:200]})


@login_required
@require_POST
def insurance_check(request, pk: int):
    application = reads.application_get(request.user, pk)
    passed = request.POST.get("decision") == "pass"
    try:
        services.application_insurance_check(
            actor=request.user, application=application, passed=passed, reason=request.POST.get("reason", "")
        )
        messages.success(
            request, _("The social insurance has been checked.") if passed else _("The application has been rejected.")
        )
    except DomainError as failure:
        messages.error(request, failure.message)
    return _back(request, "exam:insurance_queue")


# Exam plans ---------------------------------------------------------------------------------------


@login_required
def plan_list(request):
    staff = policies.is_institution_staff(request.user)
    reviewer = policies.can_review_applications(request.user)
    if not (staff or reviewer):
        raise NotFoundError.default()
    institutions = list(plan_reads.staff_institutions(request.user)) if staff else []
    if request.method == "POST":
        institution = next((i for i in institutions if i.pk == _int(request.POST.get("institution"))), None)
        if institution is None:
            raise NotFoundError.default()
        try:
            plan = plan_services.exam_plan_save(
                actor=request.user, institution=institution,
                exam=Exam.objects.filter(pk=_int(request.POST.get("exam"))).first(), venue=request.POST.get("venue", ""),
                starts_at=_when(request.POST.get("starts_at")), ends_at=_when(request.POST.get("ends_at")),
            )
        except DomainError as failure:
            messages.error(request, failure.message)
            return redirect("exam:plans")
        messages.success(request, _("The exam plan has been created: add its candidates."))
        return redirect("exam:plan", pk=plan.pk)
    status = request.GET.get("status", "")
    return render(
        request,
        "exam/plans/list.html",
        {
            "plans": plan_reads.plans_for(request.user, status=status if status in P.values else "")[:200],
            "statuses": P.choices,
            "status": status,
            "institutions": institutions,
            "exams": plan_reads.plan_exams() if institutions else [],
        },
    )


@login_required
def plan_detail(request, pk: int):
    plan = plan_reads.plan_get(request.user, pk)
    can_edit = plan.editable and policies.can_edit_plan(request.user, plan)
    can_decide = plan.status == P.SUBMITTED and policies.can_decide_plan(request.user, plan)
    applications = list(plan_reads.plan_applications(plan))
    ineligible = plan_reads.plan_eligibility(request.user, plan, applications) if can_decide else {}
    return render(
        request,
        "exam/plans/detail.html",
        {
            "plan": plan,
            "applications": [(application, ineligible.get(application.pk, [])) for application in applications],
            "ineligible": len(ineligible),
            "can_edit": can_edit,
            "addable": plan_reads.plan_addable(plan) if can_edit else [],
            "exams": plan_reads.plan_exams() if can_edit else [],
            "can_decide": can_decide,
            "starts_local": _local(plan.starts_at),
            "ends_local": _local(plan.ends_at),
            "trail": trail_of(plan).select_related("actor"),
        },
    )


@login_required
@require_POST
def plan_action(request, pk: int, action: str):
    plan = plan_reads.plan_get(request.user, pk)
    user = request.user
    try:
        if action == "save":
            plan_services.exam_plan_save(
                actor=user, plan=plan, exam=Exam.objects.filter(pk=_int(request.POST.get("exam"))).first(),
                venue=request.POST.get("venue", ""), starts_at=_when(request.POST.get("starts_at")),
                ends_at=_when(request.POST.get("ends_at")),
            )
            messages.success(request, _("The exam plan has been saved."))
        elif action == "add":
            ids = [value for value in (_int(v) for v in request.POST.getlist("ids")) if value is not None]
            moved = plan_services.exam_plan_add(actor=user, plan=plan, application_ids=ids)
            messages.success(request, _("%(count)d candidates added to the plan.") % {"count": len(moved)})
        elif action == "remove":
            plan_services.exam_plan_remove(actor=user, plan=plan, application_id=_int(request.POST.get("application")) or 0)
            messages.success(request, _("The candidate has been taken out of the plan."))
        elif action == "submit":
            plan_services.exam_plan_submit(actor=user, plan=plan)
            messages.success(request, _("The exam plan has been submitted to the authority."))
        elif action == "refuse":
            plan_services.exam_plan_refuse_candidate(
                actor=user, plan=plan, application_id=_int(request.POST.get("application")) or 0,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("The candidate has been refused; the rest of the plan can be approved."))
        elif action == "decide":
            approve = request.POST.get("decision") == "approve"
            plan_services.exam_plan_decide(actor=user, plan=plan, approve=approve, reason=request.POST.get("reason", ""))
            messages.success(
                request,
                _("The exam plan has been approved: the sitting is scheduled and the candidates can print their admission tickets.")
                if approve else _("The exam plan has been returned to the institution."),
            )
        else:
            raise NotFoundError.default()
    except DomainError as failure:
        if isinstance(failure, NotFoundError):
            raise
        messages.error(request, failure.message)
    return redirect("exam:plan", pk=pk)
