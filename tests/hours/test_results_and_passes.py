"""From score to certificate (issue 16): theory and practical parts, practical and venue scores
entered or uploaded with a row-level report and locked, the city's pass list confirmed or returned
by the province, passes that lapse at the scheme's deadline, and issuing that refuses anyone
without a confirmed pass and says why, per person, as a warning."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from exam.models import PartScore, ScoreSheetStatus, TheoryMode
from exam.rules.results import overall, part_outcome
from exam.selectors.results import candidate_results
from exam.services import results as result_services
from exam.testing import make_bank, make_exam, make_sitting
from hours.models import Certificate, Pass, PassListStatus
from hours.selectors.passes import pass_rows
from hours.services import certificates as certificate_services
from hours.services import passes as pass_services
from kernel.audit import trail_of
from kernel.errors import DomainError
from lms.models import Credential, Employment
from tests.exam.test_pages import graded, html
from tests.factories import EmploymentFactory, PersonFactory

pytestmark = pytest.mark.django_db


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture
def special(world):
    """A special-operations exam (建筑电工): theory online, practical scored at the venue."""
    credential = Credential.objects.get(code="TZ01")
    make_bank(credential, per_topic=3)
    return make_exam(credential, title="建筑电工考核", has_practical=True, practical_pass_mark=Decimal("60"))


@pytest.fixture
def sitting(world, special):
    second = PersonFactory(real_name="陈实操")
    EmploymentFactory(person=second, enterprise=world.gz_enterprise)
    return make_sitting(
        special, world.gz_authority, [world.gz_worker, second, world.loner],
        starts_at=timezone.now() - datetime.timedelta(minutes=10), hours=3,
    )


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def person_named(sitting, name):
    return sitting.candidates.get(real_name=name)


class TestParts:
    def test_every_part_must_be_passed(self):
        assert overall(["passed", "passed"]) == "passed"
        assert overall(["passed", "failed"]) == "failed"
        assert overall(["failed", "passed"]) == "failed"
        assert overall(["passed", "absent"]) == "absent"
        assert overall(["failed", "absent"]) == "failed"
        assert overall(["passed", "missing"]) == "pending"
        assert part_outcome(score=Decimal("59.99"), absent=False, pass_mark=Decimal("60")) == "failed"
        assert part_outcome(score=None, absent=True, pass_mark=Decimal("60")) == "absent"

    def test_theory_online_plus_practical_entered(self, world, sitting):
        worker, second = world.gz_worker, person_named(sitting, "陈实操")
        graded(sitting, worker)
        graded(sitting, second)
        outcomes = {row.person.pk: row.outcome for row in candidate_results(sitting)}
        assert outcomes[worker.pk] == "pending"  # the practical has no score yet
        result_services.part_score_enter(actor=world.gz_reviewer, sitting=sitting, person=worker, part="practical", value="75")
        result_services.part_score_enter(actor=world.gz_reviewer, sitting=sitting, person=second, part="practical", value="40")
        result_services.part_score_enter(actor=world.gz_reviewer, sitting=sitting, person=world.loner, part="practical", value="缺考")
        outcomes = {row.person.pk: row.outcome for row in candidate_results(sitting)}
        assert outcomes == {worker.pk: "passed", second.pk: "failed", world.loner.pk: "absent"}

    def test_a_failed_theory_fails_whatever_the_practical(self, world, sitting):
        graded(sitting, world.gz_worker, right=False)
        result_services.part_score_enter(actor=world.gz_reviewer, sitting=sitting, person=world.gz_worker, part="practical", value="100")
        [row] = [r for r in candidate_results(sitting) if r.person == world.gz_worker]
        assert row.outcome == "failed"

    def test_a_venue_theory_is_scored_here_too(self, world, special):
        special.theory_mode = TheoryMode.VENUE
        special.save()
        venue = make_sitting(special, world.gz_authority, [world.gz_worker], starts_at=timezone.now(), hours=1)
        result_services.part_score_enter(actor=world.gz_reviewer, sitting=venue, person=world.gz_worker, part="theory", value="88")
        result_services.part_score_enter(actor=world.gz_reviewer, sitting=venue, person=world.gz_worker, part="practical", value="90")
        assert candidate_results(venue)[0].outcome == "passed"

    def test_only_an_examiner_of_the_sitting_enters_scores(self, world, sitting):
        with pytest.raises(DomainError) as caught:
            result_services.part_score_enter(actor=world.sz_reviewer, sitting=sitting, person=world.gz_worker, part="practical", value="80")
        assert caught.value.code == "not_examiner"
        assert not PartScore.objects.exists()


class TestUpload:
    def test_each_bad_row_kind_is_reported_and_the_good_rows_stored(self, client, world, sitting):
        second = person_named(sitting, "陈实操")
        data = xlsx([
            ["身份证号", "姓名", "实操成绩"],
            [world.gz_worker.id_number, "张广州", 80],
            ["440106198604029999", "查无此人", 70],        # unknown candidate (ticket or ID)
            [second.id_number, "陈实操", 150],             # out of range
            [world.gz_worker.id_number, "张广州", 90],     # duplicate
            [world.loner.id_number, "王无业", "缺考"],      # absent
        ])
        client.force_login(world.gz_reviewer)
        response = client.post(reverse("exam:scores_upload", args=[sitting.pk]), {"file": _file(data)})
        page = html(response)
        outcomes = {int(row["data-line"]): row["data-outcome"] for row in page.select("#upload-report tr[data-line]")}
        assert outcomes == {2: "stored", 3: "refused", 4: "refused", 5: "refused", 6: "absent"}
        codes = [span["data-code"] for span in page.select("#upload-report .problem")]
        assert codes == ["candidate_unknown", "score_out_of_range", "duplicate_candidate_row"]
        assert "warning" in page.select_one("#upload-report")["class"]
        stored = {s.person_id: (s.score, s.absent) for s in PartScore.objects.all()}
        assert stored == {world.gz_worker.pk: (Decimal("80"), False), world.loner.pk: (None, True)}

    def test_locked_scores_are_final(self, world, sitting):
        result_services.score_sheet_transition(sitting=sitting, to=ScoreSheetStatus.LOCKED, actor=world.gz_reviewer)
        with pytest.raises(DomainError) as caught:
            result_services.part_score_enter(actor=world.gz_reviewer, sitting=sitting, person=world.gz_worker, part="practical", value="80")
        assert caught.value.code == "scores_locked"
        with pytest.raises(DomainError) as caught:
            result_services.scores_upload(
                actor=world.gz_reviewer, sitting=sitting, file_name="s.xlsx",
                data=xlsx([["身份证号", "实操成绩"], [world.gz_worker.id_number, 80]]),
            )
        assert caught.value.code == "scores_locked"

    def test_another_tenant_cannot_upload_or_see(self, client, world, sitting):
        client.force_login(world.sz_reviewer)
        data = xlsx([["身份证号", "实操成绩"], [world.gz_worker.id_number, 80]])
        assert client.post(reverse("exam:scores_upload", args=[sitting.pk]), {"file": _file(data)}).status_code == 404
        assert client.get(reverse("exam:scores", args=[sitting.pk])).status_code == 404
        assert not PartScore.objects.exists()


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scores.xlsx", data)


def _passing(world, sitting):
    graded(sitting, world.gz_worker)
    result_services.part_score_enter(actor=world.gz_reviewer, sitting=sitting, person=world.gz_worker, part="practical", value="80")
    result_services.score_sheet_transition(sitting=sitting, to=ScoreSheetStatus.LOCKED, actor=world.gz_reviewer)
    return result_services.pass_list_compile(actor=world.gz_reviewer, sitting=sitting)


class TestPassLists:
    def test_scores_must_be_locked_before_the_list(self, world, sitting):
        graded(sitting, world.gz_worker)
        result_services.part_score_enter(actor=world.gz_reviewer, sitting=sitting, person=world.gz_worker, part="practical", value="80")
        with pytest.raises(DomainError) as caught:
            result_services.pass_list_compile(actor=world.gz_reviewer, sitting=sitting)
        assert caught.value.code == "scores_not_locked"

    def test_a_list_returned_with_reasons_then_confirmed(self, client, world, sitting):
        pass_list = _passing(world, sitting)
        assert [p.person for p in pass_list.passes.all()] == [world.gz_worker]
        # The city does not confirm its own list.
        with pytest.raises(DomainError) as caught:
            pass_services.pass_list_transition(pass_list=pass_list, to=PassListStatus.CONFIRMED, actor=world.gz_reviewer)
        assert caught.value.code == "not_confirming_authority"
        # The province returns it; a reason is required.
        with pytest.raises(DomainError):
            pass_services.pass_list_transition(pass_list=pass_list, to=PassListStatus.RETURNED, actor=world.province_reviewer)
        client.force_login(world.province_reviewer)
        client.post(reverse("hours:pass_list_decide", args=[pass_list.pk]), {"decision": "return", "reason": "实操成绩需复核"})
        pass_list.refresh_from_db()
        assert pass_list.status == PassListStatus.RETURNED and pass_list.reason == "实操成绩需复核"
        # Returned: the city compiles again (a confirmed pass is still required to issue).
        report = certificate_services.certificates_issue(
            actor=world.gz_reviewer, authority=world.gz_authority, credential=sitting.exam.credential,
            people=[world.gz_worker], issued_on=timezone.localdate(),
        )
        assert report.issued == [] and "省" in report.skipped[0].reason
        again = result_services.pass_list_compile(actor=world.gz_reviewer, sitting=sitting)
        assert again.pk == pass_list.pk and again.status == PassListStatus.SUBMITTED
        client.post(reverse("hours:pass_list_decide", args=[pass_list.pk]), {"decision": "confirm"})
        pass_list.refresh_from_db()
        assert pass_list.status == PassListStatus.CONFIRMED
        assert [row.new_state for row in trail_of(pass_list)] == ["submitted", "returned", "submitted", "confirmed"]
        # The city issues from the confirmed list, on the list's page.
        client.force_login(world.gz_reviewer)
        page = html(client.post(reverse("hours:pass_list_issue", args=[pass_list.pk])))
        [certificate] = Certificate.objects.all()
        assert certificate.number in page.select_one("#issued").text
        assert Pass.objects.get().certificate == certificate

    def test_another_provinces_reviewer_sees_no_list(self, client, world, sitting):
        pass_list = _passing(world, sitting)
        client.force_login(world.sz_reviewer)
        assert client.get(reverse("hours:pass_list", args=[pass_list.pk])).status_code == 404
        assert str(pass_list.pk) not in html(client.get(reverse("hours:pass_lists"))).select_one("#pass-lists").decode()
        client.post(reverse("hours:pass_list_decide", args=[pass_list.pk]), {"decision": "confirm"})
        pass_list.refresh_from_db()
        assert pass_list.status == PassListStatus.SUBMITTED

    def test_a_pass_lapses_at_the_deadline_and_the_page_says_so(self, client, world, sitting):
        pass_list = _passing(world, sitting)
        pass_services.pass_list_transition(pass_list=pass_list, to=PassListStatus.CONFIRMED, actor=world.province_reviewer)
        item = Pass.objects.get()
        assert item.keep_until == item.passed_on.replace(year=item.passed_on.year + 1)  # 12 months by default
        on_deadline = certificate_services.certificates_issue(
            actor=world.gz_reviewer, authority=world.gz_authority, credential=sitting.exam.credential,
            people=[world.gz_worker], issued_on=item.keep_until + datetime.timedelta(days=1),
        )
        assert on_deadline.issued == []
        assert on_deadline.skipped[0].reason == zh("The pass lapsed on %(date)s: the score was kept only until then.") % {"date": item.keep_until.isoformat()}
        [row] = pass_rows(pass_list, on=item.keep_until + datetime.timedelta(days=1))
        assert row.state == "lapsed"
        [row] = pass_rows(pass_list, on=item.keep_until)
        assert row.state == "confirmed"


class TestManualIssue:
    def test_a_name_and_an_id_number_are_not_enough(self, client, world):
        """On main the manual pass list gave a C certificate to someone who never sat an exam."""
        client.force_login(world.gz_reviewer)
        response = client.post(
            reverse("hours:certificates_issue"),
            {"authority": world.gz_authority.pk, "credential": Credential.objects.get(code="C").pk,
             "issued_on": "2026-03-01", "people": f"{world.gz_worker.id_number},张广州"},
        )
        assert not Certificate.objects.exists()
        page = html(response)
        report = page.select_one("#issue-report")
        assert "warning" in report["class"]
        assert report.select_one("#skipped .reason").text == zh(
            "No confirmed exam pass for this credential: a name and an ID number are not enough."
        )


class TestLookup:
    def test_a_right_name_finds_it_a_wrong_one_does_not(self, client, world):
        certificate = Certificate.objects.create(
            number="4401002026C000009", holder=world.gz_worker, credential=Credential.objects.get(code="C"),
            authority=world.gz_authority, issued_on=datetime.date(2026, 1, 1), expires_on=datetime.date(2029, 1, 1),
        )
        url = reverse("hours:certificate_lookup")
        page = html(client.get(url, {"number": certificate.number.lower(), "name": "张广州"}))
        result = page.select_one("#lookup-result")
        assert result is not None and world.gz_worker.id_number not in page.decode()
        assert world.gz_worker.masked_id_number in result.text and world.gz_authority.name in result.text
        page = html(client.get(url, {"number": certificate.number, "name": "张冒名"}))
        assert page.select_one("#lookup-result") is None and page.select_one("#lookup-none") is not None

    def test_lookups_are_rate_limited_per_address(self, client, world):
        from django.core.cache import cache

        cache.clear()
        url = reverse("hours:certificate_lookup")
        codes = [client.get(url, {"number": "X", "name": "Y"}, REMOTE_ADDR="10.0.0.9").status_code for _ in range(21)]
        assert codes[:20] == [200] * 20 and codes[20] == 429
        assert client.get(url, {"number": "X", "name": "Y"}, REMOTE_ADDR="10.0.0.10").status_code == 200


class TestEnterpriseCertificates:
    def _certificate(self, world, person, number, expires_on):
        return Certificate.objects.create(
            number=number, holder=person, credential=Credential.objects.get(code="C"), authority=world.gz_authority,
            issued_on=datetime.date(2023, 1, 1), expires_on=expires_on,
        )

    def test_the_enterprise_sees_its_employees_filters_and_applies_on_behalf(self, client, world):
        from hours.models import ExtensionRequest, HoursEntry

        today = timezone.localdate()
        soon = self._certificate(world, world.gz_worker, "GZ-SOON", today + datetime.timedelta(days=30))
        self._certificate(world, world.sz_worker, "SZ-OTHER", today + datetime.timedelta(days=30))
        for year in range(2023, today.year + 1):
            HoursEntry.objects.create(
                person=world.gz_worker, credential=soon.credential, category="general", hours=Decimal("24"),
                earned_on=datetime.date(year, 3, 1), source="adjustment", reason="测试",
            )
        client.force_login(world.gz_admin)
        url = reverse("hours:enterprise_certificates", args=[world.gz_enterprise.pk])
        page = html(client.get(url))
        numbers = [row.select_one("a.certificate-pdf").text for row in page.select("#enterprise-certificates tr[data-certificate]")]
        assert numbers == ["GZ-SOON"]
        assert [r.select_one("a.certificate-pdf").text for r in html(client.get(url, {"show": "expiring"})).select("tr[data-certificate]")] == ["GZ-SOON"]
        assert client.get(url, {"format": "xlsx"})["Content-Type"].startswith("application/vnd.openxmlformats")
        client.post(reverse("hours:enterprise_extension_apply", args=[world.gz_enterprise.pk, soon.pk]))
        request = ExtensionRequest.objects.get()
        assert request.certificate == soon
        assert trail_of(request).get().actor == world.gz_admin

    def test_another_enterprises_admin_sees_nothing(self, client, world):
        today = timezone.localdate()
        soon = self._certificate(world, world.gz_worker, "GZ-SOON", today + datetime.timedelta(days=30))
        client.force_login(world.sz_admin)
        assert client.get(reverse("hours:enterprise_certificates", args=[world.gz_enterprise.pk])).status_code == 404
        assert client.post(reverse("hours:enterprise_extension_apply", args=[world.sz_enterprise.pk, soon.pk])).status_code == 404
        # nor opens its sealed PDF or hours statement
        for name in ("hours:certificate_pdf", "hours:certificate_statement"):
            assert client.get(reverse(name, args=[soon.pk])).status_code == 404

    def test_the_enterprise_opens_its_employees_sealed_pdf_and_statement_until_the_employment_ends(self, client, world):
        today = timezone.localdate()
        soon = self._certificate(world, world.gz_worker, "GZ-SOON", today + datetime.timedelta(days=30))
        client.force_login(world.gz_admin)
        page = html(client.get(reverse("hours:enterprise_certificates", args=[world.gz_enterprise.pk])))
        row = page.select_one(f'#enterprise-certificates tr[data-certificate="{soon.pk}"]')
        # The links on its 证书管理 list open (they answered 404 to the enterprise before)
        for link, name in (("a.certificate-pdf", "hours:certificate_pdf"), ("a.certificate-statement", "hours:certificate_statement")):
            assert row.select_one(link)["href"] == reverse(name, args=[soon.pk])
            response = client.get(reverse(name, args=[soon.pk]))
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
            assert response.content.startswith(b"%PDF")
        # Once the employee has left, the certificate is no longer the enterprise's to open
        Employment.objects.filter(person=world.gz_worker, enterprise=world.gz_enterprise).update(end_date=today)
        for name in ("hours:certificate_pdf", "hours:certificate_statement"):
            assert client.get(reverse(name, args=[soon.pk])).status_code == 404


class TestNotices:
    def test_the_institution_hears_of_its_confirmed_passers_without_a_certificate(self, client, world):
        from hours.models import PassList

        today = timezone.localdate()
        pass_list = PassList.objects.create(
            authority=world.gz_authority, credential=Credential.objects.get(code="C"), institution=world.gz_institution,
            source="test", label="合格名单", status=PassListStatus.CONFIRMED, compiled_by=world.gz_reviewer, compiled_at=timezone.now(),
        )
        Pass.objects.create(pass_list=pass_list, person=world.gz_worker, passed_on=today, keep_until=today + datetime.timedelta(days=365))
        client.force_login(world.gz_staff)
        notice = html(client.get(reverse("lms:home"))).select_one("#notice-institution-passers")
        assert notice is not None and notice.a["href"] == reverse("hours:pass_lists")
        client.force_login(world.sz_staff)
        assert html(client.get(reverse("lms:home"))).select_one("#notice-institution-passers") is None

    def test_the_enterprise_hears_of_its_employees_expiring_and_new_certificates_and_no_one_elses(self, client, world):
        today = timezone.localdate()
        credential = Credential.objects.get(code="C")
        Certificate.objects.create(number="GZ-SOON", holder=world.gz_worker, credential=credential, authority=world.gz_authority,
                                   issued_on=datetime.date(2023, 1, 1), expires_on=today + datetime.timedelta(days=30))
        Certificate.objects.create(number="GZ-NEW", holder=world.gz_worker, credential=Credential.objects.get(code="B"), authority=world.gz_authority,
                                   issued_on=today, expires_on=today + datetime.timedelta(days=3 * 365))
        client.force_login(world.gz_admin)
        page = html(client.get(reverse("lms:home")))
        expiring = page.select_one(f"#notice-employees-expiring-{world.gz_enterprise.pk}")
        issued = page.select_one(f"#notice-employees-issued-{world.gz_enterprise.pk}")
        assert expiring is not None and expiring.a["href"].endswith("?show=expiring") and "1" in expiring.text
        assert issued is not None and "1" in issued.text
        # Another enterprise hears nothing of them
        client.force_login(world.sz_admin)
        page = html(client.get(reverse("lms:home")))
        assert not page.select("[id^=notice-employees-]")

    def test_the_province_sees_lists_to_confirm_and_the_candidate_a_confirmed_pass(self, client, world, sitting):
        pass_list = _passing(world, sitting)
        client.force_login(world.province_reviewer)
        assert html(client.get(reverse("lms:home"))).select_one("#notice-pass-lists") is not None
        client.force_login(world.gz_reviewer)  # the city's own list is not the city's to confirm
        assert html(client.get(reverse("lms:home"))).select_one("#notice-pass-lists") is None
        pass_services.pass_list_transition(pass_list=pass_list, to=PassListStatus.CONFIRMED, actor=world.province_reviewer)
        client.force_login(world.gz_worker.user)
        assert html(client.get(reverse("lms:home"))).select_one("#notice-pass") is not None
        client.force_login(world.sz_worker.user)
        assert html(client.get(reverse("lms:home"))).select_one("#notice-pass") is None
