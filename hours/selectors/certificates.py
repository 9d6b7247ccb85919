"""Reads of certificates, scoped to the acting user, and the signed token of the public
verification link."""

import datetime
import uuid

from django.core import signing
from django.db.models import F, Prefetch, QuerySet

from kernel.errors import NotFoundError
from lms import policies as people
from lms.models import Credential, Organisation, Person, User

from .. import policies
from ..models import Certificate, CertificateStatus, ExtensionRequest, ExtensionStatus
from . import ledger

TOKEN_SALT = "kaohe.certificate"


def certificates_of(person: Person) -> QuerySet[Certificate]:
    """A holder's own certificates, each with its pending extension request if any."""
    pending = ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING)
    return (
        Certificate.objects.filter(holder=person)
        .select_related("credential", "authority__region", "institution__region", "legacy_holding")
        .prefetch_related(Prefetch("extension_requests", queryset=pending, to_attr="pending_requests"))
    )


def certificates_managed(actor: User) -> QuerySet[Certificate]:
    """Certificates issued by authorities in the actor's regions (all, for a superuser)."""
    return policies.certificates_managed(actor).select_related("holder", "credential", "authority__region", "institution__region")


def certificate_get(actor: User, pk: int) -> Certificate:
    """A certificate its holder, an authority overseeing its issuer or a superuser may see; else 404."""
    queryset = policies.certificates_visible(actor).select_related(
        "holder", "credential", "authority__region", "institution__region", "legacy_holding"
    )
    try:
        return queryset.get(pk=pk)
    except (Certificate.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


def extension_requests_for(actor: User, *, status: str | None = ExtensionStatus.PENDING) -> QuerySet[ExtensionRequest]:
    queryset = policies.extension_requests_managed(actor).select_related(
        "certificate__holder", "certificate__credential", "certificate__authority"
    )
    return queryset.filter(status=status) if status else queryset


def extension_request_get(actor: User, pk: int) -> ExtensionRequest:
    try:
        return extension_requests_for(actor, status=None).get(pk=pk)
    except (ExtensionRequest.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


def issuing_authorities(actor: User) -> QuerySet[Organisation]:
    """The authorities on whose behalf the actor may issue certificates."""
    return policies.issuing_authorities(actor).select_related("region")


def credentials() -> QuerySet[Credential]:
    return Credential.objects.all()


# The public verification link -------------------------------------------------------------------


def certificate_token(certificate: Certificate) -> str:
    """The signed token the QR code carries. It never expires: the page shows the current status."""
    return signing.dumps({"c": str(certificate.public_id)}, salt=TOKEN_SALT)


def certificate_by_token(token: str) -> Certificate | None:
    """The certificate a token names, or None for a forged, altered or unknown token."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
        public_id = uuid.UUID(str(payload["c"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None
    return (
        Certificate.objects.select_related("holder", "credential", "authority__region", "institution__region", "legacy_holding")
        .filter(public_id=public_id)
        .first()
    )


def status_on(certificate: Certificate, day: datetime.date) -> str:
    """The status to show: a valid certificate past its expiry reads as expired even before the
    daily review has recorded it."""
    if certificate.status == CertificateStatus.VALID and certificate.expires_on is not None and certificate.expires_on < day:
        return CertificateStatus.EXPIRED
    return certificate.status


def certificate_lookup(number: str, name: str) -> Certificate | None:
    """The public lookup (证书查询): a certificate by its number and the holder's exact real name,
    or None (a wrong name and an unknown number look the same)."""
    number, name = (number or "").strip().upper(), (name or "").strip()
    if not number or not name or len(number) > 32 or len(name) > 50:
        return None
    return (
        Certificate.objects.select_related("holder", "credential", "authority__region", "institution__region")
        .filter(number=number, holder__real_name=name)
        .first()
    )


EXPIRING_DAYS = 90


def enterprise_get(actor: User, enterprise_id) -> Organisation:
    enterprise = people.administered_enterprises(actor).filter(pk=enterprise_id).first() if str(enterprise_id).isdigit() else None
    if enterprise is None:
        raise NotFoundError.default()
    return enterprise


def enterprise_certificate_rows(actor: User, enterprise: Organisation, *, show: str = "", as_of: datetime.date) -> list[dict]:
    """The enterprise's employees' certificates with status, expiry and hours standing; `show`
    "expiring" (valid, expiring within 90 days) or "short" (hours short or void)."""
    certificates = list(
        policies.enterprise_certificates(actor, enterprise)
        .select_related("holder", "credential", "authority__region", "institution__region")
        .prefetch_related(Prefetch("extension_requests", queryset=ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING), to_attr="pending_requests"))
        .order_by(F("expires_on").asc(nulls_last=True), "number")
    )
    standings = ledger.standings_of(certificates, as_of=as_of)
    rows = []
    for certificate in certificates:
        status = status_on(certificate, as_of)
        standing = standings.get(certificate.pk)
        row = {
            "certificate": certificate,
            "status": status,
            "standing": standing,
            # A certificate with no end of validity (长期有效) never expires.
            "expiring": status == CertificateStatus.VALID
            and certificate.expires_on is not None
            and (certificate.expires_on - as_of).days <= EXPIRING_DAYS,
            "short": standing is not None and standing.status in ("short", "void"),
            "pending": certificate.pending_requests[0] if certificate.pending_requests else None,
        }
        if show == "expiring" and not row["expiring"]:
            continue
        if show == "short" and not row["short"]:
            continue
        rows.append(row)
    return rows
