"""Snapshots during study, and turning verified study time into credit hours in the ledger.

A lesson's hours are credited once, when the lesson is complete and its evidence is settled: no
session of it still running and no snapshot of it still waiting for its check. The amount is the
lesson's credit hours in proportion to the verified share of the time the lesson requires (its
length times the course's completion ratio), never more than the lesson's hours.
"""

import datetime
import uuid
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from kernel import audit
from kernel.audit import AuditEventType
from kernel.events import after_commit
from lms.models import Credential, Person
from proctor.models import (
    CaptureLogEntry,
    EvidenceRequest,
    RequestStatus,
    Snapshot,
    SnapshotStatus,
)
from proctor.services import requests
from proctor.services.capturelog import refuse
from proctor.services.snapshots import PRESENT, snapshot_record

from ..errors import ERRORS
from ..models import (
    HoursEntry,
    HoursSource,
    LessonProgress,
    SessionStatus,
    StudySession,
)
from ..rules import crediting
from ..selectors import ledger
from ..selectors import study as selectors
from .standing import standings_refresh

STUDY = "study"
# After a check that did not verify (or a request not answered), the next request comes this soon,
# so the learner, told why, can fix it and go on.
RETRY_SECONDS = (3, 8)
# A lesson played to its end asks for a closing snapshot, unless one was taken this recently.
CLOSING_FRESH_SECONDS = 3


def study_snapshot_record(
    *, person: Person, session_id, frames: list[bytes], nonce: str, now: datetime.datetime | None = None
) -> Snapshot:
    """A burst answering the server's request for one of the learner's own open study sessions."""
    try:
        session = StudySession.objects.filter(pk=uuid.UUID(str(session_id)), person=person).first()
    except ValueError:
        session = None
    size = {"frames": len(frames or []), "bytes": sum(len(frame) for frame in frames or [])}
    refusal = {"kind": CaptureLogEntry.Kind.SNAPSHOT_REFUSED, "person": person, "subject": f"{STUDY}:{session_id}"[:80]}
    if session is None:
        refuse(**refusal, error=ERRORS.error("session_not_found"), payload=size)
    if session.status != SessionStatus.ACTIVE:
        refuse(**refusal, error=ERRORS.error("session_closed"), payload=size)
    return snapshot_record(person=person, context_kind=STUDY, context_id=str(session.pk), frames=frames, nonce=nonce, now=now)


def study_evidence_due(
    *, session: StudySession, at_end: bool = False, first: bool = False, now: datetime.datetime | None = None
):
    """The request for evidence the player must answer now, if any, scheduling the session's next
    one: at random within the course's bounds after the last one, soon after a check that failed or
    a request missed, and at once when the lesson was played to its end. Only `first` (the
    session's opening, for a learner whose face profile is ready) starts the series. The caller
    holds the session's lock."""
    now = now or timezone.now()
    context = {"context_kind": STUDY, "context_id": str(session.pk)}
    open_request, missed = requests.evidence_request_open(**context, now=now)
    started = open_request is not None or missed is not None or EvidenceRequest.objects.filter(**context).exists()
    if at_end and started and not _fresh_evidence(session, now) and (open_request is None or open_request.due_at > now):
        if open_request is not None:
            requests.evidence_requests_cancel(**context, now=now)
        closing = requests.evidence_request_schedule(
            person=session.person, **context, earliest=now, latest=now, challenge="", now=now
        )
        return closing
    if open_request is None:
        if not (started or first):
            return None  # no series yet, and only the session's opening starts one
        window = _next_window(session, now, first=first)
        if window is None:
            return None
        open_request = requests.evidence_request_schedule(
            person=session.person, **context, earliest=window[0], latest=window[1], now=now
        )
    return open_request if open_request.due_at <= now else None


def _fresh_evidence(session: StudySession, now: datetime.datetime) -> bool:
    return EvidenceRequest.objects.filter(
        context_kind=STUDY, context_id=str(session.pk), status=RequestStatus.FULFILLED,
        closed_at__gte=now - datetime.timedelta(seconds=CLOSING_FRESH_SECONDS),
    ).exists()


def _next_window(
    session: StudySession, now: datetime.datetime, *, first: bool = False
) -> tuple[datetime.datetime, datetime.datetime] | None:
    """When the next request may fall; None while the last snapshot waits for its check (its
    decision says whether the next comes soon, as a retry, or at random later)."""
    course = session.progress.enrolment.course
    last = (
        EvidenceRequest.objects.filter(context_kind=STUDY, context_id=str(session.pk))
        .exclude(status=RequestStatus.CANCELLED)
        .order_by("-due_at")
        .first()
    )
    if last is None:
        # The first at once: no time counts before the first verified snapshot.
        return (now, now) if first else None
    answer = Snapshot.objects.filter(request=last).values_list("status", "decision").first()
    if answer is not None and answer[0] == SnapshotStatus.PENDING:
        return None
    failed = last.status == RequestStatus.MISSED or (answer is not None and answer[1] not in PRESENT)
    if failed:
        return now + datetime.timedelta(seconds=RETRY_SECONDS[0]), now + datetime.timedelta(seconds=RETRY_SECONDS[1])
    shortest = course.snapshot_min_seconds
    longest = max(shortest, course.snapshot_max_seconds)
    return last.due_at + datetime.timedelta(seconds=shortest), last.due_at + datetime.timedelta(seconds=longest)


def lesson_hours_credit(*, progress_id: int, now: datetime.datetime | None = None) -> HoursEntry | None:
    """Credit a completed lesson's verified time, once. Returns the ledger entry, or None while the
    lesson is incomplete, its evidence unsettled, or nothing of it was verified."""
    now = now or timezone.now()
    with transaction.atomic():
        progress = (
            LessonProgress.objects.select_for_update()
            .select_related("enrolment__course", "lesson")
            .get(pk=progress_id)
        )
        existing = HoursEntry.objects.filter(progress=progress, source=HoursSource.ONLINE_STUDY).first()
        if existing or progress.completed_at is None:
            return existing
        tally = selectors.lesson_verification(progress, now=now)
        if not tally.settled or tally.verified_seconds <= 0:
            return None
        course = progress.enrolment.course
        lesson = progress.lesson.specific
        hours = _lesson_hours(lesson, tally)
        if hours <= 0:
            return None
        enrolment = progress.enrolment
        credential_id = crediting.credential_for(
            served=ledger.served_credential_ids(course),
            held=ledger.held_credential_ids(enrolment.person_id),
            chosen=enrolment.credential_id,
        )
        entry = HoursEntry.objects.create(
            person_id=enrolment.person_id,
            credential_id=credential_id,
            category=course.category,
            hours=hours,
            earned_on=timezone.localdate(now),
            source=HoursSource.ONLINE_STUDY,
            progress=progress,
            evidence={
                "lesson": lesson.pk,
                "sessions": tally.session_ids,
                "verified_snapshots": tally.verified_snapshot_ids,
                "studied_seconds": round(tally.studied_seconds, 1),
                "verified_seconds": round(tally.verified_seconds, 1),
                "required_seconds": round(tally.required_seconds, 1),
            },
        )
        standings_refresh(pairs=[(entry.person_id, entry.credential_id)])
        return entry


def _lesson_hours(lesson, tally) -> Decimal:
    return (lesson.credit_hours * Decimal(tally.share)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def lesson_hours_recredit(
    *, progress_id: int, actor, reason: str, review_id: int | None = None, now: datetime.datetime | None = None
) -> Decimal:
    """After a reviewer's ruling changed what a snapshot counts as (a refusal dismissed: now
    verified; a credit revoked: now refused), bring the lesson's hours to what its evidence earns:
    the online entry if it had none, else an adjustment line for the difference, up or down, with
    the reason, the reviewer and the review as its evidence. Returns the hours added (negative when
    revoked; zero when nothing changes, e.g. still incomplete)."""
    now = now or timezone.now()
    with transaction.atomic():
        progress = (
            LessonProgress.objects.select_for_update().select_related("enrolment__course", "lesson").get(pk=progress_id)
        )
        online = HoursEntry.objects.filter(progress=progress, source=HoursSource.ONLINE_STUDY).first()
        if online is None:
            entry = lesson_hours_credit(progress_id=progress_id, now=now)
            return entry.hours if entry else Decimal("0")
        tally = selectors.lesson_verification(progress, now=now)
        if not tally.settled:
            return Decimal("0")
        earned = _lesson_hours(progress.lesson.specific, tally)
        credited = online.hours + sum(
            (line.hours for line in HoursEntry.objects.filter(
                person_id=online.person_id, source=HoursSource.ADJUSTMENT, evidence__recredit_of=progress.pk
            )),
            Decimal("0"),
        )
        added = earned - credited
        if added == 0:
            return Decimal("0")
        HoursEntry.objects.create(
            person_id=online.person_id,
            credential=online.credential,
            category=online.category,
            hours=added,
            earned_on=timezone.localdate(now),
            source=HoursSource.ADJUSTMENT,
            progress=progress,
            reason=reason[:300],
            recorded_by=actor,
            evidence={
                "recredit_of": progress.pk,
                "review": review_id,
                "verified_seconds": round(tally.verified_seconds, 1),
                "verified_snapshots": tally.verified_snapshot_ids,
                "sessions": tally.session_ids,
            },
        )
        return added


def study_snapshot_decided(*, session_id: str) -> HoursEntry | None:
    """A study snapshot's check finished: the lesson it belongs to may now be settled."""
    progress_id = StudySession.objects.filter(pk=session_id).values_list("progress_id", flat=True).first()
    return lesson_hours_credit(progress_id=progress_id) if progress_id else None


def lesson_hours_credit_later(progress_id: int) -> None:
    after_commit(lambda: lesson_hours_credit(progress_id=progress_id))


def lessons_credit_due(*, now: datetime.datetime | None = None) -> int:
    """Credit every completed lesson whose evidence has settled since (a tab closed without saying so)."""
    credited = 0
    due = LessonProgress.objects.filter(completed_at__isnull=False).exclude(
        hours_entries__source=HoursSource.ONLINE_STUDY
    )
    for progress_id in due.values_list("pk", flat=True).iterator():
        if lesson_hours_credit(progress_id=progress_id, now=now):
            credited += 1
    return credited


def hours_entry_reassign(
    *, person: Person, entry_id: int, credential: Credential, now: datetime.datetime | None = None
) -> HoursEntry:
    """The learner moves online hours credited to a credential they do not hold (or to none) to
    one of the course's credentials that they hold: once per entry, with an audit row."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = (
            # of=("self",): PostgreSQL locks no nullable side of the outer join to the progress
            HoursEntry.objects.select_for_update(of=("self",))
            .filter(pk=entry_id, person=person, source=HoursSource.ONLINE_STUDY)
            .select_related("progress__enrolment__course")
            .first()
        )
        if entry is None:
            raise ERRORS.error("hours_entry_not_found")
        code = crediting.may_reassign(
            current=entry.credential_id,
            target=credential.pk,
            served=ledger.served_credential_ids(entry.progress.enrolment.course),
            held=ledger.held_credential_ids(person.pk),
            reassigned=entry.reassigned_at is not None,
        )
        if code:
            raise ERRORS.error(code)
        old = entry.credential_id
        entry.credential = credential
        entry.reassigned_at = now
        entry.save(update_fields=["credential", "reassigned_at"])
        audit.record(
            event_type=AuditEventType.CHANGED, target=entry, actor=person.user, old_state=str(old or ""),
            new_state=str(credential.pk),
            extra={"field": "credential", "hours": entry.hours, "credential": credential.code, "by": "learner"},
            now=now,
        )
    return entry
