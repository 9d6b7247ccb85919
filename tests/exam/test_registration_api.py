"""The registration API (/api/exam/applications, /api/exam/plans, /api/people/<id>/archive): the
Guangdong and Qinghai paths through it, and every other tenant's id a 404 that changes nothing,
as on the pages (test_application_pages, test_qinghai_pages)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from exam.models import Application, ApplicationStatus, ExamPlan, ExamPlanStatus
from lms.models import ArchiveDocument

from .test_application_pages import future  # noqa: F401  (the fixture)
from .test_applications import PDF, candidate, world  # noqa: F401  (the fixture)
from .test_qinghai import checked, qh, submitted  # noqa: F401  (the fixture)

S = ApplicationStatus
P = ExamPlanStatus


def as_user(client, user):
    client.force_login(user)
    return client


def post(client, path, payload=None):
    return client.post(path, payload or {}, content_type="application/json")


def test_guangdong_path_through_the_api(client, future):
    w = future
    person = candidate(w)
    as_user(client, person.user)
    response = post(client, "/api/exam/applications", {"credential_id": w.c.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["path"] == "enterprise" and body["ticket_url"] is None
    pk = body["id"]
    # a second application for the same kind is refused in Chinese and writes nothing
    again = post(client, "/api/exam/applications", {"credential_id": w.c.pk})
    assert again.status_code == 409 and again.json()["code"] == "application_exists"
    assert "报名" in again.json()["message"] and Application.objects.filter(candidate=person).count() == 1
    assert [row["id"] for row in client.get("/api/exam/applications").json()["items"]] == [pk]

    as_user(client, w.admin)
    # a proof that is not a PDF or an image is refused, nothing changes
    bad = client.post(
        f"/api/exam/applications/{pk}/verify",
        {"handler_name": "王经办", "handler_mobile": "13800001111", "sitting_id": w.sitting.pk,
         "insurance_proof": SimpleUploadedFile("proof.exe", b"MZ\x90\x00")},
    )
    assert bad.status_code == 400 and "PDF" in bad.json()["message"]
    assert Application.objects.get(pk=pk).status == S.SUBMITTED
    verified = client.post(
        f"/api/exam/applications/{pk}/verify",
        {"handler_name": "王经办", "handler_mobile": "13800001111", "sitting_id": w.sitting.pk,
         "insurance_proof": SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf")},
    )
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "enterprise_submitted" and verified.json()["sitting_id"] == w.sitting.pk
    listed = client.get("/api/exam/applications?status=enterprise_submitted").json()
    assert listed["count"] == 1 and listed["items"][0]["handler_name"] == "王经办"

    as_user(client, w.reviewer)
    report = post(client, "/api/exam/applications/approve", {"ids": [pk, 999999]}).json()
    assert report["approved"] == [pk]
    assert report["refused"] == [{"id": 999999, "code": "application_not_found", "message": report["refused"][0]["message"]}]

    as_user(client, person.user)
    body = client.get(f"/api/exam/applications/{pk}").json()
    assert body["status"] == "approved" and body["seat"] == 1 and body["ticket_url"] == reverse("exam:ticket", args=[pk])
    assert client.get(body["ticket_url"]).content.startswith(b"%PDF")
    refused = post(client, f"/api/exam/applications/{pk}/withdraw")
    assert refused.status_code == 409 and refused.json()["code"] == "ticket_printed" and "准考证" in refused.json()["message"]
    assert Application.objects.get(pk=pk).status == S.PRINTED


def test_jilin_withdrawal_through_the_api(client, future):
    w = future
    person = candidate(w)
    as_user(client, person.user)
    opened = client.get("/api/exam/sittings/open").json()
    assert [row["id"] for row in opened] == [w.sitting.pk]
    body = post(client, "/api/exam/applications", {"sitting_id": w.sitting.pk}).json()
    assert body["path"] == "sitting" and body["sitting_id"] == w.sitting.pk
    as_user(client, w.reviewer)
    assert post(client, f"/api/exam/applications/{body['id']}/decide", {"approve": True}).json()["status"] == "approved"
    as_user(client, person.user)
    withdrawn = post(client, f"/api/exam/applications/{body['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["seat"] is None


def test_other_tenants_application_ids_are_404_on_the_api_and_change_nothing(client, future):
    w = future
    person = candidate(w)
    as_user(client, person.user)
    pk = post(client, "/api/exam/applications", {"credential_id": w.c.pk}).json()["id"]
    document = ArchiveDocument.objects.create(
        person=person, kind="graduation", content_type="application/pdf", size=1, sha256="0",
        uploaded_at=timezone.now(), file="archive/x",
    )
    stranger = candidate(w, enterprise=w.other_enterprise)
    for user in (w.other_admin, w.other_reviewer, stranger.user):
        as_user(client, user)
        assert client.get("/api/exam/applications").json() == {"items": [], "count": 0}
        for response in (
            client.get(f"/api/exam/applications/{pk}"),
            post(client, f"/api/exam/applications/{pk}/withdraw"),
            post(client, f"/api/exam/applications/{pk}/decide", {"approve": True}),
            post(client, f"/api/exam/applications/{pk}/cancel", {"reason": "x"}),
            client.post(f"/api/exam/applications/{pk}/verify", {"handler_name": "x", "handler_mobile": "13800001111", "sitting_id": w.sitting.pk}),
            client.get(f"/api/people/{person.pk}/archive"),
            client.get(f"/api/archive/documents/{document.pk}"),
        ):
            assert response.status_code == 404, (user, response.request["PATH_INFO"], response.content)
            assert set(response.json()) == {"code", "message"}
        report = post(client, "/api/exam/applications/approve", {"ids": [pk]}).json()
        assert report["approved"] == [] and report["refused"][0]["code"] == "application_not_found"
    assert Application.objects.get(pk=pk).status == S.SUBMITTED
    # those who may see the archive do
    for user in (person.user, w.admin, w.reviewer):
        as_user(client, user)
        listed = client.get(f"/api/people/{person.pk}/archive")
        assert listed.status_code == 200 and [row["id"] for row in listed.json()] == [document.pk]


def test_qinghai_plan_through_the_api_with_one_candidate_refused(client, qh):
    w = qh
    first, second = checked(w), checked(w)
    as_user(client, w.staff)
    starts = (w.now + datetime.timedelta(days=20)).isoformat()
    ends = (w.now + datetime.timedelta(days=20, hours=2)).isoformat()
    created = post(client, "/api/exam/plans", {
        "institution_id": w.institution.pk, "exam_id": w.exam.pk, "venue": "广州考点机房", "starts_at": starts, "ends_at": ends,
    })
    assert created.status_code == 201, created.content
    plan_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["candidates"] == []
    # another institution cannot make a plan for this one
    as_user(client, w.other_staff)
    assert post(client, "/api/exam/plans", {
        "institution_id": w.institution.pk, "exam_id": w.exam.pk, "venue": "x", "starts_at": starts, "ends_at": ends,
    }).status_code == 404
    as_user(client, w.staff)
    filled = post(client, f"/api/exam/plans/{plan_id}/candidates", {"ids": [first.pk, second.pk]}).json()
    assert [row["application_id"] for row in filled["candidates"]] == [first.pk, second.pk]
    assert post(client, f"/api/exam/plans/{plan_id}/submit").json()["status"] == "submitted"

    second.candidate.employments.update(end_date=timezone.localdate(w.now))
    as_user(client, w.reviewer)
    detail = client.get(f"/api/exam/plans/{plan_id}").json()
    flags = {row["application_id"]: row["ineligible"] for row in detail["candidates"]}
    assert flags[first.pk] == [] and flags[second.pk]
    refused = post(client, f"/api/exam/plans/{plan_id}/decide", {"approve": True})
    assert refused.status_code == 409 and refused.json()["code"] == "plan_candidate_ineligible"
    assert post(client, f"/api/exam/plans/{plan_id}/refuse", {"application_id": second.pk}).json()["code"] == "reason_required"
    after = post(client, f"/api/exam/plans/{plan_id}/refuse", {"application_id": second.pk, "reason": "已离职"}).json()
    assert [row["application_id"] for row in after["candidates"]] == [first.pk]
    approved = post(client, f"/api/exam/plans/{plan_id}/decide", {"approve": True}).json()
    assert approved["status"] == "approved" and approved["sitting_id"]
    assert Application.objects.get(pk=first.pk).status == S.APPROVED
    assert Application.objects.get(pk=second.pk).status == S.REJECTED


@pytest.mark.parametrize("actor", ["other_staff", "other_reviewer", "admin", "candidate"])
def test_other_tenants_plan_ids_are_404_on_the_api(client, qh, actor):
    w = qh
    application = checked(w)
    plan = submitted(w, application)
    user = application.candidate.user if actor == "candidate" else getattr(w, actor)
    as_user(client, user)
    assert plan.pk not in [row["id"] for row in client.get("/api/exam/plans").json()["items"]]
    for response in (
        client.get(f"/api/exam/plans/{plan.pk}"),
        post(client, f"/api/exam/plans/{plan.pk}/decide", {"approve": True}),
        post(client, f"/api/exam/plans/{plan.pk}/refuse", {"application_id": application.pk, "reason": "x"}),
        post(client, f"/api/exam/plans/{plan.pk}/submit"),
        post(client, f"/api/exam/plans/{plan.pk}/candidates/{application.pk}/remove"),
    ):
        assert response.status_code == 404 and response.json()["code"] == "plan_not_found", response.content
    assert ExamPlan.objects.get(pk=plan.pk).status == P.SUBMITTED
    assert Application.objects.get(pk=application.pk).status == S.PLANNED
