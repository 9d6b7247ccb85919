"""The standing table (hours.models.standing): written here only.

`standings_refresh` recomputes the certificates of some (holder, credential) pairs with the pure
rules (hours.rules.eligibility, through hours.selectors.ledger.standings_of) and writes their rows
in one upsert; every service that writes the ledger or changes a certificate calls it in its own
transaction, so the table changes exactly when the ledger does. `standings_rebuild` recomputes
every certificate in chunks (nightly, and by `manage.py standings_rebuild`).
"""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lms.models import Employment

from ..models import Certificate, CertificateStanding
from ..selectors.ledger import standings_of

CHUNK = 2000
_FIELDS = ["holder", "credential", "holder_region_path", "certificate_status", "standing", "as_of",
           "period_total", "period_required", "years"]


def _regions_of(person_ids: set[int]) -> dict[int, str]:
    """Each person's current employer's region (the lowest id when there are several)."""
    regions: dict[int, str] = {}
    rows = (
        Employment.objects.filter(person_id__in=person_ids, end_date__isnull=True)
        .order_by("person_id", "-pk")
        .values_list("person_id", "enterprise__region__path")
    )
    for person_id, path in rows:
        regions[person_id] = path or ""
    return regions


def _write(certificates: list[Certificate], *, as_of: datetime.date) -> int:
    if not certificates:
        return 0
    standings = standings_of(certificates, as_of=as_of)
    regions = _regions_of({c.holder_id for c in certificates})
    rows = []
    for certificate in certificates:
        result = standings[certificate.pk]
        rows.append(
            CertificateStanding(
                certificate_id=certificate.pk,
                holder_id=certificate.holder_id,
                credential_id=certificate.credential_id,
                holder_region_path=regions.get(certificate.holder_id, ""),
                certificate_status=certificate.status,
                standing=result.status,
                as_of=as_of,
                period_total=result.period_total,
                period_required=result.period_required,
                years={
                    str(year.year): {
                        "total": str(year.total), "professional": str(year.professional),
                        "required": str(year.required), "required_professional": str(year.required_professional),
                        "complete": year.complete,
                    }
                    for year in result.years
                },
            )
        )
    CertificateStanding.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["certificate"], update_fields=_FIELDS
    )
    return len(rows)


def _certificates(condition: Q) -> list[Certificate]:
    return list(Certificate.objects.filter(condition).select_related("authority__region").order_by("pk"))


def standings_refresh(*, pairs: Iterable[tuple[int, int | None]], as_of: datetime.date | None = None) -> int:
    """Recompute the rows of the certificates of these (holder id, credential id) pairs."""
    pairs = {(person_id, credential_id) for person_id, credential_id in pairs if credential_id is not None}
    if not pairs:
        return 0
    condition = Q(pk__in=[])
    for person_id, credential_id in pairs:
        condition |= Q(holder_id=person_id, credential_id=credential_id)
    with transaction.atomic():
        return _write(_certificates(condition), as_of=as_of or timezone.localdate())


def standings_refresh_certificates(*, certificate_ids: Iterable[int], as_of: datetime.date | None = None) -> int:
    ids = list(certificate_ids)
    if not ids:
        return 0
    with transaction.atomic():
        return _write(_certificates(Q(pk__in=ids)), as_of=as_of or timezone.localdate())


def standings_rebuild(*, as_of: datetime.date | None = None, chunk: int = CHUNK) -> int:
    """Recompute every certificate's row, a chunk per transaction."""
    as_of = as_of or timezone.localdate()
    written, last = 0, 0
    while True:
        with transaction.atomic():
            certificates = list(
                Certificate.objects.filter(pk__gt=last).select_related("authority__region").order_by("pk")[:chunk]
            )
            if not certificates:
                return written
            written += _write(certificates, as_of=as_of)
        last = certificates[-1].pk
