"""Offline training batches (upload, the row-by-row report, approval and rejection, scoping) and
authority adjustments of a person's hours."""

import datetime
import io
import logging
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from cms.models import CoursePage
from hours import services
from hours.models import BatchStatus, HoursEntry, HoursSource, OfflineBatch, OfflineRow
from hours.selectors import offline as selectors
from hours.services import offline as offline_module
from kernel.errors import DomainError
from lms.models import Credential
from tests.factories import (
    EmploymentFactory,
    PersonFactory,
    course_publish,
    make_id_number,
)

pytestmark = pytest.mark.django_db

HEADERS = ["身份证号", "姓名", "课程", "证书类别", "学时类别", "学时", "日期"]
ENGLISH_HEADERS = ["id_number", "name", "course", "credential", "category", "hours", "date"]
DAY = datetime.date(2025, 3, 1)


def publish_course(institution, title, category, codes) -> CoursePage:
    return course_publish(institution, title, summary=title, category=category, credentials=codes)


@pytest.fixture
def courses(world):
    return {
        "law": publish_course(world.gz_institution, "安全生产法规", "general", ["C"]),
        "post": publish_course(world.gz_institution, "土建施工实务", "professional", ["101", "102"]),
        "shenzhen": publish_course(world.sz_institution, "深圳地方标准", "general", ["C"]),
    }


@pytest.fixture
def colleague(world):
    person = PersonFactory(real_name="陈同事")
    EmploymentFactory(person=person, enterprise=world.gz_enterprise)
    return person


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    lines = [",".join(headers)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(world, data, file_name="batch.xlsx", actor=None, institution=None) -> OfflineBatch:
    return services.offline_batch_upload(
        actor=actor or world.gz_staff, institution=institution or world.gz_institution, file_name=file_name, data=data
    )


def codes_by_line(batch) -> dict[int, set[str]]:
    return {row.line: {error["code"] for error in row.errors} for row in batch.rows.order_by("line")}


@pytest.fixture
def mixed_rows(world, courses, colleague):
    """Three good rows, then one bad row for each kind of bad input (line numbers in comments)."""
    gz, sz = world.gz_worker, world.sz_worker
    law, post = courses["law"], courses["post"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    wrong_check = gz.id_number[:17] + ("0" if gz.id_number[17] != "0" else "1")
    unregistered = make_id_number(region="440305", birth=datetime.date(1990, 5, 5), sequence=777)
    return [
        (gz.id_number, gz.real_name, law.title, "", "", 2, DAY),  # 2: good, credential and category from the course
        (gz.id_number, gz.real_name, post.title, "101", "专业岗位知识", 4.5, "2025-03-02"),  # 3: good
        (colleague.id_number, colleague.real_name, str(post.pk), "102", "通用", 3, DAY),  # 4: good, course by id
        (wrong_check, gz.real_name, law.title, "", "", 2, DAY),  # 5
        (gz.id_number, gz.real_name, "不存在的课程", "", "", 2, DAY),  # 6
        (gz.id_number, gz.real_name, law.title, "", "", -1, DAY),  # 7
        (gz.id_number, gz.real_name, law.title, "", "", 80, DAY),  # 8
        (gz.id_number, gz.real_name, law.title, "", "", 1, tomorrow),  # 9
        (sz.id_number, sz.real_name, law.title, "", "", 2, DAY),  # 10
        (gz.id_number, gz.real_name, law.title, "", "", 2, DAY),  # 11: the same as line 2
        (gz.id_number, "王错名", law.title, "", "", 1, DAY),  # 12
        (unregistered, "赵未注册", law.title, "", "", 1, DAY),  # 13
        (gz.id_number, gz.real_name, law.title, "Z9", "", 1, DAY),  # 14
        (gz.id_number, gz.real_name, law.title, "", "其他", 1, DAY),  # 15
        (gz.id_number, gz.real_name, law.title, "", "", 1, "2025-13-45"),  # 16
        (gz.id_number, gz.real_name, law.title, "", "", 1.234, DAY),  # 17
        (world.loner.id_number, world.loner.real_name, law.title, "", "", 1, DAY),  # 18
        (gz.id_number, gz.real_name, courses["shenzhen"].title, "", "", 1, DAY),  # 19: another institution's
        (gz.id_number, gz.real_name, law.title, "A", "", 1, DAY),  # 20: A is not served by this course
    ]


EXPECTED_REPORT = {
    2: set(),
    3: set(),
    4: set(),
    5: {"id_number_invalid"},
    6: {"course_unknown"},
    7: {"hours_invalid"},
    8: {"hours_invalid"},
    9: {"date_in_future"},
    10: {"not_employed_in_region"},
    11: {"duplicate_row"},
    12: {"name_mismatch"},
    13: {"person_unknown"},
    14: {"credential_unknown"},
    15: {"category_invalid"},
    16: {"date_invalid"},
    17: {"hours_invalid"},
    18: {"not_employed_in_region"},
    19: {"course_unknown"},
    20: {"credential_not_served"},
}


@pytest.fixture
def batch(world, mixed_rows):
    return upload(world, xlsx(mixed_rows))


class TestUpload:
    def test_every_bad_row_is_reported_with_its_code(self, world, batch):
        assert batch.status == BatchStatus.SUBMITTED
        assert batch.region == world.guangzhou and batch.uploaded_by == world.gz_staff
        assert codes_by_line(batch) == EXPECTED_REPORT
        report = selectors.batch_report(batch)
        assert (report.good, report.bad) == (3, 16)
        assert report.good_hours == Decimal("9.50")
        assert all(error["message"] for row in report.bad_rows for error in row.errors)

    def test_good_rows_are_resolved_to_person_credential_category_hours_and_date(self, world, courses, colleague, batch):
        rows = {row.line: row for row in batch.rows.select_related("credential")}
        assert (rows[2].person, rows[2].credential.code, rows[2].category, rows[2].hours, rows[2].earned_on) == (
            world.gz_worker, "C", "general", Decimal("2.00"), DAY
        )
        assert (rows[3].credential.code, rows[3].category, rows[3].hours) == ("101", "professional", Decimal("4.50"))
        assert (rows[4].person, rows[4].credential.code, rows[4].category) == (colleague, "102", "general")
        assert rows[4].raw["course_id"] == courses["post"].pk
        assert rows[11].errors[0]["message"]  # the duplicate names the line it repeats

    def test_nothing_counts_before_a_decision(self, batch):
        assert not HoursEntry.objects.exists()

    def test_a_csv_with_english_headers_in_utf8(self, world, courses):
        data = csv_bytes([(world.gz_worker.id_number, world.gz_worker.real_name, "安全生产法规", "C", "general", "1.5", "2025/03/04")], headers=ENGLISH_HEADERS)
        batch = upload(world, data, file_name="batch.csv")
        row = batch.rows.get()
        assert row.valid and row.hours == Decimal("1.50") and row.earned_on == datetime.date(2025, 3, 4)

    def test_a_csv_saved_by_chinese_excel_in_gb18030(self, world, courses):
        data = csv_bytes([(world.gz_worker.id_number, world.gz_worker.real_name, "土建施工实务", "", "", "2", "2025-03-05")], encoding="gb18030")
        batch = upload(world, data, file_name="培训.csv")
        row = batch.rows.get()
        assert row.valid and row.raw["course"] == "土建施工实务" and row.credential.code == "101"

    @pytest.mark.parametrize(
        "file_name, data, code",
        [
            ("batch.xlsx", b"this is not a workbook at all", "file_unreadable"),
            ("batch.xlsx", b"PK\x03\x04broken zip", "file_unreadable"),
            ("batch.xls", b"\xd0\xcf\x11\xe0 old excel", "file_type_unsupported"),
            ("batch.csv", b"", "file_empty"),
            ("batch.csv", "姓名,课程\r\n张三,法规\r\n".encode(), "columns_missing"),
            ("batch.csv", ",".join(HEADERS).encode() + b"\r\n\r\n", "file_has_no_rows"),
        ],
    )
    def test_an_unusable_file_is_refused_with_a_code(self, world, courses, file_name, data, code):
        with pytest.raises(DomainError) as error:
            upload(world, data, file_name=file_name)
        assert error.value.code == code
        assert not OfflineBatch.objects.exists()

    def test_size_and_row_caps(self, world, courses, monkeypatch, settings):
        row = (world.gz_worker.id_number, world.gz_worker.real_name, "安全生产法规", "", "", 1, "2025-03-01")
        monkeypatch.setattr(offline_module, "MAX_ROWS", 2)
        with pytest.raises(DomainError) as error:
            upload(world, csv_bytes([row] * 3), file_name="batch.csv")
        assert error.value.code == "too_many_rows"
        settings.UPLOAD_TABLE_MAX_BYTES = 100
        with pytest.raises(DomainError) as error:
            upload(world, xlsx([row]))
        assert error.value.code == "file_too_large"

    def test_only_the_institutions_staff_uploads(self, world, courses, mixed_rows):
        for actor in (world.sz_staff, world.gz_reviewer, world.gz_admin, world.gz_worker.user):
            with pytest.raises(DomainError) as error:
                upload(world, xlsx(mixed_rows), actor=actor)
            assert error.value.code == "not_institution_staff"

    def test_the_same_file_twice_is_refused_while_the_first_waits(self, world, courses, mixed_rows):
        # One set of bytes: openpyxl stamps each workbook it writes with the current second.
        data = xlsx(mixed_rows)
        upload(world, data)
        with pytest.raises(DomainError) as error:
            upload(world, data)
        assert error.value.code == "batch_already_uploaded"
        assert OfflineBatch.objects.count() == 1


class TestDecision:
    def test_approval_counts_only_the_valid_rows_each_for_its_credential(self, world, colleague, batch):
        services.offline_batch_decide(actor=world.gz_reviewer, batch=batch, approve=True)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.APPROVED and batch.decided_by == world.gz_reviewer and batch.decided_at
        entries = HoursEntry.objects.select_related("credential", "offline_row").order_by("offline_row__line")
        assert [(e.person, e.credential.code, e.category, e.hours) for e in entries] == [
            (world.gz_worker, "C", "general", Decimal("2.00")),
            (world.gz_worker, "101", "professional", Decimal("4.50")),
            (colleague, "102", "general", Decimal("3.00")),
        ]
        for entry in entries:
            assert entry.source == HoursSource.OFFLINE and entry.recorded_by == world.gz_reviewer
            assert entry.evidence["batch"] == batch.pk and entry.evidence["line"] == entry.offline_row.line

    def test_a_decided_batch_cannot_be_decided_again(self, world, batch):
        services.offline_batch_decide(actor=world.gz_reviewer, batch=batch, approve=True)
        for approve in (True, False):
            with pytest.raises(DomainError) as error:
                services.offline_batch_decide(actor=world.gz_reviewer, batch=batch, approve=approve, reason="再来一次")
            assert error.value.code == "batch_already_decided"
        assert HoursEntry.objects.count() == 3

    def test_rejection_needs_a_reason_and_then_nothing_counts(self, world, batch):
        with pytest.raises(DomainError) as error:
            services.offline_batch_decide(actor=world.gz_reviewer, batch=batch, approve=False, reason="  ")
        assert error.value.code == "reason_required"
        services.offline_batch_decide(actor=world.gz_reviewer, batch=batch, approve=False, reason="签到表与学时不符")
        batch.refresh_from_db()
        assert batch.status == BatchStatus.REJECTED and batch.reason == "签到表与学时不符"
        assert not HoursEntry.objects.exists()
        with pytest.raises(DomainError) as error:
            services.offline_batch_decide(actor=world.gz_reviewer, batch=batch, approve=True)
        assert error.value.code == "batch_already_decided"
        assert not HoursEntry.objects.exists()

    def test_a_batch_without_a_valid_row_cannot_be_approved(self, world, courses):
        bad = upload(world, xlsx([(world.sz_worker.id_number, world.sz_worker.real_name, "安全生产法规", "", "", 1, DAY)]))
        with pytest.raises(DomainError) as error:
            services.offline_batch_decide(actor=world.gz_reviewer, batch=bad, approve=True)
        assert error.value.code == "batch_has_no_valid_rows"
        bad.refresh_from_db()
        assert bad.status == BatchStatus.SUBMITTED and not HoursEntry.objects.exists()

    def test_hours_already_approved_are_a_duplicate_in_a_later_batch(self, world, courses, batch):
        services.offline_batch_decide(actor=world.gz_reviewer, batch=batch, approve=True)
        row = (world.gz_worker.id_number, world.gz_worker.real_name, "安全生产法规", "", "", 2, DAY)
        later = upload(world, csv_bytes([row]), file_name="again.csv")
        assert codes_by_line(later) == {2: {"hours_already_approved"}}

    def test_two_waiting_batches_with_the_same_row_count_it_once(self, world, courses):
        row = (world.gz_worker.id_number, world.gz_worker.real_name, "安全生产法规", "", "", 2, DAY)
        first = upload(world, xlsx([row]))
        second = upload(world, csv_bytes([row]), file_name="copy.csv")
        assert codes_by_line(second) == {2: set()}  # nothing was approved yet
        services.offline_batch_decide(actor=world.gz_reviewer, batch=first, approve=True)
        with pytest.raises(DomainError) as error:
            services.offline_batch_decide(actor=world.gz_reviewer, batch=second, approve=True)
        assert error.value.code == "batch_has_no_valid_rows"
        assert HoursEntry.objects.count() == 1


class TestScoping:
    def test_another_citys_authority_cannot_decide(self, world, batch):
        with pytest.raises(DomainError) as error:
            services.offline_batch_decide(actor=world.sz_reviewer, batch=batch, approve=True)
        assert error.value.code == "not_batch_authority"
        for actor in (world.gz_staff, world.gz_admin):
            with pytest.raises(DomainError):
                services.offline_batch_decide(actor=actor, batch=batch, approve=False, reason="不行不行")
        batch.refresh_from_db()
        assert batch.status == BatchStatus.SUBMITTED and not HoursEntry.objects.exists()

    def test_the_province_authority_decides_a_citys_batch(self, world, batch):
        services.offline_batch_decide(actor=world.province_reviewer, batch=batch, approve=True)
        assert HoursEntry.objects.count() == 3

    def test_who_sees_which_batches(self, world, courses, batch):
        sz_row = (world.sz_worker.id_number, world.sz_worker.real_name, "深圳地方标准", "", "", 1, DAY)
        sz_batch = upload(world, xlsx([sz_row]), actor=world.sz_staff, institution=world.sz_institution)
        assert codes_by_line(sz_batch) == {2: set()}

        def visible(actor):
            return set(selectors.batches_for(actor).values_list("pk", flat=True))

        assert visible(world.gz_staff) == visible(world.gz_reviewer) == {batch.pk}
        assert visible(world.sz_staff) == visible(world.sz_reviewer) == {sz_batch.pk}
        assert visible(world.province_reviewer) == visible(world.superuser) == {batch.pk, sz_batch.pk}
        assert visible(world.gz_admin) == visible(world.gz_worker.user) == set()
        assert selectors.batch_get(world.gz_staff, batch.pk) == batch
        with pytest.raises(Exception) as missing:
            selectors.batch_get(world.sz_staff, batch.pk)
        assert missing.typename == "NotFoundError"

    def test_the_batch_list_counts_rows_in_a_fixed_number_of_queries(self, world, batch, django_assert_num_queries):
        # The user's memberships and learner profile (its roles), its regions, then the batches with their counts.
        with django_assert_num_queries(4):
            listed = list(selectors.batches_for(world.province_reviewer))
        assert [(b.row_count, b.bad_count) for b in listed] == [(19, 16)]


class TestAdjustment:
    def adjust(self, world, actor=None, **overrides):
        arguments = {
            "actor": actor or world.gz_reviewer,
            "person": world.gz_worker,
            "credential": Credential.objects.get(code="C"),
            "category": "general",
            "hours": Decimal("2.5"),
            "earned_on": DAY,
            "reason": "补录2024年线下培训",
        }
        arguments.update(overrides)
        return services.hours_adjust(**arguments)

    def test_an_overseeing_authority_adjusts_with_a_reason_and_it_is_logged(self, world, caplog):
        with caplog.at_level(logging.INFO, logger="hours.services.offline"):
            entry = self.adjust(world)
        assert (entry.source, entry.hours, entry.reason, entry.recorded_by) == (
            HoursSource.ADJUSTMENT, Decimal("2.50"), "补录2024年线下培训", world.gz_reviewer
        )
        assert any("hours adjusted" in record.getMessage() for record in caplog.records)
        self.adjust(world, actor=world.province_reviewer, hours=Decimal("-1"))
        assert sum(HoursEntry.objects.values_list("hours", flat=True)) == Decimal("1.50")

    @pytest.mark.parametrize("reason, code", [("", "reason_required"), ("   ", "reason_required"), ("太少", "reason_too_short")])
    def test_an_adjustment_needs_a_reason(self, world, reason, code):
        with pytest.raises(DomainError) as error:
            self.adjust(world, reason=reason)
        assert error.value.code == code
        assert not HoursEntry.objects.exists()

    def test_only_an_authority_overseeing_the_person_adjusts(self, world):
        for actor in (world.sz_reviewer, world.gz_staff, world.gz_admin, world.gz_worker.user):
            with pytest.raises(DomainError) as error:
                self.adjust(world, actor=actor)
            assert error.value.code == "not_overseeing_authority"
        assert not HoursEntry.objects.exists()

    @pytest.mark.parametrize(
        "overrides, code",
        [
            ({"hours": Decimal("0")}, "adjustment_hours_invalid"),
            ({"hours": Decimal("1.234")}, "adjustment_hours_invalid"),
            ({"hours": Decimal("-1")}, "hours_below_zero"),
            ({"category": "other"}, "category_invalid"),
            ({"earned_on": datetime.date.today() + datetime.timedelta(days=2)}, "date_in_future"),
        ],
    )
    def test_bad_adjustments(self, world, overrides, code):
        with pytest.raises(DomainError) as error:
            self.adjust(world, **overrides)
        assert error.value.code == code

    def test_hours_of_each_credential_are_kept_apart(self, world):
        self.adjust(world)
        self.adjust(world, credential=Credential.objects.get(code="101"), category="professional", hours=Decimal("4"))
        with pytest.raises(DomainError) as error:  # the C hours cannot pay for taking away 101 hours
            self.adjust(world, credential=Credential.objects.get(code="101"), category="professional", hours=Decimal("-5"))
        assert error.value.code == "hours_below_zero"
        balances = {(b.credential, b.hours) for b in selectors.hours_balances(world.gz_worker)}
        assert balances == {
            (Credential.objects.get(code="C").name, Decimal("2.50")),
            (Credential.objects.get(code="101").name, Decimal("4.00")),
        }


class TestPages:
    def test_an_institution_uploads_and_sees_the_report(self, chinese, world, mixed_rows):
        chinese.force_login(world.gz_staff)
        assert chinese.get(reverse("hours:offline_batch_upload")).status_code == 200
        file = io.BytesIO(xlsx(mixed_rows))
        file.name = "十一月线下培训.xlsx"
        response = chinese.post(reverse("hours:offline_batch_upload"), {"institution": world.gz_institution.pk, "file": file})
        batch = OfflineBatch.objects.get()
        assert response.status_code == 302 and response.url == reverse("hours:offline_batch", args=[batch.pk])
        assert batch.file_name == "十一月线下培训.xlsx"
        page = chinese.get(response.url)
        html = page.content.decode()
        assert page.status_code == 200 and 'lang="zh-hans"' in html
        for line, codes in EXPECTED_REPORT.items():
            assert f'data-line="{line}" data-codes="{" ".join(sorted(codes))}"' in html
        assert 'id="good-rows">3<' in html and 'id="bad-rows">16<' in html
        assert 'id="approve-form"' not in html  # the institution cannot decide
        assert str(batch.pk) in chinese.get(reverse("hours:offline_batches")).content.decode()

    def test_an_unreadable_upload_is_explained_on_the_form(self, chinese, world, courses):
        chinese.force_login(world.gz_staff)
        file = io.BytesIO(b"garbage")
        file.name = "batch.xlsx"
        response = chinese.post(reverse("hours:offline_batch_upload"), {"institution": world.gz_institution.pk, "file": file})
        assert response.status_code == 200 and 'class="errors"' in response.content.decode()
        assert not OfflineBatch.objects.exists()

    def test_the_authority_approves_on_the_page(self, chinese, world, batch):
        chinese.force_login(world.gz_reviewer)
        page = chinese.get(reverse("hours:offline_batch", args=[batch.pk]))
        assert 'id="approve-form"' in page.content.decode() and 'id="reject-form"' in page.content.decode()
        response = chinese.post(reverse("hours:offline_batch_decide", args=[batch.pk]), {"decision": "approve"})
        assert response.status_code == 302
        batch.refresh_from_db()
        assert batch.status == BatchStatus.APPROVED and HoursEntry.objects.count() == 3
        assert 'id="approve-form"' not in chinese.get(response.url).content.decode()

    def test_the_authority_rejects_on_the_page_only_with_a_reason(self, chinese, world, batch):
        chinese.force_login(world.gz_reviewer)
        url = reverse("hours:offline_batch_decide", args=[batch.pk])
        chinese.post(url, {"decision": "reject", "reason": ""})
        batch.refresh_from_db()
        assert batch.status == BatchStatus.SUBMITTED
        chinese.post(url, {"decision": "reject", "reason": "缺少签到表"})
        batch.refresh_from_db()
        assert batch.status == BatchStatus.REJECTED and not HoursEntry.objects.exists()
        assert "缺少签到表" in chinese.get(reverse("hours:offline_batch", args=[batch.pk])).content.decode()

    def test_other_tenants_get_a_404(self, client, world, batch):
        for actor in (world.sz_reviewer, world.sz_staff, world.gz_admin):
            client.force_login(actor)
            assert client.get(reverse("hours:offline_batch", args=[batch.pk])).status_code == 404
            response = client.post(reverse("hours:offline_batch_decide", args=[batch.pk]), {"decision": "approve"})
            assert response.status_code == 404
        batch.refresh_from_db()
        assert batch.status == BatchStatus.SUBMITTED and not OfflineRow.objects.filter(entry__isnull=False).exists()

    def test_only_institution_staff_reach_the_upload_page(self, client, world):
        for actor in (world.gz_reviewer, world.gz_worker.user):
            client.force_login(actor)
            assert client.get(reverse("hours:offline_batch_upload")).status_code == 403

    def test_the_template_is_a_csv_excel_opens(self, client, world):
        client.force_login(world.gz_staff)
        response = client.get(reverse("hours:offline_batch_template"))
        assert response.content.decode("utf-8").startswith("\ufeff身份证号,姓名,课程,证书类别,学时类别,学时,日期")

    def test_the_authority_adjusts_hours_on_the_page(self, chinese, world):
        chinese.force_login(world.gz_reviewer)
        url = reverse("hours:hours_adjust", args=[world.gz_worker.pk])
        assert 'id="adjust-hours-link"' in chinese.get(reverse("lms:person_detail", args=[world.gz_worker.pk])).content.decode()
        form = {
            "credential": Credential.objects.get(code="C").pk,
            "category": "general",
            "hours": "3",
            "earned_on": "2025-03-01",
            "reason": "短",
        }
        response = chinese.post(url, form)
        assert response.status_code == 200 and 'class="errors"' in response.content.decode()
        assert not HoursEntry.objects.exists()
        response = chinese.post(url, {**form, "reason": "补录线下培训学时"})
        assert response.status_code == 302
        entry = HoursEntry.objects.get()
        assert entry.source == HoursSource.ADJUSTMENT and entry.reason == "补录线下培训学时"
        assert "补录线下培训学时" in chinese.get(url).content.decode()

    def test_the_adjust_page_is_a_404_outside_the_authoritys_region(self, client, world):
        for actor in (world.sz_reviewer, world.gz_staff, world.gz_admin):
            client.force_login(actor)
            assert client.get(reverse("hours:hours_adjust", args=[world.gz_worker.pk])).status_code == 404
