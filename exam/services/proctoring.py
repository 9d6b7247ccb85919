"""Proctoring an attempt: the identity check before the paper opens, snapshots during the exam,
what the room reports (leaving the page, losing focus), and the proctor's warnings, identity
confirmations and terminations.

Every fact lands twice in one transaction: an `Incident` for the proctor's dashboard and an entry
in the hash-chained capture log for the regulator.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from kernel.events import after_commit
from lms.models import IdPhotoStatus, Person, User
from proctor.models import (
    CaptureLogEntry,
    Decision,
    EvidenceRequest,
    RequestStatus,
    Snapshot,
    SnapshotStatus,
)
from proctor.rules.messages import decision_message
from proctor.selectors.profiles import face_profile
from proctor.services.capturelog import append
from proctor.services.requests import evidence_request_due, evidence_request_schedule
from proctor.services.snapshots import snapshot_check, snapshot_record

from ..errors import ERRORS
from ..models import Attempt, AttemptStatus, Incident, IncidentKind
from ..policies import can_proctor
from ..realtime import pushes as live
from .attempts import attempt_transition, attempt_verify_identity

log = logging.getLogger(__name__)

S = AttemptStatus
EXAM = "exam"
EXAM_IDENTITY = "exam_identity"
# The room asks for a snapshot at random within these bounds (seconds after the last one).
SNAPSHOT_MIN_SECONDS = 60
SNAPSHOT_MAX_SECONDS = 180
IDENTITY_TRIES = 3
# Decisions that count as a failed identity check; "no face" and "inconclusive" ask the candidate
# to fix the picture and try again without using up a try.
IDENTITY_FAILURES = {Decision.MISMATCH, Decision.SEVERAL_FACES, Decision.NOT_LIVE, Decision.REPLAYED}
ROOM_EVENTS = {IncidentKind.FOCUS_LOST, IncidentKind.PAGE_HIDDEN, IncidentKind.FULLSCREEN_LEFT}
WARNING_MAX = 300


def incident_record(
    *, attempt: Attempt, kind: str, detail: dict | None = None, actor: User | None = None, now: datetime.datetime | None = None
) -> Incident:
    """One proctoring fact: the dashboard's row and the capture log's entry, together."""
    now = now or timezone.now()
    detail = detail or {}
    with transaction.atomic():
        incident = Incident.objects.create(attempt=attempt, kind=kind, detail=detail, actor=actor, at=now)
        append(
            kind=CaptureLogEntry.Kind.PROCTOR_EVENT,
            person=attempt.candidate_id,
            subject=f"attempt:{attempt.pk}",
            payload={"event": kind, "incident": incident.pk, "actor": getattr(actor, "pk", None), **detail},
            now=now,
        )
        after_commit(lambda: live.to_sitting(attempt.sitting_id, attempt.pk))
    return incident


def _own(attempt: Attempt, candidate: Person) -> None:
    if attempt.candidate_id != candidate.pk:
        raise ERRORS.error("attempt_not_found")


# The identity check -----------------------------------------------------------------------------


def identity_request(*, attempt: Attempt, candidate: Person, now: datetime.datetime | None = None) -> EvidenceRequest:
    """The request the identity check answers: due at once, always with a head-turn challenge, so a
    photo held up to the camera cannot open the paper."""
    _own(attempt, candidate)
    _identity_open(attempt, candidate)
    now = now or timezone.now()
    return evidence_request_schedule(
        person=candidate, context_kind=EXAM_IDENTITY, context_id=str(attempt.pk), earliest=now, latest=now,
        challenge_share=1.0, now=now,
    )


def _identity_open(attempt: Attempt, candidate: Person) -> None:
    attempt.refresh_from_db()
    if attempt.status != S.CREATED:
        if attempt.status == S.IDENTITY_VERIFIED or attempt.status == S.IN_PROGRESS:
            raise ERRORS.error("identity_already_verified")
        raise ERRORS.error("attempt_closed")
    if attempt.identity_referred_at:
        raise ERRORS.error("identity_referred")
    if not face_profile(candidate).ready:
        raise ERRORS.error("face_profile_missing")
    # The ID photo is the trust anchor of every face check only once the real-name review passed.
    if candidate.id_photo_status != IdPhotoStatus.APPROVED:
        raise ERRORS.error("id_photo_not_reviewed")


def attempt_identity_check(
    *, attempt: Attempt, candidate: Person, frames: list[bytes], nonce: str, now: datetime.datetime | None = None
) -> dict:
    """Check a burst from the webcam, answering the identity request, against the candidate's
    reference photos before the paper opens: the same burst, liveness and replay rules as study.

    Returns {"decision", "message", "verified", "tries_left", "referred"}. A mismatch, several
    faces, no sign of life or a replay uses up one of IDENTITY_TRIES; when they run out the attempt
    is referred to the proctor, who alone can then confirm the candidate. The capture is kept as
    evidence like any snapshot."""
    _own(attempt, candidate)
    _identity_open(attempt, candidate)
    # Stored and logged like every snapshot; decided here and now, since the candidate waits. The
    # queued check that snapshot_record also sends finds the snapshot decided and does nothing.
    snapshot = snapshot_record(
        person=candidate, context_kind=EXAM_IDENTITY, context_id=str(attempt.pk), frames=frames, nonce=nonce, now=now
    )
    snapshot = snapshot_check(snapshot_id=snapshot.pk, now=now)
    return identity_decided(attempt=attempt, snapshot=snapshot, now=now)


def identity_decided(*, attempt: Attempt, snapshot: Snapshot, now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    evidence = {"snapshot": str(snapshot.pk), "decision": snapshot.decision, "distance": snapshot.distance}
    message = decision_message(snapshot.decision, snapshot.reason)
    if snapshot.decision == Decision.VERIFIED:
        attempt_verify_identity(attempt=attempt, method="face", evidence=evidence, now=now)
        return {"decision": snapshot.decision, "message": message, "verified": True, "tries_left": 0, "referred": False}
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        counted = snapshot.decision in IDENTITY_FAILURES
        if counted:
            locked.identity_failures += 1
        referred = locked.identity_failures >= IDENTITY_TRIES and locked.identity_referred_at is None
        if referred:
            locked.identity_referred_at = now
        locked.save(update_fields=["identity_failures", "identity_referred_at"])
        incident_record(attempt=locked, kind=IncidentKind.IDENTITY_FAILED, detail={**evidence, "counted": counted}, now=now)
        if referred:
            incident_record(attempt=locked, kind=IncidentKind.IDENTITY_REFERRED, detail={"failures": locked.identity_failures}, now=now)
    return {
        "decision": snapshot.decision,
        "message": message,
        "verified": False,
        "tries_left": max(0, IDENTITY_TRIES - locked.identity_failures),
        "referred": locked.identity_referred_at is not None,
    }


def identity_confirm(*, actor: User, attempt: Attempt, note: str, now: datetime.datetime | None = None) -> Attempt:
    """A proctor confirms the candidate's identity in person (ID card shown to the camera, a call)."""
    if not can_proctor(actor, attempt.sitting):
        raise ERRORS.error("not_proctor")
    note = (note or "").strip()
    if not note:
        raise ERRORS.error("note_required")
    with transaction.atomic():
        attempt = attempt_verify_identity(
            attempt=attempt, method="proctor", evidence={"note": note[:WARNING_MAX]}, actor=actor, now=now
        )
        append(
            kind=CaptureLogEntry.Kind.PROCTOR_EVENT, person=attempt.candidate_id, subject=f"attempt:{attempt.pk}",
            payload={"event": "identity_confirmed", "actor": actor.pk, "note": note[:WARNING_MAX]}, now=now,
        )
    return attempt


# During the exam --------------------------------------------------------------------------------


def exam_snapshot_record(
    *, attempt: Attempt, candidate: Person, frames: list[bytes], nonce: str, now: datetime.datetime | None = None
) -> Snapshot:
    """A burst during the exam, answering the server's request, through the same pipeline as study."""
    _own(attempt, candidate)
    attempt.refresh_from_db()
    if attempt.status != S.IN_PROGRESS:
        raise ERRORS.error("attempt_closed")
    return snapshot_record(
        person=candidate, context_kind=EXAM, context_id=str(attempt.pk), frames=frames, nonce=nonce, now=now
    )


def exam_evidence_next(*, attempt_id: int, now: datetime.datetime | None = None) -> EvidenceRequest | None:
    """The attempt's open request for a snapshot, scheduling it if none is open: the first soon
    after the paper opens, the next at random within the room's bounds after the last one (sooner
    after one that did not verify). None once the attempt is not in progress, or while the last
    snapshot waits for its check."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_related("candidate").filter(pk=attempt_id).first()
    if attempt is None or attempt.status != S.IN_PROGRESS:
        return None
    context = {"context_kind": EXAM, "context_id": str(attempt.pk)}
    with transaction.atomic():
        evidence_request_due(**context, now=now)  # an expired one becomes missed
        open_request = EvidenceRequest.objects.filter(**context, status=RequestStatus.SCHEDULED).first()
        if open_request is not None:
            return open_request
        last = EvidenceRequest.objects.filter(**context).exclude(status=RequestStatus.CANCELLED).order_by("-due_at").first()
        if last is None:
            start = attempt.started_at or now
            earliest, latest = start + datetime.timedelta(seconds=5), start + datetime.timedelta(seconds=20)
        else:
            answer = Snapshot.objects.filter(request=last).values_list("status", "decision").first()
            if answer is not None and answer[0] == SnapshotStatus.PENDING:
                return None
            if last.status == RequestStatus.MISSED or (answer is not None and answer[1] != Decision.VERIFIED):
                earliest, latest = now + datetime.timedelta(seconds=10), now + datetime.timedelta(seconds=30)
            else:
                earliest = last.due_at + datetime.timedelta(seconds=SNAPSHOT_MIN_SECONDS)
                latest = last.due_at + datetime.timedelta(seconds=SNAPSHOT_MAX_SECONDS)
        if attempt.deadline and earliest >= attempt.deadline:
            return None
        return evidence_request_schedule(
            person=attempt.candidate, **context, earliest=earliest, latest=min(latest, attempt.deadline or latest), now=now
        )


def exam_snapshot_decided(*, snapshot_id, now: datetime.datetime | None = None) -> Incident | None:
    """A snapshot of an attempt was decided: put it on the dashboard and tell the room."""
    snapshot = Snapshot.objects.filter(pk=snapshot_id, context_kind=EXAM).first()
    if snapshot is None:
        return None
    attempt = Attempt.objects.filter(pk=int(snapshot.context_id)).first()
    if attempt is None:
        return None
    with transaction.atomic():
        if Incident.objects.filter(attempt=attempt, kind=IncidentKind.SNAPSHOT, detail__snapshot=str(snapshot.pk)).exists():
            return None
        incident = Incident.objects.create(
            attempt=attempt,
            kind=IncidentKind.SNAPSHOT,
            detail={"snapshot": str(snapshot.pk), "decision": snapshot.decision, "reason": snapshot.reason},
            at=now or timezone.now(),
        )
        message = decision_message(snapshot.decision, snapshot.reason)
        push = {"kind": "snapshot", "decision": snapshot.decision, "message": message}
        after_commit(lambda: (live.to_attempt(attempt.pk, push), live.to_sitting(attempt.sitting_id, attempt.pk)))
    # The decision itself is already in the capture log (proctor.services.snapshot_check).
    return incident


def exam_snapshots_settle_due(*, now: datetime.datetime | None = None, window_hours: int = 24) -> int:
    """The recovery sweep (like hours' lessons_credit_due): every exam snapshot decided in the last
    `window_hours` that has no incident yet gets one, whatever happened to its event's delivery."""
    now = now or timezone.now()
    since = now - datetime.timedelta(hours=window_hours)
    recorded = Incident.objects.filter(kind=IncidentKind.SNAPSHOT, at__gte=since - datetime.timedelta(hours=1)).values_list(
        "detail__snapshot", flat=True
    )
    due = (
        Snapshot.objects.filter(context_kind=EXAM, status=SnapshotStatus.DECIDED, decided_at__gte=since)
        .exclude(pk__in=[value for value in recorded if value])
        .values_list("pk", flat=True)
    )
    settled = 0
    for snapshot_id in list(due):
        if exam_snapshot_decided(snapshot_id=snapshot_id, now=now):
            settled += 1
    return settled


def room_event_record(
    *, attempt: Attempt, candidate: Person, kind: str, now: datetime.datetime | None = None
) -> Incident:
    """What the room saw the candidate do: leave the page, lose focus, leave full screen."""
    _own(attempt, candidate)
    if kind not in ROOM_EVENTS:
        raise ERRORS.error("event_unknown")
    attempt.refresh_from_db()
    if attempt.status != S.IN_PROGRESS:
        raise ERRORS.error("attempt_closed")
    return incident_record(attempt=attempt, kind=kind, now=now)


def proctor_warn(*, actor: User, attempt: Attempt, message: str, now: datetime.datetime | None = None) -> Incident:
    """A warning that appears in the candidate's room at once."""
    if not can_proctor(actor, attempt.sitting):
        raise ERRORS.error("not_proctor")
    message = (message or "").strip()[:WARNING_MAX]
    if not message:
        raise ERRORS.error("warning_empty")
    attempt.refresh_from_db()
    if attempt.status not in (S.CREATED, S.IDENTITY_VERIFIED, S.IN_PROGRESS):
        raise ERRORS.error("attempt_closed")
    with transaction.atomic():
        incident = incident_record(attempt=attempt, kind=IncidentKind.WARNING, detail={"message": message}, actor=actor, now=now)
        at = incident.at.isoformat()
        after_commit(lambda: live.to_attempt(attempt.pk, {"kind": "warning", "message": message, "at": at}))
    return incident


def proctor_terminate(*, actor: User, attempt: Attempt, reason: str, now: datetime.datetime | None = None) -> Attempt:
    """End an attempt for misconduct. Its answers stay for the record; it is never graded."""
    if not can_proctor(actor, attempt.sitting):
        raise ERRORS.error("not_proctor")
    reason = (reason or "").strip()
    if not reason:
        raise ERRORS.error("reason_required")
    with transaction.atomic():
        attempt = attempt_transition(attempt=attempt, to=S.TERMINATED, reason=reason, actor=actor, now=now)
        append(
            kind=CaptureLogEntry.Kind.PROCTOR_EVENT, person=attempt.candidate_id, subject=f"attempt:{attempt.pk}",
            payload={"event": "terminated", "actor": actor.pk, "reason": reason[:WARNING_MAX]}, now=now,
        )
    log.info("attempt %s terminated by user %s", attempt.pk, actor.pk)
    return attempt
