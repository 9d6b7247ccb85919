"""Applications (报名) and admission: every transition, every eligibility rule at its edge, capacity
under a race, withdrawal before and after printing, scoping, the ticket token and the paste check."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from exam.models import (
    Application,
    ApplicationPath,
    ApplicationStatus,
    SittingCandidate,
)
from exam.rules import admission
from exam.selectors import applications as reads
from exam.services import applications as svc
from exam.services.sittings import sitting_candidates_add
from exam.testing import make_exam
from hours.models import HoursEntry
from kernel.audit import trail_of
from kernel.errors import DomainError
from lms.models import Credential, Employment, OrganisationKind, Region, RegionLevel
from tests.factories import (
    EmploymentFactory,
    SafetyTrainingFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    RegionFactory,
    make_id_number,
)

S = ApplicationStatus
NOW = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def code_of(excinfo) -> str:
    return excinfo.value.code


@pytest.fixture
def world(db):
    province = RegionFactory()
    city = Region.objects.create(code="440100", name="广州市", level=RegionLevel.CITY, parent=province)
    other_city = Region.objects.create(code="440300", name="深圳市", level=RegionLevel.CITY, parent=province)
    authority = OrganisationFactory(kind=OrganisationKind.AUTHORITY, name="广州市住建局", region=city)
    other_authority = OrganisationFactory(kind=OrganisationKind.AUTHORITY, name="深圳市住建局", region=other_city)
    enterprise = OrganisationFactory(region=city)
    other_enterprise = OrganisationFactory(region=other_city)
    reviewer = MembershipFactory(organisation=authority, role="authority_reviewer").user
    other_reviewer = MembershipFactory(organisation=other_authority, role="authority_reviewer").user
    admin = MembershipFactory(organisation=enterprise, role="enterprise_admin").user
    other_admin = MembershipFactory(organisation=other_enterprise, role="enterprise_admin").user
    proctor = MembershipFactory(organisation=authority, role="proctor").user
    c = Credential.objects.get(code="C")
    exam = make_exam(c)
    sitting = exam.sittings.create(
        authority=authority, venue="广州考点一", starts_at=NOW + datetime.timedelta(days=10),
        ends_at=NOW + datetime.timedelta(days=10, hours=2), open_for_applications=True, capacity=2,
    )
    return type("World", (), locals())


def candidate(world, *, birth=datetime.date(1986, 4, 2), enterprise=None, since=datetime.date(2020, 1, 1), trained=True, n=[0]):
    """A person employed by the enterprise (the world's, by default), who has passed its annual
    safety training a month ago unless `trained` is false."""
    n[0] += 1
    person = PersonFactory(id_number=make_id_number(birth=birth, sequence=n[0] % 999 + 1), management_since=since)
    EmploymentFactory(person=person, enterprise=enterprise or world.enterprise)
    if trained:
        SafetyTrainingFactory(person=person, enterprise=enterprise or world.enterprise)
    return person


def guangdong(world, person=None) -> Application:
    person = person or candidate(world)
    application = svc.application_apply(actor=person.user, credential=world.c, now=NOW)
    return svc.application_verify(
        actor=world.admin, application=application, handler_name="王经办", handler_mobile="13800001111",
        sitting=world.sitting, insurance_proof=PDF, now=NOW,
    )


# The Guangdong path -------------------------------------------------------------------------------


def test_guangdong_path_from_application_to_ticket(world):
    person = candidate(world)
    application = svc.application_apply(actor=person.user, credential=world.c, now=NOW)
    assert application.status == S.SUBMITTED and application.path == ApplicationPath.ENTERPRISE
    assert application.enterprise == world.enterprise and application.region_path == "440000/440100/"
    # the authority cannot approve before the enterprise has submitted
    with pytest.raises(DomainError) as refused:
        svc.application_decide(actor=world.reviewer, application=application, approve=True, now=NOW)
    assert code_of(refused) == "application_move_illegal"
    application = svc.application_verify(
        actor=world.admin, application=application, handler_name="王经办", handler_mobile="13800001111",
        sitting=world.sitting, insurance_proof=PDF, now=NOW,
    )
    assert application.status == S.ENTERPRISE_SUBMITTED and application.insurance_proof_type == "application/pdf"
    application = svc.application_decide(actor=world.reviewer, application=application, approve=True, now=NOW)
    assert application.status == S.APPROVED and application.seat == 1 and application.ticket_number
    assert SittingCandidate.objects.filter(sitting=world.sitting, person=person).exists()
    application = svc.ticket_print(actor=person.user, application=application, now=NOW)
    assert application.status == S.PRINTED
    states = [(row.old_state, row.new_state) for row in trail_of(application)]
    assert states == [("", "submitted"), ("submitted", "enterprise_submitted"), ("enterprise_submitted", "approved"), ("approved", "printed")]


def test_enterprise_needs_handler_proof_and_a_sitting_of_its_region(world):
    person = candidate(world)
    application = svc.application_apply(actor=person.user, credential=world.c, now=NOW)
    base = dict(actor=world.admin, application=application, handler_name="王经办", handler_mobile="13800001111", sitting=world.sitting, now=NOW)
    for changes, code in (
        ({"handler_name": " "}, "handler_name_required"),
        ({"handler_mobile": "1380000"}, "handler_mobile_invalid"),
        ({"sitting": None}, "sitting_required"),
        ({}, "insurance_proof_required"),
        ({"insurance_proof": b"GIF89a...."}, "proof_type_invalid"),
        ({"insurance_proof": b"%PDF-" + b"0" * (5 * 1024 * 1024)}, "proof_too_large"),
        ({"actor": world.other_admin, "insurance_proof": PDF}, "not_application_enterprise"),
    ):
        with pytest.raises(DomainError) as refused:
            svc.application_verify(**{**base, **changes})
        assert code_of(refused) == code
    far = world.exam.sittings.create(
        authority=world.other_authority, starts_at=NOW + datetime.timedelta(days=3),
        ends_at=NOW + datetime.timedelta(days=3, hours=2), open_for_applications=True,
    )
    with pytest.raises(DomainError) as refused:
        svc.application_verify(**{**base, "sitting": far, "insurance_proof": PDF})
    assert code_of(refused) == "sitting_out_of_region"
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and not application.insurance_proof


def test_rejection_needs_a_reason_and_is_final(world):
    application = guangdong(world)
    with pytest.raises(DomainError) as refused:
        svc.application_decide(actor=world.reviewer, application=application, approve=False, reason="", now=NOW)
    assert code_of(refused) == "reason_required"
    application = svc.application_decide(actor=world.reviewer, application=application, approve=False, reason="材料不全", now=NOW)
    assert application.status == S.REJECTED and application.reason == "材料不全"
    with pytest.raises(DomainError) as refused:
        svc.application_decide(actor=world.reviewer, application=application, approve=True, now=NOW)
    assert code_of(refused) == "application_move_illegal"


# The Jilin path, withdrawal and capacity -----------------------------------------------------------


def test_jilin_path_withdraw_before_printing_and_not_after(world):
    person = candidate(world)
    application = svc.application_apply(actor=person.user, credential=None, sitting=world.sitting, now=NOW)
    assert application.path == ApplicationPath.SITTING and application.enterprise is None
    application = svc.application_decide(actor=world.reviewer, application=application, approve=True, now=NOW)
    application = svc.application_withdraw(actor=person.user, application=application, now=NOW)
    assert application.status == S.WITHDRAWN and application.seat is None
    assert not SittingCandidate.objects.filter(sitting=world.sitting, person=person).exists()
    again = svc.application_apply(actor=person.user, credential=None, sitting=world.sitting, now=NOW)
    again = svc.application_decide(actor=world.reviewer, application=again, approve=True, now=NOW)
    svc.ticket_print(actor=person.user, application=again, now=NOW)
    for call in (
        lambda: svc.application_withdraw(actor=person.user, application=again, now=NOW),
        lambda: svc.application_cancel(actor=world.reviewer, application=again, reason="核查", now=NOW),
    ):
        with pytest.raises(DomainError) as refused:
            call()
        assert code_of(refused) == "ticket_printed"
    again.refresh_from_db()
    assert again.status == S.PRINTED


def test_authority_cancels_before_printing(world):
    application = svc.application_decide(actor=world.reviewer, application=guangdong(world), approve=True, now=NOW)
    application = svc.application_cancel(actor=world.reviewer, application=application, reason="重复报名", now=NOW)
    assert application.status == S.CANCELLED and application.seat is None


def test_capacity_n_minus_one_and_n(world):
    first, second, third = (guangdong(world) for _ in range(3))
    svc.application_decide(actor=world.reviewer, application=first, approve=True, now=NOW)
    assert svc.application_decide(actor=world.reviewer, application=second, approve=True, now=NOW).seat == 2
    with pytest.raises(DomainError) as refused:
        svc.application_decide(actor=world.reviewer, application=third, approve=True, now=NOW)
    assert code_of(refused) == "sitting_full"
    third.refresh_from_db()
    assert third.status == S.ENTERPRISE_SUBMITTED
    with pytest.raises(DomainError) as refused:
        svc.application_apply(actor=candidate(world).user, credential=None, sitting=world.sitting, now=NOW)
    assert code_of(refused) == "sitting_full"


def test_sitting_closed_other_kind_and_second_application(world):
    person = candidate(world)
    world.sitting.applications_close_at = NOW
    world.sitting.save()
    with pytest.raises(DomainError) as refused:
        svc.application_apply(actor=person.user, credential=None, sitting=world.sitting, now=NOW)
    assert code_of(refused) == "applications_closed"
    svc.application_apply(actor=person.user, credential=world.c, now=NOW)
    with pytest.raises(DomainError) as refused:
        svc.application_apply(actor=person.user, credential=world.c, now=NOW)
    assert code_of(refused) == "application_exists"
    assert Application.objects.filter(candidate=person).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_approvals_for_the_last_seat_in_parallel(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write; the row lock race needs PostgreSQL")
    world.sitting.capacity = 1
    world.sitting.save()
    a, b = guangdong(world), guangdong(world)
    results, barrier = [], threading.Barrier(2)

    def approve(application):
        barrier.wait()
        try:
            svc.application_decide(actor=world.reviewer, application=application, approve=True, now=NOW)
            results.append("approved")
        except DomainError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(x,)) for x in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["approved", "sitting_full"]
    assert Application.objects.filter(sitting=world.sitting, seat__isnull=False).count() == 1


# Eligibility at its edges ------------------------------------------------------------------------


def facts(**changes) -> admission.Facts:
    base = dict(
        credential_code="C", credential_family="safety_manager", birth_date=datetime.date(1986, 3, 1),
        education="bachelor", professional_title="none", management_since=datetime.date(2020, 1, 1),
        employer_id=1, enterprise_id=1, enterprise_name="甲公司", hours=Decimal(0), hours_required=Decimal(0),
        valid_certificate=None, overlapping=False,
    )
    return admission.Facts(**{**base, **changes})


TODAY = datetime.date(2026, 3, 1)


def codes(**changes):
    return [failure.code for failure in admission.failures(facts(**changes), TODAY)]


def test_age_edges():
    assert codes(birth_date=datetime.date(1966, 3, 2)) == []  # 59
    assert codes(birth_date=datetime.date(1966, 3, 1)) == []  # 60 today
    assert codes(birth_date=datetime.date(1965, 3, 1)) == ["age_out_of_range"]  # 61
    assert codes(birth_date=datetime.date(2008, 3, 2)) == ["age_out_of_range"]  # 17
    assert codes(birth_date=datetime.date(2008, 3, 1)) == []  # 18 today
    assert codes(birth_date=datetime.date(1960, 1, 1), credential_code="B") == []  # no age rule for B
    assert codes(birth_date=datetime.date(1960, 1, 1), credential_code="TZ01", credential_family="special_operations") == ["age_out_of_range"]


def test_management_two_years_edge():
    assert codes(management_since=datetime.date(2024, 3, 1)) == []
    assert codes(management_since=datetime.date(2024, 3, 2)) == ["management_too_short"]  # one day short
    assert codes(management_since=None) == ["management_too_short"]


def test_education_title_employment_hours_certificate_overlap():
    assert codes(education="junior_secondary") == ["education_insufficient"]
    assert codes(education="junior_secondary", professional_title="assistant") == []
    assert codes(employer_id=None) == ["not_employed"]
    assert codes(employer_id=2) == ["not_employed_by_enterprise"]
    assert codes(hours=Decimal("23.5"), hours_required=Decimal(24)) == ["hours_short"]
    assert codes(hours=Decimal(24), hours_required=Decimal(24)) == []
    assert codes(valid_certificate="粤建安C(2024)0001") == ["certificate_held"]
    assert codes(overlapping=True) == ["sitting_overlap"]


def test_annual_safety_training_edges():
    trained = dict(training_required=True, employer_name="甲公司")
    assert codes(**trained, safety_trained_on=datetime.date(2025, 3, 1)) == []  # twelve months ago today
    assert codes(**trained, safety_trained_on=datetime.date(2025, 2, 28)) == ["safety_training_missing"]  # a day more
    assert codes(**trained, safety_trained_on=None) == ["safety_training_missing"]
    assert codes(safety_trained_on=None) == []  # not asked (the Guangdong candidate's own application)
    for code in ("A", "B"):
        assert codes(**trained, credential_code=code) == ["safety_training_missing"]
    # the safety managers' rule (001): not for special operations nor site posts
    assert codes(**trained, credential_code="TZ01", credential_family="special_operations") == []
    assert codes(**trained, credential_code="SGY", credential_family="site_professional") == []
    assert codes(**trained, employer_id=None) == ["not_employed"]  # asked only of someone employed
    message = admission.failures(facts(**trained), TODAY)[0]
    assert message.params == {"enterprise": "甲公司"}


def test_annual_safety_training_on_each_path(world):
    untrained = candidate(world, trained=False)
    # Jilin: asked when the candidate applies for the sitting
    with pytest.raises(DomainError) as refused:
        svc.application_apply(actor=untrained.user, credential=None, sitting=world.sitting, now=NOW)
    assert code_of(refused) == "safety_training_missing" and world.enterprise.name in refused.value.message
    # Guangdong: the candidate applies; the enterprise attests it when it verifies
    application = svc.application_apply(actor=untrained.user, credential=world.c, now=NOW)
    verify = dict(
        actor=world.admin, application=application, handler_name="王经办", handler_mobile="13800001111",
        sitting=world.sitting, insurance_proof=PDF, now=NOW,
    )
    with pytest.raises(DomainError) as refused:
        svc.application_verify(**verify)
    assert code_of(refused) == "safety_training_missing"
    with pytest.raises(DomainError) as refused:  # a day in the future: refused, nothing written
        svc.application_verify(**verify, safety_trained_on=NOW.date() + datetime.timedelta(days=1))
    assert code_of(refused) == "training_date_invalid"
    # a refusal for another rule rolls the attested training back with the rest
    world.sitting.hours_required = Decimal(99)
    world.sitting.save()
    with pytest.raises(DomainError) as refused:
        svc.application_verify(**verify, safety_trained_on=NOW.date() - datetime.timedelta(days=3))
    assert code_of(refused) == "hours_short"
    assert not untrained.safety_trainings.exists()
    world.sitting.hours_required = Decimal(0)
    world.sitting.save()
    application = svc.application_verify(**verify, safety_trained_on=NOW.date() - datetime.timedelta(days=3))
    assert application.status == S.ENTERPRISE_SUBMITTED
    record = untrained.safety_trainings.get()
    assert (record.enterprise, record.passed_on, record.recorded_by) == (world.enterprise, NOW.date() - datetime.timedelta(days=3), world.admin)
    # a training recorded by another enterprise (a former employer) does not count
    mover = candidate(world, trained=False)
    SafetyTrainingFactory(person=mover, enterprise=world.other_enterprise, passed_on=NOW.date() - datetime.timedelta(days=9))
    with pytest.raises(DomainError) as refused:
        svc.application_apply(actor=mover.user, credential=None, sitting=world.sitting, now=NOW)
    assert code_of(refused) == "safety_training_missing"


def test_every_failure_is_named_at_once(world):
    person = candidate(world, birth=datetime.date(1960, 1, 1), since=datetime.date(2025, 6, 1))
    world.sitting.hours_required = Decimal(24)
    world.sitting.save()
    HoursEntry.objects.create(person=person, credential=world.c, category="general", hours=Decimal(10), earned_on=datetime.date(2026, 1, 5), source="adjustment")
    with pytest.raises(DomainError) as refused:
        svc.application_apply(actor=person.user, credential=None, sitting=world.sitting, now=NOW)
    assert refused.value.details["failures"] == ["age_out_of_range", "management_too_short", "hours_short"]
    assert "18" in refused.value.message and "24" in refused.value.message
    assert not Application.objects.filter(candidate=person).exists()


def test_jurisdiction_is_checked_when_a_candidate_applies_for_a_sitting_not_first_at_the_certificate(world):
    # A worker of a Shenzhen enterprise applies for the Guangzhou authority's published sitting
    elsewhere = candidate(world, enterprise=world.other_enterprise)
    with pytest.raises(DomainError) as refused:
        svc.application_apply(actor=elsewhere.user, credential=None, sitting=world.sitting, now=NOW)
    assert code_of(refused) == "employed_outside_region"
    assert "广州市住建局" in refused.value.message
    assert not Application.objects.filter(candidate=elsewhere).exists()
    # A Guangzhou worker applies, and is refused at review once they have moved to Shenzhen
    here = candidate(world)
    application = svc.application_apply(actor=here.user, credential=None, sitting=world.sitting, now=NOW)
    Employment.objects.filter(person=here).update(enterprise=world.other_enterprise)
    with pytest.raises(DomainError) as refused:
        svc.application_decide(actor=world.reviewer, application=application, approve=True, now=NOW)
    assert code_of(refused) == "employed_outside_region"
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.seat is None


def test_unemployed_and_other_city_cannot_apply_and_the_paste_refuses_them(world):
    unemployed = PersonFactory(id_number=make_id_number(sequence=901), management_since=datetime.date(2020, 1, 1))
    with pytest.raises(DomainError) as refused:
        svc.application_apply(actor=unemployed.user, credential=world.c, now=NOW)
    assert code_of(refused) == "no_employer"
    with pytest.raises(DomainError) as refused:
        svc.application_apply(actor=unemployed.user, credential=None, sitting=world.sitting, now=NOW)
    assert code_of(refused) == "not_employed"
    elsewhere = candidate(world, enterprise=world.other_enterprise)
    here = candidate(world)
    report = sitting_candidates_add(
        actor=world.reviewer, sitting=world.sitting, id_numbers=[unemployed.id_number, elsewhere.id_number, here.id_number], now=NOW
    )
    assert [person.pk for person in report.added] == [here.pk]
    assert {row.value: row.code for row in report.skipped} == {
        unemployed.id_number: "candidate_not_employed", elsewhere.id_number: "employed_elsewhere",
    }


# Scoping -----------------------------------------------------------------------------------------


def test_lists_are_scoped_and_other_tenants_ids_are_not_found(world):
    mine = guangdong(world)
    theirs = guangdong(world, candidate(world, enterprise=world.other_enterprise)) if False else None
    other_person = candidate(world, enterprise=world.other_enterprise)
    other = svc.application_apply(actor=other_person.user, credential=world.c, now=NOW)
    assert list(reads.applications_for(world.admin)) == [mine]
    assert list(reads.applications_for(world.other_admin)) == [other]
    assert list(reads.applications_for(world.reviewer)) == [mine]
    assert list(reads.applications_for(world.other_reviewer)) == [other]
    assert list(reads.applications_for(mine.candidate.user)) == [mine]
    for actor, pk in ((world.admin, other.pk), (world.reviewer, other.pk), (other_person.user, mine.pk)):
        with pytest.raises(DomainError) as refused:
            reads.application_get(actor, pk)
        assert code_of(refused) == "application_not_found"
    with pytest.raises(DomainError) as refused:
        svc.application_decide(actor=world.other_reviewer, application=mine, approve=True, now=NOW)
    assert code_of(refused) == "not_application_reviewer"
    report = svc.applications_approve(actor=world.reviewer, ids=[mine.pk, other.pk], now=NOW)
    assert report.approved == [mine.pk] and report.refused[0][:2] == (other.pk, "application_not_found")
    assert theirs is None


def test_bulk_approval_names_each_refusal(world):
    apps = [guangdong(world) for _ in range(3)]  # capacity 2
    report = svc.applications_approve(actor=world.reviewer, ids=[a.pk for a in apps], now=NOW)
    assert report.approved == [apps[0].pk, apps[1].pk]
    assert report.refused[0][:2] == (apps[2].pk, "sitting_full")


def test_bulk_approval_checks_each_again_and_its_queries_do_not_grow_with_the_batch(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kernel.audit import trail_of
    from lms.models import Employment

    world.sitting.capacity = 20
    world.sitting.save(update_fields=["capacity"])

    def approve(applications):
        reviewer = type(world.reviewer).objects.get(pk=world.reviewer.pk)  # roles read afresh, as in a request
        with CaptureQueriesContext(connection) as queries:
            report = svc.applications_approve(actor=reviewer, ids=[a.pk for a in applications], now=NOW)
        return report, len(queries)

    # Given a batch of three, one of whose candidates has left the enterprise since it submitted
    small = [guangdong(world) for _ in range(3)]
    Employment.objects.filter(person=small[1].candidate).update(end_date=datetime.date(2026, 2, 1))
    report, few = approve(small)
    # Then the others are approved, seated in order, with their audit rows, and the leaver is named
    assert report.approved == [small[0].pk, small[2].pk]
    assert report.refused[0][:2] == (small[1].pk, "not_employed")
    seated = {a.pk: a for a in Application.objects.filter(pk__in=report.approved)}
    assert [seated[pk].seat for pk in report.approved] == [1, 2]
    assert all(seated[pk].status == S.APPROVED and seated[pk].decided_by_id == world.reviewer.pk for pk in report.approved)
    assert SittingCandidate.objects.filter(sitting=world.sitting).count() == 2
    for pk in report.approved:
        [row] = trail_of(seated[pk]).filter(new_state=S.APPROVED)
        assert row.old_state == S.ENTERPRISE_SUBMITTED and row.extra["seat"] == seated[pk].seat
    assert Application.objects.get(pk=small[1].pk).status == S.ENTERPRISE_SUBMITTED  # the refused one is as it was

    # And a batch of twelve costs the same statements as the batch of three
    large = [guangdong(world) for _ in range(12)]
    report, many = approve(large)
    assert len(report.approved) == 12 and many <= few
    assert sorted(a.seat for a in Application.objects.filter(pk__in=report.approved)) == list(range(3, 15))


def test_review_list_queries_do_not_grow_with_rows(world, django_assert_num_queries):
    def page():
        reviewer = type(world.reviewer).objects.get(pk=world.reviewer.pk)  # no cached roles
        rows = list(reads.applications_for(reviewer)[:50])
        return [(r.candidate.real_name, r.credential.code, r.enterprise.name, r.sitting.exam.title) for r in rows]

    for _ in range(2):
        guangdong(world)
    # the reviewer's roles, whether they are a learner, their regions, then one page of rows
    with django_assert_num_queries(5):
        assert len(page()) == 2
    for _ in range(6):
        guangdong(world)
    with django_assert_num_queries(5):
        assert len(page()) == 8


# The ticket --------------------------------------------------------------------------------------


def test_ticket_token_lookup_and_forgery(world):
    application = svc.application_decide(actor=world.reviewer, application=guangdong(world), approve=True, now=NOW)
    token = reads.ticket_token(application)
    assert reads.ticket_lookup(world.proctor, token=token).pk == application.pk
    assert reads.ticket_lookup(world.proctor, number=application.ticket_number).pk == application.pk
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for kwargs, code in (({"token": forged}, "ticket_invalid"), ({"number": "0000"}, "ticket_unknown")):
        with pytest.raises(DomainError) as refused:
            reads.ticket_lookup(world.proctor, **kwargs)
        assert code_of(refused) == code
    with pytest.raises(DomainError) as refused:
        reads.ticket_lookup(world.other_reviewer, token=token)
    assert code_of(refused) == "ticket_other_sitting"


def test_ticket_not_ready_before_approval(world):
    application = guangdong(world)
    with pytest.raises(DomainError) as refused:
        svc.ticket_print(actor=application.candidate.user, application=application, now=NOW)
    assert code_of(refused) == "ticket_not_ready"
