"""Old certificates (issue 15 item 6, 原持证人员信息备案; issue 16 items 4 and 6, 换证): an enterprise
registers an employee's old certificate, checked against the platform's register or confirmed or
rejected by a reviewer of its region; a confirmed one is the exception to the exam pass when
issuing, and its holder exchanges it with 更新 once the hours of its credential are met, in one
transaction that issues the certificate and marks the old one exchanged. Refusals change nothing,
another tenant's ids are not found, and a replay does not issue twice."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hours import policies
from hours.models import Certificate, CertificateEvent, LegacyHolding, LegacyHoldingStatus
from hours.selectors import certificates as certificate_selectors
from hours.selectors import legacy as legacy_selectors
from hours.services import certificates as certificate_services
from hours.services import legacy as legacy_services
from hours.web.certificate_pdf import certificate_particulars
from hours.web.navigation import home_notices, organisation_actions
from kernel.audit import trail_of
from kernel.errors import DomainError
from tests.exam.test_pages import html
from tests.factories import CertificateFactory, EmploymentFactory, HoursEntryFactory, PersonFactory, credential

pytestmark = pytest.mark.django_db

L = LegacyHoldingStatus
# Service tests run on a fixed day: a certificate of 2024-03-01 to 2027-03-01 counts 2024 to 2026.
NOW = datetime.datetime(2026, 10, 1, 4, 0, tzinfo=datetime.UTC)
ISSUED, EXPIRES = datetime.date(2024, 3, 1), datetime.date(2027, 3, 1)


def register(world, *, person=None, code="C", number="粤建安C(2024)0000123", issued_on=ISSUED, expires_on=EXPIRES,
             actor=None, enterprise=None, now=NOW):
    return legacy_services.legacy_holding_register(
        actor=actor or world.gz_admin, enterprise=enterprise or world.gz_enterprise, person=person or world.gz_worker,
        credential=credential(code), number=number, issued_on=issued_on, expires_on=expires_on,
        issuer_name="广东省住房和城乡建设厅", now=now,
    )


def confirmed(world, **kwargs):
    holding = register(world, **kwargs)
    return legacy_services.legacy_holding_decide(actor=world.gz_reviewer, holding=holding, confirm=True, now=NOW)


def hours_met(person, code="C", days=(datetime.date(2024, 6, 1), datetime.date(2025, 6, 1), datetime.date(2026, 6, 1))):
    """8 hours in each year of the validity: the safety scheme's 8 a year and 24 in all."""
    for day in days:
        HoursEntryFactory(person=person, credential=credential(code), hours=Decimal("8"), earned_on=day)


def code_of(call) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def exchange(world, holding, *, actor=None):
    return certificate_services.legacy_holding_exchange(actor=actor or world.gz_worker.user, holding=holding, now=NOW)


class TestRegistration:
    def test_an_unknown_number_waits_for_the_authority_with_its_audit_row(self, world):
        holding = register(world)
        assert holding.status == L.SUBMITTED and holding.register_certificate is None
        assert holding.number == "粤建安C(2024)0000123" and holding.submitted_by == world.gz_admin
        assert [row.event_type for row in trail_of(holding)] == ["created"]

    def test_only_the_enterprises_admin_and_only_for_a_current_employee(self, world):
        assert code_of(lambda: register(world, actor=world.sz_admin)) == "legacy_not_enterprise_admin"
        assert code_of(lambda: register(world, person=world.sz_worker)) == "not_an_employee"
        former = PersonFactory()
        EmploymentFactory(person=former, enterprise=world.gz_enterprise, start_date=datetime.date(2020, 1, 1),
                          end_date=datetime.date(2023, 1, 1))
        assert code_of(lambda: register(world, person=former)) == "not_an_employee"
        assert not LegacyHolding.objects.exists()

    def test_bad_details_are_refused(self, world):
        assert code_of(lambda: register(world, number="  ")) == "legacy_number_invalid"
        assert code_of(lambda: register(world, number="X" * 33)) == "legacy_number_invalid"
        assert code_of(lambda: register(world, expires_on=ISSUED)) == "legacy_dates_invalid"
        assert code_of(lambda: register(world, issued_on=datetime.date(2026, 12, 1), expires_on=datetime.date(2029, 12, 1))) == "legacy_issued_in_future"
        assert not LegacyHolding.objects.exists()

    def test_a_number_is_registered_once_unless_rejected(self, world):
        holding = register(world)
        assert code_of(lambda: register(world, number=" 粤建安c(2024)0000123 ")) == "legacy_duplicate"
        legacy_services.legacy_holding_decide(actor=world.gz_reviewer, holding=holding, confirm=False, reason="证书编号与档案不符")
        again = register(world)
        assert again.status == L.SUBMITTED and LegacyHolding.objects.count() == 2

    def test_a_number_of_the_register_is_checked_and_confirmed(self, world):
        certificate = CertificateFactory(number="4401002024C000001", holder=world.gz_worker, authority=world.gz_authority,
                                         issued_on=ISSUED, expires_on=EXPIRES)
        holding = register(world, number="4401002024c000001")
        assert holding.status == L.CONFIRMED and holding.register_certificate == certificate
        assert holding.authority == world.gz_authority
        assert [row.new_state for row in trail_of(holding)] == ["submitted", "confirmed"]

    def test_a_register_mismatch_is_refused_and_says_which(self, world):
        other = PersonFactory()
        CertificateFactory(number="N-OTHER", holder=other, authority=world.gz_authority, issued_on=ISSUED, expires_on=EXPIRES)
        CertificateFactory(number="N-CRED", holder=world.gz_worker, credential=credential("B"), authority=world.gz_authority,
                           issued_on=ISSUED, expires_on=EXPIRES)
        CertificateFactory(number="N-DATES", holder=world.gz_worker, authority=world.gz_authority,
                           issued_on=datetime.date(2023, 1, 1), expires_on=datetime.date(2026, 1, 1))
        assert code_of(lambda: register(world, number="N-OTHER")) == "legacy_register_other_holder"
        assert code_of(lambda: register(world, number="N-CRED")) == "legacy_register_other_credential"
        assert code_of(lambda: register(world, number="N-DATES")) == "legacy_register_dates_differ"
        assert not LegacyHolding.objects.exists()


class TestDecision:
    def test_the_citys_reviewer_confirms_for_the_city(self, world):
        holding = confirmed(world)
        assert holding.status == L.CONFIRMED and holding.authority == world.gz_authority
        assert holding.decided_by == world.gz_reviewer
        assert [(row.event_type, row.old_state, row.new_state) for row in trail_of(holding)][-1] == ("decided", "submitted", "confirmed")

    def test_the_provinces_reviewer_confirms_for_the_province(self, world):
        holding = register(world)
        decided = legacy_services.legacy_holding_decide(actor=world.province_reviewer, holding=holding, confirm=True)
        assert decided.authority == world.province_authority

    def test_another_regions_reviewer_does_not_find_it(self, world):
        holding = register(world)
        assert code_of(lambda: legacy_services.legacy_holding_decide(actor=world.sz_reviewer, holding=holding, confirm=True)) == "legacy_not_found"
        assert code_of(lambda: legacy_services.legacy_holding_decide(actor=world.gz_admin, holding=holding, confirm=True)) == "legacy_not_found"
        holding.refresh_from_db()
        assert holding.status == L.SUBMITTED

    def test_rejecting_needs_a_reason_and_a_decision_is_final(self, world):
        holding = register(world)
        decide = legacy_services.legacy_holding_decide
        assert code_of(lambda: decide(actor=world.gz_reviewer, holding=holding, confirm=False, reason=" ")) == "reason_required"
        rejected = decide(actor=world.gz_reviewer, holding=holding, confirm=False, reason="查无此证")
        assert rejected.status == L.REJECTED and rejected.reason == "查无此证"
        assert code_of(lambda: decide(actor=world.gz_reviewer, holding=holding, confirm=True)) == "legacy_move_illegal"
        assert LegacyHolding.objects.get(pk=holding.pk).status == L.REJECTED


class TestExchange:
    def test_confirmed_and_hours_met_exchanges_in_one_go(self, world):
        holding = confirmed(world)
        hours_met(world.gz_worker)
        certificate = exchange(world, holding)
        holding.refresh_from_db()
        assert holding.status == L.EXCHANGED and holding.exchanged_at == NOW
        assert certificate.legacy_holding == holding and certificate.from_legacy
        assert certificate.holder == world.gz_worker and certificate.credential.code == "C"
        assert certificate.authority == world.gz_authority and certificate.status == "valid"
        assert certificate.issued_on == datetime.date(2026, 10, 1) and certificate.number.startswith("4401002026C")
        [event] = CertificateEvent.objects.filter(certificate=certificate)
        assert event.to_status == "valid" and event.actor == world.gz_worker.user
        assert trail_of(holding).last().new_state == "exchanged"
        assert trail_of(certificate).first().extra["legacy_holding"] == holding.pk
        # Its PDF says where it comes from (原持证换发).
        label, value = certificate_particulars(certificate, "valid")[-1]
        assert holding.number in value

    def test_a_replay_does_not_issue_twice(self, world):
        holding = confirmed(world)
        hours_met(world.gz_worker)
        exchange(world, holding)
        stale = LegacyHolding.objects.get(pk=holding.pk)
        stale.status = L.CONFIRMED  # a second POST read before the first committed
        assert code_of(lambda: exchange(world, stale)) == "legacy_already_exchanged"
        assert Certificate.objects.count() == 1

    def test_one_certificate_per_old_one_is_a_constraint(self, world):
        holding = confirmed(world)
        CertificateFactory(legacy_holding=holding)
        with pytest.raises(IntegrityError), transaction.atomic():
            CertificateFactory(legacy_holding=holding)

    @pytest.mark.parametrize(
        "state, code",
        [("submitted", "legacy_not_confirmed"), ("rejected", "legacy_rejected"), ("short", "hours_not_met")],
    )
    def test_refusals_change_nothing(self, world, state, code):
        holding = register(world)
        if state == "rejected":
            legacy_services.legacy_holding_decide(actor=world.gz_reviewer, holding=holding, confirm=False, reason="查无此证")
        if state == "short":
            holding = legacy_services.legacy_holding_decide(actor=world.gz_reviewer, holding=holding, confirm=True)
            hours_met(world.gz_worker, days=(datetime.date(2024, 6, 1), datetime.date(2025, 6, 1)))
        else:
            hours_met(world.gz_worker)
        before = LegacyHolding.objects.get(pk=holding.pk).status
        assert code_of(lambda: exchange(world, holding)) == code
        assert not Certificate.objects.exists()
        assert LegacyHolding.objects.get(pk=holding.pk).status == before

    def test_hours_not_met_says_what_is_missing(self, world):
        holding = confirmed(world)
        hours_met(world.gz_worker, days=(datetime.date(2024, 6, 1), datetime.date(2025, 6, 1)))
        with pytest.raises(DomainError) as caught:
            exchange(world, holding)
        assert "2026" in caught.value.message

    def test_someone_elses_holding_is_not_found(self, world):
        holding = confirmed(world)
        hours_met(world.gz_worker)
        for actor in (world.sz_worker.user, world.gz_admin, world.gz_reviewer):
            assert code_of(lambda: exchange(world, holding, actor=actor)) == "legacy_not_found"
        assert not Certificate.objects.exists()

    def test_a_certificate_of_the_register_has_nothing_to_exchange(self, world):
        CertificateFactory(number="N-1", holder=world.gz_worker, authority=world.gz_authority, issued_on=ISSUED, expires_on=EXPIRES)
        holding = register(world, number="N-1")
        hours_met(world.gz_worker)
        assert code_of(lambda: exchange(world, holding)) == "legacy_in_register"
        assert Certificate.objects.count() == 1

    def test_a_valid_certificate_of_the_credential_already_held_is_refused(self, world):
        holding = confirmed(world)
        hours_met(world.gz_worker)
        CertificateFactory(holder=world.gz_worker, authority=world.gz_authority, issued_on=ISSUED, expires_on=EXPIRES)
        assert code_of(lambda: exchange(world, holding)) == "legacy_exchange_refused"
        assert Certificate.objects.count() == 1 and LegacyHolding.objects.get(pk=holding.pk).status == L.CONFIRMED

    def test_several_old_certificates_each_against_its_own_hours(self, world):
        safety_c = confirmed(world, code="C", number="OLD-C")
        safety_b = confirmed(world, code="B", number="OLD-B")
        hours_met(world.gz_worker, code="C")
        assert exchange(world, safety_c).credential.code == "C"
        assert code_of(lambda: exchange(world, safety_b)) == "hours_not_met"
        hours_met(world.gz_worker, code="B")
        assert exchange(world, safety_b).credential.code == "B"
        assert set(LegacyHolding.objects.values_list("status", flat=True)) == {L.EXCHANGED}
        assert Certificate.objects.filter(holder=world.gz_worker).count() == 2


class TestIssuingException:
    """16.4: a certificate of an examined credential needs a confirmed pass; a confirmed old
    certificate whose hours are met is the exception."""

    def issue(self, world):
        return certificate_services.certificates_issue(
            actor=world.gz_reviewer, authority=world.gz_authority, credential=credential("C"),
            people=[world.gz_worker], issued_on=datetime.date(2026, 10, 1), now=NOW,
        )

    def test_no_pass_and_no_old_certificate_is_refused(self, world):
        report = self.issue(world)
        assert report.issued == [] and len(report.skipped) == 1

    def test_a_confirmed_old_certificate_with_hours_met_is_issued_as_exchanged(self, world):
        holding = confirmed(world)
        hours_met(world.gz_worker)
        [certificate] = self.issue(world).issued
        assert certificate.legacy_holding == holding
        assert LegacyHolding.objects.get(pk=holding.pk).status == L.EXCHANGED

    def test_an_old_certificate_short_of_hours_is_skipped_with_its_number(self, world):
        confirmed(world)
        report = self.issue(world)
        assert report.issued == [] and "粤建安C(2024)0000123" in report.skipped[0].reason

    def test_an_old_certificate_waiting_for_confirmation_does_not_count(self, world):
        register(world)
        hours_met(world.gz_worker)
        assert self.issue(world).issued == []


class TestScoping:
    def test_each_sees_only_their_own(self, world):
        gz = register(world)
        sz_person = PersonFactory()
        EmploymentFactory(person=sz_person, enterprise=world.sz_enterprise)
        sz = register(world, person=sz_person, actor=world.sz_admin, enterprise=world.sz_enterprise, number="SZ-1")
        assert list(policies.enterprise_legacy_holdings(world.gz_admin, world.gz_enterprise)) == [gz]
        assert list(policies.enterprise_legacy_holdings(world.gz_admin, world.sz_enterprise)) == []
        assert list(policies.legacy_holdings_reviewed(world.gz_reviewer)) == [gz]
        assert list(policies.legacy_holdings_reviewed(world.sz_reviewer)) == [sz]
        assert set(policies.legacy_holdings_reviewed(world.province_reviewer)) == {gz, sz}
        assert list(policies.legacy_holdings_reviewed(world.gz_admin)) == []
        assert list(policies.legacy_holdings_own(world.gz_worker.user)) == [gz]
        assert list(policies.legacy_holdings_own(world.sz_worker.user)) == []

    def test_other_tenants_ids_are_not_found_on_the_pages(self, world, client):
        holding = register(world)
        client.force_login(world.sz_admin)
        assert client.get(reverse("hours:enterprise_legacy", args=[world.gz_enterprise.pk])).status_code == 404
        client.force_login(world.gz_admin)
        response = client.post(reverse("hours:enterprise_legacy", args=[world.gz_enterprise.pk]), {
            "person": world.sz_worker.pk, "credential": credential("C").pk, "number": "X-1",
            "issued_on": "2024-03-01", "expires_on": "2027-03-01", "issuer_name": "深圳市住建局",
        })
        assert response.status_code == 404 and LegacyHolding.objects.count() == 1
        client.force_login(world.sz_reviewer)
        assert client.post(reverse("hours:legacy_decide", args=[holding.pk]), {"decision": "confirm"}).status_code == 404
        assert holding.pk not in [int(row["data-legacy"]) for row in html(client.get(reverse("hours:legacy_review"))).select("[data-legacy]")]
        client.force_login(world.sz_worker.user)
        assert client.post(reverse("hours:legacy_exchange", args=[holding.pk])).status_code == 404
        client.force_login(world.gz_admin)
        assert client.get(reverse("hours:legacy_review")).status_code == 404
        assert LegacyHolding.objects.get(pk=holding.pk).status == L.SUBMITTED


def today_dates():
    """A holding valid from two years ago to next year, with 8 hours in each of its years by today."""
    today = timezone.localdate()
    issued = datetime.date(today.year - 2, 1, 20)
    return issued, datetime.date(today.year + 1, 1, 20), (datetime.date(today.year - 2, 6, 1), datetime.date(today.year - 1, 6, 1), today)


class TestPages:
    def test_the_enterprise_registers_on_its_page(self, world, chinese):
        chinese.force_login(world.gz_admin)
        url = reverse("hours:enterprise_legacy", args=[world.gz_enterprise.pk])
        page = html(chinese.get(url))
        assert page.select_one("#legacy-form") is not None
        assert str(world.gz_worker.pk) in [option["value"] for option in page.select("#id_person option")]
        response = chinese.post(url, {
            "person": world.gz_worker.pk, "credential": credential("C").pk, "number": "OLD-9",
            "issued_on": "2024-03-01", "expires_on": "2027-03-01", "issuer_name": "广东省住房和城乡建设厅",
        })
        assert response.status_code == 302
        holding = LegacyHolding.objects.get()
        row = html(chinese.get(url)).select_one(f'#legacy-holdings [data-legacy="{holding.pk}"]')
        assert row["data-status"] == "submitted" and row.select_one(".badge")["data-status"] == "submitted"

    def test_a_refused_registration_shows_the_form_again(self, world, chinese):
        chinese.force_login(world.gz_admin)
        url = reverse("hours:enterprise_legacy", args=[world.gz_enterprise.pk])
        response = chinese.post(url, {
            "person": world.gz_worker.pk, "credential": credential("C").pk, "number": "OLD-9",
            "issued_on": "2024-03-01", "expires_on": "2024-03-01", "issuer_name": "广东省住房和城乡建设厅",
        })
        assert response.status_code == 400 and not LegacyHolding.objects.exists()
        assert html(response).select_one('.error[data-field="expires_on"]') is not None
        assert chinese.post(url, {"person": ""}).status_code == 400

    def test_the_enterprise_page_is_linked_from_the_organisation(self, world):
        ids = [link.element_id for link in organisation_actions(user=world.gz_admin, organisation=world.gz_enterprise)]
        assert "enterprise-legacy-link" in ids
        assert organisation_actions(user=world.sz_admin, organisation=world.gz_enterprise) == []

    def test_the_reviewer_confirms_and_rejects_in_the_queue(self, world, chinese):
        first, second = register(world), register(world, number="OLD-2")
        assert [link.element_id for link in home_notices(user=world.gz_reviewer)].count("notice-legacy") == 1
        chinese.force_login(world.gz_reviewer)
        page = html(chinese.get(reverse("hours:legacy_review")))
        assert page.select_one(f"#confirm-{first.pk}")["data-confirm"]
        assert page.select_one(f"#reject-{first.pk}")["data-confirm"]
        url = reverse("hours:legacy_decide", args=[first.pk])
        assert chinese.post(url, {"decision": "confirm"}).status_code == 302
        url = reverse("hours:legacy_decide", args=[second.pk])
        chinese.post(url, {"decision": "reject", "reason": ""})
        assert LegacyHolding.objects.get(pk=second.pk).status == L.SUBMITTED
        chinese.post(url, {"decision": "reject", "reason": "查无此证"})
        assert LegacyHolding.objects.get(pk=first.pk).status == L.CONFIRMED
        assert LegacyHolding.objects.get(pk=second.pk).status == L.REJECTED
        page = html(chinese.get(reverse("hours:legacy_review")))
        assert page.select("#legacy-waiting [data-legacy]") == []
        assert {row["data-status"] for row in page.select("#legacy-decided [data-legacy]")} == {"confirmed", "rejected"}

    def test_the_holder_updates_on_my_certificates(self, world, chinese):
        issued, expires, days = today_dates()
        ready = confirmed(world, number="OLD-C", issued_on=issued, expires_on=expires, now=timezone.now())
        short = confirmed(world, code="B", number="OLD-B", issued_on=issued, expires_on=expires, now=timezone.now())
        waiting = register(world, code="A", number="OLD-A", issued_on=issued, expires_on=expires, now=timezone.now())
        hours_met(world.gz_worker, code="C", days=days)
        assert "notice-legacy-confirmed" in [link.element_id for link in home_notices(user=world.gz_worker.user)]
        chinese.force_login(world.gz_worker.user)
        url = reverse("hours:my_certificates")
        page = html(chinese.get(url))
        assert page.select_one(f"#exchange-{ready.pk}")["data-confirm"]
        assert page.select_one(f"#exchange-{short.pk}") is None and page.select_one(f"#why-not-{short.pk}").text.strip()
        assert page.select_one(f'[data-legacy="{short.pk}"]')["data-refusal"] == "hours_not_met"
        assert page.select_one(f'[data-legacy="{waiting.pk}"]')["data-refusal"] == "legacy_not_confirmed"
        assert chinese.post(reverse("hours:legacy_exchange", args=[ready.pk])).status_code == 302
        # A replay and a refused one answer with a message on the page, never a 500.
        assert chinese.post(reverse("hours:legacy_exchange", args=[ready.pk])).status_code == 302
        assert chinese.post(reverse("hours:legacy_exchange", args=[short.pk])).status_code == 302
        [certificate] = Certificate.objects.filter(holder=world.gz_worker)
        assert certificate.legacy_holding == ready
        page = html(chinese.get(url))
        assert page.select_one(f'[data-certificate="{certificate.pk}"] [data-legacy-exchange]')["data-legacy-exchange"] == "OLD-C"
        assert page.select_one(f'[data-legacy="{ready.pk}"]')["data-status"] == "exchanged"
        assert chinese.get(reverse("hours:certificate_pdf", args=[certificate.pk])).status_code == 200
        verify = html(chinese.get(reverse("hours:certificate_verify", args=[certificate_selectors.certificate_token(certificate)])))
        assert verify.select_one("#certificate-basis")["data-legacy-exchange"] == "OLD-C"

    def test_the_selector_rows_say_why_not(self, world):
        holding = register(world)
        [row] = legacy_selectors.own_holding_rows(world.gz_worker.user, as_of=datetime.date(2026, 10, 1))
        assert row.holding == holding and not row.exchangeable and row.refusal == "legacy_not_confirmed" and row.why_not
