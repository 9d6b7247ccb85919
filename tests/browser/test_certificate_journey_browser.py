"""From score to certificate in a real browser (issue 16): a special-operations candidate
(建筑电工) has passed the theory part online; the city authority uploads the practical score as an
Excel file and sees the row stored, locks the scores and compiles the pass list; the province
confirms it; the city issues the certificate from the confirmed list and the page lists it; the
candidate's certificate PDF carries a QR code that opens the public verification page, which says
it is valid; and the enterprise sees the certificate in its certificate list. The online theory is
taken through the services here (the room has its own browser test, test_exam_room_browser)."""

import datetime

import openpyxl
import pytest
from django.utils import timezone

from exam.testing import make_bank, make_exam, make_sitting
from hours.models import Certificate, PassList, PassListStatus
from lms.models import Credential
from tests.factories import PASSWORD
from tests.hours.test_certificates import read_qr
from tests.exam.test_pages import graded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_a_special_operations_candidate_from_scores_to_a_verified_certificate(browser, live_server, world, tmp_path):
    credential = Credential.objects.get(code="TZ01")
    make_bank(credential, per_topic=3)
    exam = make_exam(credential, title="建筑电工考核", has_practical=True)
    candidate = world.gz_worker
    sitting = make_sitting(exam, world.gz_authority, [candidate], starts_at=timezone.now() - datetime.timedelta(minutes=30), hours=2)
    theory = graded(sitting, candidate)
    assert theory.passed

    # The city authority uploads the practical score, locks the scores, compiles the pass list.
    city = _login(browser, live_server, world.gz_reviewer.username)
    city.goto(f"{live_server.url}/exam/sittings/{sitting.pk}/scores/")
    assert city.locator(f"#scores tr[data-person='{candidate.pk}'] .part-theory").get_attribute("data-outcome") == "passed"
    book = openpyxl.Workbook()
    book.active.append(["身份证号", "姓名", "实操成绩"])
    book.active.append([candidate.id_number, candidate.real_name, 86])
    upload = tmp_path / "实操成绩.xlsx"
    book.save(upload)
    city.set_input_files("#scores-upload input[type=file]", str(upload))
    city.click("#scores-upload button[type=submit]")
    city.wait_for_selector("#upload-report tr[data-line='2'][data-outcome='stored']")
    assert city.locator(f"#scores tr[data-person='{candidate.pk}']").get_attribute("data-outcome") == "passed"
    city.click("#scores-lock button")
    city.wait_for_selector("#sheet-status[data-status='locked']")
    city.click("#compile-pass-list button")
    city.wait_for_selector("#pass-list-status[data-status='submitted']")
    pass_list = PassList.objects.get()
    assert city.locator(f"#passes tr[data-person='{candidate.pk}']").count() == 1
    assert city.locator("#confirm-list").count() == 0  # the city does not confirm its own list

    # The province confirms the list.
    province = _login(browser, live_server, world.province_reviewer.username)
    province.goto(f"{live_server.url}/hours/pass-lists/{pass_list.pk}/")
    province.click("#confirm-list")
    province.wait_for_selector("#pass-list-status[data-status='confirmed']")
    pass_list.refresh_from_db()
    assert pass_list.status == PassListStatus.CONFIRMED

    # The city issues from the confirmed list; the report on the page lists the certificate.
    city.goto(f"{live_server.url}/hours/pass-lists/{pass_list.pk}/")
    city.click("#issue-from-list")
    city.wait_for_selector("#issue-report #issued")
    certificate = Certificate.objects.get(holder=candidate)
    assert certificate.number in city.inner_text("#issued")
    assert city.locator("#skipped").count() == 0

    # The candidate's PDF carries a QR code that opens the public verification page.
    own = _login(browser, live_server, candidate.user.username)
    own.goto(f"{live_server.url}/hours/my/certificates/")
    assert certificate.number in own.inner_text("#my-certificates")
    assert own.locator("#my-passes tr[data-state='issued']").count() == 1
    pdf = own.request.get(f"{live_server.url}/hours/certificates/{certificate.pk}/pdf/")
    assert pdf.ok
    verify_url = read_qr(pdf.body())
    assert "/hours/verify/" in verify_url
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(live_server.url + verify_url[verify_url.index("/hours/verify/"):])
    assert public.locator("#verification").get_attribute("data-status") == "valid"
    assert certificate.number in public.inner_text("#certificate-number")

    # The enterprise sees it in its certificate list.
    enterprise = _login(browser, live_server, world.gz_admin.username)
    enterprise.goto(f"{live_server.url}/hours/enterprises/{world.gz_enterprise.pk}/certificates/")
    assert certificate.number in enterprise.inner_text("#enterprise-certificates")
