"""Writes for the learning record: enrolment, assignment by an enterprise, study sessions and
heartbeats. Study time is what the server's clock saw, bounded by what the video could have played."""

import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cms.models import CoursePage, LessonPage
from kernel import audit
from kernel.audit import AuditEventType
from lms.models import Credential, Organisation, Person, User
from proctor.selectors.profiles import face_profile
from proctor.services.requests import evidence_requests_cancel, request_as_json

from .. import policies
from ..errors import ERRORS
from ..models import (
    Enrolment,
    EnrolmentSource,
    LessonProgress,
    SessionStatus,
    StudySegment,
    StudySession,
)
from ..models.study import SESSION_MACHINE
from ..rules import crediting, intervals
from ..selectors import ledger
from .credit import STUDY, lesson_hours_credit_later, study_evidence_due

MAX_PLAYBACK_RATE = 2.0  # the fastest speed the player offers
TOLERANCE_SECONDS = 2.0  # network jitter and timer drift


def _beat() -> float:
    return settings.STUDY_HEARTBEAT_SECONDS


def enrol(
    *,
    person: Person,
    course: CoursePage,
    source: str = EnrolmentSource.SELF,
    assigned_by: Organisation | None = None,
    credential: Credential | None = None,
) -> tuple[Enrolment, bool]:
    """Enrol a person in a live course, studying for `credential` (one the course serves) or, by
    default, the course's only credential or the only one of its credentials the person holds
    (hours.rules.crediting). Enrolling again returns the existing enrolment."""
    if not course.live:
        raise ERRORS.error("course_not_found")
    served = ledger.served_credential_ids(course)
    if credential is not None and credential.pk not in served:
        raise ERRORS.error("credential_not_served")
    default = crediting.credential_for(
        served=served, held=ledger.held_credential_ids(person.pk), chosen=credential.pk if credential else None
    )
    enrolment, created = Enrolment.objects.get_or_create(
        person=person, course=course, defaults={"source": source, "assigned_by": assigned_by, "credential_id": default}
    )
    if not created and credential is not None and enrolment.credential_id != credential.pk:
        enrolment = enrolment_credential_choose(person=person, enrolment=enrolment, credential=credential)
    return enrolment, created


def enrolment_credential_choose(*, person: Person, enrolment: Enrolment, credential: Credential) -> Enrolment:
    """The learner says which of the course's credentials their study is for. Hours credited from
    now on go to it; hours already credited stay where they are (hours_entry_reassign moves them)."""
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().select_related("course").get(pk=enrolment.pk)
        if locked.person_id != person.pk:
            raise ERRORS.error("course_not_found")
        if credential.pk not in ledger.served_credential_ids(locked.course):
            raise ERRORS.error("credential_not_served")
        old = locked.credential_id
        if old == credential.pk:
            return locked
        locked.credential = credential
        locked.save(update_fields=["credential"])
        audit.record(
            event_type=AuditEventType.CHANGED, target=locked, actor=person.user,
            old_state=str(old or ""), new_state=str(credential.pk),
            extra={"field": "credential", "course": locked.course_id, "credential": credential.code},
        )
    enrolment.credential = credential
    return locked


def course_assign(*, actor: User, enterprise: Organisation, course: CoursePage, people: list[Person]) -> list[Enrolment]:
    """An enterprise assigns a course to several of its current employees at once, all or none."""
    if not policies.can_assign_courses(actor, enterprise):
        raise ERRORS.error("not_enterprise_admin")
    if not people:
        raise ERRORS.error("no_people")
    employed = set(
        enterprise.employments.filter(end_date__isnull=True, person__in=people).values_list("person_id", flat=True)
    )
    if any(person.pk not in employed for person in people):
        raise ERRORS.error("not_an_employee")
    with transaction.atomic():
        return [
            enrol(person=person, course=course, source=EnrolmentSource.ENTERPRISE, assigned_by=enterprise)[0]
            for person in people
        ]


@dataclass(frozen=True)
class SessionStart:
    session: StudySession
    lesson: LessonPage
    resume_position: float
    furthest: float
    forbid_seeking: bool
    heartbeat_seconds: float
    snapshot_min_seconds: int
    snapshot_max_seconds: int
    face_ready: bool = False
    # The request for a snapshot the player must answer now (proctor.services.requests), if any.
    evidence: dict | None = None


def study_session_open(*, person: Person, lesson: LessonPage, now: datetime.datetime | None = None) -> SessionStart:
    """Start studying a lesson. Any other active session of the person is paused: one learner
    studies in one place at a time."""
    now = now or timezone.now()
    if not lesson.live:
        raise ERRORS.error("lesson_not_found")
    course = lesson.get_parent().specific
    enrolment = Enrolment.objects.filter(person=person, course_id=course.pk).first()
    if enrolment is None:
        raise ERRORS.error("not_enrolled")
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        for active in StudySession.objects.select_for_update().filter(person=person, status=SessionStatus.ACTIVE):
            session_transition(session=active, to=SessionStatus.SUPERSEDED, now=now)
        progress, _created = LessonProgress.objects.get_or_create(enrolment=enrolment, lesson=lesson)
        session = StudySession.objects.create(
            person=person, progress=progress, started_at=now, last_beat_at=now, last_position=progress.position
        )
        audit.record(
            event_type=AuditEventType.CREATED, target=session, actor=person.user, new_state=session.status,
            extra={"lesson": lesson.pk}, now=now,
        )
        face_ready = face_profile(person).ready
        evidence = study_evidence_due(session=session, first=True, now=now) if face_ready else None
    return SessionStart(
        session=session,
        lesson=lesson,
        resume_position=progress.position,
        furthest=progress.furthest,
        forbid_seeking=course.forbid_seeking,
        heartbeat_seconds=_beat(),
        snapshot_min_seconds=course.snapshot_min_seconds,
        snapshot_max_seconds=max(course.snapshot_min_seconds, course.snapshot_max_seconds),
        face_ready=face_ready,
        evidence=request_as_json(evidence),
    )


@dataclass(frozen=True)
class HeartbeatResult:
    credited_seconds: float
    position: float
    furthest: float
    watched_ratio: float
    study_seconds: float
    lesson_complete: bool
    course_complete: bool
    evidence: dict | None = None


def _locked_session(person: Person, session_id) -> StudySession:
    try:
        return (
            # The session and its progress only: the joined lesson and course are every learner's
            # of that course, and locking them queued all of their heartbeats behind each other.
            StudySession.objects.select_for_update(of=("self", "progress"))
            .select_related("progress__enrolment__course", "progress__lesson")
            .get(pk=session_id, person=person)
        )
    except (StudySession.DoesNotExist, ValueError, TypeError, ValidationError):
        raise ERRORS.error("session_not_found")


def heartbeat_record(
    *,
    person: Person,
    session_id,
    sequence: int,
    position: float,
    playing: bool,
    now: datetime.datetime | None = None,
) -> HeartbeatResult:
    """Record one heartbeat of the player. Credits at most the wall-clock time since the previous
    accepted beat, never more than the video could have advanced at normal speed, nothing across a
    long gap, and nothing for a refused beat."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _locked_session(person, session_id)
        if session.status == SessionStatus.SUPERSEDED:
            raise ERRORS.error("session_superseded")
        if session.status != SessionStatus.ACTIVE:
            raise ERRORS.error("session_closed")
        progress = session.progress
        lesson = progress.lesson.specific
        duration = lesson.duration_seconds
        if not (isinstance(position, (int, float)) and math.isfinite(position)) or not (
            0 <= position <= duration + TOLERANCE_SECONDS
        ):
            raise ERRORS.error("position_invalid")
        position = min(float(position), duration)
        if sequence <= session.last_sequence:
            raise ERRORS.error("heartbeat_out_of_order")
        elapsed = (now - session.last_beat_at).total_seconds()
        if elapsed < _beat() * 0.4:
            raise ERRORS.error("heartbeat_too_soon")
        course = progress.enrolment.course
        reachable = max(progress.furthest, session.last_position) + elapsed * MAX_PLAYBACK_RATE + TOLERANCE_SECONDS
        if course.forbid_seeking and position > reachable:
            raise ERRORS.error("seek_forbidden", details={"allowed_position": max(progress.furthest, session.last_position)})

        advance = position - session.last_position
        credited = 0.0
        continuous = 0 < advance <= elapsed * MAX_PLAYBACK_RATE + TOLERANCE_SECONDS
        if playing and continuous and elapsed <= _beat() * 3:
            # Double speed covers twice the video in the same wall time, and counts as that wall time.
            credited = min(elapsed, advance)
            progress.watched = intervals.merge(progress.watched, session.last_position, position)
            progress.watched_seconds = intervals.covered(progress.watched)
            StudySegment.objects.create(
                session=session,
                started_at=session.last_beat_at,
                ended_at=now,
                seconds=credited,
                position_from=session.last_position,
                position_to=position,
            )

        session.last_beat_at = now
        session.last_sequence = sequence
        session.last_position = position
        session.counted_seconds += credited
        session.save(update_fields=["last_beat_at", "last_sequence", "last_position", "counted_seconds"])
        progress.position = position
        progress.study_seconds += credited
        ratio = progress.watched_seconds / duration if duration else 0
        if progress.completed_at is None and ratio >= float(course.completion_ratio):
            progress.completed_at = now
        progress.save()
        # A course completes when its last lesson does: while this lesson is not done, the
        # course cannot be, and the beat does not read its lessons.
        enrolment = progress.enrolment
        course_complete = enrolment.completed_at is not None or (
            progress.completed_at is not None and _course_completion_check(enrolment, now)
        )
        at_end = position >= duration - TOLERANCE_SECONDS
        evidence = request_as_json(study_evidence_due(session=session, at_end=at_end, now=now))
    return HeartbeatResult(
        credited_seconds=credited,
        position=position,
        furthest=progress.furthest,
        watched_ratio=min(1.0, ratio),
        study_seconds=progress.study_seconds,
        lesson_complete=progress.completed_at is not None,
        course_complete=course_complete,
        evidence=evidence,
    )


def _course_completion_check(enrolment: Enrolment, now: datetime.datetime) -> bool:
    if enrolment.completed_at:
        return True
    lesson_ids = set(LessonPage.objects.child_of(enrolment.course).live().values_list("pk", flat=True))
    done = set(
        enrolment.progress.filter(completed_at__isnull=False, lesson_id__in=lesson_ids).values_list(
            "lesson_id", flat=True
        )
    )
    if lesson_ids and done == lesson_ids:
        enrolment.completed_at = now
        enrolment.save(update_fields=["completed_at"])
        return True
    return False


def study_session_close(*, person: Person, session_id, now: datetime.datetime | None = None) -> StudySession:
    with transaction.atomic():
        session = _locked_session(person, session_id)
        if session.status == SessionStatus.ACTIVE:
            session_transition(session=session, to=SessionStatus.CLOSED, actor=person.user, now=now)
    return session


def session_transition(
    *, session: StudySession, to: str, actor=None, now: datetime.datetime | None = None
) -> StudySession:
    """End a study session (closed by the player, or paused by another one): the one place its
    status changes. The caller holds the row's lock; the audit row is written here, and the
    lesson's hours are credited after commit, since its last stretch is now settled."""
    now = now or timezone.now()
    source = session.status
    SESSION_MACHINE.check(source, to)
    session.status = to
    session.ended_at = now
    session.save(update_fields=["status", "ended_at"])
    evidence_requests_cancel(context_kind=STUDY, context_id=str(session.pk), now=now)
    audit.record(
        event_type=AuditEventType.STATUS_CHANGED, target=session, actor=actor, old_state=source, new_state=to,
        extra={"counted_seconds": round(session.counted_seconds, 1)}, now=now,
    )
    lesson_hours_credit_later(session.progress_id)
    return session
