"""Reads of the home page's workspace cards (hours/web/navigation.py, slot "lms.home"), each
scoped to the acting user through the same policies and selectors as the pages they link to."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from cms.models import LessonPage
from lms.models import Person, User

from ..models import CertificateStatus, ExtensionStatus
from ..models.offline import BatchStatus
from . import dashboard
from .certificates import certificates_managed, extension_requests_for
from .ledger import my_certificate_hours
from .offline import batches_for
from .study import CourseProgress, my_courses, next_lessons

EXPIRING_DAYS = 90


@dataclass(frozen=True)
class CourseToContinue:
    progress: CourseProgress
    next_lesson: LessonPage | None


def courses_to_continue(person: Person, limit: int = 5) -> list[CourseToContinue]:
    """The learner's courses not yet complete, each with the first lesson not yet completed."""
    unfinished = [p for p in my_courses(person) if not (p.lessons and p.completed >= p.lessons)][:limit]
    following = next_lessons([p.enrolment for p in unfinished])
    return [CourseToContinue(p, following[p.enrolment.pk]) for p in unfinished]


@dataclass(frozen=True)
class YearNeed:
    certificate_number: str
    credential: str
    year: int
    total: Decimal
    required: Decimal
    shortfall: Decimal
    status: str


def hours_needed_this_year(person: Person, *, today: datetime.date | None = None) -> list[YearNeed]:
    """Per certificate: this calendar year's hours, the year's requirement and what is still needed."""
    today = today or timezone.localdate()
    needs = []
    for item in my_certificate_hours(person, as_of=today):
        if item.certificate.status != CertificateStatus.VALID:
            continue
        year = next((tally for tally in item.standing.years if tally.year == today.year), None)
        if year is None:
            continue
        needs.append(
            YearNeed(
                item.certificate.number, item.certificate.credential.name, year.year, year.total, year.required,
                year.shortfall, item.standing.status,
            )
        )
    return needs


def standing_counts(actor: User, *, today: datetime.date | None = None) -> dict[str, int]:
    """How many valid certificates the actor counts stand met, on track, short... (the dashboard's)."""
    counts: dict[str, int] = {}
    for figure in dashboard.figures(dashboard.certificates_counted(actor), as_of=today or timezone.localdate()):
        for status, count in figure.counts.items():
            counts[status] = counts.get(status, 0) + count
    return counts


def certificates_expiring(actor: User, *, today: datetime.date | None = None, days: int = EXPIRING_DAYS):
    """The valid certificates the actor counts that expire within `days`, soonest first."""
    today = today or timezone.localdate()
    return (
        dashboard.certificates_counted(actor)
        .filter(status=CertificateStatus.VALID, expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=days))
        .order_by("expires_on", "pk")
    )


def review_counts(actor: User) -> dict[str, int]:
    """An authority's queue: offline batches awaiting a decision and pending extension requests."""
    return {
        "batches": batches_for(actor).filter(status=BatchStatus.SUBMITTED).count(),
        "extensions": extension_requests_for(actor, status=ExtensionStatus.PENDING).count(),
        "certificates": certificates_managed(actor).filter(status=CertificateStatus.VALID).count(),
    }


def recent_batches(actor: User, limit: int = 5):
    return batches_for(actor)[:limit]


# The home page's notices (hours/web/navigation.py, slot "lms.home_notices") ----------------------


def enterprises_administered(actor):
    """The enterprises in which the actor is an administrator (by membership: a superuser's home
    does not list every enterprise of the platform)."""
    from lms.models import Organisation, Role
    from lms.policies import member_ids

    ids = member_ids(actor, Role.ENTERPRISE_ADMIN)
    return list(Organisation.objects.filter(pk__in=ids).order_by("name")) if ids else []


def enterprise_certificate_news(actor, enterprise, today) -> dict[str, int]:
    """Of the enterprise's current employees' certificates: how many valid ones expire within 90
    days, and how many were issued in the last 30 (one query)."""
    import datetime

    from django.db.models import Count, Q

    from ..models import CertificateStatus
    from ..policies import enterprise_certificates

    return enterprise_certificates(actor, enterprise).aggregate(
        expiring=Count("pk", filter=Q(
            status=CertificateStatus.VALID, expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=90)
        )),
        issued=Count("pk", filter=Q(issued_on__gte=today - datetime.timedelta(days=30))),
    )


def institution_passers_waiting(actor) -> int:
    """Passers on confirmed pass lists of the actor's institutions that have no certificate yet."""
    from lms.models import Role
    from lms.policies import member_ids

    from ..models import Pass, PassListStatus

    ids = member_ids(actor, Role.INSTITUTION_STAFF)
    if not ids:
        return 0
    return Pass.objects.filter(
        pass_list__institution_id__in=ids, pass_list__status=PassListStatus.CONFIRMED, certificate__isnull=True
    ).count()


# A person's page (lms/person_detail.html, slot "lms.person_panels") --------------------------------


def person_record(person, *, as_of):
    """The person's certificates with status and hours standing, and their hours this year and in
    all, for whoever may see their record (lms.policies.can_see_record_of)."""
    from django.db.models import Q, Sum

    from ..models import Certificate, HoursEntry
    from . import ledger
    from .certificates import status_on

    certificates = list(Certificate.objects.filter(holder=person).select_related("credential").order_by("-issued_on", "number"))
    standings = ledger.standings_of(certificates, as_of=as_of)
    totals = HoursEntry.objects.filter(person=person).aggregate(
        year=Sum("hours", filter=Q(earned_on__year=as_of.year)), total=Sum("hours")
    )
    rows = [(certificate, status_on(certificate, as_of), standings.get(certificate.pk)) for certificate in certificates]
    return rows, totals
