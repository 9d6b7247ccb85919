"""The issuer's electronic seal (hours.services.seal) on the certificate PDF and the hours
statement (hours.web.statement_pdf, hours.selectors.ledger.certificate_statement): both validate
with pyHanko's own validator, and fail once one byte inside the signed range changes; the
statement lists the entries that counted; who may open it; the system check without a key."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.checks import run_checks
from django.urls import reverse
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from hours.selectors.ledger import certificate_statement
from hours.services import seal
from hours.web.certificate_pdf import certificate_pdf
from hours.web.statement_pdf import statement_pdf
from kernel.errors import DomainError
from tests.factories import HoursEntryFactory, credential
from tests.hours.test_certificates import earn, issue, login, zh


def _trust(cert_path=None) -> ValidationContext:
    """Trusting the suite's seal certificate (tests/conftest.py), as a regulator trusts the authority's."""
    cert_path = cert_path or seal.key_files()[1]
    return ValidationContext(trust_roots=[load_cert_from_pemder(str(cert_path))])


def _status(pdf: bytes, cert_path=None):
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    (signature,) = reader.embedded_signatures
    return signature, validate_pdf_signature(signature, _trust(cert_path))


def _text(pdf: bytes) -> str:
    # Without the NULs pypdf puts before each glyph of fpdf2's two-byte font encoding.
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\x00", "").split())


def _tampered(pdf: bytes) -> bytes:
    """One byte changed inside the signed range, in the page content (not the signature itself)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    (signature,) = reader.embedded_signatures
    start, length = signature.byte_range[0], signature.byte_range[1]
    position = pdf.index(b"/Creator", start, start + length) + 2  # inside the signed first range
    changed = bytearray(pdf)
    changed[position] ^= 0x01
    return bytes(changed)


@pytest.fixture
def certificate(world):
    return issue(world, world.gz_worker)


def _assert_sealed(pdf: bytes, certificate) -> None:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    signature, status = _status(pdf)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line
    # The reader shows the issuing authority as the signer, and why it signed.
    assert signature.sig_object["/Name"] == certificate.authority.name
    assert signature.sig_object["/Location"] == certificate.authority.region.name


def _assert_broken(pdf: bytes) -> None:
    _signature, status = _status(_tampered(pdf))
    # The digest of the signed bytes no longer matches the one the signature covers; the CMS
    # signature over its own attributes still checks out (`valid`), so `intact` is what fails.
    assert status.intact is False
    assert not status.bottom_line


def test_the_certificate_pdf_is_sealed_and_validates(world, certificate):
    pdf = certificate_pdf(certificate, verify_url="https://kaohe.example.cn/verify/x/")

    _assert_sealed(pdf, certificate)
    signature, _status_ = _status(pdf)
    assert signature.sig_object["/Reason"] == zh("Electronic certificate seal") == "电子证书签章"
    assert "张广州" in _text(pdf)  # still the same certificate, QR code and all
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1


def test_one_changed_byte_breaks_the_certificates_seal(world, certificate):
    pdf = certificate_pdf(certificate, verify_url="https://kaohe.example.cn/verify/x/")
    _assert_broken(pdf)


def test_a_seal_from_an_untrusted_key_is_not_trusted(world, certificate, tmp_path):
    pdf = certificate_pdf(certificate, verify_url="https://kaohe.example.cn/verify/x/")
    seal.create_development_pair(tmp_path / "key.pem", tmp_path / "cert.pem")  # another deployment's
    _signature, status = _status(pdf, tmp_path / "cert.pem")
    assert status.intact and status.valid and not status.trusted


def test_the_statement_is_sealed_and_one_changed_byte_breaks_it(world, certificate):
    earn(world.gz_worker, "C", 2023, "8")
    pdf = statement_pdf(certificate_statement(certificate, as_of=datetime.date(2024, 1, 10)))

    _assert_sealed(pdf, certificate)
    signature, _status_ = _status(pdf)
    assert signature.sig_object["/Reason"] == zh("Continuing-education statement seal")
    _assert_broken(pdf)


def test_the_statement_lists_the_hours_that_counted_and_the_totals(world, certificate):
    # Issued 2022-06-01. Counted: the two inside the validity; not: before issue, another credential.
    earn(world.gz_worker, "C", 2022, "12", month=9)
    earn(world.gz_worker, "C", 2023, "16", category="professional", month=3)
    earn(world.gz_worker, "C", 2022, "40", month=1)  # before the certificate was issued
    HoursEntryFactory(person=world.gz_worker, credential=credential("A"), hours=Decimal("30"), earned_on=datetime.date(2023, 5, 1))

    statement = certificate_statement(certificate, as_of=datetime.date(2024, 1, 10))

    assert [(line.earned_on, line.hours) for line in statement.lines] == [
        (datetime.date(2022, 9, 1), Decimal("12")),
        (datetime.date(2023, 3, 1), Decimal("16")),
    ]
    assert statement.standing.period_total == Decimal("28")
    text = _text(statement_pdf(statement))
    for expected in (
        zh("Continuing-education statement"), "学时证明", "张广州", certificate.number, "广州市住建局",
        "2022-09-01", "2023-03-01", zh("Professional post knowledge"), "28",
    ):
        assert "".join(str(expected).split()) in text, expected
    assert "2022-01-01" not in text and "30" not in text.split("2023-03-01")[1][:8]
    assert world.gz_worker.id_number not in text
    for year in statement.standing.years:
        assert str(year.year) in text


def test_the_statement_is_for_whoever_may_see_the_certificate(world, client, certificate):
    statement_url = reverse("hours:certificate_statement", args=[certificate.pk])
    pdf_url = reverse("hours:certificate_pdf", args=[certificate.pk])

    assert client.get(statement_url).status_code == 302  # login first
    for user, status in (
        (world.gz_worker.user, 200),  # the holder
        (world.sz_worker.user, 404),  # another learner: not found, never 500
        (world.gz_admin, 200),  # the holder's current employer (its 证书管理 links both)
        (world.sz_admin, 404),  # another enterprise
        (world.sz_reviewer, 404),  # another city's authority
        (world.gz_reviewer, 200),  # the issuing authority
        (world.province_reviewer, 200),  # the province above it
        (world.superuser, 200),
    ):
        login(client, user)
        response = client.get(statement_url)
        assert response.status_code == status, user
        assert client.get(pdf_url).status_code == status, user  # the same policy
    assert response["Content-Type"] == "application/pdf"
    _assert_sealed(response.content, certificate)
    assert client.get(reverse("hours:certificate_statement", args=[999999])).status_code == 404


def test_my_certificates_links_the_statement(world, client, certificate):
    page = login(client, world.gz_worker.user).get(reverse("hours:my_certificates")).content.decode()
    assert reverse("hours:certificate_statement", args=[certificate.pk]) in page
    listing = login(client, world.gz_reviewer).get(reverse("hours:certificate_list")).content.decode()
    assert reverse("hours:certificate_statement", args=[certificate.pk]) in listing


# Keys and the system check -------------------------------------------------------------------------


def _seal_checks():
    return [message for message in run_checks() if message.id.startswith("hours.")]


def test_without_a_key_and_debug_off_the_check_warns_and_sealing_is_refused(settings):
    settings.DEBUG = False
    settings.CERTIFICATE_SEAL_KEY_FILE = settings.CERTIFICATE_SEAL_CERT_FILE = ""

    assert [message.id for message in _seal_checks()] == ["hours.W001"]
    with pytest.raises(DomainError) as refused:
        seal.seal_pdf(b"%PDF-1.4", signer_name="x", reason="x", location="x")
    assert refused.value.code == "seal_key_missing"


def test_debug_makes_a_development_pair_once(settings, tmp_path):
    settings.DEBUG = True
    settings.CERTIFICATE_SEAL_KEY_FILE = settings.CERTIFICATE_SEAL_CERT_FILE = ""
    settings.CERTIFICATE_SEAL_DEVELOPMENT_DIR = tmp_path
    assert seal.key_files(create_development_key=False) is None
    key_path, cert_path = seal.key_files()
    first = cert_path.read_bytes()
    assert seal.key_files() == (key_path, cert_path) and cert_path.read_bytes() == first
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"
    assert _seal_checks() == []


def test_a_configured_key_is_used_and_a_broken_one_is_an_error(settings, tmp_path):
    settings.DEBUG = True
    settings.CERTIFICATE_SEAL_KEY_FILE = settings.CERTIFICATE_SEAL_CERT_FILE = ""
    settings.CERTIFICATE_SEAL_DEVELOPMENT_DIR = tmp_path / "dev"
    key_path, cert_path = seal.key_files()
    settings.DEBUG = False
    settings.CERTIFICATE_SEAL_KEY_FILE, settings.CERTIFICATE_SEAL_CERT_FILE = str(key_path), str(cert_path)
    assert seal.configured() and _seal_checks() == []
    assert seal.signer() is not None

    broken = tmp_path / "broken.pem"
    broken.write_text("not a key")
    settings.CERTIFICATE_SEAL_KEY_FILE = str(broken)
    assert [message.id for message in _seal_checks()] == ["hours.E001"]
    with pytest.raises(DomainError) as refused:
        seal.signer()
    assert refused.value.code == "seal_key_invalid"
