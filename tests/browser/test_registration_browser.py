"""Registration and admission in a real browser, across the roles: the Guangdong path (the
candidate applies on a phone-sized screen, the enterprise verifies with an uploaded 参保证明 and
submits, the authority approves in bulk, the candidate downloads the ticket, the proctor checks in
by the QR code read from the rendered PDF, the candidate enters the exam), and the Jilin path
with a withdrawal before printing and a refused one after."""

import datetime

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone

from exam.models import Application, ApplicationStatus
from exam.services import applications as svc
from exam.testing import make_bank, make_exam
from lms.models import (
    Credential,
    IdPhotoStatus,
    OrganisationKind,
    Person,
    Region,
    RegionLevel,
    SafetyTraining,
)
from lms.services.people import person_id_photo_set
from tests.factories import (
    EmploymentFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    RegionFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = ApplicationStatus
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def as_user(browser, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", **options)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


@pytest.fixture
def setting(testdata):
    province = RegionFactory()
    city = Region.objects.create(code="440100", name="广州市", level=RegionLevel.CITY, parent=province)
    authority = OrganisationFactory(kind=OrganisationKind.AUTHORITY, name="广州市住建局", region=city)
    enterprise = OrganisationFactory(region=city, name="广州建工集团")
    reviewer = MembershipFactory(organisation=authority, role="authority_reviewer").user
    MembershipFactory(user=reviewer, organisation=authority, role="proctor")
    admin = MembershipFactory(organisation=enterprise, role="enterprise_admin").user
    c = Credential.objects.get(code="C")
    make_bank(c)
    exam = make_exam(c)
    now = timezone.now()
    sitting = exam.sittings.create(
        authority=authority, venue="广州考点一", starts_at=now + datetime.timedelta(days=7),
        ends_at=now + datetime.timedelta(days=7, hours=2), open_for_applications=True, capacity=30,
    )
    person = PersonFactory(real_name="陈志强", management_since=datetime.date(2019, 5, 1))
    EmploymentFactory(person=person, enterprise=enterprise)
    person_id_photo_set(person=person, data=(testdata / "faces" / "obama_1.jpg").read_bytes())
    Person.objects.filter(pk=person.pk).update(id_photo_status=IdPhotoStatus.APPROVED)
    return type("Setting", (), locals())


def qr_from_pdf(data: bytes) -> str:
    import cv2
    import pypdfium2

    # OpenCV's detector misses some codes at one scale (the token, and so the pattern, differs on
    # each run): try a few renderings and both detectors before concluding there is none.
    document = pypdfium2.PdfDocument(data)
    detectors = [cv2.QRCodeDetector()] + ([cv2.QRCodeDetectorAruco()] if hasattr(cv2, "QRCodeDetectorAruco") else [])
    for scale in (3, 2, 4, 5):
        image = np.array(document[0].render(scale=scale).to_pil().convert("L"))
        for detector in detectors:
            text, _points, _ = detector.detectAndDecode(image)
            if text:
                return text
    return ""


def test_guangdong_path_across_three_roles(browser, live_server, setting, tmp_path):
    s = setting
    candidate = as_user(browser, live_server, s.person.user, viewport={"width": 360, "height": 740})
    candidate.goto(f"{live_server.url}/exam/applications/")
    assert candidate.evaluate("document.documentElement.scrollWidth") <= 360
    candidate.select_option("#apply-enterprise select[name=credential]", str(s.c.pk))
    candidate.click("#apply-enterprise button[type=submit]")
    candidate.wait_for_url("**/exam/applications/*/")
    assert candidate.locator("#status").inner_text() == "已提交报名"
    application = Application.objects.get(candidate=s.person)

    enterprise = as_user(browser, live_server, s.admin)
    enterprise.goto(f"{live_server.url}/exam/applications/manage/?status=submitted")
    enterprise.click(f'tr[data-application="{application.pk}"] a')
    enterprise.fill("#verify-form input[name=handler_name]", "王经办")
    enterprise.fill("#verify-form input[name=handler_mobile]", "1380000")
    proof = tmp_path / "参保证明.pdf"
    proof.write_bytes(PDF)
    enterprise.set_input_files("#verify-form input[name=insurance_proof]", str(proof))
    # the enterprise attests its annual safety training as it verifies (none is on record yet)
    trained_on = (timezone.localdate() - datetime.timedelta(days=20)).isoformat()
    enterprise.fill("#safety-trained-on", trained_on)
    enterprise.click("#verify-form button[type=submit]")
    assert "11位手机号码" in enterprise.locator(".messages").inner_text()
    assert not SafetyTraining.objects.filter(person=s.person).exists()  # refused: nothing written
    enterprise.fill("#verify-form input[name=handler_name]", "王经办")
    enterprise.fill("#verify-form input[name=handler_mobile]", "13800001111")
    enterprise.set_input_files("#verify-form input[name=insurance_proof]", str(proof))
    enterprise.fill("#safety-trained-on", trained_on)
    enterprise.click("#verify-form button[type=submit]")
    enterprise.wait_for_selector("#status:has-text('企业已审核并提交')")

    authority = as_user(browser, live_server, s.reviewer)
    authority.goto(f"{live_server.url}/")
    assert "待审核的报名：1" in authority.locator("#notice-applications-review").inner_text()
    authority.click("#notice-applications-review a")
    authority.check(f'tr[data-application="{application.pk}"] input[name=ids]')
    authority.click("#bulk-approve")
    authority.wait_for_selector(".messages:has-text('已通过 1 条报名')")
    authority.goto(f"{live_server.url}/exam/applications/manage/?status=approved")
    assert authority.locator(f'tr[data-application="{application.pk}"] .status').inner_text() == "已批准"

    candidate.reload()
    assert candidate.locator("#status").inner_text() == "已批准"
    with candidate.expect_download() as download:
        candidate.evaluate("url => { const a = document.createElement('a'); a.href = url; a.download = 't.pdf'; document.body.append(a); a.click(); }",
                           candidate.locator("#ticket-link").get_attribute("href"))
    data = open(download.value.path(), "rb").read()
    assert data.startswith(b"%PDF")
    application.refresh_from_db()
    assert application.status == S.PRINTED
    url = qr_from_pdf(data)
    assert "/exam/checkin/?token=" in url

    authority.goto(url)
    assert authority.locator("#checkin-name").inner_text() == "陈志强"
    authority.wait_for_function("() => document.querySelector('#checkin-result img').naturalWidth > 0")
    # an altered token is refused in Chinese
    authority.goto(url[:-3] + ("abc" if not url.endswith("abc") else "xyz"))
    assert "伪造或篡改" in authority.locator("#checkin-error").inner_text()

    # exam day: the approved candidate is on the sitting and enters the room
    now = timezone.now()
    type(s.sitting).objects.filter(pk=s.sitting.pk).update(starts_at=now - datetime.timedelta(minutes=5), ends_at=now + datetime.timedelta(hours=2))
    candidate.goto(f"{live_server.url}/exam/my/")
    candidate.click(f'tr[data-sitting="{s.sitting.pk}"] button.enter')
    candidate.wait_for_url("**/exam/attempts/*/")


def test_jilin_path_withdrawal_before_printing_and_not_after(browser, live_server, setting):
    s = setting
    candidate = as_user(browser, live_server, s.person.user, viewport={"width": 360, "height": 740})
    candidate.goto(f"{live_server.url}/exam/applications/")
    # no record of the employer's annual safety training yet: refused, naming the rule
    candidate.click(f'#open-sittings li[data-sitting="{s.sitting.pk}"] button.apply-sitting')
    candidate.wait_for_selector(".messages:has-text('企业年度安全生产教育培训')")
    assert not Application.objects.filter(candidate=s.person).exists()
    # the enterprise records it on its page, at phone width
    enterprise = as_user(browser, live_server, s.admin, viewport={"width": 360, "height": 740})
    enterprise.goto(f"{live_server.url}/organisations/{s.enterprise.pk}/")
    enterprise.click("#safety-training-link")
    assert enterprise.locator(f'#training tr[data-person="{s.person.pk}"]').get_attribute("data-trained") == "0"
    enterprise.check(f'#training tr[data-person="{s.person.pk}"] input[name=people]')
    enterprise.fill("#training-form input[name=passed_on]", (timezone.localdate() - datetime.timedelta(days=3)).isoformat())
    enterprise.click("#training-record")
    enterprise.wait_for_selector(f'#training tr[data-person="{s.person.pk}"][data-trained="1"]')
    assert enterprise.evaluate("document.documentElement.scrollWidth") <= 360
    candidate.goto(f"{live_server.url}/exam/applications/")
    candidate.click(f'#open-sittings li[data-sitting="{s.sitting.pk}"] button.apply-sitting')
    candidate.wait_for_url("**/exam/applications/*/")
    first = Application.objects.get(candidate=s.person)
    svc.application_decide(actor=s.reviewer, application=first, approve=True)
    candidate.reload()
    candidate.click("#withdraw")
    candidate.wait_for_selector("#status:has-text('已退考')")

    candidate.goto(f"{live_server.url}/exam/applications/")
    candidate.click(f'#open-sittings li[data-sitting="{s.sitting.pk}"] button.apply-sitting')
    candidate.wait_for_url("**/exam/applications/*/")
    second = Application.objects.exclude(pk=first.pk).get(candidate=s.person)
    svc.application_decide(actor=s.reviewer, application=second, approve=True)
    response = candidate.request.get(f"{live_server.url}/exam/applications/{second.pk}/ticket.pdf")
    assert response.ok and response.body().startswith(b"%PDF")
    candidate.reload()
    assert candidate.locator("#withdraw").count() == 0
    assert "不能再退考" in candidate.locator("#no-withdraw").inner_text()
    # a withdrawal posted anyway is refused and changes nothing
    candidate.request.post(f"{live_server.url}/exam/applications/{second.pk}/withdraw/", headers={"X-CSRFToken": "x"})
    second.refresh_from_db()
    assert second.status == S.PRINTED
