"""Reads of the learning record, scoped to the acting user."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cms.models import CoursePage, KnowledgeCategory, LessonPage
from lms.models import Person, Region, User
from lms.policies import administered_enterprises  # noqa: F401  (re-exported for the edges)
from lms.selectors.people import person_of  # noqa: F401  (re-exported for the edges)
from proctor.models import Decision, Snapshot, SnapshotStatus

from . import eligibility, verification
from .models import (
    Certificate,
    CreditScheme,
    Enrolment,
    HoursEntry,
    HoursSource,
    LessonProgress,
    SessionStatus,
    StudySegment,
)


@dataclass(frozen=True)
class CourseProgress:
    enrolment: Enrolment
    lessons: int
    completed: int

    @property
    def percent(self) -> int:
        return int(100 * self.completed / self.lessons) if self.lessons else 0


def my_courses(person: Person) -> list[CourseProgress]:
    enrolments = list(
        Enrolment.objects.filter(person=person)
        .select_related("course", "course__institution")
        .annotate(completed=Count("progress", filter=Q(progress__completed_at__isnull=False)))
    )
    lesson_counts: dict[int, int] = {}
    for enrolment in enrolments:
        lesson_counts[enrolment.course_id] = LessonPage.objects.child_of(enrolment.course).live().count()
    return [
        CourseProgress(enrolment=e, lessons=lesson_counts[e.course_id], completed=e.completed) for e in enrolments
    ]


def enrolment_of(person: Person, course: CoursePage) -> Enrolment | None:
    return Enrolment.objects.filter(person=person, course=course).first()


def lesson_progress(person: Person, course: CoursePage) -> dict[int, LessonProgress]:
    return {
        progress.lesson_id: progress
        for progress in LessonProgress.objects.filter(enrolment__person=person, enrolment__course=course)
    }


def studyable_lesson(person: Person, lesson_id: int) -> LessonPage:
    """A live lesson of a course the person is enrolled in, or 404."""
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None or not Enrolment.objects.filter(person=person, course_id=lesson.get_parent().pk).exists():
        raise Http404
    return lesson


def assignable_employees(actor: User, enterprise_id: int) -> QuerySet[Person]:
    enterprise = administered_enterprises(actor).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise Http404
    return Person.objects.filter(employments__enterprise=enterprise, employments__end_date__isnull=True).order_by(
        "real_name"
    )


@dataclass(frozen=True)
class LessonVerification:
    """What the face checks made of one lesson's study time."""

    studied_seconds: float
    verified_seconds: float
    required_seconds: float
    decisions: dict[str, int]
    pending: int
    settled: bool
    session_ids: list[str]
    verified_snapshot_ids: list[str]

    @property
    def share(self) -> float:
        if self.required_seconds <= 0:
            return 0.0
        return min(1.0, self.verified_seconds / self.required_seconds)

    @property
    def unverified_seconds(self) -> float:
        return max(0.0, self.studied_seconds - self.verified_seconds)


def lesson_verification(progress: LessonProgress, *, now=None) -> LessonVerification:
    now = now or timezone.now()
    sessions = list(progress.sessions.all())
    by_session: dict[str, list] = {str(session.pk): [] for session in sessions}
    decisions: dict[str, int] = {}
    pending = 0
    verified_ids: list[str] = []
    for snapshot in Snapshot.objects.filter(context_kind="study", context_id__in=list(by_session)).order_by("received_at"):
        if snapshot.status == SnapshotStatus.PENDING:
            pending += 1
            continue
        decisions[snapshot.decision] = decisions.get(snapshot.decision, 0) + 1
        by_session[snapshot.context_id].append((snapshot.received_at, snapshot.decision))
        if snapshot.decision == "verified":
            verified_ids.append(str(snapshot.pk))
    verified = 0.0
    studied = 0.0
    segments = StudySegment.objects.filter(session__in=sessions).values_list("session_id", "started_at", "ended_at", "seconds")
    grouped: dict[str, list] = {}
    for session_id, started, ended, seconds in segments:
        grouped.setdefault(str(session_id), []).append((started, ended, seconds))
        studied += seconds
    for session_id, items in grouped.items():
        verified += verification.verified_share(items, verification.verified_windows(by_session.get(session_id, [])))
    stale_before = now - datetime.timedelta(seconds=settings.STUDY_HEARTBEAT_SECONDS * 3)
    running = any(s.status == SessionStatus.ACTIVE and s.last_beat_at > stale_before for s in sessions)
    lesson = progress.lesson.specific
    required = lesson.duration_seconds * float(progress.enrolment.course.completion_ratio)
    return LessonVerification(
        studied_seconds=studied,
        verified_seconds=verified,
        required_seconds=required,
        decisions=decisions,
        pending=pending,
        settled=not running and pending == 0,
        session_ids=sorted(by_session),
        verified_snapshot_ids=verified_ids,
    )


@dataclass(frozen=True)
class LessonHours:
    course: CoursePage
    lesson: LessonPage
    progress: LessonProgress
    tally: LessonVerification
    entry: HoursEntry | None

    @property
    def state(self) -> str:
        if self.entry:
            return "earned"
        if self.progress.completed_at is None:
            return "studying"
        if not self.tally.settled:
            return "pending"
        return "refused"

    @property
    def failed_checks(self) -> list[tuple[str, int]]:
        """(decision label, count) of the checks that did not verify, for the learner's "why"."""
        labels = dict(Decision.choices)
        return [(labels.get(key, key), count) for key, count in sorted(self.tally.decisions.items()) if key != "verified"]


@dataclass(frozen=True)
class HoursTotals:
    earned: Decimal
    pending: int
    refused: int
    studying: int


def hours_totals(lessons: list[LessonHours]) -> HoursTotals:
    states = [item.state for item in lessons]
    return HoursTotals(
        earned=sum((item.entry.hours for item in lessons if item.entry), Decimal("0")),
        pending=states.count("pending"),
        refused=states.count("refused"),
        studying=states.count("studying"),
    )


def my_hours(person: Person) -> list[LessonHours]:
    """Every lesson the learner has started: time studied and verified, and the hours it earned."""
    progresses = (
        LessonProgress.objects.filter(enrolment__person=person)
        .select_related("enrolment__course", "lesson")
        .prefetch_related("sessions", "hours_entries")
        .order_by("enrolment__course__title", "lesson__path")
    )
    now = timezone.now()
    rows = []
    for progress in progresses:
        entry = next((e for e in progress.hours_entries.all() if e.source == HoursSource.ONLINE_STUDY), None)
        rows.append(
            LessonHours(
                course=progress.enrolment.course,
                lesson=progress.lesson.specific,
                progress=progress,
                tally=lesson_verification(progress, now=now),
                entry=entry,
            )
        )
    return rows


def ledger_of(person: Person) -> QuerySet[HoursEntry]:
    return HoursEntry.objects.filter(person=person).select_related("credential")


# Eligibility ------------------------------------------------------------------------------------


def _rule_of(scheme: CreditScheme) -> eligibility.Rule:
    return eligibility.Rule(
        effective_from=scheme.effective_from,
        province_id=scheme.province_id,
        validity_years=scheme.validity_years,
        hours_per_year=scheme.hours_per_year,
        professional_hours_per_year=scheme.professional_hours_per_year,
        hours_per_period=scheme.hours_per_period,
        window_years=scheme.window_years,
        window_hours=scheme.window_hours,
        yearly_rule_starts=scheme.yearly_rule_starts,
        consequence=scheme.consequence,
        hours_count_from=scheme.hours_count_from,
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
