"""Reviews of study refusals and exam incidents, and appeals against them (exam.models.reviews).

One transition function, `review_transition`, moves a review along REVIEW_MACHINE: it locks the
row, checks the move, writes the audit row and the capture-log entry, holds or releases the
evidence for retention, and applies the effect (a dismissed study refusal re-credits the stretch;
a confirmed voiding voids the attempt; an appeal granted undoes the decision). The entry points
check who may do what: a reviewer of the person's region decides; voiding needs a second reviewer;
the person appeals once within the window; an appeal is decided by a reviewer who took no part.
Revoking hours already credited (a verified study snapshot a reviewer doubts) is proposed by one
reviewer and confirmed by a second, like voiding: the snapshot then counts as not showing the live
learner and the lesson's hours come down to what the rest of its evidence earns."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hours.models import StudySession
from hours.services import lesson_hours_recredit
from kernel import audit
from kernel.audit import AuditEventType
from kernel.reasons import reason_clean
from lms.models import Person, User
from lms.policies import oversees_person
from proctor.models import CaptureLogEntry, Decision, Snapshot, SnapshotStatus
from proctor.services.capturelog import append
from proctor.services.retention import snapshot_hold
from proctor.services.snapshots import snapshot_review_decision

from ..errors import ERRORS
from ..models import (
    APPEALABLE,
    REVIEW_MACHINE,
    Attempt,
    AttemptStatus,
    Incident,
    Review,
    ReviewKind,
    ReviewStatus,
)
from .attempts import attempt_transition

R = ReviewStatus
STATEMENT_MAX = 2000
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def _hold_days(status: str) -> datetime.timedelta:
    days = settings.RETENTION_REVIEW_HOLD_DAYS
    if status in APPEALABLE:
        days += settings.APPEAL_WINDOW_DAYS
    return datetime.timedelta(days=days)


def _snapshot_ids(review: Review) -> list:
    if review.snapshot_id:
        return [review.snapshot_id]
    found = review.incident.detail.get("snapshot") if review.incident_id else None
    return [found] if found and Snapshot.objects.filter(pk=found).exists() else []


def review_transition(
    *, review: Review, to: str, actor: User | None, reason: str, changes: dict | None = None, now: datetime.datetime | None = None
) -> Review:
    now = now or timezone.now()
    with transaction.atomic():
        locked = Review.objects.select_for_update(of=("self",)).select_related("incident__attempt", "snapshot").get(pk=review.pk)
        source = locked.status
        REVIEW_MACHINE.check(source, to)
        fields = {"status": to, **(changes or {})}
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(fields))
        _apply(locked, source=source, to=to, actor=actor, reason=reason, now=now)
        # Evidence under review is held; once decided, for the hold period (plus the appeal window
        # while the decision can be appealed).
        for snapshot_id in _snapshot_ids(locked):
            snapshot_hold(snapshot_id=snapshot_id, until=None if to in (R.OPEN, R.VOID_PROPOSED, R.REVOKE_PROPOSED, R.APPEALED) else now + _hold_days(to))
        audit.record(
            event_type=AuditEventType.STATUS_CHANGED, target=locked, actor=actor, old_state=source, new_state=to,
            extra={"reason": reason, "kind": locked.kind}, now=now,
        )
        append(
            kind=CaptureLogEntry.Kind.REVIEW_STEP, person=locked.person_id, subject=f"review:{locked.pk}",
            payload={
                "review": locked.pk, "kind": locked.kind, "from": source, "to": to, "actor": getattr(actor, "pk", None),
                "reason": reason, "snapshot": str(locked.snapshot_id) if locked.snapshot_id else None,
                "incident": locked.incident_id, "attempt": locked.incident.attempt_id if locked.incident_id else None,
            },
            now=now,
        )
    return locked


def _apply(review: Review, *, source: str, to: str, actor, reason: str, now) -> None:
    """The effect of a move on the record it judges."""
    favourable = to == R.DISMISSED or (to == R.APPEAL_GRANTED)
    if review.kind == ReviewKind.STUDY_REFUSAL and favourable:
        snapshot_review_decision(snapshot_id=review.snapshot_id, decision=Decision.VERIFIED)
        _lesson_reconcile(review, actor=actor, reason=reason, now=now)
    if review.kind == ReviewKind.STUDY_CREDIT and (to == R.REVOKED or (to == R.APPEAL_GRANTED and source == R.APPEALED)):
        # Revoked: the snapshot counts as not showing the live learner; the appeal granted restores
        # the engine's decision. Either way the lesson's hours follow its evidence.
        snapshot_review_decision(snapshot_id=review.snapshot_id, decision=Decision.NOT_LIVE if to == R.REVOKED else "")
        _lesson_reconcile(review, actor=actor, reason=reason, now=now)
    if review.kind == ReviewKind.EXAM_INCIDENT:
        attempt = review.incident.attempt
        if to == R.VOIDED:
            attempt_transition(attempt=attempt, to=AttemptStatus.VOIDED, reason=reason, actor=actor, now=now)
        elif to == R.APPEAL_GRANTED and attempt.status == AttemptStatus.VOIDED and review.attempt_status_before:
            restore = {"score": attempt.score, "passed": attempt.passed} if review.attempt_status_before == AttemptStatus.GRADED else {}
            attempt_transition(attempt=attempt, to=review.attempt_status_before, reason=reason, actor=actor, now=now, changes=restore)


def _lesson_reconcile(review: Review, *, actor, reason: str, now) -> None:
    progress_id = StudySession.objects.filter(pk=review.snapshot.context_id).values_list("progress_id", flat=True).first()
    if progress_id:
        lesson_hours_recredit(progress_id=progress_id, actor=actor, reason=reason, review_id=review.pk, now=now)


def _flag(actor: User, *, snapshot_id=None, incident_id=None, credit: bool = False) -> tuple[str, Person, Snapshot | None, Incident | None]:
    snapshot = incident = None
    if snapshot_id:
        snapshot = Snapshot.objects.filter(pk=snapshot_id, context_kind="study").first()
        person_id = snapshot.person_id if snapshot else None
    else:
        incident = Incident.objects.select_related("attempt").filter(pk=incident_id).first()
        person_id = incident.attempt.candidate_id if incident else None
    if person_id is None or not oversees_person(actor, person_id):
        raise ERRORS.error("flag_not_found")
    if snapshot and snapshot.status != SnapshotStatus.DECIDED:
        raise ERRORS.error("flag_not_a_refusal")
    if snapshot and credit:
        if snapshot.decision != Decision.VERIFIED:
            raise ERRORS.error("revoke_not_credited")
        return ReviewKind.STUDY_CREDIT, Person.objects.get(pk=person_id), snapshot, None
    if snapshot and snapshot.decision == Decision.VERIFIED:
        raise ERRORS.error("flag_not_a_refusal")
    kind = ReviewKind.STUDY_REFUSAL if snapshot else ReviewKind.EXAM_INCIDENT
    return kind, Person.objects.get(pk=person_id), snapshot, incident


def review_decide(
    *, actor: User, outcome: str, reason: str, snapshot_id=None, incident_id=None, now: datetime.datetime | None = None
) -> Review:
    """Uphold or dismiss a flag (opening its review if none is open); for an exam incident propose
    voiding the attempt, and for a verified study snapshot propose revoking the hours it earned,
    each of which a second reviewer confirms (review_void_confirm)."""
    now = now or timezone.now()
    reason = reason_clean(reason)
    if outcome not in ("uphold", "dismiss", "void", "revoke"):
        raise ERRORS.error("review_outcome_invalid")
    if outcome == "revoke" and not snapshot_id:
        raise ERRORS.error("revoke_not_credited")
    kind, person, snapshot, incident = _flag(actor, snapshot_id=snapshot_id, incident_id=incident_id, credit=outcome == "revoke")
    if outcome == "void" and kind != ReviewKind.EXAM_INCIDENT:
        raise ERRORS.error("void_not_for_study")
    with transaction.atomic():
        review = Review.objects.filter(snapshot=snapshot) if snapshot else Review.objects.filter(incident=incident)
        review = review.first()
        if review is None:
            review = Review.objects.create(kind=kind, person=person, snapshot=snapshot, incident=incident, opened_at=now)
            audit.record(event_type=AuditEventType.CREATED, target=review, actor=actor, new_state=review.status, now=now)
            for snapshot_id in _snapshot_ids(review):
                snapshot_hold(snapshot_id=snapshot_id, until=None)
        if review.kind != kind:  # a snapshot judged once as a refusal is not then a credit, nor back
            raise ERRORS.error("review_other_kind", kind=review.get_kind_display())
        to = {"uphold": R.UPHELD, "dismiss": R.DISMISSED, "void": R.VOID_PROPOSED, "revoke": R.REVOKE_PROPOSED}[outcome]
        changes = {"decided_by": actor, "decided_at": now, "reason": reason}
        if to == R.VOID_PROPOSED:
            changes["attempt_status_before"] = incident.attempt.status
        return review_transition(review=review, to=to, actor=actor, reason=reason, changes=changes, now=now)


def _review_of(actor: User, review_id) -> Review:
    review = Review.objects.filter(pk=review_id).first()
    if review is None or not oversees_person(actor, review.person_id):
        raise ERRORS.error("review_not_found")
    return review


def review_void_confirm(
    *, actor: User, review_id: int, confirm: bool, reason: str, now: datetime.datetime | None = None
) -> Review:
    """The second reviewer: confirm the voiding (the attempt is voided) or uphold without it; or
    confirm the revocation (the hours are revoked) or let the credit stand."""
    reason = reason_clean(reason)
    review = _review_of(actor, review_id)
    if review.decided_by_id == actor.pk:
        raise ERRORS.error("second_reviewer_required")
    if review.status == R.REVOKE_PROPOSED:
        to = R.REVOKED if confirm else R.DISMISSED
    else:
        to = R.VOIDED if confirm else R.UPHELD
    return review_transition(review=review, to=to, actor=actor, reason=reason, changes={"void_confirmed_by": actor}, now=now)


def review_appeal(
    *, person: Person, review_id: int, statement: str, attachment=None, now: datetime.datetime | None = None
) -> Review:
    """The person appeals a decision against them: once, within APPEAL_WINDOW_DAYS of it."""
    now = now or timezone.now()
    review = Review.objects.filter(pk=review_id, person=person).first()
    if review is None:
        raise ERRORS.error("review_not_found")
    if review.status not in APPEALABLE or review.appealed_at:
        raise ERRORS.error("appeal_not_allowed")
    days = settings.APPEAL_WINDOW_DAYS
    if now > review.decided_at + datetime.timedelta(days=days):
        raise ERRORS.error("appeal_window_closed", days=days)
    statement = str(statement or "").strip()
    if not statement or len(statement) > STATEMENT_MAX:
        raise ERRORS.error("appeal_statement_required")
    if attachment is not None and attachment.size > ATTACHMENT_MAX_BYTES:
        raise ERRORS.error("appeal_attachment_too_large", megabytes=ATTACHMENT_MAX_BYTES // (1024 * 1024))
    with transaction.atomic():
        if attachment is not None:
            review.appeal_attachment.save(attachment.name, attachment, save=False)
            Review.objects.filter(pk=review.pk).update(appeal_attachment=review.appeal_attachment.name)
        return review_transition(
            review=review, to=R.APPEALED, actor=person.user, reason=statement[:300],
            changes={"appeal_statement": statement, "appealed_at": now}, now=now,
        )


def review_appeal_decide(
    *, actor: User, review_id: int, grant: bool, reason: str, now: datetime.datetime | None = None
) -> Review:
    """A reviewer who took no part in the decision grants or refuses the appeal."""
    now = now or timezone.now()
    reason = reason_clean(reason)
    review = _review_of(actor, review_id)
    if actor.pk in review.reviewers:
        raise ERRORS.error("appeal_same_reviewer")
    to = R.APPEAL_GRANTED if grant else R.APPEAL_REFUSED
    changes = {"appeal_decided_by": actor, "appeal_decided_at": now, "appeal_reason": reason}
    return review_transition(review=review, to=to, actor=actor, reason=reason, changes=changes, now=now)


def attempt_of(review: Review) -> Attempt | None:
    return review.incident.attempt if review.incident_id else None
