"""Reads of the hours ledger: a person's entries, the rules in force and each certificate's standing."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from cms.models import KnowledgeCategory
from lms.models import Person, Region

from ..models import (
    Certificate,
    CertificateStatus,
    CreditScheme,
    HoursEntry,
)
from ..rules import eligibility


def ledger_of(person: Person) -> QuerySet[HoursEntry]:
    return HoursEntry.objects.filter(person=person).select_related("credential")


def held_credential_ids(person_id: int) -> set[int]:
    """The credentials the person holds: those of their valid certificates."""
    return set(
        Certificate.objects.filter(holder_id=person_id, status=CertificateStatus.VALID).values_list(
            "credential_id", flat=True
        )
    )


def served_credential_ids(course) -> set[int]:
    return {credential.pk for credential in course.credentials.all()}


# Eligibility ------------------------------------------------------------------------------------


def _rule_of(scheme: CreditScheme) -> eligibility.Rule:
    return eligibility.Rule(
        effective_from=scheme.effective_from,
        province_id=scheme.province_id,
        validity_years=scheme.validity_years,
        score_kept_months=scheme.score_kept_months,
        hours_per_year=scheme.hours_per_year,
        professional_hours_per_year=scheme.professional_hours_per_year,
        hours_per_period=scheme.hours_per_period,
        window_years=scheme.window_years,
        window_hours=scheme.window_hours,
        yearly_rule_starts=scheme.yearly_rule_starts,
        consequence=scheme.consequence,
        hours_count_from=scheme.hours_count_from,
        open_ended=scheme.open_ended,
        issued_by=scheme.issued_by,
    )


def rules_for(credential_id: int) -> list[eligibility.Rule]:
    return [_rule_of(scheme) for scheme in CreditScheme.objects.filter(credential_id=credential_id)]


def province_id_of(region_path: str) -> int | None:
    """The province a region lies in: the first code of its path."""
    code = region_path.split("/", 1)[0]
    return Region.objects.filter(code=code).values_list("pk", flat=True).first()


def ledger_entries(person_id: int, credential_id: int) -> list[eligibility.Entry]:
    rows = HoursEntry.objects.filter(person_id=person_id, credential_id=credential_id).values_list(
        "earned_on", "hours", "category"
    )
    return [eligibility.Entry(day, hours, category == KnowledgeCategory.PROFESSIONAL) for day, hours, category in rows]


def certificate_standing(certificate: Certificate, *, as_of: datetime.date | None = None) -> eligibility.Standing:
    """Where one certificate's hours stand today (or on `as_of`), with the explanation."""
    return eligibility.standing(
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        entries=ledger_entries(certificate.holder_id, certificate.credential_id),
        rules=rules_for(certificate.credential_id),
        as_of=as_of or timezone.localdate(),
        province_id=province_id_of(certificate.authority.region.path),
    )


def legacy_standing(holding, *, as_of: datetime.date | None = None) -> eligibility.Standing:
    """Where the hours of an old certificate (hours.LegacyHolding) stand: the same rules as for a
    certificate of the platform, over the old certificate's validity, counting the holder's ledger
    entries of its credential, in the province of the enterprise that registered it."""
    return eligibility.standing(
        issued_on=holding.issued_on,
        expires_on=holding.expires_on,
        entries=ledger_entries(holding.person_id, holding.credential_id),
        rules=rules_for(holding.credential_id),
        as_of=as_of or timezone.localdate(),
        province_id=province_id_of(holding.enterprise.region.path),
    )


def standings_of(certificates: list[Certificate], *, as_of: datetime.date) -> dict[int, eligibility.Standing]:
    """The standing of many certificates with one ledger query for all of them (a page of a list,
    a chunk of an export), not one per certificate."""
    if not certificates:
        return {}
    pairs = {(c.holder_id, c.credential_id) for c in certificates}
    entries: dict[tuple[int, int], list[eligibility.Entry]] = {pair: [] for pair in pairs}
    rows = HoursEntry.objects.filter(
        person_id__in={person for person, _ in pairs}, credential_id__in={credential for _, credential in pairs}
    ).values_list("person_id", "credential_id", "earned_on", "hours", "category")
    for person_id, credential_id, day, hours, category in rows:
        if (person_id, credential_id) in entries:
            entries[person_id, credential_id].append(eligibility.Entry(day, hours, category == KnowledgeCategory.PROFESSIONAL))
    rules: dict[int, list[eligibility.Rule]] = {}
    for scheme in CreditScheme.objects.filter(credential_id__in={c.credential_id for c in certificates}):
        rules.setdefault(scheme.credential_id, []).append(_rule_of(scheme))
    provinces = dict(Region.objects.filter(parent__isnull=True).values_list("code", "pk"))
    return {
        c.pk: eligibility.standing(
            issued_on=c.issued_on,
            expires_on=c.expires_on,
            entries=entries[c.holder_id, c.credential_id],
            rules=rules.get(c.credential_id, []),
            as_of=as_of,
            province_id=provinces.get(c.authority.region.path.split("/", 1)[0]),
        )
        for c in certificates
    }


@dataclass(frozen=True)
class CertificateHours:
    certificate: Certificate
    standing: eligibility.Standing


def my_certificate_hours(person: Person, *, as_of: datetime.date | None = None) -> list[CertificateHours]:
    """Each of the learner's certificates with its own hours (several certificates are kept apart)."""
    certificates = Certificate.objects.filter(holder=person).select_related("credential", "authority__region")
    return [CertificateHours(c, certificate_standing(c, as_of=as_of)) for c in certificates]


# The hours statement (学时证明) ----------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    earned_on: datetime.date
    source: str  # the course, the training institution or the adjustment's reason
    source_kind: str  # HoursSource
    category: str  # KnowledgeCategory
    hours: Decimal


@dataclass(frozen=True)
class CertificateStatement:
    certificate: Certificate
    standing: eligibility.Standing
    lines: tuple[StatementLine, ...]
    as_of: datetime.date


def _entry_source(entry: HoursEntry) -> str:
    if entry.progress_id:
        return entry.progress.enrolment.course.title
    if entry.offline_row_id:
        return entry.offline_row.batch.institution.name
    return entry.reason


def certificate_statement(certificate: Certificate, *, as_of: datetime.date | None = None) -> CertificateStatement:
    """The entries that counted toward a certificate's standing, with the standing itself: the
    same entries `eligibility.standing` counts (within the validity up to `as_of`, and not before
    the rule's `hours_count_from`), so the statement and the certificate's standing never differ."""
    as_of = as_of or timezone.localdate()
    standing = certificate_standing(certificate, as_of=as_of)
    rule = standing.rule
    lines: tuple[StatementLine, ...] = ()
    if rule is not None:
        entries = (
            HoursEntry.objects.filter(
                person_id=certificate.holder_id,
                credential_id=certificate.credential_id,
                earned_on__gte=max(certificate.issued_on, rule.hours_count_from or certificate.issued_on),
                earned_on__lte=as_of if certificate.expires_on is None else min(certificate.expires_on, as_of),
            )
            .select_related("progress__enrolment__course", "offline_row__batch__institution")
            .order_by("earned_on", "pk")
        )
        lines = tuple(
            StatementLine(entry.earned_on, _entry_source(entry), entry.source, entry.category, entry.hours)
            for entry in entries
        )
    return CertificateStatement(certificate, standing, lines, as_of)
