"""Certificates: issue in batches, extension, the daily review (expire, void), revocation, illegal
moves; the electronic certificate PDF (Chinese text, rendered page) and the public verification
page (signed links, tampered and forged ones refused)."""

import datetime
import io
from decimal import Decimal

import cv2
import numpy
import pypdfium2
import pytest
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from PIL import Image
from pypdf import PdfReader

from hours import tasks
from hours.models import (
    Certificate,
    CertificateEvent,
    CertificateStatus,
    ExtensionRequest,
    ExtensionStatus,
)
from hours.models.certificates import CERTIFICATE_MACHINE
from hours.rules.pass_list import PassRow
from hours.selectors.certificates import (
    TOKEN_SALT,
    certificate_by_token,
    certificate_token,
)
from hours.services import certificates as services
from hours.web.certificate_pdf import certificate_pdf
from kernel.errors import DomainError
from kernel.masking import mask_name
from tests.factories import (
    EmploymentFactory,
    HoursEntryFactory,
    PersonFactory,
    confirmed_pass,
    credential,
)

S = CertificateStatus


def zh(text: str) -> str:
    """A message as the Chinese pages and documents show it."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def passed(world, *people, code="C", authority=None, passed_on=datetime.date(2022, 5, 1)):
    """Each person holds a province-confirmed pass of the credential (what issuing requires)."""
    for person in people:
        confirmed_pass(person, credential(code), authority or world.gz_authority, world.gz_reviewer, passed_on=passed_on, months=36)


def issue(world, person, code="C", issued_on=datetime.date(2022, 6, 1), authority=None, actor=None) -> Certificate:
    passed(world, person, code=code, authority=authority, passed_on=issued_on - datetime.timedelta(days=30))
    report = services.certificates_issue(
        actor=actor or world.gz_reviewer,
        authority=authority or world.gz_authority,
        credential=credential(code),
        people=[person],
        issued_on=issued_on,
        now=at(issued_on),
    )
    assert len(report.issued) == 1, report.skipped
    return report.issued[0]


def earn(person, code, year, hours, category="general", month=7):
    HoursEntryFactory(
        person=person, credential=credential(code), category=category, hours=Decimal(hours),
        earned_on=datetime.date(year, month, 1),
    )


def login(client, user):
    client.force_login(user)
    return client


# Issue -------------------------------------------------------------------------------------------



def read_qr(pdf: bytes) -> str:
    """The text of the first QR code OpenCV reads on the rendered first page. OpenCV's detector
    misses some codes at one scale and reads them at another (the token changes every run), so it
    tries a few, as a phone's camera would from different distances."""
    document = pypdfium2.PdfDocument(pdf)
    for scale in (1.5, 2, 3, 1, 4):
        page = numpy.array(document[0].render(scale=scale).to_pil().convert("RGB"))
        # OpenCV's two detectors: the classic one, then the ArUco-based one, which finds codes the
        # first misses.
        for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
            decoded, _points, _straight = detector.detectAndDecode(page)
            if decoded:
                return decoded
    return ""

def test_issue_numbers_the_certificates_and_sets_the_expiry_by_the_scheme(world):
    second = PersonFactory(real_name="陈二号")
    EmploymentFactory(person=second, enterprise=world.gz_enterprise)
    passed(world, world.gz_worker, second)

    report = services.certificates_issue(
        actor=world.gz_reviewer, authority=world.gz_authority, credential=credential("C"),
        people=[world.gz_worker, second], issued_on=datetime.date(2024, 3, 1),
    )

    assert [c.number for c in report.issued] == ["4401002024C000001", "4401002024C000002"]
    assert report.skipped == []
    first = report.issued[0]
    assert (first.holder, first.status, first.expires_on) == (world.gz_worker, S.VALID, datetime.date(2027, 3, 1))
    event = first.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", S.VALID, world.gz_reviewer)
    # The next batch continues the sequence.
    third = PersonFactory()
    EmploymentFactory(person=third, enterprise=world.gz_enterprise)
    assert issue(world, third, issued_on=datetime.date(2024, 5, 1)).number == "4401002024C000003"


def test_issue_skips_holders_of_a_valid_certificate_and_people_outside_the_region(world):
    issue(world, world.gz_worker)

    report = services.certificates_issue(
        actor=world.gz_reviewer, authority=world.gz_authority, credential=credential("C"),
        people=[world.gz_worker, world.sz_worker, world.loner], issued_on=datetime.date(2024, 3, 1),
    )

    assert report.issued == []
    reasons = {item.label.split(" ")[0]: item.reason for item in report.skipped}
    assert reasons["张广州"] == zh("Already holds a valid certificate of this credential.")
    assert reasons["李深圳"] == reasons["王无业"] == zh("Not employed or working in this authority's region.")
    # Another credential is a separate certificate; the province's authority oversees Shenzhen.
    assert issue(world, world.gz_worker, code="101").credential.code == "101"
    provincial = issue(world, world.sz_worker, authority=world.province_authority, actor=world.province_reviewer)
    assert provincial.number.startswith("4400002022C")


def test_only_the_authoritys_reviewers_issue(world):
    with pytest.raises(DomainError) as refused:
        services.certificates_issue(
            actor=world.sz_reviewer, authority=world.gz_authority, credential=credential("C"),
            people=[world.gz_worker], issued_on=datetime.date(2024, 3, 1),
        )
    assert refused.value.code == "not_authority_reviewer"
    assert not Certificate.objects.exists()


def test_issue_from_a_pass_list_checks_each_row(world):
    passed(world, world.gz_worker, world.sz_worker)
    rows = [
        PassRow(world.gz_worker.id_number.lower(), "张广州"),
        PassRow("440106198604029999", "查无此人"),
        PassRow(world.sz_worker.id_number, "王冒名"),
    ]
    report = services.certificates_issue_from_list(
        actor=world.gz_reviewer, authority=world.gz_authority, credential=credential("C"), rows=rows,
        issued_on=datetime.date(2024, 3, 1),
    )
    assert [c.holder for c in report.issued] == [world.gz_worker]
    assert [s.reason for s in report.skipped] == [
        zh("No registered person has this ID number."),
        zh("The name differs from the registered real name."),
    ]


# Transitions -------------------------------------------------------------------------------------


def test_revoke_then_every_further_move_is_refused(world):
    certificate = issue(world, world.gz_worker)

    services.certificate_revoke(actor=world.gz_reviewer, certificate=certificate, reason="材料造假")

    certificate.refresh_from_db()
    assert certificate.status == S.REVOKED
    assert certificate.events.last().reason == "材料造假"
    for target in S.values:
        with pytest.raises(DomainError) as refused:
            services.certificate_transition(certificate=certificate, to=target, reason="再试")
        assert refused.value.code == "certificate_move_illegal"
        assert refused.value.status == 409
    assert certificate.events.count() == 2


def test_an_authority_of_another_region_cannot_revoke(world):
    certificate = issue(world, world.gz_worker)
    with pytest.raises(DomainError) as refused:
        services.certificate_revoke(actor=world.sz_reviewer, certificate=certificate, reason="越权")
    assert refused.value.code == "certificate_not_found"
    certificate.refresh_from_db()
    assert certificate.status == S.VALID


@pytest.mark.parametrize(
    "source,target",
    [(s, t) for s in S.values for t in S.values if t not in CERTIFICATE_MACHINE.moves[s]],
)
def test_moves_outside_the_table_are_refused(world, source, target):
    certificate = issue(world, world.gz_worker)
    Certificate.objects.filter(pk=certificate.pk).update(status=source)

    with pytest.raises(DomainError) as refused:
        services.certificate_transition(certificate=certificate, to=target, reason="测试")

    assert refused.value.code == "certificate_move_illegal"
    certificate.refresh_from_db()
    assert certificate.status == source
    assert certificate.events.count() == 1


def test_an_extension_must_move_the_expiry_later(world):
    certificate = issue(world, world.gz_worker)
    for expires_on in (None, certificate.expires_on, certificate.expires_on - datetime.timedelta(days=1)):
        with pytest.raises(DomainError) as refused:
            services.certificate_transition(certificate=certificate, to=S.VALID, reason="延期", expires_on=expires_on)
        assert refused.value.code == "extension_not_later" and refused.value.status == 409
    with pytest.raises(DomainError) as refused:
        services.certificate_transition(
            certificate=certificate, to=S.VOID, reason="作废", expires_on=datetime.date(2030, 1, 1)
        )
    assert refused.value.code == "expiry_change_not_extension"


# Extension ---------------------------------------------------------------------------------------


def test_extension_applied_with_hours_met_and_approved_moves_the_expiry(world):
    certificate = issue(world, world.gz_worker)  # 2022-06-01 to 2025-06-01
    for year in (2022, 2023, 2024, 2025):
        earn(world.gz_worker, "C", year, 8, month=2 if year == 2025 else 7)

    request = services.extension_apply(holder=world.gz_worker, certificate=certificate, now=at(datetime.date(2025, 3, 1)))
    assert request.status == ExtensionStatus.PENDING
    with pytest.raises(DomainError) as again:
        services.extension_apply(holder=world.gz_worker, certificate=certificate, now=at(datetime.date(2025, 3, 2)))
    assert again.value.code == "extension_pending"

    services.extension_decide(actor=world.province_reviewer, request=request, approve=True, now=at(datetime.date(2025, 3, 5)))

    certificate.refresh_from_db()
    request.refresh_from_db()
    assert (certificate.status, certificate.expires_on) == (S.VALID, datetime.date(2028, 6, 1))
    assert (request.status, request.decided_by) == (ExtensionStatus.APPROVED, world.province_reviewer)
    event = certificate.events.last()
    assert (event.from_status, event.to_status, event.expires_on) == (S.VALID, S.VALID, datetime.date(2028, 6, 1))
    with pytest.raises(DomainError) as decided:
        services.extension_decide(actor=world.gz_reviewer, request=request, approve=False, reason="重复")
    assert decided.value.code == "extension_decided"


def test_extension_refused_while_the_hours_are_not_met(world):
    certificate = issue(world, world.gz_worker)
    earn(world.gz_worker, "C", 2022, 8)

    with pytest.raises(DomainError) as refused:
        services.extension_apply(holder=world.gz_worker, certificate=certificate, now=at(datetime.date(2025, 3, 1)))

    assert refused.value.code == "hours_not_met"
    assert "2023" in refused.value.message  # the explanation names the year that fell short
    assert not ExtensionRequest.objects.exists()


def test_extension_refused_for_a_certificate_that_is_not_valid(world):
    certificate = issue(world, world.gz_worker)
    services.certificate_revoke(actor=world.gz_reviewer, certificate=certificate, reason="撤销")
    with pytest.raises(DomainError) as refused:
        services.extension_apply(holder=world.gz_worker, certificate=certificate, now=at(datetime.date(2023, 3, 1)))
    assert refused.value.code == "certificate_not_valid"


def test_rejection_needs_a_reason_and_leaves_the_expiry(world):
    certificate = issue(world, world.gz_worker)
    request = ExtensionRequest.objects.create(certificate=certificate, requested_at=at(datetime.date(2025, 3, 1)))
    with pytest.raises(DomainError) as refused:
        services.extension_decide(actor=world.gz_reviewer, request=request, approve=False)
    assert refused.value.code == "reason_required"
    services.extension_decide(actor=world.gz_reviewer, request=request, approve=False, reason="学时证明不全")
    request.refresh_from_db()
    certificate.refresh_from_db()
    assert (request.status, request.reason) == (ExtensionStatus.REJECTED, "学时证明不全")
    assert certificate.expires_on == datetime.date(2025, 6, 1)


def test_another_regions_authority_cannot_approve_an_extension(world, client):
    certificate = issue(world, world.gz_worker)
    request = ExtensionRequest.objects.create(certificate=certificate, requested_at=at(datetime.date(2025, 3, 1)))

    login(client, world.sz_reviewer)
    listing = client.get(reverse("hours:extension_list"))
    response = client.post(reverse("hours:extension_decide", args=[request.pk]), {"decision": "approve"})

    assert certificate.number not in listing.content.decode()
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == ExtensionStatus.PENDING
    with pytest.raises(DomainError) as refused:
        services.extension_decide(actor=world.sz_reviewer, request=request, approve=True)
    assert refused.value.code == "extension_not_found"


def test_the_authority_approves_on_its_page(world, client):
    certificate = issue(world, world.gz_worker)
    request = ExtensionRequest.objects.create(certificate=certificate, requested_at=at(datetime.date(2025, 3, 1)))
    login(client, world.gz_reviewer)
    assert certificate.number in client.get(reverse("hours:extension_list")).content.decode()

    response = client.post(reverse("hours:extension_decide", args=[request.pk]), {"decision": "approve"})

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.expires_on == datetime.date(2028, 6, 1)


def test_the_holder_applies_on_my_certificates(world, client):
    certificate = issue(world, world.gz_worker, issued_on=timezone.localdate().replace(month=1, day=1))
    earn(world.gz_worker, "C", certificate.issued_on.year, 24, month=1)
    login(client, world.gz_worker.user)

    page = client.get(reverse("hours:my_certificates"))
    response = client.post(reverse("hours:extension_apply", args=[certificate.pk]), follow=True)

    assert certificate.number in page.content.decode()
    assert response.status_code == 200
    assert ExtensionRequest.objects.get().certificate == certificate
    # Someone else's certificate is not there to apply for.
    login(client, world.sz_worker.user)
    assert client.post(reverse("hours:extension_apply", args=[certificate.pk])).status_code == 404


# The daily review --------------------------------------------------------------------------------


def test_review_expires_certificates_past_their_expiry(world):
    certificate = issue(world, world.gz_worker)  # expires 2025-06-01
    for year in (2022, 2023, 2024, 2025):
        earn(world.gz_worker, "C", year, 8, month=2 if year == 2025 else 7)

    assert services.certificates_review(today=datetime.date(2025, 6, 1)).expired == 0
    report = services.certificates_review(today=datetime.date(2025, 6, 2))

    assert (report.expired, report.voided) == (1, 0)
    certificate.refresh_from_db()
    assert certificate.status == S.EXPIRED
    event = certificate.events.last()
    assert (event.from_status, event.to_status, event.actor) == (S.VALID, S.EXPIRED, None)
    assert event.reason == zh("The validity period has ended")


def test_review_voids_a_site_professional_certificate_short_of_hours(world):
    site = issue(world, world.gz_worker, code="101")  # 2022-06-01 to 2025-06-01
    earn(world.gz_worker, "101", 2023, 30, category="professional")
    earn(world.gz_worker, "101", 2024, 20, category="professional")
    safety = issue(world, world.gz_worker, code="C")  # no hours: not extendable, but not void

    report = services.certificates_review(today=datetime.date(2025, 3, 1))

    assert (report.expired, report.voided) == (0, 1)
    site.refresh_from_db()
    safety.refresh_from_db()
    assert (site.status, safety.status) == (S.VOID, S.VALID)
    event = site.events.last()
    assert (event.from_status, event.to_status) == (S.VALID, S.VOID)
    assert "64" in event.reason and "50" in event.reason  # the explanation: 50 hours, fewer than 64
    # A void certificate neither expires nor comes back.
    assert services.certificates_review(today=datetime.date(2025, 7, 1)).expired == 1  # only the safety one
    site.refresh_from_db()
    assert site.status == S.VOID


def test_the_daily_task_runs_the_review_and_is_scheduled(world):
    certificate = issue(world, world.gz_worker, issued_on=timezone.localdate() - datetime.timedelta(days=3 * 366 + 2))
    assert tasks.certificates_review() == {"expired": 1, "voided": 0, "failed": 0}
    certificate.refresh_from_db()
    assert certificate.status == S.EXPIRED
    schedule = settings.CELERY_BEAT_SCHEDULE["certificates-review"]
    assert schedule == {"task": "hours.tasks.certificates_review", "schedule": 24 * 3600}


# The electronic certificate ----------------------------------------------------------------------


def _jpeg() -> bytes:
    image = Image.new("RGB", (260, 320), (40, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return buffer.getvalue()


def _text(pdf: bytes) -> str:
    """Page 1's text as pypdf extracts it, without whitespace (pypdf may space CJK glyphs apart)
    and without the NULs it puts before each glyph of fpdf2's two-byte font encoding."""
    return "".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\x00", "").split())


def _pdfium_text(pdf: bytes) -> str:
    return "".join(pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range().split())


def test_the_pdf_carries_the_chinese_text_photo_and_qr_code(world):
    world.gz_worker.id_photo.save("id.jpg", ContentFile(_jpeg()))
    certificate = issue(world, world.gz_worker)
    url = "https://kaohe.example.cn/verify/" + certificate_token(certificate) + "/"

    pdf = certificate_pdf(certificate, verify_url=url)

    text = _text(pdf)
    for expected in (
        "张广州",
        zh("Electronic certificate"),
        "安管人员C类（专职安全生产管理人员）",
        "广州市住建局",
        certificate.number,
        world.gz_worker.masked_id_number,
        zh("Valid"),
    ):
        assert "".join(expected.split()) in text, expected
        assert "".join(expected.split()) in _pdfium_text(pdf), expected
    assert world.gz_worker.id_number not in text
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages[0].images) == 2  # the photo and the QR code
    fonts = {font["/BaseFont"] for font in _fonts(reader)}
    assert any("NotoSansCJK" in str(name) for name in fonts), fonts

    page = pypdfium2.PdfDocument(pdf)[0].render(scale=1.5).to_pil().convert("RGB")
    grey = page.convert("L")
    assert sum(grey.histogram()[:100]) > 0.01 * grey.width * grey.height  # not a blank page
    # The QR code on the rendered page reads back as the verification address.
    assert read_qr(pdf) == url


def test_the_qr_code_opens_the_verification_page(world, client):
    certificate = issue(world, world.gz_worker, issued_on=timezone.localdate())
    response = login(client, world.gz_worker.user).get(reverse("hours:certificate_pdf", args=[certificate.pk]))
    decoded = read_qr(response.content)
    assert decoded.startswith("http://testserver/hours/verify/")

    client.logout()
    verification = client.get(decoded.removeprefix("http://testserver"))

    assert verification.status_code == 200
    assert certificate.number in verification.content.decode()


def _fonts(reader):
    resources = reader.pages[0]["/Resources"]
    return [font.get_object() for font in resources["/Font"].values()]


def test_the_pdf_without_a_photo_draws_a_placeholder(world):
    certificate = issue(world, world.gz_worker)
    pdf = certificate_pdf(certificate, verify_url="https://kaohe.example.cn/verify/x/")
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1  # the QR code only
    assert "".join(zh("No photo on file").split()) in _text(pdf)


def test_the_pdf_is_for_the_holder_the_overseeing_authorities_and_the_current_employer(world, client):
    certificate = issue(world, world.gz_worker)
    url = reverse("hours:certificate_pdf", args=[certificate.pk])

    assert client.get(url).status_code == 302  # login first
    for user, status in (
        (world.sz_worker.user, 404),
        (world.sz_reviewer, 404),
        (world.sz_admin, 404),  # another enterprise
        (world.gz_admin, 200),  # the holder's current employer
        (world.province_reviewer, 200),
        (world.superuser, 200),
        (world.gz_worker.user, 200),
    ):
        response = login(client, user).get(url)
        assert response.status_code == status, user
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert "/hours/verify/" in text  # the address the QR code opens, printed under it


# Public verification -----------------------------------------------------------------------------


def test_the_verification_page_shows_the_status_and_a_masked_holder_without_login(world, chinese):
    certificate = issue(world, world.gz_worker, issued_on=timezone.localdate())
    response = chinese.get(reverse("hours:certificate_verify", args=[certificate_token(certificate)]))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-status="valid"' in page
    assert zh("Valid") in page
    assert world.gz_worker.masked_id_number in page
    assert mask_name("张广州") == "张**" and "张**" in page
    assert "张广州" not in page and world.gz_worker.id_number not in page
    assert certificate.number in page and "广州市住建局" in page


def test_the_verification_page_shows_a_revoked_certificate_as_such(world, client):
    certificate = issue(world, world.gz_worker, issued_on=timezone.localdate())
    services.certificate_revoke(actor=world.gz_reviewer, certificate=certificate, reason="撤销")
    response = client.get(reverse("hours:certificate_verify", args=[certificate_token(certificate)]))
    assert response.status_code == 200
    assert 'data-status="revoked"' in response.content.decode()


def test_tampered_and_forged_links_are_refused(world, chinese):
    certificate = issue(world, world.gz_worker)
    other = issue(world, world.sz_worker, authority=world.sz_authority, actor=world.sz_reviewer)
    token = certificate_token(certificate)
    payload, signature = token.rsplit(":", 1)
    other_payload = certificate_token(other).rsplit(":", 1)[0]
    tampered = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature altered
        f"{other_payload}:{signature}",  # another certificate's payload under this signature
        signing.dumps({"c": str(certificate.public_id)}, salt=TOKEN_SALT, key="not-our-secret-key" * 3),
        signing.dumps({"c": str(certificate.public_id)}, salt="another.salt"),
        signing.dumps({"c": "not-a-uuid"}, salt=TOKEN_SALT),
        signing.dumps({"c": "00000000-0000-0000-0000-000000000000"}, salt=TOKEN_SALT),
        signing.dumps(["c"], salt=TOKEN_SALT),
        "garbage",
    ]
    for bad in tampered:
        assert certificate_by_token(bad) is None, bad
        response = chinese.get(reverse("hours:certificate_verify", args=[bad]))
        assert response.status_code == 404, bad
        assert zh("The certificate verification link is invalid") in response.content.decode()
    assert certificate_by_token(token) == certificate


# Authority pages ---------------------------------------------------------------------------------


def test_the_issue_page_issues_from_pasted_lines_and_an_excel_file(world, client):
    import openpyxl

    passed(world, world.gz_worker, world.sz_worker)
    login(client, world.gz_reviewer)
    url = reverse("hours:certificates_issue")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "authority": world.gz_authority.pk, "credential": credential("C").pk, "issued_on": "2024-03-01",
            "people": f"身份证号,姓名\n{world.gz_worker.id_number}，张广州\n{world.sz_worker.id_number} 李深圳\n",
        },
    )
    page = response.content.decode()
    assert "4401002024C000001" in page
    assert escape(zh("Not employed or working in this authority's region.")) in page

    second = PersonFactory(real_name="赵表格")
    EmploymentFactory(person=second, enterprise=world.gz_enterprise)
    passed(world, second)
    workbook = openpyxl.Workbook()
    workbook.active.append(["身份证号", "姓名"])
    workbook.active.append([second.id_number, "赵表格"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = ContentFile(buffer.getvalue(), name="passed.xlsx")
    response = client.post(
        url, {"authority": world.gz_authority.pk, "credential": credential("C").pk, "issued_on": "2024-03-01", "file": upload}
    )
    assert "4401002024C000002" in response.content.decode()
    assert Certificate.objects.get(number="4401002024C000002").holder == second


def test_authority_pages_are_not_for_learners_or_other_authorities(world, client):
    certificate = issue(world, world.gz_worker)
    login(client, world.gz_worker.user)
    for name in ("certificates_issue", "extension_list", "certificate_list"):
        assert client.get(reverse(f"hours:{name}")).status_code == 404
    login(client, world.sz_reviewer)
    assert certificate.number not in client.get(reverse("hours:certificate_list")).content.decode()
    response = client.post(reverse("hours:certificate_revoke", args=[certificate.pk]), {"reason": "越权"})
    assert response.status_code == 404
    # Shenzhen's reviewer cannot issue on behalf of Guangzhou's authority.
    response = client.post(
        reverse("hours:certificates_issue"),
        {"authority": world.gz_authority.pk, "credential": credential("C").pk, "issued_on": "2024-03-01",
         "people": world.gz_worker.id_number},
    )
    assert Certificate.objects.count() == 1
    assert zh("Choose the issuing authority.") in response.content.decode()


def test_the_authority_revokes_on_the_list_page(world, client):
    certificate = issue(world, world.gz_worker)
    login(client, world.gz_reviewer)
    assert certificate.number in client.get(reverse("hours:certificate_list")).content.decode()
    client.post(reverse("hours:certificate_revoke", args=[certificate.pk]), {"reason": "证书信息有误"})
    certificate.refresh_from_db()
    assert certificate.status == S.REVOKED
    assert CertificateEvent.objects.filter(certificate=certificate, to_status=S.REVOKED, actor=world.gz_reviewer).exists()
