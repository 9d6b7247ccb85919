"""Reads of certificates, scoped to the acting user, and the signed token of the public
verification link."""

import datetime
import uuid

from django.core import signing
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from lms.models import Credential, Organisation, OrganisationKind, Person, Role, User
from lms.policies import region_paths as authority_region_paths
from lms.policies import roles_of

from ..models import Certificate, CertificateStatus, ExtensionRequest, ExtensionStatus

TOKEN_SALT = "kaohe.certificate"


def _issued_in_regions(actor: User, prefix: str = "") -> Q:
    paths = authority_region_paths(actor)
    if not paths:
        return Q(pk__in=[])
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{prefix}authority__region__path__startswith": path})
    return condition


def certificates_of(person: Person) -> QuerySet[Certificate]:
    """A holder's own certificates, each with its pending extension request if any."""
    pending = ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING)
    return (
        Certificate.objects.filter(holder=person)
        .select_related("credential", "authority__region")
        .prefetch_related(Prefetch("extension_requests", queryset=pending, to_attr="pending_requests"))
    )


def certificates_overseen(actor: User) -> QuerySet[Certificate]:
    """Certificates issued by authorities in the actor's regions (all, for a superuser)."""
    queryset = Certificate.objects.select_related("holder", "credential", "authority__region")
    if roles_of(actor).is_superuser:
        return queryset.all()
    return queryset.filter(_issued_in_regions(actor))


def certificate_get(actor: User, pk: int) -> Certificate:
    """A certificate its holder, an authority overseeing its issuer or a superuser may see; else 404."""
    queryset = Certificate.objects.select_related("holder", "credential", "authority__region")
    roles = roles_of(actor)
    if not roles.is_superuser:
        condition = _issued_in_regions(actor)
        if roles.is_learner:
            condition |= Q(holder__user=actor)
        queryset = queryset.filter(condition)
    try:
        return queryset.get(pk=pk)
    except (Certificate.DoesNotExist, ValueError, TypeError):
        raise Http404


def extension_requests_for(actor: User, *, status: str | None = ExtensionStatus.PENDING) -> QuerySet[ExtensionRequest]:
    queryset = ExtensionRequest.objects.select_related(
        "certificate__holder", "certificate__credential", "certificate__authority"
    )
    if status:
        queryset = queryset.filter(status=status)
    if roles_of(actor).is_superuser:
        return queryset.all()
    return queryset.filter(_issued_in_regions(actor, "certificate__"))


def extension_request_get(actor: User, pk: int) -> ExtensionRequest:
    try:
        return extension_requests_for(actor, status=None).get(pk=pk)
    except (ExtensionRequest.DoesNotExist, ValueError, TypeError):
        raise Http404


def issuing_authorities(actor: User) -> QuerySet[Organisation]:
    """The authorities on whose behalf the actor may issue certificates."""
    queryset = Organisation.objects.filter(kind=OrganisationKind.AUTHORITY).select_related("region")
    if roles_of(actor).is_superuser:
        return queryset
    return queryset.filter(pk__in=roles_of(actor).organisation_ids(Role.AUTHORITY_REVIEWER))


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
        Certificate.objects.select_related("holder", "credential", "authority__region")
        .filter(public_id=public_id)
        .first()
    )


def status_on(certificate: Certificate, day: datetime.date) -> str:
    """The status to show: a valid certificate past its expiry reads as expired even before the
    daily review has recorded it."""
    if certificate.status == CertificateStatus.VALID and certificate.expires_on < day:
        return CertificateStatus.EXPIRED
    return certificate.status
