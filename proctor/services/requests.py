"""The server decides when evidence is due. A study session or an exam attempt asks for its next
snapshot here; the request carries a one-time nonce, the number of frames of the burst and, at
random, a head-turn challenge; a snapshot counts only if it answers a request while it is open
(from its due time to its expiry, a short window). A request that expires unanswered is "missed",
which ends the stretch of study it would have closed (hours.rules.windows)."""

import datetime
import random
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kernel import audit
from kernel.audit import AuditEventType
from lms.models import Person

from ..models import REQUEST_MACHINE, Challenge, EvidenceRequest, RequestStatus

# Unpredictable to the client: the due times and challenges are the whole point.
_random = random.SystemRandom()

CHALLENGE_FRAMES = 4  # two frames before the prompt (identity), two after it (the turn)


def _window() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.EVIDENCE_WINDOW_SECONDS)


def request_transition(*, request: EvidenceRequest, to: str, now: datetime.datetime | None = None) -> EvidenceRequest:
    """The one place a request's status changes; the caller holds its row lock."""
    now = now or timezone.now()
    source = request.status
    REQUEST_MACHINE.check(source, to)
    request.status = to
    request.closed_at = now
    request.save(update_fields=["status", "closed_at"])
    audit.record(
        event_type=AuditEventType.STATUS_CHANGED, target=request, old_state=source, new_state=to,
        extra={"context": f"{request.context_kind}:{request.context_id}", "due_at": request.due_at}, now=now,
    )
    return request


def evidence_request_schedule(
    *,
    person: Person,
    context_kind: str,
    context_id: str,
    earliest: datetime.datetime,
    latest: datetime.datetime,
    challenge_share: float | None = None,
    challenge: str | None = None,
    now: datetime.datetime | None = None,
) -> EvidenceRequest:
    """Schedule the context's next request at a random time in [earliest, latest] (never in the
    past). A context has at most one open request: an open one is returned as it is."""
    now = now or timezone.now()
    open_request = EvidenceRequest.objects.filter(
        context_kind=context_kind, context_id=str(context_id), status=RequestStatus.SCHEDULED
    ).first()
    if open_request is not None:
        return open_request
    earliest = max(earliest, now)
    latest = max(latest, earliest)
    due_at = earliest + datetime.timedelta(seconds=_random.uniform(0, (latest - earliest).total_seconds()))
    if challenge is None:
        share = settings.EVIDENCE_CHALLENGE_SHARE if challenge_share is None else challenge_share
        challenge = _random.choice([Challenge.TURN_LEFT, Challenge.TURN_RIGHT]) if _random.random() < share else ""
    try:
        with transaction.atomic():
            return EvidenceRequest.objects.create(
                person=person,
                context_kind=context_kind,
                context_id=str(context_id),
                nonce=secrets.token_urlsafe(32),
                challenge=challenge,
                frames=CHALLENGE_FRAMES if challenge else settings.FACE_BURST_FRAMES,
                due_at=due_at,
                expires_at=due_at + _window(),
                created_at=now,
            )
    except IntegrityError:
        # Another request of the same context was scheduled at the same moment: use that one.
        return EvidenceRequest.objects.get(
            context_kind=context_kind, context_id=str(context_id), status=RequestStatus.SCHEDULED
        )


def evidence_request_open(
    *, context_kind: str, context_id: str, now: datetime.datetime | None = None
) -> tuple[EvidenceRequest | None, EvidenceRequest | None]:
    """(the context's open request, locked, due or not; the request that has just expired
    unanswered), in one read. An expired request is marked missed here; the caller then schedules
    the next."""
    now = now or timezone.now()
    request = (
        EvidenceRequest.objects.select_for_update()
        .filter(context_kind=context_kind, context_id=str(context_id), status=RequestStatus.SCHEDULED)
        .first()
    )
    if request is None:
        return None, None
    if request.expires_at < now:
        return None, request_transition(request=request, to=RequestStatus.MISSED, now=now)
    return request, None


def evidence_request_due(
    *, context_kind: str, context_id: str, now: datetime.datetime | None = None
) -> tuple[EvidenceRequest | None, EvidenceRequest | None]:
    """(the open request if it is due now, the request that has just expired unanswered)."""
    now = now or timezone.now()
    request, missed = evidence_request_open(context_kind=context_kind, context_id=context_id, now=now)
    return (request if request is not None and request.due_at <= now else None), missed


def evidence_requests_cancel(*, context_kind: str, context_id: str, now: datetime.datetime | None = None) -> int:
    """The context ended (a session closed): an open request is cancelled, or missed if it expired."""
    now = now or timezone.now()
    count = 0
    for request in EvidenceRequest.objects.select_for_update().filter(
        context_kind=context_kind, context_id=str(context_id), status=RequestStatus.SCHEDULED
    ):
        to = RequestStatus.MISSED if request.expires_at < now else RequestStatus.CANCELLED
        request_transition(request=request, to=to, now=now)
        count += 1
    return count


def evidence_requests_expire(*, now: datetime.datetime | None = None) -> int:
    """The sweep: every request past its expiry without an answer is missed."""
    now = now or timezone.now()
    expired = 0
    for request_id in EvidenceRequest.objects.filter(status=RequestStatus.SCHEDULED, expires_at__lt=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            request = EvidenceRequest.objects.select_for_update().get(pk=request_id)
            if request.status == RequestStatus.SCHEDULED and request.expires_at < now:
                request_transition(request=request, to=RequestStatus.MISSED, now=now)
                expired += 1
    return expired


def request_as_json(request: EvidenceRequest | None) -> dict | None:
    """What the client needs to answer a request (never the due time of a later one)."""
    if request is None:
        return None
    return {
        "id": str(request.pk),
        "nonce": request.nonce,
        "frames": request.frames,
        "challenge": request.challenge,
        "expires_at": request.expires_at.isoformat(),
    }
