"""Reads of a learner's study: courses, lessons, their verification and the hours they earned."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import CoursePage, LessonPage
from kernel.errors import NotFoundError
from lms.models import Credential, Person, User
from lms.policies import administered_enterprises
from proctor.models import (
    Decision,
    EvidenceRequest,
    RequestStatus,
    Snapshot,
    SnapshotStatus,
)

from ..models import (
    Enrolment,
    HoursEntry,
    HoursSource,
    LessonProgress,
    SessionStatus,
    StudySegment,
)
from ..rules import crediting, windows
from . import ledger


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
    lesson_counts = _live_lesson_counts([e.course for e in enrolments])
    return [
        CourseProgress(enrolment=e, lessons=lesson_counts.get(e.course.path, 0), completed=e.completed)
        for e in enrolments
    ]


def _live_lesson_counts(courses: list[CoursePage]) -> dict[str, int]:
    """The live lessons under each course, by the course's tree path, in one query (a lesson is a
    child page: its path is its course's path and one step more)."""
    if not courses:
        return {}
    under = Q()
    for course in courses:
        under |= Q(path__startswith=course.path, depth=course.depth + 1)
    counts: dict[str, int] = {}
    for path in LessonPage.objects.live().filter(under).values_list("path", flat=True):
        parent = path[: -LessonPage.steplen]
        counts[parent] = counts.get(parent, 0) + 1
    return counts


def next_lessons(enrolments: list[Enrolment]) -> dict[int, LessonPage | None]:
    """Per enrolment id, the first live lesson of its course not yet completed (None: all done),
    in two queries for any number of enrolments (the lessons under all the courses, then the
    completed ones)."""
    if not enrolments:
        return {}
    under = Q()
    for enrolment in enrolments:
        under |= Q(path__startswith=enrolment.course.path, depth=enrolment.course.depth + 1)
    by_course: dict[str, list[LessonPage]] = {}
    for lesson in LessonPage.objects.live().filter(under).order_by("path"):
        by_course.setdefault(lesson.path[: -LessonPage.steplen], []).append(lesson)
    done = set(
        LessonProgress.objects.filter(enrolment__in=enrolments, completed_at__isnull=False).values_list("enrolment_id", "lesson_id")
    )
    return {
        enrolment.pk: next(
            (lesson for lesson in by_course.get(enrolment.course.path, []) if (enrolment.pk, lesson.pk) not in done), None
        )
        for enrolment in enrolments
    }


def enrolment_of(person: Person, course: CoursePage) -> Enrolment | None:
    return Enrolment.objects.filter(person=person, course=course).first()


def own_enrolment_get(person: Person, course_id) -> Enrolment:
    """The learner's own enrolment in a course, or 404."""
    enrolment = (
        Enrolment.objects.filter(person=person, course_id=course_id).select_related("course", "credential").first()
        if str(course_id).isdigit()
        else None
    )
    if enrolment is None:
        raise NotFoundError.default()
    return enrolment


@dataclass(frozen=True)
class CredentialChoice:
    credential: Credential
    held: bool
    chosen: bool


def credential_choices(person: Person, enrolment: Enrolment) -> list[CredentialChoice]:
    """The course's credentials, each saying whether the learner holds it and studies for it."""
    held = ledger.held_credential_ids(person.pk)
    current = studying_for(person, enrolment)
    return [
        CredentialChoice(credential=c, held=c.pk in held, chosen=current is not None and c.pk == current.pk)
        for c in enrolment.course.credentials.order_by("sort_order", "code")
    ]


def studying_for(person: Person, enrolment: Enrolment) -> Credential | None:
    """The credential this enrolment's hours are credited to now (hours.rules.crediting)."""
    pk = crediting.credential_for(
        served=ledger.served_credential_ids(enrolment.course),
        held=ledger.held_credential_ids(person.pk),
        chosen=enrolment.credential_id,
    )
    return Credential.objects.filter(pk=pk).first() if pk else None


def credential_or_none(value) -> Credential | None:
    return Credential.objects.filter(pk=value).first() if str(value).isdigit() else None


@dataclass(frozen=True)
class Reassignable:
    entry: HoursEntry
    targets: list[Credential]


def reassignable_entries(person: Person) -> list[Reassignable]:
    """The learner's online hours credited to a credential they do not hold (or to none) that may
    still move, once, to one of the course's credentials they hold."""
    held = ledger.held_credential_ids(person.pk)
    entries = (
        HoursEntry.objects.filter(person=person, source=HoursSource.ONLINE_STUDY, reassigned_at__isnull=True)
        .exclude(credential_id__in=held)
        .select_related("credential", "progress__enrolment__course", "progress__lesson")
        .prefetch_related("progress__enrolment__course__credentials")
    )
    credentials = list(Credential.objects.order_by("sort_order", "code"))  # a few dozen at most
    rows = []
    for entry in entries:
        course = entry.progress.enrolment.course
        served = ledger.served_credential_ids(course)
        targets = [
            c
            for c in credentials
            if c.pk in served and not crediting.may_reassign(
                current=entry.credential_id, target=c.pk, served=served, held=held, reassigned=False
            )
        ]
        if targets:
            rows.append(Reassignable(entry=entry, targets=targets))
    return rows


def lesson_progress(person: Person, course: CoursePage) -> dict[int, LessonProgress]:
    return {
        progress.lesson_id: progress
        for progress in LessonProgress.objects.filter(enrolment__person=person, enrolment__course=course)
    }


def studyable_lesson(person: Person, lesson_id: int) -> LessonPage:
    """A live lesson of a course the person is enrolled in, or 404."""
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None or not Enrolment.objects.filter(person=person, course_id=lesson.get_parent().pk).exists():
        raise NotFoundError.default()
    return lesson


def assignable_employees(actor: User, enterprise_id: int) -> QuerySet[Person]:
    enterprise = administered_enterprises(actor).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFoundError.default()
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


def max_evidence_gap(course: CoursePage) -> datetime.timedelta:
    """The longest a credited stretch may run between two verified snapshots."""
    longest = max(course.snapshot_min_seconds, course.snapshot_max_seconds)
    return datetime.timedelta(seconds=longest + settings.EVIDENCE_GRACE_SECONDS)


def lesson_verification(progress: LessonProgress, *, now=None) -> LessonVerification:
    return lesson_verifications([progress], now=now)[progress.pk]


def lesson_verifications(progresses: list[LessonProgress], *, now=None) -> dict[int, LessonVerification]:
    """What the face checks made of each lesson's study time, by progress id, in a fixed number of
    queries however many lessons (their sessions are read from a prefetch when there is one)."""
    now = now or timezone.now()
    sessions_of = {progress.pk: list(progress.sessions.all()) for progress in progresses}
    progress_of = {str(session.pk): pk for pk, sessions in sessions_of.items() for session in sessions}
    snapshots: dict[int, list] = {pk: [] for pk in sessions_of}
    missed: dict[int, list] = {pk: [] for pk in sessions_of}
    segments: dict[int, list] = {pk: [] for pk in sessions_of}
    if progress_of:
        for snapshot in Snapshot.objects.filter(context_kind="study", context_id__in=list(progress_of)).order_by(
            "received_at"
        ):
            snapshots[progress_of[snapshot.context_id]].append(snapshot)
        for session_id, due_at in EvidenceRequest.objects.filter(
            context_kind="study", context_id__in=list(progress_of), status=RequestStatus.MISSED
        ).values_list("context_id", "due_at"):
            missed[progress_of[session_id]].append((session_id, due_at))
        for row in StudySegment.objects.filter(session_id__in=list(progress_of)).values_list(
            "session_id", "started_at", "ended_at", "seconds"
        ):
            segments[progress_of[str(row[0])]].append(row)
    return {
        progress.pk: _verification(
            progress, sessions_of[progress.pk], snapshots[progress.pk], missed[progress.pk], segments[progress.pk], now
        )
        for progress in progresses
    }


def _verification(progress: LessonProgress, sessions, snapshots, missed, segments, now) -> LessonVerification:
    by_session: dict[str, list] = {str(session.pk): [] for session in sessions}
    decisions: dict[str, int] = {}
    pending = 0
    verified_ids: list[str] = []
    for snapshot in snapshots:
        if snapshot.status == SnapshotStatus.PENDING:
            pending += 1
            continue
        # A reviewer who dismissed the refusal put "verified" in place of the engine's decision.
        decision = snapshot.effective_decision
        decisions[decision] = decisions.get(decision, 0) + 1
        by_session[snapshot.context_id].append((snapshot.received_at, decision))
        if decision == "verified":
            verified_ids.append(str(snapshot.pk))
    for session_id, due_at in missed:
        decisions[windows.MISSED] = decisions.get(windows.MISSED, 0) + 1
        by_session[session_id].append((due_at, windows.MISSED))
    lesson = progress.lesson.specific
    course = progress.enrolment.course
    gap = max_evidence_gap(course)
    verified = 0.0
    studied = 0.0
    grouped: dict[str, list] = {}
    for session_id, started, ended, seconds in segments:
        grouped.setdefault(str(session_id), []).append((started, ended, seconds))
        studied += seconds
    for session_id, items in grouped.items():
        verified += windows.verified_share(items, windows.verified_windows(by_session.get(session_id, []), gap))
    stale_before = now - datetime.timedelta(seconds=settings.STUDY_HEARTBEAT_SECONDS * 3)
    running = any(s.status == SessionStatus.ACTIVE and s.last_beat_at > stale_before for s in sessions)
    required = lesson.duration_seconds * float(course.completion_ratio)
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
        labels = {**dict(Decision.choices), windows.MISSED: _("Snapshot not taken in time")}
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
        .select_related("enrolment__course", "enrolment__credential", "lesson")
        .prefetch_related("sessions", "hours_entries__credential")
        .order_by("enrolment__course__title", "lesson__path")
    )
    progresses = list(progresses)
    tallies = lesson_verifications(progresses, now=timezone.now())
    rows = []
    for progress in progresses:
        entry = next((e for e in progress.hours_entries.all() if e.source == HoursSource.ONLINE_STUDY), None)
        rows.append(
            LessonHours(
                course=progress.enrolment.course,
                lesson=progress.lesson.specific,
                progress=progress,
                tally=tallies[progress.pk],
                entry=entry,
            )
        )
    return rows
