"""The eligibility rules of `hours.eligibility`, run in the database for many certificates at once:
the authority's count of who has reached the required hours (notice 001's 查看达到学时人数), the
enterprise's view of its employees, and the list behind both.

Certificates are taken in groups that share a rule and a calendar (credential, province, year of
issue, last year valid to its end); within a group the years are constants, so each certificate's
yearly sums are plain subqueries over the ledger's (person, credential, earned_on) index and its
status is one CASE expression. One query per group; nobody is loaded one by one.

The dashboard itself reads the standing table (hours.models.standing), which the services keep
current with the same pure rules: `figures` and `standing_rows` are one GROUP BY over the actor's
certificates. The SQL rules stay as `figures_by_rules_in_sql`, the cross-check of tests and bench.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import and_, or_

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Coalesce,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Least,
    Substr,
)

from cms.models import KnowledgeCategory
from lms.models import Credential, Region, User

from .. import policies
from ..models import Certificate, CertificateStanding, CertificateStatus, HoursEntry
from ..rules import eligibility
from .ledger import rules_for, standings_of

STATUSES = ("met", "on_track", "short", "void", "no_rule")


def certificates_counted(actor: User) -> QuerySet[Certificate]:
    """Whose certificates the actor may count (hours.policies.certificates_counted)."""
    return policies.certificates_counted(actor).select_related("holder", "credential", "authority")
MONEY = DecimalField(max_digits=12, decimal_places=2)


def _sum(certificate_ref: str, *, start: datetime.date | None, end: datetime.date | None, as_of, count_from, professional=False):
    """The certificate holder's hours of its credential earned within its validity, not after
    `as_of`, inside [start, end] and not before the rule's `hours_count_from`."""
    entries = HoursEntry.objects.filter(
        person_id=OuterRef(f"{certificate_ref}holder_id"),
        credential_id=OuterRef(f"{certificate_ref}credential_id"),
        earned_on__gte=OuterRef(f"{certificate_ref}issued_on"),
        # No end of validity (NULL): up to `as_of` (SQLite's MIN() of a NULL is NULL, so coalesce).
        earned_on__lte=Least(Coalesce(OuterRef(f"{certificate_ref}expires_on"), Value(as_of)), Value(as_of)),
    )
    if start:
        entries = entries.filter(earned_on__gte=start)
    if end:
        entries = entries.filter(earned_on__lte=end)
    if count_from:
        entries = entries.filter(earned_on__gte=count_from)
    if professional:
        entries = entries.filter(category=KnowledgeCategory.PROFESSIONAL)
    total = entries.order_by().values("person_id").annotate(total=Sum("hours")).values("total")
    return Coalesce(Subquery(total, output_field=MONEY), Value(Decimal("0")), output_field=MONEY)


def _all(conditions: list[Q]) -> Q:
    return reduce(and_, conditions, Q())


def _any(conditions: list[Q]) -> Q:
    return reduce(or_, conditions) if conditions else Q(pk__in=[])


def _annotate_group(
    queryset: QuerySet, rule: eligibility.Rule, years: list[int], as_of: datetime.date, open_ended: bool = False
) -> QuerySet:
    """Annotate `status` on certificates that share `rule` and the counted `years`; `open_ended`
    certificates (no end of validity) have no period requirement, as in eligibility.standing."""
    period_required = Decimal("0") if open_ended else rule.hours_per_period
    count_from = rule.hours_count_from
    annotations = {"period_total": _sum("", start=None, end=None, as_of=as_of, count_from=count_from)}
    for year in years:
        bounds = {"start": datetime.date(year, 1, 1), "end": datetime.date(year, 12, 31), "as_of": as_of, "count_from": count_from}
        annotations[f"y{year}"] = _sum("", **bounds)
        annotations[f"p{year}"] = _sum("", professional=True, **bounds)
    queryset = queryset.annotate(**annotations)

    expired = Q(expires_on__lt=as_of)

    def complete(year: int) -> Q:
        return Q() if year < as_of.year else expired

    def met(year: int) -> Q:
        return Q(**{f"y{year}__gte": rule.hours_per_year, f"p{year}__gte": rule.professional_hours_per_year})

    failure = "void" if rule.consequence == "void" else "short"
    window_failures = []
    if rule.window_years and rule.window_hours:
        for i in range(len(years) - rule.window_years + 1):
            run = years[i : i + rule.window_years]
            total = reduce(lambda a, b: a + b, [F(f"y{year}") for year in run])
            name = f"w{run[0]}"
            queryset = queryset.annotate(**{name: total})
            window_failures.append(_all([complete(year) for year in run]) & Q(**{f"{name}__lt": rule.window_hours}))
    year_failures = [complete(year) & ~met(year) for year in years]
    year_failures.append(expired & Q(period_total__lt=period_required))
    status = Case(
        When(_any(window_failures), then=Value(failure)),
        When(_any(year_failures), then=Value("short" if rule.window_years else failure)),
        When(_all([met(year) for year in years]) & Q(period_total__gte=period_required), then=Value("met")),
        default=Value("on_track"),
        output_field=CharField(),
    )
    return queryset.annotate(standing=status)


@dataclass(frozen=True)
class _Group:
    credential_id: int
    province_code: str
    issue_year: int
    last_full_year: int | None  # None: no end of validity


def _groups(certificates: QuerySet) -> list[_Group]:
    rows = (
        certificates.annotate(
            province_code=Substr("authority__region__path", 1, 6),
            issue_year=ExtractYear("issued_on"),
            expiry_year=ExtractYear("expires_on"),
            expiry_month=ExtractMonth("expires_on"),
            expiry_day=ExtractDay("expires_on"),
        )
        .order_by()
        .values_list("credential_id", "province_code", "issue_year", "expiry_year", "expiry_month", "expiry_day")
        .distinct()
    )
    groups = set()
    for credential_id, province, issue_year, expiry_year, month, day in rows:
        if expiry_year is None:
            last_full = None
        else:
            last_full = expiry_year if (month, day) == (12, 31) else expiry_year - 1
        groups.add(_Group(credential_id, province, issue_year, last_full))
    return sorted(
        groups,
        key=lambda g: (g.credential_id, g.province_code, g.issue_year, -1 if g.last_full_year is None else g.last_full_year),
    )


def _in_group(certificates: QuerySet, group: _Group) -> QuerySet:
    if group.last_full_year is None:
        last_full = Q(expires_on__isnull=True)
    else:
        last_full = _last_full_year_is(group.last_full_year)
    return certificates.filter(
        credential_id=group.credential_id,
        authority__region__path__startswith=group.province_code + "/",
        issued_on__year=group.issue_year,
    ).filter(last_full)


def _last_full_year_is(year: int) -> Q:
    """Certificates valid to the end of `year` and not of the next."""
    return Q(expires_on__year=year, expires_on__month=12, expires_on__day=31) | Q(
        expires_on__year=year + 1
    ) & ~Q(expires_on__month=12, expires_on__day=31)


def with_standing(certificates: QuerySet, *, as_of: datetime.date) -> list[QuerySet]:
    """One annotated queryset per group; each row has `standing` (or "no_rule")."""
    provinces = dict(Region.objects.filter(parent__isnull=True).values_list("code", "pk"))
    rules_cache: dict[int, list[eligibility.Rule]] = {}
    annotated = []
    for group in _groups(certificates):
        if group.credential_id not in rules_cache:
            rules_cache[group.credential_id] = rules_for(group.credential_id)
        rules = rules_cache[group.credential_id]
        rule = eligibility.rule_in_force(rules, as_of, provinces.get(group.province_code))
        members = _in_group(certificates, group)
        if rule is None:
            annotated.append(members.annotate(standing=Value("no_rule", output_field=CharField())))
            continue
        first = group.issue_year + (1 if rule.yearly_rule_starts == "year_after_issue" else 0)
        open_ended = group.last_full_year is None
        last = as_of.year if open_ended else min(group.last_full_year, as_of.year)
        years = list(range(first, last + 1))
        annotated.append(_annotate_group(members, rule, years, as_of, open_ended=open_ended))
    return annotated


@dataclass
class CredentialFigures:
    credential: Credential
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def met(self) -> int:
        return self.counts["met"]


def _unrecorded(valid: QuerySet, *, as_of: datetime.date) -> list[tuple[int, int, str]]:
    """(certificate id, credential id, standing) of valid certificates with no row in the standing
    table yet (issued before it existed and not rebuilt since), by the rules themselves."""
    missing = list(valid.filter(standing_row__isnull=True).select_related("authority__region").order_by("pk"))
    rows = []
    for start in range(0, len(missing), 2000):
        chunk = missing[start : start + 2000]
        standings = standings_of(chunk, as_of=as_of)
        rows.extend((c.pk, c.credential_id, standings[c.pk].status) for c in chunk)
    return rows


def figures(certificates: QuerySet, *, as_of: datetime.date) -> list[CredentialFigures]:
    """Per credential: how many valid certificates stand met, on track, short, void or under no
    rule. Read from the standing table (hours.models.standing): one GROUP BY over the actor's
    certificates."""
    valid = certificates.filter(status=CertificateStatus.VALID)
    by_credential: dict[int, CredentialFigures] = {}
    credentials = {c.pk: c for c in Credential.objects.all()}
    counted = (
        CertificateStanding.objects.filter(certificate_id__in=valid.order_by().values("pk"))
        .order_by()
        .values_list("credential_id", "standing")
        .annotate(n=Count("pk"))
    )
    unrecorded = Counter((credential_id, standing) for _pk, credential_id, standing in _unrecorded(valid, as_of=as_of))
    for credential_id, standing, count in [*counted, *((c, s, n) for (c, s), n in unrecorded.items())]:
        item = by_credential.setdefault(credential_id, CredentialFigures(credentials[credential_id]))
        item.counts[standing] += count
    return sorted(by_credential.values(), key=lambda item: (item.credential.sort_order, item.credential.code))


def standing_rows(certificates: QuerySet, *, as_of: datetime.date, status: str = "") -> list[tuple[int, str]]:
    """(certificate id, standing) of the valid certificates, optionally of one standing, from the
    standing table."""
    valid = certificates.filter(status=CertificateStatus.VALID)
    rows = CertificateStanding.objects.filter(certificate_id__in=valid.order_by().values("pk"))
    if status:
        rows = rows.filter(standing=status)
    found = list(rows.order_by().values_list("certificate_id", "standing"))
    found.extend((pk, standing) for pk, _credential, standing in _unrecorded(valid, as_of=as_of) if not status or standing == status)
    return found


def figures_by_rules_in_sql(certificates: QuerySet, *, as_of: datetime.date) -> list[CredentialFigures]:
    """The same figures computed by the rules in SQL, group by group (the dashboard's former
    path): kept for the tests and the bench that compare the standing table with it."""
    valid = certificates.filter(status=CertificateStatus.VALID)
    by_credential: dict[int, CredentialFigures] = {}
    credentials = {c.pk: c for c in Credential.objects.all()}
    for queryset in with_standing(valid, as_of=as_of):
        for credential_id, standing, count in (
            queryset.order_by().values_list("credential_id", "standing").annotate(n=Count("pk"))
        ):
            item = by_credential.setdefault(credential_id, CredentialFigures(credentials[credential_id]))
            item.counts[standing] += count
    return sorted(by_credential.values(), key=lambda item: (item.credential.sort_order, item.credential.code))


def standing_rows_by_rules_in_sql(certificates: QuerySet, *, as_of: datetime.date) -> list[tuple[int, str]]:
    """(certificate id, standing) of the valid certificates by the rules in SQL (the cross-check)."""
    rows = []
    for queryset in with_standing(certificates.filter(status=CertificateStatus.VALID), as_of=as_of):
        rows.extend(queryset.order_by().values_list("pk", "standing"))
    return rows


def figures_by_region(certificates: QuerySet, *, as_of: datetime.date) -> list[tuple[str, Counter]]:
    """Per region of the issuing authority: how many valid certificates stand met, on track,
    short, void or under no rule (the same counts as `figures`, cut the other way)."""
    valid = certificates.filter(status=CertificateStatus.VALID)
    by_region: dict[str, Counter] = {}
    for queryset in with_standing(valid, as_of=as_of):
        for region, standing, count in (
            queryset.order_by().values_list("authority__region__name", "standing").annotate(n=Count("pk"))
        ):
            by_region.setdefault(region, Counter())[standing] += count
    return sorted(by_region.items())


@dataclass(frozen=True)
class FirstExamHours:
    """People with hours of a credential they hold no certificate of (studying toward a first
    exam), this year."""

    credential: Credential
    people: int
    hours: Decimal


def first_exam_hours(actor: User, *, as_of: datetime.date) -> list[FirstExamHours]:
    """Per credential, the people the actor counts (hours.policies.people_counted) with this
    year's hours of a credential they hold no certificate of, and those hours: one GROUP BY."""
    from django.db.models import Exists, OuterRef, Sum

    from ..models import HoursEntry

    held = Certificate.objects.filter(holder=OuterRef("person"), credential=OuterRef("credential"))
    rows = (
        HoursEntry.objects.filter(person__in=policies.people_counted(actor).values("pk"), earned_on__year=as_of.year)
        .exclude(Exists(held))
        .order_by()
        .values("credential_id")
        .annotate(people=Count("person", distinct=True), hours=Sum("hours"))
    )
    credentials = {c.pk: c for c in Credential.objects.all()}
    found = [FirstExamHours(credentials[row["credential_id"]], row["people"], row["hours"] or Decimal(0)) for row in rows]
    return sorted(found, key=lambda item: (item.credential.sort_order, item.credential.code))
