"""The pages of applications and the archive: each party's journey over HTTP, other tenants' ids
give 404 (pages and private files), bad uploads are refused in Chinese and change nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from exam.models import Application, ApplicationStatus
from lms.models import ArchiveDocument, IdPhotoStatus

from .test_applications import PDF, candidate, world  # noqa: F401  (the fixture)

S = ApplicationStatus


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def future(world):
    now = timezone.now()
    world.sitting.starts_at = now + datetime.timedelta(days=5)
    world.sitting.ends_at = now + datetime.timedelta(days=5, hours=2)
    world.sitting.save()
    return world


def test_guangdong_journey_over_http(client, future):
    w = future
    person = candidate(w)
    login(client, person.user)
    page = client.get(reverse("exam:my_applications"))
    assert page.status_code == 200 and "报名" in page.content.decode()
    response = client.post(reverse("exam:my_applications"), {"credential": w.c.pk})
    application = Application.objects.get(candidate=person)
    assert response.status_code == 302 and application.status == S.SUBMITTED

    login(client, w.admin)
    assert client.get(reverse("exam:applications")).status_code == 200
    detail = client.get(reverse("exam:application", args=[application.pk])).content.decode()
    assert "verify-form" in detail
    bad = client.post(
        reverse("exam:application_verify", args=[application.pk]),
        {"handler_name": "王经办", "handler_mobile": "13800001111", "sitting": w.sitting.pk,
         "insurance_proof": SimpleUploadedFile("proof.exe", b"MZ\x90\x00", content_type="application/pdf")},
        follow=True,
    )
    assert "PDF" in bad.content.decode()
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    client.post(
        reverse("exam:application_verify", args=[application.pk]),
        {"handler_name": "王经办", "handler_mobile": "13800001111", "sitting": w.sitting.pk,
         "insurance_proof": SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf")},
    )
    application.refresh_from_db()
    assert application.status == S.ENTERPRISE_SUBMITTED

    login(client, w.reviewer)
    assert "notice-applications-review" in client.get(reverse("lms:home")).content.decode()
    proof = client.get(reverse("exam:application_proof", args=[application.pk]))
    assert proof.status_code == 200 and b"".join(proof.streaming_content).startswith(b"%PDF")
    client.post(reverse("exam:applications_approve"), {"ids": [application.pk]})
    application.refresh_from_db()
    assert application.status == S.APPROVED

    login(client, person.user)
    ticket = client.get(reverse("exam:ticket", args=[application.pk]))
    assert ticket.status_code == 200 and ticket["Content-Type"] == "application/pdf" and ticket.content.startswith(b"%PDF")
    application.refresh_from_db()
    assert application.status == S.PRINTED
    refused = client.post(reverse("exam:application_withdraw", args=[application.pk]), follow=True).content.decode()
    assert "准考证" in refused
    application.refresh_from_db()
    assert application.status == S.PRINTED


def test_other_tenants_ids_are_404(client, future):
    w = future
    mine_person = candidate(w)
    login(client, mine_person.user)
    client.post(reverse("exam:my_applications"), {"credential": w.c.pk})
    mine = Application.objects.get(candidate=mine_person)
    document = ArchiveDocument.objects.create(
        person=mine_person, kind="graduation", content_type="application/pdf", size=1, sha256="0", uploaded_at=timezone.now(), file="archive/x"
    )
    for user in (w.other_admin, w.other_reviewer, candidate(w, enterprise=w.other_enterprise).user):
        login(client, user)
        for name in ("exam:application", "exam:application_proof", "exam:ticket"):
            assert client.get(reverse(name, args=[mine.pk])).status_code == 404, (user, name)
        assert client.post(reverse("exam:application_decide", args=[mine.pk]), {"decision": "approve"}).status_code == 404
        assert client.get(reverse("lms:archive_document", args=[document.pk])).status_code == 404
    mine.refresh_from_db()
    assert mine.status == S.SUBMITTED


def test_archive_upload_refusals_and_lock(client, future):
    w = future
    person = candidate(w)
    login(client, person.user)
    assert client.get(reverse("lms:archive")).status_code == 200
    for data in (b"GIF89a" + b"0" * 10, b"%PDF-" + b"0" * (5 * 1024 * 1024)):
        page = client.post(
            reverse("lms:archive"), {"action": "document", "kind": "graduation", "file": SimpleUploadedFile("a.pdf", data)},
            follow=True,
        ).content.decode()
        assert "文档" in page or "PDF" in page or "MB" in page
    assert not ArchiveDocument.objects.filter(person=person).exists()
    client.post(reverse("lms:archive"), {"action": "document", "kind": "graduation", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert ArchiveDocument.objects.filter(person=person).count() == 1


def test_id_photo_review_makes_the_photo_a_trust_anchor(client, future):
    from lms.services.archive import id_photo_review

    w = future
    person = candidate(w)
    type(person).objects.filter(pk=person.pk).update(id_photo="id-photos/x.jpg", id_photo_status=IdPhotoStatus.PENDING)
    login(client, w.reviewer)
    page = client.get(reverse("lms:id_photo_reviews")).content.decode()
    assert f'data-person="{person.pk}"' in page
    login(client, w.other_reviewer)
    assert f'data-person="{person.pk}"' not in client.get(reverse("lms:id_photo_reviews")).content.decode()
    person.refresh_from_db()
    with pytest.raises(Exception):
        id_photo_review(actor=w.other_reviewer, person=person, approve=True)
    person = id_photo_review(actor=w.reviewer, person=person, approve=True)
    assert person.id_photo_status == IdPhotoStatus.APPROVED


