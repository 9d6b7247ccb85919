"""What the scheme says about a credential's certificates (issue 16, item 8): who issues them (the
authority, or the training institution that examined the candidates, under its own name and seal:
Qinghai's technical workers, notice 003) and whether they have an end of validity (Hainan's 安全员:
no end, yet yearly hours, notice 002)."""

import datetime
import io
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from hours.models import (
    Certificate,
    CertificateEvent,
    CertificateStatus,
    CreditScheme,
    ExtensionRequest,
    Pass,
    PassList,
    PassListStatus,
)
from hours.rules import eligibility
from hours.rules.eligibility import Entry, Rule
from hours.rules.passes import add_months
from hours.selectors import dashboard, ledger
from hours.selectors.certificates import certificate_token, enterprise_certificate_rows, status_on
from hours.selectors.home import certificates_expiring
from hours.services import certificates as services
from hours.services import seal
from hours.web.certificate_pdf import certificate_pdf
from hours.web.statement_pdf import statement_pdf
from kernel.models import AuditEvent
from kernel.errors import DomainError
from tests.factories import credential
from tests.hours.test_certificates import at, earn, issue, login
from tests.hours.test_results_and_passes import sitting, special  # noqa: F401  (fixtures)

S = CertificateStatus

# Technical workers (the credential the migration seeds for Qinghai) and 安全员.
WORKER = "JSGR"
SAFETY_OFFICER = "AQY"


def _scheme(world, code, **fields) -> CreditScheme:
    """Guangdong's own version of `code`'s scheme (the test world is Guangdong)."""
    defaults = {"validity_years": 3, "hours_per_year": 0, "yearly_rule_starts": "issue_year", "consequence": "not_eligible"}
    return CreditScheme.objects.create(
        credential=credential(code), province=world.province, effective_from=datetime.date(2019, 1, 1), **{**defaults, **fields}
    )


def _institution_list(world, *people, code=WORKER, institution=None, status=PassListStatus.CONFIRMED, passed_on=datetime.date(2024, 4, 1)):
    """A confirmed list of a sitting `institution` organised (PassList.institution), compiled by Guangzhou."""
    pass_list = PassList.objects.create(
        authority=world.gz_authority, institution=institution or world.gz_institution, credential=credential(code),
        source=f"test:institution:{code}:{passed_on}", label=f"机构考试 {passed_on}", status=status,
        compiled_by=world.gz_reviewer, compiled_at=timezone.now(),
    )
    for person in people:
        Pass.objects.create(pass_list=pass_list, person=person, passed_on=passed_on, keep_until=add_months(passed_on, 12))
    return pass_list


@pytest.fixture
def by_institution(world):
    return _scheme(world, WORKER, issued_by="institution")


def _unchanged(before: int) -> None:
    assert Certificate.objects.count() == before
    assert not Pass.objects.filter(certificate__isnull=False).exists()


# The migration's seed ----------------------------------------------------------------------------


def test_the_migration_seeds_hainan_safety_officers_and_qinghai_technical_workers(db):
    hainan = CreditScheme.objects.get(credential__code=SAFETY_OFFICER, province__code="460000")
    assert (hainan.open_ended, hainan.issued_by, hainan.hours_per_year, hainan.professional_hours_per_year) == (
        True, "authority", Decimal("32"), Decimal("22"),
    )
    assert hainan.hours_per_period == 0 and hainan.window_years == 0
    qinghai = CreditScheme.objects.get(credential__code=WORKER, province__code="630000")
    assert (qinghai.issued_by, qinghai.hours_per_year) == ("institution", Decimal("0"))
    # The national 安全员 rule is untouched.
    national = CreditScheme.objects.get(credential__code=SAFETY_OFFICER, province__isnull=True)
    assert (national.open_ended, national.issued_by, national.window_hours) == (False, "authority", Decimal("64"))


# Issued by the institution -----------------------------------------------------------------------


def test_institution_staff_issue_from_their_institutions_confirmed_list(world, by_institution):
    pass_list = _institution_list(world, world.gz_worker)

    report = services.certificates_issue_by_institution(
        actor=world.gz_staff, pass_list=pass_list, issued_on=datetime.date(2024, 5, 1), now=at(datetime.date(2024, 5, 1))
    )

    assert report.complete, report.skipped
    (certificate,) = report.issued
    assert (certificate.institution, certificate.authority, certificate.issuer) == (
        world.gz_institution, world.gz_authority, world.gz_institution,
    )
    assert certificate.expires_on == datetime.date(2027, 5, 1)
    assert certificate.number.startswith(f"4401002024{WORKER}")
    assert Pass.objects.get(pass_list=pass_list).certificate == certificate
    event = certificate.events.get()
    assert (event.to_status, event.actor) == (S.VALID, world.gz_staff)
    audit = AuditEvent.objects.filter(object_type="hours.certificate", object_id=str(certificate.pk), event_type="created").get()
    assert audit.extra["institution"] == world.gz_institution.pk


def test_the_authority_cannot_issue_what_the_institution_issues(world, by_institution):
    _institution_list(world, world.gz_worker)
    before = Certificate.objects.count()

    with pytest.raises(DomainError) as refused:
        services.certificates_issue(
            actor=world.gz_reviewer, authority=world.gz_authority, credential=credential(WORKER),
            people=[world.gz_worker], issued_on=datetime.date(2024, 5, 1),
        )

    assert refused.value.code == "certificate_issued_by_institution"
    _unchanged(before)


def test_the_wrong_party_is_refused_and_nothing_changes(world, by_institution):
    pass_list = _institution_list(world, world.gz_worker)
    before = Certificate.objects.count()
    for actor in (world.sz_staff, world.gz_reviewer, world.province_reviewer, world.gz_admin):
        with pytest.raises(DomainError) as refused:
            services.certificates_issue_by_institution(actor=actor, pass_list=pass_list, issued_on=datetime.date(2024, 5, 1))
        assert refused.value.code == "pass_list_not_found", actor
    _unchanged(before)


def test_an_unconfirmed_list_or_an_authority_scheme_is_refused(world, by_institution):
    waiting = _institution_list(world, world.gz_worker, status=PassListStatus.SUBMITTED)
    before = Certificate.objects.count()
    with pytest.raises(DomainError) as refused:
        services.certificates_issue_by_institution(actor=world.gz_staff, pass_list=waiting, issued_on=datetime.date(2024, 5, 1))
    assert refused.value.code == "pass_list_not_confirmed"
    # 安管人员 C is issued by the authority: the institution's staff may not, even from its own list.
    authority_issued = _institution_list(world, world.gz_worker, code="C")
    with pytest.raises(DomainError) as refused:
        services.certificates_issue_by_institution(
            actor=world.gz_staff, pass_list=authority_issued, issued_on=datetime.date(2024, 5, 1)
        )
    assert refused.value.code == "certificate_issued_by_authority"
    _unchanged(before)


def test_pass_list_pages_for_institution_staff(client, world, by_institution):
    pass_list = _institution_list(world, world.gz_worker, passed_on=timezone.localdate() - datetime.timedelta(days=30))
    detail = reverse("hours:pass_list", args=[pass_list.pk])
    issue_url = reverse("hours:pass_list_issue", args=[pass_list.pk])
    before = Certificate.objects.count()

    # Another institution's staff: not found, and nothing changes.
    login(client, world.sz_staff)
    assert client.get(detail).status_code == 404
    assert client.post(issue_url).status_code == 404
    assert client.post(reverse("hours:pass_list_decide", args=[pass_list.pk]), {"decision": "confirm"}).status_code == 404
    _unchanged(before)

    # The authority sees the list but has no button, and its POST is refused with the reason.
    login(client, world.gz_reviewer)
    page = client.get(detail)
    assert page.status_code == 200 and 'id="issue-from-list"' not in page.content.decode()
    client.post(issue_url)
    _unchanged(before)

    # The institution's own staff issue from the page; the report lists the certificate.
    login(client, world.gz_staff)
    page = client.get(detail)
    assert page.status_code == 200 and 'id="issue-from-list"' in page.content.decode()
    response = client.post(issue_url)
    assert response.status_code == 200
    certificate = Certificate.objects.get(holder=world.gz_worker, credential__code=WORKER)
    assert certificate.institution == world.gz_institution
    assert certificate.number in response.content.decode()
    # The institution's staff open the certificate they issued; another institution's do not.
    assert client.get(reverse("hours:certificate_pdf", args=[certificate.pk])).status_code == 200
    login(client, world.sz_staff)
    assert client.get(reverse("hours:certificate_pdf", args=[certificate.pk])).status_code == 404
    assert client.get(reverse("hours:certificate_pdf", args=[999999])).status_code == 404


def _institution_certificate(world) -> Certificate:
    pass_list = _institution_list(world, world.gz_worker)
    return services.certificates_issue_by_institution(
        actor=world.gz_staff, pass_list=pass_list, issued_on=datetime.date(2024, 5, 1)
    ).issued[0]


def _text(pdf: bytes) -> str:
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\x00", "").split())


def _signature(pdf: bytes, cert_path):
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    (signature,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(cert_path))])
    return signature, validate_pdf_signature(signature, context)


def test_the_institution_is_named_on_the_pdf_and_the_verify_page_and_signs_it(client, world, by_institution):
    certificate = _institution_certificate(world)

    pdf = certificate_pdf(certificate, verify_url="https://kaohe.example.cn/verify/x/")
    text = _text(pdf)
    assert world.gz_institution.name in text
    assert world.gz_authority.name not in text
    signature, status = _signature(pdf, seal.key_files()[1])
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert signature.sig_object["/Name"] == world.gz_institution.name
    assert signature.sig_object["/Location"] == world.gz_institution.region.name

    statement = statement_pdf(ledger.certificate_statement(certificate, as_of=datetime.date(2024, 6, 1)))
    assert world.gz_institution.name in _text(statement)
    assert _signature(statement, seal.key_files()[1])[1].bottom_line

    page = client.get(reverse("hours:certificate_verify", args=[certificate_token(certificate)])).content.decode()
    assert 'data-issuer-kind="institution"' in page
    assert f'data-issuer="{world.gz_institution.pk}"' in page
    assert world.gz_institution.name in page


def test_an_institution_with_its_own_key_seals_with_it(settings, world, by_institution):
    certificate = _institution_certificate(world)
    directory = Path(tempfile.mkdtemp(prefix="kaohe-institution-seal-"))
    seal.create_development_pair(directory / "key.pem", directory / "cert.pem")
    settings.CERTIFICATE_SEAL_ORGANISATION_KEYS = (
        f'{{"{world.gz_institution.pk}": {{"key": "{directory / "key.pem"}", "cert": "{directory / "cert.pem"}"}}}}'
    )

    pdf = certificate_pdf(certificate, verify_url="https://kaohe.example.cn/verify/x/")

    # Trusted under the institution's certificate, not under the platform's.
    assert _signature(pdf, directory / "cert.pem")[1].bottom_line
    assert not _signature(pdf, seal.key_files()[1])[1].trusted
    # The authority's certificates keep the platform's key.
    other = issue(world, world.sz_worker, authority=world.sz_authority, actor=world.sz_reviewer)
    assert _signature(certificate_pdf(other, verify_url="https://x/"), seal.key_files()[1])[1].bottom_line
    settings.CERTIFICATE_SEAL_ORGANISATION_KEYS = "[1]"
    with pytest.raises(DomainError) as refused:
        certificate_pdf(certificate, verify_url="https://x/")
    assert refused.value.code == "seal_key_invalid"


# No end of validity --------------------------------------------------------------------------


def test_standing_of_a_certificate_with_no_end_counts_every_year_to_the_current_one():
    rule = Rule(
        effective_from=datetime.date(2019, 1, 1), hours_per_year=Decimal(32), professional_hours_per_year=Decimal(22),
        yearly_rule_starts="year_after_issue", open_ended=True,
    )

    def standing(entries, as_of, consequence="not_eligible"):
        return eligibility.standing(
            issued_on=datetime.date(2021, 3, 1), expires_on=None, entries=entries, as_of=as_of,
            rules=[Rule(**{**rule.__dict__, "consequence": consequence})],
        )

    full = [Entry(datetime.date(year, 6, 1), Decimal(32), False) for year in (2022, 2023, 2024)]
    professional = [Entry(datetime.date(year, 7, 1), Decimal(22), True) for year in (2022, 2023, 2024)]
    # Ten years on the yearly rule still applies, year by year, up to the current one.
    result = standing(full + professional, datetime.date(2024, 8, 1))
    assert [t.year for t in result.years] == [2022, 2023, 2024]
    assert [t.complete for t in result.years] == [True, True, False]
    assert result.status == "met" and result.period_required == 0
    later = standing(full + professional, datetime.date(2031, 6, 1))
    assert [t.year for t in later.years] == list(range(2022, 2032))
    assert later.status == "short"
    assert "2025" in later.explanation
    # The consequence is the scheme's: void where it says so.
    assert standing(full + professional, datetime.date(2031, 6, 1), consequence="void").status == "void"
    # The current year not yet met, nothing missed: on track.
    assert standing(full[:2] + professional[:2], datetime.date(2024, 8, 1)).status == "on_track"


@pytest.fixture
def open_ended(world):
    """Guangdong's 安全员 under an open-ended version, as Hainan's (notice 002)."""
    return _scheme(
        world, SAFETY_OFFICER, open_ended=True, hours_per_year=32, professional_hours_per_year=22,
        yearly_rule_starts="year_after_issue",
    )


def _open_certificate(world) -> Certificate:
    return issue(world, world.gz_worker, code=SAFETY_OFFICER, issued_on=datetime.date(2022, 6, 1))


def test_a_certificate_of_an_open_ended_scheme_has_no_expiry_and_never_expires(world, open_ended):
    certificate = _open_certificate(world)
    assert certificate.expires_on is None and certificate.open_ended
    assert certificate.events.get().expires_on is None

    for year in (2023, 2024):
        earn(world.gz_worker, SAFETY_OFFICER, year, 10)
        earn(world.gz_worker, SAFETY_OFFICER, year, 22, category="professional")
    # Years on, the daily review leaves it valid: no date ends it.
    report = services.certificates_review(today=datetime.date(2035, 1, 10))
    certificate.refresh_from_db()
    assert (report.expired, certificate.status) == (0, S.VALID)
    assert status_on(certificate, datetime.date(2040, 1, 1)) == S.VALID
    # Its standing counts every year: 2023 and 2024 met, 2025 onwards short.
    standing = ledger.certificate_standing(certificate, as_of=datetime.date(2025, 3, 1))
    assert [t.year for t in standing.years] == [2023, 2024, 2025]
    assert standing.status == "on_track"
    assert ledger.certificate_standing(certificate, as_of=datetime.date(2026, 3, 1)).status == "short"
    # The rules in SQL (the dashboard's cross-check) agree with the rules in Python.
    for as_of in (datetime.date(2025, 3, 1), datetime.date(2026, 3, 1)):
        rows = dict(dashboard.standing_rows_by_rules_in_sql(Certificate.objects.filter(pk=certificate.pk), as_of=as_of))
        assert rows == {certificate.pk: ledger.certificate_standing(certificate, as_of=as_of).status}


def test_an_open_ended_certificate_is_voided_only_where_the_scheme_says_so(world, open_ended):
    open_ended.consequence = "void"
    open_ended.save()
    certificate = _open_certificate(world)

    report = services.certificates_review(today=datetime.date(2024, 2, 1))

    certificate.refresh_from_db()
    assert (report.voided, certificate.status) == (1, S.VOID)
    assert CertificateEvent.objects.filter(certificate=certificate, to_status=S.VOID).exists()


def test_an_open_ended_certificate_is_not_extended(client, world, open_ended):
    certificate = _open_certificate(world)
    earn(world.gz_worker, SAFETY_OFFICER, 2023, 32, category="professional")

    with pytest.raises(DomainError) as refused:
        services.extension_apply(holder=world.gz_worker, certificate=certificate, now=at(datetime.date(2024, 1, 5)))
    assert refused.value.code == "extension_not_applicable"
    with pytest.raises(DomainError) as refused:
        services.extension_apply_for(actor=world.gz_admin, certificate=certificate, now=at(datetime.date(2024, 1, 5)))
    assert refused.value.code == "extension_not_applicable"
    with pytest.raises(DomainError) as refused:
        services.certificate_transition(
            certificate=certificate, to=S.VALID, reason="x", expires_on=datetime.date(2030, 1, 1)
        )
    assert refused.value.code == "extension_not_applicable"
    certificate.refresh_from_db()
    assert certificate.expires_on is None
    assert not ExtensionRequest.objects.exists()
    # The holder's page says why there is no extension button.
    login(client, world.gz_worker.user)
    page = client.get(reverse("hours:my_certificates")).content.decode()
    assert 'data-extension="not-applicable"' in page and 'data-open-ended="1"' in page
    assert reverse("hours:extension_apply", args=[certificate.pk]) not in page
    response = client.post(reverse("hours:extension_apply", args=[certificate.pk]))
    assert response.status_code in (200, 302)
    assert not ExtensionRequest.objects.exists()


def test_lists_filters_and_documents_do_not_trip_on_a_missing_expiry(client, world, open_ended):
    certificate = _open_certificate(world)
    soon = issue(world, world.sz_worker, code="C", issued_on=timezone.localdate().replace(year=timezone.localdate().year - 3) + datetime.timedelta(days=30), authority=world.sz_authority, actor=world.sz_reviewer)
    today = timezone.localdate()

    rows = enterprise_certificate_rows(world.gz_admin, world.gz_enterprise, as_of=today)
    assert [(r["certificate"], r["expiring"]) for r in rows] == [(certificate, False)]
    assert enterprise_certificate_rows(world.gz_admin, world.gz_enterprise, show="expiring", as_of=today) == []
    assert list(certificates_expiring(world.gz_reviewer)) == []
    assert list(certificates_expiring(world.sz_reviewer)) == [soon]
    assert certificate_pdf(certificate, verify_url="https://x/")
    assert statement_pdf(ledger.certificate_statement(certificate, as_of=today))

    pages = {
        world.gz_admin: [
            reverse("hours:enterprise_certificates", args=[world.gz_enterprise.pk]),
            reverse("hours:enterprise_certificates", args=[world.gz_enterprise.pk]) + "?show=expiring",
            reverse("hours:enterprise_certificates", args=[world.gz_enterprise.pk]) + "?format=xlsx",
            reverse("hours:dashboard"),
            reverse("lms:home"),
        ],
        world.gz_reviewer: [
            reverse("hours:certificate_list"), reverse("hours:dashboard"), reverse("hours:dashboard_list"),
            reverse("hours:dashboard_list") + "?status=short", reverse("hours:extension_list"), reverse("hours:dashboard_export"), reverse("lms:home"),
        ],
        world.gz_worker.user: [reverse("hours:my_certificates"), reverse("hours:my_hours"), reverse("lms:home")],
    }
    for user, urls in pages.items():
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == 200, url
    assert 'data-open-ended="1"' in client.get(reverse("hours:my_certificates")).content.decode()
    verify = client.get(reverse("hours:certificate_verify", args=[certificate_token(certificate)])).content.decode()
    assert 'data-open-ended="1"' in verify
    lookup = client.get(reverse("hours:certificate_lookup"), {"number": certificate.number, "name": world.gz_worker.real_name})
    assert lookup.status_code == 200 and 'data-open-ended="1"' in lookup.content.decode()


# The list knows the institution whose candidates sat ---------------------------------------------


def test_a_list_compiled_from_a_sitting_records_its_institution_and_the_migration_backfills_it(world, special, sitting):
    import importlib

    from django.apps import apps

    from tests.hours.test_results_and_passes import _passing

    sitting.institution = world.gz_institution
    sitting.save(update_fields=["institution"])
    pass_list = _passing(world, sitting)
    assert pass_list.institution == world.gz_institution
    # Lists compiled before the field existed get it from their sitting.
    PassList.objects.filter(pk=pass_list.pk).update(institution=None)
    migration = importlib.import_module("hours.migrations.0010_scheme_issuer_and_open_ended")
    migration.pass_list_institutions(apps, None)
    migration.pass_list_institutions(apps, None)  # safe to run twice
    pass_list.refresh_from_db()
    assert pass_list.institution == world.gz_institution


def test_the_system_check_refuses_an_unreadable_issuer_key(settings, tmp_path):
    from django.core.checks import run_checks

    settings.CERTIFICATE_SEAL_ORGANISATION_KEYS = f'{{"12": {{"key": "{tmp_path / "none.pem"}", "cert": "{tmp_path / "none.pem"}"}}}}'
    assert "hours.E002" in {message.id for message in run_checks()}
    settings.CERTIFICATE_SEAL_ORGANISATION_KEYS = "not json"
    assert "hours.E002" in {message.id for message in run_checks()}
    settings.CERTIFICATE_SEAL_ORGANISATION_KEYS = "{}"
    assert "hours.E002" not in {message.id for message in run_checks()}


def test_institution_staff_see_the_pass_lists_link_and_their_lists_only(client, world, by_institution):
    own = _institution_list(world, world.gz_worker)
    other = _institution_list(world, world.sz_worker, institution=world.sz_institution, passed_on=datetime.date(2024, 4, 2))
    login(client, world.gz_staff)
    page = client.get(reverse("hours:pass_lists")).content.decode()
    assert f'data-pass-list="{own.pk}"' in page and f'data-pass-list="{other.pk}"' not in page
    assert 'id="pass-list-institution"' in client.get(reverse("hours:pass_list", args=[own.pk])).content.decode()
    assert reverse("hours:pass_lists") in client.get(reverse("lms:home")).content.decode()


def test_on_the_page_each_party_is_refused_with_its_reason(client, world, by_institution):
    from django.contrib.messages import get_messages

    from hours.errors import ERRORS

    recent = timezone.localdate() - datetime.timedelta(days=30)
    institution_list = _institution_list(world, world.gz_worker, passed_on=recent)
    authority_list = _institution_list(world, world.gz_worker, code="C", passed_on=recent)
    before = Certificate.objects.count()

    def refusal(user, pass_list) -> list[str]:
        login(client, user)
        response = client.post(reverse("hours:pass_list_issue", args=[pass_list.pk]))
        assert response.status_code == 302
        return [str(message) for message in get_messages(response.wsgi_request)]

    assert refusal(world.gz_reviewer, institution_list)[-1] == str(ERRORS.error("certificate_issued_by_institution").message)
    assert refusal(world.gz_staff, authority_list)[-1] == str(ERRORS.error("certificate_issued_by_authority").message)
    _unchanged(before)


def test_an_open_ended_certificate_is_held_whatever_the_date_when_applying_for_an_exam(world, open_ended):
    from exam.selectors.applications import eligibility_facts

    certificate = _open_certificate(world)

    facts = eligibility_facts(
        person=world.gz_worker, credential=credential(SAFETY_OFFICER), enterprise=world.gz_enterprise, sitting=None,
        today=datetime.date(2040, 1, 1),
    )

    assert facts.valid_certificate == certificate.number
