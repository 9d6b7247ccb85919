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
from lms.models import Person, User
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
from ..rules import windows


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
        # A reviewer who dismissed the refusal put "verified" in place of the engine's decision.
        decision = snapshot.effective_decision
        decisions[decision] = decisions.get(decision, 0) + 1
        by_session[snapshot.context_id].append((snapshot.received_at, decision))
        if decision == "verified":
            verified_ids.append(str(snapshot.pk))
    for session_id, due_at in EvidenceRequest.objects.filter(
        context_kind="study", context_id__in=list(by_session), status=RequestStatus.MISSED
    ).values_list("context_id", "due_at"):
        decisions[windows.MISSED] = decisions.get(windows.MISSED, 0) + 1
        by_session[session_id].append((due_at, windows.MISSED))
    lesson = progress.lesson.specific
    course = progress.enrolment.course
    gap = max_evidence_gap(course)
    verified = 0.0
    studied = 0.0
    segments = StudySegment.objects.filter(session__in=sessions).values_list("session_id", "started_at", "ended_at", "seconds")
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
