"""The pages of the Qinghai path over HTTP: the learner applies through an institution, the
institution accepts, the authority checks social insurance, the institution builds and submits
an exam plan, the authority approves it and the candidate prints the ticket; other tenants' ids
are 404 and change nothing; replayed POSTs do nothing twice; refusals are messages, never a 500."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from exam.models import Application, ApplicationStatus, ExamPlan, ExamPlanStatus, Sitting
from kernel.audit import trail_of

from .test_applications import candidate, world  # noqa: F401  (the fixture)
from .test_qinghai import checked, qh, submitted  # noqa: F401  (the fixture)

S = ApplicationStatus
P = ExamPlanStatus


def login(client, user):
    client.force_login(user)
    return client


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_qinghai_journey_over_http(client, qh):
    w = qh
    person = candidate(w)
    login(client, person.user)
    page = client.get(reverse("exam:my_applications")).content.decode()
    assert 'id="apply-institution"' in page and f'value="{w.institution.pk}"' in page
    response = client.post(reverse("exam:my_applications"), {"institution": w.institution.pk, "credential": w.c.pk})
    application = Application.objects.get(candidate=person)
    assert response.status_code == 302 and application.status == S.SUBMITTED and application.institution == w.institution
    assert "notice-institution-applications" in client.get(reverse("lms:home")).content.decode()

    login(client, w.staff)
    assert "notice-institution-review" in client.get(reverse("lms:home")).content.decode()
    listing = client.get(reverse("exam:institution_applications")).content.decode()
    assert f'data-application="{application.pk}"' in listing
    detail = client.get(reverse("exam:application", args=[application.pk])).content.decode()
    assert 'id="institution-form"' in detail and "verify-form" not in detail
    client.post(reverse("exam:institution_decide", args=[application.pk]), {"decision": "accept"})
    application.refresh_from_db()
    assert application.status == S.INSTITUTION_ACCEPTED
    # a replayed POST does nothing twice
    client.post(reverse("exam:institution_decide", args=[application.pk]), {"decision": "accept"})
    assert trail_of(application).filter(new_state=S.INSTITUTION_ACCEPTED).count() == 1

    login(client, w.reviewer)
    assert "notice-insurance" in client.get(reverse("lms:home")).content.decode()
    queue = client.get(reverse("exam:insurance_queue")).content.decode()
    assert f'data-application="{application.pk}"' in queue
    client.post(reverse("exam:insurance_check", args=[application.pk]), {"decision": "pass"})
    application.refresh_from_db()
    assert application.status == S.INSURANCE_CHECKED

    login(client, w.staff)
    assert "notice-institution-plan" in client.get(reverse("lms:home")).content.decode()
    assert client.get(reverse("exam:plans")).status_code == 200
    response = client.post(reverse("exam:plans"), {
        "institution": w.institution.pk, "exam": w.exam.pk, "venue": "西宁考点机房",
        "starts_at": local(w.starts), "ends_at": local(w.ends),
    })
    plan = ExamPlan.objects.get(institution=w.institution)
    assert response.status_code == 302 and plan.status == P.DRAFT and plan.starts_at == w.starts.replace(second=0, microsecond=0)
    page = client.get(reverse("exam:plan", args=[plan.pk])).content.decode()
    assert f'value="{application.pk}"' in page
    client.post(reverse("exam:plan_action", args=[plan.pk, "add"]), {"ids": [application.pk]})
    application.refresh_from_db()
    assert application.status == S.PLANNED and application.plan == plan
    client.post(reverse("exam:plan_action", args=[plan.pk, "submit"]))
    client.post(reverse("exam:plan_action", args=[plan.pk, "submit"]))  # replayed
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED and trail_of(plan).filter(new_state=P.SUBMITTED).count() == 1

    login(client, w.reviewer)
    assert "notice-plans-review" in client.get(reverse("lms:home")).content.decode()
    page = client.get(reverse("exam:plan", args=[plan.pk])).content.decode()
    assert 'id="plan-approve"' in page and "data-confirm" in page
    client.post(reverse("exam:plan_action", args=[plan.pk, "decide"]), {"decision": "approve"})
    client.post(reverse("exam:plan_action", args=[plan.pk, "decide"]), {"decision": "approve"})  # replayed
    plan.refresh_from_db()
    assert plan.status == P.APPROVED and Sitting.objects.filter(institution=w.institution).count() == 1
    application.refresh_from_db()
    assert application.status == S.APPROVED and application.sitting == plan.sitting and application.seat == 1
    page = client.get(reverse("exam:plan", args=[plan.pk])).content.decode()
    assert f'data-sitting="{plan.sitting_id}"' in page and 'id="plan-approve"' not in page
    login(client, w.staff)
    page = client.get(reverse("exam:plan", args=[plan.pk])).content.decode()
    assert 'data-status="approved"' in page and 'id="edit-form"' not in page

    login(client, person.user)
    assert 'id="ticket-link"' in client.get(reverse("exam:application", args=[application.pk])).content.decode()
    ticket = client.get(reverse("exam:ticket", args=[application.pk]))
    assert ticket.status_code == 200 and ticket.content.startswith(b"%PDF")
    application.refresh_from_db()
    assert application.status == S.PRINTED


def test_refusals_are_messages_not_errors(client, qh):
    w = qh
    login(client, w.staff)
    bad = client.post(reverse("exam:plans"), {
        "institution": w.institution.pk, "exam": w.exam.pk, "venue": "机房", "starts_at": "not a date", "ends_at": "",
    }, follow=True)
    assert bad.status_code == 200 and not ExamPlan.objects.exists()
    application = checked(w)
    plan = submitted(w, application)
    login(client, w.reviewer)
    response = client.post(reverse("exam:plan_action", args=[plan.pk, "decide"]), {"decision": "return", "reason": ""}, follow=True)
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED
    client.post(reverse("exam:plan_action", args=[plan.pk, "decide"]), {"decision": "return", "reason": "时间冲突"})
    plan.refresh_from_db()
    assert plan.status == P.RETURNED and plan.reason == "时间冲突"
    login(client, w.staff)
    assert "notice-plans-returned" in client.get(reverse("lms:home")).content.decode()
    assert client.post(reverse("exam:plan_action", args=[plan.pk, "nonsense"])).status_code == 404


def test_other_tenants_ids_are_404_and_change_nothing(client, qh):
    w = qh
    application = checked(w)
    plan = submitted(w, application)
    fresh = svc_apply(w)
    outsiders = (w.other_staff, w.other_reviewer, w.other_admin, candidate(w, enterprise=w.other_enterprise).user)
    for user in outsiders:
        login(client, user)
        assert client.get(reverse("exam:plan", args=[plan.pk])).status_code == 404, user
        for action, data in (("decide", {"decision": "approve"}), ("submit", {}), ("add", {"ids": [application.pk]}),
                             ("remove", {"application": application.pk})):
            assert client.post(reverse("exam:plan_action", args=[plan.pk, action]), data).status_code == 404
        assert client.post(reverse("exam:institution_decide", args=[fresh.pk]), {"decision": "accept"}).status_code == 404
        assert client.post(reverse("exam:insurance_check", args=[fresh.pk]), {"decision": "pass"}).status_code == 404
        assert client.get(reverse("exam:application", args=[fresh.pk])).status_code == 404
    # pages of the other side are not found for a learner
    login(client, application.candidate.user)
    for name in ("exam:plans", "exam:insurance_queue", "exam:institution_applications"):
        assert client.get(reverse(name)).status_code == 404
    assert client.get(reverse("exam:plan", args=[plan.pk])).status_code == 404
    plan.refresh_from_db()
    fresh.refresh_from_db()
    application.refresh_from_db()
    assert (plan.status, fresh.status, application.status) == (P.SUBMITTED, S.SUBMITTED, S.PLANNED)
    assert not Sitting.objects.filter(institution=w.institution).exists()


def svc_apply(w):
    from exam.services import applications as svc

    person = candidate(w)
    return svc.application_apply(actor=person.user, credential=w.c, institution=w.institution, now=w.now)


@pytest.mark.parametrize("name", ["exam:plans", "exam:insurance_queue", "exam:institution_applications"])
def test_lists_render_for_their_parties(client, qh, name):
    w = qh
    checked(w)
    user = w.reviewer if name == "exam:insurance_queue" else w.staff
    login(client, user)
    assert client.get(reverse(name)).status_code == 200


def test_list_pages_queries_do_not_grow_with_rows(client, qh):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = qh

    def counts():
        found = {}
        for name, user in (("exam:plans", w.staff), ("exam:plans", w.reviewer), ("exam:institution_applications", w.staff),
                           ("exam:insurance_queue", w.reviewer)):
            login(client, user)
            client.get(reverse(name))  # warm the session and roles
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name)).status_code == 200
            found[(name, user.pk)] = len(queries)
        return found

    def grow():
        plan = submitted(w, checked(w))
        svc_accepted(w)
        return plan

    grow()
    before = counts()
    grow(), grow()
    assert counts() == before


def svc_accepted(w):
    from exam.services import applications as svc

    application = svc_apply(w)
    return svc.application_institution_decide(actor=w.staff, application=application, accept=True, now=w.now)


def test_returned_plan_can_be_changed_over_http(client, qh):
    w = qh
    application = checked(w)
    plan = submitted(w, application)
    login(client, w.reviewer)
    client.post(reverse("exam:plan_action", args=[plan.pk, "decide"]), {"decision": "return", "reason": "考点变更"})
    login(client, w.staff)
    page = client.get(reverse("exam:plan", args=[plan.pk])).content.decode()
    assert 'id="edit-form"' in page and 'id="plan-submit"' in page
    later = w.starts + datetime.timedelta(days=1)
    client.post(reverse("exam:plan_action", args=[plan.pk, "save"]), {
        "exam": w.exam.pk, "venue": "新考点", "starts_at": local(later), "ends_at": local(later + datetime.timedelta(hours=2)),
    })
    client.post(reverse("exam:plan_action", args=[plan.pk, "remove"]), {"application": application.pk})
    application.refresh_from_db()
    plan.refresh_from_db()
    assert plan.venue == "新考点" and application.status == S.INSURANCE_CHECKED and application.plan is None
    response = client.post(reverse("exam:plan_action", args=[plan.pk, "submit"]), follow=True)
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.status == P.RETURNED  # plan_empty: nothing changed


def test_reviewer_sees_the_ineligible_candidate_and_refuses_them_over_http(client, qh):
    w = qh
    first, second = checked(w), checked(w)
    plan = submitted(w, first, second)
    second.candidate.employments.update(end_date=timezone.localdate(w.now))
    login(client, w.reviewer)
    page = client.get(reverse("exam:plan", args=[plan.pk])).content.decode()
    assert 'id="plan-ineligible"' in page
    assert f'data-application="{second.pk}" data-status="planned" data-ineligible="1"' in page
    assert f'data-application="{first.pk}" data-status="planned">' in page
    # approving now refuses, naming the candidate, and changes nothing
    response = client.post(reverse("exam:plan_action", args=[plan.pk, "decide"]), {"decision": "approve"}, follow=True)
    assert response.status_code == 200 and f"#{second.pk}" in response.content.decode()
    assert ExamPlan.objects.get(pk=plan.pk).status == P.SUBMITTED
    # the institution cannot refuse a candidate of its own submitted plan
    login(client, w.staff)
    client.post(reverse("exam:plan_action", args=[plan.pk, "refuse"]), {"application": second.pk, "reason": "x"})
    assert Application.objects.get(pk=second.pk).status == S.PLANNED
    login(client, w.reviewer)
    client.post(reverse("exam:plan_action", args=[plan.pk, "refuse"]), {"application": second.pk, "reason": "已离职"})
    assert Application.objects.get(pk=second.pk).status == S.REJECTED
    page = client.get(reverse("exam:plan", args=[plan.pk])).content.decode()
    assert 'id="plan-ineligible"' not in page and f'data-application="{second.pk}"' not in page
    client.post(reverse("exam:plan_action", args=[plan.pk, "decide"]), {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.status == P.APPROVED and plan.sitting.capacity == 1
    assert Application.objects.get(pk=first.pk).status == S.APPROVED


def test_list_rows_carry_their_decision_forms(client, qh):
    w = qh
    from exam.services import applications as svc

    application = svc_apply(w)
    login(client, w.staff)
    page = client.get(reverse("exam:institution_applications")).content.decode()
    action = reverse("exam:institution_decide", args=[application.pk])
    assert f'action="{action}"' in page and 'name="decision" value="accept"' in page
    assert 'name="next" value="/exam/institution/applications/"' in page
    client.post(action, {"decision": "accept", "next": "/exam/institution/applications/"})
    application = svc.reads.application_get(w.staff, application.pk)
    assert application.status == S.INSTITUTION_ACCEPTED
    login(client, w.reviewer)
    page = client.get(reverse("exam:insurance_queue")).content.decode()
    assert f'action="{reverse("exam:insurance_check", args=[application.pk])}"' in page
    assert 'name="decision" value="pass"' in page and 'value="reject"' in page
