"""The Qinghai path (notice 003): the learner applies through a training institution, the
institution reviews, an authority of the employer's region checks social insurance, the
institution puts the candidates in an exam plan, and the authority's approval of the plan creates
the sitting and approves the applications (seat and ticket) in one transaction."""

import datetime

import pytest
from django.utils import timezone

from exam.models import Application, ApplicationPath, ApplicationStatus, ExamPlan, ExamPlanStatus, Sitting, SittingCandidate
from exam.selectors import plans as plan_reads
from exam.services import applications as svc
from exam.services import plans as plans_svc
from exam.testing import make_bank, make_exam
from kernel.audit import trail_of
from kernel.errors import DomainError
from lms.models import OrganisationKind
from tests.factories import MembershipFactory, OrganisationFactory

from .test_applications import candidate, code_of, world  # noqa: F401  (the fixture)

S = ApplicationStatus
P = ExamPlanStatus


@pytest.fixture
def qh(world):
    w = world
    w.now = timezone.now()
    make_bank(w.c)
    w.institution = OrganisationFactory(kind=OrganisationKind.INSTITUTION, name="广州培训学校", region=w.city)
    w.other_institution = OrganisationFactory(kind=OrganisationKind.INSTITUTION, name="深圳培训学校", region=w.other_city)
    w.staff = MembershipFactory(organisation=w.institution, role="institution_staff").user
    w.other_staff = MembershipFactory(organisation=w.other_institution, role="institution_staff").user
    w.starts = w.now + datetime.timedelta(days=20)
    w.ends = w.starts + datetime.timedelta(hours=2)
    return w


def apply(w, person=None, institution=None):
    person = person or candidate(w)
    return svc.application_apply(actor=person.user, credential=w.c, institution=institution or w.institution, now=w.now)


def checked(w, person=None) -> Application:
    application = apply(w, person)
    application = svc.application_institution_decide(actor=w.staff, application=application, accept=True, now=w.now)
    return svc.application_insurance_check(actor=w.reviewer, application=application, passed=True, now=w.now)


def draft(w, *applications) -> ExamPlan:
    plan = plans_svc.exam_plan_save(
        actor=w.staff, institution=w.institution, exam=w.exam, venue="广州考点机房", starts_at=w.starts, ends_at=w.ends, now=w.now
    )
    if applications:
        plans_svc.exam_plan_add(actor=w.staff, plan=plan, application_ids=[a.pk for a in applications], now=w.now)
    return plan


def submitted(w, *applications) -> ExamPlan:
    plan = draft(w, *applications)
    return plans_svc.exam_plan_submit(actor=w.staff, plan=plan, now=w.now)


def test_qinghai_path_from_application_to_ticket(qh):
    w = qh
    person = candidate(w)
    application = apply(w, person)
    assert application.path == ApplicationPath.INSTITUTION and application.status == S.SUBMITTED
    assert application.institution == w.institution and application.enterprise == w.enterprise
    assert application.region_path == w.enterprise.region.path
    application = svc.application_institution_decide(actor=w.staff, application=application, accept=True, now=w.now)
    assert application.status == S.INSTITUTION_ACCEPTED and application.accepted_at
    application = svc.application_insurance_check(actor=w.reviewer, application=application, passed=True, now=w.now)
    assert application.status == S.INSURANCE_CHECKED and application.insurance_checked_by == w.reviewer
    plan = submitted(w, application)
    application.refresh_from_db()
    assert application.status == S.PLANNED and application.plan == plan and plan.status == P.SUBMITTED
    assert not Sitting.objects.filter(institution=w.institution).exists()  # no sitting before approval
    plan = plans_svc.exam_plan_decide(actor=w.reviewer, plan=plan, approve=True, now=w.now)
    assert plan.status == P.APPROVED and plan.sitting is not None
    sitting = plan.sitting
    assert sitting.authority == w.authority and sitting.institution == w.institution and sitting.capacity == 1
    assert (sitting.venue, sitting.starts_at, sitting.ends_at, sitting.open_for_applications) == ("广州考点机房", w.starts, w.ends, False)
    application.refresh_from_db()
    assert application.status == S.APPROVED and application.sitting == sitting and application.seat == 1 and application.ticket_number
    assert SittingCandidate.objects.filter(sitting=sitting, person=person).exists()
    application = svc.ticket_print(actor=person.user, application=application, now=w.now)
    assert application.status == S.PRINTED
    states = [(row.old_state, row.new_state) for row in trail_of(application)]
    assert states == [
        ("", "submitted"), ("submitted", "institution_accepted"), ("institution_accepted", "insurance_checked"),
        ("insurance_checked", "planned"), ("planned", "approved"), ("approved", "printed"),
    ]
    assert [(row.old_state, row.new_state) for row in trail_of(plan)] == [
        ("", "draft"), ("draft", "submitted"), ("submitted", "approved"),
    ]


def test_apply_refusals(qh):
    w = qh
    person = candidate(w)
    with pytest.raises(DomainError) as refused:
        svc.application_apply(actor=person.user, credential=w.c, institution=w.enterprise, now=w.now)
    assert code_of(refused) == "institution_invalid"
    young = candidate(w, birth=datetime.date(2015, 1, 1))
    with pytest.raises(DomainError) as refused:
        apply(w, young)
    assert code_of(refused) == "age_out_of_range"
    apply(w, person)
    with pytest.raises(DomainError) as refused:
        apply(w, person, institution=w.other_institution)
    assert code_of(refused) == "application_exists"
    assert Application.objects.filter(candidate__in=[person, young]).count() == 1


def test_institution_rejects_with_reason_and_only_its_own(qh):
    w = qh
    application = apply(w)
    for actor, code in ((w.other_staff, "not_application_institution"), (w.admin, "not_application_institution"), (w.reviewer, "not_application_institution")):
        with pytest.raises(DomainError) as refused:
            svc.application_institution_decide(actor=actor, application=application, accept=True, now=w.now)
        assert code_of(refused) == code
    with pytest.raises(DomainError) as refused:
        svc.application_institution_decide(actor=w.staff, application=application, accept=False, reason="", now=w.now)
    assert code_of(refused) == "reason_required"
    # the authority cannot skip the institution, nor approve it the old ways
    with pytest.raises(DomainError) as refused:
        svc.application_insurance_check(actor=w.reviewer, application=application, passed=True, now=w.now)
    assert code_of(refused) == "application_move_illegal"
    with pytest.raises(DomainError) as refused:
        svc.application_decide(actor=w.reviewer, application=application, approve=True, now=w.now)
    assert code_of(refused) == "application_move_illegal"
    report = svc.applications_approve(actor=w.reviewer, ids=[application.pk], now=w.now)
    assert report.refused and report.refused[0][1] == "application_move_illegal"
    application = svc.application_institution_decide(actor=w.staff, application=application, accept=False, reason="材料不全", now=w.now)
    assert application.status == S.REJECTED and application.reason == "材料不全"
    with pytest.raises(DomainError) as refused:  # a replay changes nothing
        svc.application_institution_decide(actor=w.staff, application=application, accept=True, now=w.now)
    assert code_of(refused) == "application_move_illegal"


def test_insurance_check_by_the_employers_region_only(qh):
    w = qh
    application = apply(w)
    application = svc.application_institution_decide(actor=w.staff, application=application, accept=True, now=w.now)
    for actor in (w.other_reviewer, w.staff, w.admin):
        with pytest.raises(DomainError) as refused:
            svc.application_insurance_check(actor=actor, application=application, passed=True, now=w.now)
        assert code_of(refused) == "not_application_reviewer"
    with pytest.raises(DomainError) as refused:
        svc.application_insurance_check(actor=w.reviewer, application=application, passed=False, now=w.now)
    assert code_of(refused) == "reason_required"
    assert list(plan_reads.insurance_queue(w.reviewer)) == [application]
    assert list(plan_reads.insurance_queue(w.other_reviewer)) == []
    application = svc.application_insurance_check(actor=w.reviewer, application=application, passed=False, reason="未查到社保记录", now=w.now)
    assert application.status == S.REJECTED
    with pytest.raises(DomainError) as refused:
        svc.application_insurance_check(actor=w.reviewer, application=application, passed=True, now=w.now)
    assert code_of(refused) == "application_move_illegal"


def test_plan_building_refusals(qh):
    w = qh
    base = dict(actor=w.staff, institution=w.institution, exam=w.exam, venue="机房", starts_at=w.starts, ends_at=w.ends, now=w.now)
    for changes, code in (
        ({"exam": None}, "plan_exam_invalid"),
        ({"venue": " "}, "plan_venue_required"),
        ({"venue": "长" * 201}, "venue_too_long"),
        ({"starts_at": None}, "plan_time_invalid"),
        ({"ends_at": w.starts}, "sitting_window_invalid"),
        ({"ends_at": w.starts + datetime.timedelta(minutes=30)}, "sitting_window_too_short"),
        ({"starts_at": w.now - datetime.timedelta(hours=3), "ends_at": w.now - datetime.timedelta(hours=1)}, "plan_in_past"),
        ({"actor": w.other_staff}, "not_plan_institution"),
        ({"institution": w.enterprise}, "institution_invalid"),
        ({"exam": make_exam(w.c, blueprint=())}, "blueprint_empty"),
        ({"exam": make_exam(w.c, blueprint=(("single", "", 50),))}, "bank_too_small"),
    ):
        with pytest.raises(DomainError) as refused:
            plans_svc.exam_plan_save(**{**base, **changes})
        assert code_of(refused) == code, changes
    assert not ExamPlan.objects.exists()
    plan = draft(w)
    accepted = svc.application_institution_decide(actor=w.staff, application=apply(w), accept=True, now=w.now)
    elsewhere = apply(w, institution=w.other_institution)
    for application in (accepted, elsewhere):  # not insurance-checked; another institution's
        with pytest.raises(DomainError) as refused:
            plans_svc.exam_plan_add(actor=w.staff, plan=plan, application_ids=[application.pk], now=w.now)
        assert code_of(refused) == "plan_application_invalid"
    with pytest.raises(DomainError) as refused:
        plans_svc.exam_plan_submit(actor=w.staff, plan=plan, now=w.now)
    assert code_of(refused) == "plan_empty"
    first = checked(w)
    with pytest.raises(DomainError) as refused:
        plans_svc.exam_plan_add(actor=w.other_staff, plan=plan, application_ids=[first.pk], now=w.now)
    assert code_of(refused) == "not_plan_institution"
    # all or nothing: a good id with a bad one adds neither
    with pytest.raises(DomainError) as refused:
        plans_svc.exam_plan_add(actor=w.staff, plan=plan, application_ids=[first.pk, accepted.pk], now=w.now)
    first.refresh_from_db()
    assert first.status == S.INSURANCE_CHECKED and first.plan is None
    plans_svc.exam_plan_add(actor=w.staff, plan=plan, application_ids=[first.pk], now=w.now)
    other_plan = draft(w)
    with pytest.raises(DomainError) as refused:  # in no other plan
        plans_svc.exam_plan_add(actor=w.staff, plan=other_plan, application_ids=[first.pk], now=w.now)
    assert code_of(refused) == "plan_application_invalid"
    plans_svc.exam_plan_remove(actor=w.staff, plan=plan, application_id=first.pk, now=w.now)
    first.refresh_from_db()
    assert first.status == S.INSURANCE_CHECKED and first.plan is None
    plans_svc.exam_plan_add(actor=w.staff, plan=plan, application_ids=[first.pk], now=w.now)
    plan = plans_svc.exam_plan_submit(actor=w.staff, plan=plan, now=w.now)
    for call in (
        lambda: plans_svc.exam_plan_submit(actor=w.staff, plan=plan, now=w.now),
    ):
        with pytest.raises(DomainError) as refused:
            call()
        assert code_of(refused) == "plan_move_illegal"
    with pytest.raises(DomainError) as refused:
        plans_svc.exam_plan_remove(actor=w.staff, plan=plan, application_id=first.pk, now=w.now)
    assert code_of(refused) == "plan_not_editable"


def test_return_change_and_resubmit(qh):
    w = qh
    first, second = checked(w), checked(w)
    plan = submitted(w, first, second)
    for actor in (w.other_reviewer, w.staff):
        with pytest.raises(DomainError) as refused:
            plans_svc.exam_plan_decide(actor=actor, plan=plan, approve=True, now=w.now)
        assert code_of(refused) == "not_plan_reviewer"
    with pytest.raises(DomainError) as refused:
        plans_svc.exam_plan_decide(actor=w.reviewer, plan=plan, approve=False, now=w.now)
    assert code_of(refused) == "reason_required"
    plan = plans_svc.exam_plan_decide(actor=w.reviewer, plan=plan, approve=False, reason="考场容量不足", now=w.now)
    assert plan.status == P.RETURNED and plan.reason == "考场容量不足" and plan.sitting is None
    plans_svc.exam_plan_remove(actor=w.staff, plan=plan, application_id=second.pk, now=w.now)
    plan = plans_svc.exam_plan_save(actor=w.staff, plan=plan, exam=w.exam, venue="新机房", starts_at=w.starts, ends_at=w.ends, now=w.now)
    plan = plans_svc.exam_plan_submit(actor=w.staff, plan=plan, now=w.now)
    plan = plans_svc.exam_plan_decide(actor=w.reviewer, plan=plan, approve=True, now=w.now)
    assert plan.sitting.capacity == 1 and plan.sitting.venue == "新机房"
    second.refresh_from_db()
    assert second.status == S.INSURANCE_CHECKED
    with pytest.raises(DomainError) as refused:  # a replayed approval does nothing twice
        plans_svc.exam_plan_decide(actor=w.reviewer, plan=plan, approve=True, now=w.now)
    assert code_of(refused) == "plan_move_illegal"
    assert Sitting.objects.filter(institution=w.institution).count() == 1


def test_approval_is_all_or_nothing_when_a_candidate_is_no_longer_eligible(qh):
    w = qh
    first, second = checked(w), checked(w)
    plan = submitted(w, first, second)
    # the second candidate's employment ends before the approval
    second.candidate.employments.update(end_date=timezone.localdate(w.now))
    with pytest.raises(DomainError) as refused:
        plans_svc.exam_plan_decide(actor=w.reviewer, plan=plan, approve=True, now=w.now)
    assert code_of(refused) == "plan_candidate_ineligible"
    assert refused.value.details["application"] == second.pk
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED and plan.sitting is None
    assert not Sitting.objects.filter(institution=w.institution).exists()
    assert set(Application.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {S.PLANNED}
    assert not SittingCandidate.objects.filter(person__in=[first.candidate, second.candidate]).exists()


def test_reviewer_refuses_the_ineligible_candidate_and_approves_the_rest(qh):
    w = qh
    first, second, third = checked(w), checked(w), checked(w)
    plan = submitted(w, first, second, third)
    second.candidate.employments.update(end_date=timezone.localdate(w.now))
    # the review page names who fails which rule, as the approval will check it
    applications = list(plan_reads.plan_applications(plan))
    found = plan_reads.plan_eligibility(w.reviewer, plan, applications, today=timezone.localdate(w.now))
    assert list(found) == [second.pk] and all(isinstance(message, str) and message for message in found[second.pk])
    assert plan_reads.plan_eligibility(w.other_reviewer, plan, applications) == {}  # no authority of theirs covers it
    # refusals: only a reviewer of the plan, with a reason, a candidate of this plan, a submitted plan
    for actor, code in ((w.other_reviewer, "not_plan_reviewer"), (w.staff, "not_plan_reviewer")):
        with pytest.raises(DomainError) as refused:
            plans_svc.exam_plan_refuse_candidate(actor=actor, plan=plan, application_id=second.pk, reason="x", now=w.now)
        assert code_of(refused) == code
    with pytest.raises(DomainError) as refused:
        plans_svc.exam_plan_refuse_candidate(actor=w.reviewer, plan=plan, application_id=second.pk, reason=" ", now=w.now)
    assert code_of(refused) == "reason_required"
    stranger = checked(w)
    with pytest.raises(DomainError) as refused:
        plans_svc.exam_plan_refuse_candidate(actor=w.reviewer, plan=plan, application_id=stranger.pk, reason="x", now=w.now)
    assert code_of(refused) == "application_not_found"
    assert Application.objects.get(pk=second.pk).status == S.PLANNED
    refused_application = plans_svc.exam_plan_refuse_candidate(
        actor=w.reviewer, plan=plan, application_id=second.pk, reason="已离职，不符合报考条件", now=w.now
    )
    assert refused_application.status == S.REJECTED and refused_application.reason == "已离职，不符合报考条件"
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED
    assert trail_of(plan).last().extra == {"refused": second.pk, "reason": "已离职，不符合报考条件"}
    plan = plans_svc.exam_plan_decide(actor=w.reviewer, plan=plan, approve=True, now=w.now)
    assert plan.status == P.APPROVED and plan.sitting.capacity == 2
    assert dict(Application.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list("pk", "status")) == {
        first.pk: S.APPROVED, second.pk: S.REJECTED, third.pk: S.APPROVED,
    }
    assert not SittingCandidate.objects.filter(person=second.candidate).exists()
    # an approved plan has no candidate left to refuse
    with pytest.raises(DomainError) as refused:
        plans_svc.exam_plan_refuse_candidate(actor=w.reviewer, plan=plan, application_id=first.pk, reason="x", now=w.now)
    assert code_of(refused) == "plan_move_illegal"


def test_planned_candidate_withdraws_and_capacity_follows(qh):
    w = qh
    first, second, third = checked(w), checked(w), checked(w)
    plan = submitted(w, first, second, third)
    svc.application_withdraw(actor=second.candidate.user, application=second, now=w.now)
    plan = plans_svc.exam_plan_decide(actor=w.reviewer, plan=plan, approve=True, now=w.now)
    assert plan.sitting.capacity == 2
    seats = sorted(Application.objects.filter(plan=plan, status=S.APPROVED).values_list("seat", flat=True))
    assert seats == [1, 2]
    assert SittingCandidate.objects.filter(sitting=plan.sitting).count() == 2
    # withdrawal until printed frees the seat; after printing it is refused
    first.refresh_from_db()
    svc.application_withdraw(actor=first.candidate.user, application=first, now=w.now)
    third.refresh_from_db()
    svc.ticket_print(actor=third.candidate.user, application=third, now=w.now)
    with pytest.raises(DomainError) as refused:
        svc.application_withdraw(actor=third.candidate.user, application=third, now=w.now)
    assert code_of(refused) == "ticket_printed"
    assert SittingCandidate.objects.filter(sitting=plan.sitting).count() == 1


def test_scoping_of_plans_and_applications(qh):
    w = qh
    application = checked(w)
    plan = submitted(w, application)
    assert list(plan_reads.plans_for(w.staff)) == [plan]
    assert list(plan_reads.plans_for(w.reviewer)) == [plan]
    for actor in (w.other_staff, w.other_reviewer, w.admin, application.candidate.user):
        assert not plan_reads.plans_for(actor).exists()
        with pytest.raises(DomainError) as refused:
            plan_reads.plan_get(actor, plan.pk)
        assert code_of(refused) == "plan_not_found"
    assert list(plan_reads.institution_applications(w.other_staff)) == []
    with pytest.raises(DomainError):
        svc.reads.application_get(w.other_staff, application.pk)
    assert svc.reads.application_get(w.staff, application.pk) == application
    counts = plan_reads.qinghai_counts(w.reviewer)
    assert counts["plans_submitted"] == 1 and counts["insurance"] == 0
    assert plan_reads.qinghai_counts(w.other_reviewer)["plans_submitted"] == 0


def test_the_path_narrows_the_machine(qh):
    w = qh
    # a planned application is approved only by its own plan's approval
    first, second = checked(w), checked(w)
    plan = submitted(w, first)
    other = draft(w, second)
    report = svc.applications_approve(actor=w.reviewer, ids=[first.pk], now=w.now)
    assert report.refused[0][1] == "application_move_illegal"
    moved, refused = svc.applications_transition(applications=[first], to=S.APPROVED, actor=w.reviewer, plan=other, now=w.now)
    assert not moved and refused[0][1].code == "application_move_illegal"
    first.refresh_from_db()
    assert first.status == S.PLANNED and first.seat is None and plan.pk == first.plan_id
    # the Guangdong and Jilin paths never take the Qinghai statuses
    guangdong = svc.application_apply(actor=candidate(w).user, credential=w.c, now=w.now)
    for to in (S.INSTITUTION_ACCEPTED, S.INSURANCE_CHECKED, S.PLANNED):
        moved, refused = svc.applications_transition(applications=[guangdong], to=to, actor=w.reviewer, now=w.now)
        assert refused and refused[0][1].code == "application_move_illegal"
    with pytest.raises(DomainError) as refused:
        svc.application_institution_decide(actor=w.staff, application=guangdong, accept=True, now=w.now)
    assert code_of(refused) == "not_institution_path"
    # the authority cancels a planned application (the ticket not yet printed); the plan's count follows
    svc.application_cancel(actor=w.reviewer, application=first, reason="社保记录不符", now=w.now)
    first.refresh_from_db()
    assert first.status == S.CANCELLED
    with pytest.raises(DomainError) as refused:
        plans_svc.exam_plan_decide(actor=w.reviewer, plan=plan, approve=True, now=w.now)
    assert code_of(refused) == "plan_empty"
    assert not Sitting.objects.filter(institution=w.institution).exists()


def test_plan_sitting_held_by_the_closest_covering_authority(qh):
    w = qh
    # a province reviewer who is also a reviewer of the city: the city's authority holds the sitting
    province_authority = OrganisationFactory(kind=OrganisationKind.AUTHORITY, name="广东省住建厅", region=w.province)
    MembershipFactory(organisation=province_authority, role="authority_reviewer", user=w.reviewer)
    from exam import policies

    assert policies.plan_authority(w.reviewer, w.institution.region.path) == w.authority
    province_only = MembershipFactory(organisation=province_authority, role="authority_reviewer").user
    assert policies.plan_authority(province_only, w.institution.region.path) == province_authority
    assert policies.plan_authority(w.other_reviewer, w.institution.region.path) is None
    plan = submitted(w, checked(w))
    plan = plans_svc.exam_plan_decide(actor=province_only, plan=plan, approve=True, now=w.now)
    assert plan.sitting.authority == province_authority


@pytest.mark.django_db(transaction=True)
def test_two_approvals_of_one_plan_in_parallel_make_one_sitting(qh):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write; the row lock race needs PostgreSQL")
    w = qh
    plan = submitted(w, checked(w), checked(w))
    results, barrier = [], threading.Barrier(2)

    def approve():
        barrier.wait()
        try:
            plans_svc.exam_plan_decide(actor=w.reviewer, plan=ExamPlan.objects.get(pk=plan.pk), approve=True, now=w.now)
            results.append("approved")
        except DomainError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["approved", "plan_move_illegal"]
    assert Sitting.objects.filter(institution=w.institution).count() == 1
    assert Application.objects.filter(plan=plan, seat__isnull=False).count() == 2
