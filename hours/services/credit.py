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
from django.utils.translation import gettext as _

from kernel.events import after_commit
from lms.models import Person
from proctor.models import CaptureLogEntry, Snapshot
from proctor.services.capturelog import refuse
from proctor.services.snapshots import snapshot_record

from ..models import (
    HoursEntry,
    HoursSource,
    LessonProgress,
    SessionStatus,
    StudySession,
)
from ..selectors import study as selectors

STUDY = "study"
# The player takes one at most every few seconds (at the end of a lesson, right after a random one).
MIN_SNAPSHOT_GAP = datetime.timedelta(seconds=2)


def study_snapshot_record(*, person: Person, session_id, data: bytes, now: datetime.datetime | None = None) -> Snapshot:
    """A webcam frame for one of the learner's own open study sessions."""
    try:
        session = StudySession.objects.filter(pk=uuid.UUID(str(session_id)), person=person).first()
    except ValueError:
        session = None
    refusal = {"kind": CaptureLogEntry.Kind.SNAPSHOT_REFUSED, "person": person, "subject": f"{STUDY}:{session_id}"[:80]}
    if session is None:
        refuse(
            **refusal, code="session_not_found", message=_("This study session does not exist."),
            payload={"bytes": len(data)}, status=404,
        )
    if session.status != SessionStatus.ACTIVE:
        refuse(
            **refusal, code="session_closed", message=_("This study session has ended."),
            payload={"bytes": len(data)}, status=409,
        )
    last = (
        Snapshot.objects.filter(context_kind=STUDY, context_id=str(session.pk))
        .order_by("-received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    if last and (now or timezone.now()) - last < MIN_SNAPSHOT_GAP:
        refuse(
            **refusal, code="snapshot_too_soon", message=_("Snapshots are coming too fast; wait a moment."),
            payload={"bytes": len(data)}, status=429,
        )
    return snapshot_record(
        person=person, context_kind=STUDY, context_id=str(session.pk), data=data, now=now
    )


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
        hours = (lesson.credit_hours * Decimal(tally.share)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        if hours <= 0:
            return None
        return HoursEntry.objects.create(
            person_id=progress.enrolment.person_id,
            credential=course.credentials.order_by("code").first(),
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
