"""Attempts: the one transition function and the services that use it.

    created ──► identity_verified ──► in_progress ──► submitted ──► graded
       │               │                   │
       ├──► expired ◄──┤                   │
       └──► terminated ◄┴──────────────────┘

An attempt in progress never expires: at its deadline it is submitted with the answers recorded in
time, and graded (`attempts_close_overdue`). Only attempts that never started expire. Graded,
terminated and expired are final. Every move writes an `AttemptEvent`.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel import audit
from kernel.audit import AuditEventType
from kernel.errors import ConflictError
from kernel.events import after_commit
from kernel.reasons import reason_of_platform
from lms.models import Person, User

from ..errors import ERRORS
from ..models import (
    Attempt,
    AttemptAnswer,
    AttemptEvent,
    AttemptStatus,
    QuestionKind,
    QuestionVersion,
    Sitting,
    SittingCandidate,
)
from ..models.attempts import ATTEMPT_MACHINE
from ..realtime import pushes as live
from ..rules.grading import GradedQuestion, Rules, grade
from .papers import paper_draw

log = logging.getLogger(__name__)

S = AttemptStatus

# Fields a move may set beside the status and its time stamp.
_CHANGEABLE = {"identity_method", "identity_evidence", "identity_verified_by", "score", "max_score", "passed", "grading"}


def _stored(text) -> str:
    """A reason as it is kept: in the platform's language (Chinese), whoever's request wrote it."""
    return reason_of_platform(text)


def _closed() -> ConflictError:
    return ERRORS.error("attempt_closed")


def attempt_transition(
    *,
    attempt: Attempt,
    to: str,
    reason: str,
    actor: User | None = None,
    now: datetime.datetime | None = None,
    changes: dict | None = None,
    announce: bool = True,
) -> Attempt:
    """Move an attempt to `to`: the one place its status changes. Locks the row, checks the move
    against ATTEMPT_MACHINE (`attempt_move_illegal`, 409), stamps the time (entering in_progress also
    sets the deadline: the exam's duration, cut at the sitting's end), sets `changes`, writes the
    AttemptEvent and the audit row, and announces after commit. Returns the locked, updated attempt."""
    now = now or timezone.now()
    changes = dict(changes or {})
    if set(changes) - _CHANGEABLE:
        raise ValueError(f"attempt_transition cannot change {sorted(set(changes) - _CHANGEABLE)}")
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("sitting__exam").get(pk=attempt.pk)
        source = locked.status
        ATTEMPT_MACHINE.check(source, to)
        fields = {"status": to, **changes}
        if to == S.IDENTITY_VERIFIED:
            fields["identity_verified_at"] = now
        elif to == S.IN_PROGRESS:
            sitting = locked.sitting
            if not sitting.starts_at <= now < sitting.ends_at:
                raise ERRORS.error("sitting_not_open")
            fields["started_at"] = now
            fields["deadline"] = min(now + datetime.timedelta(minutes=sitting.exam.duration_minutes), sitting.ends_at)
        elif to == S.SUBMITTED:
            fields["submitted_at"] = now
        elif to == S.GRADED:
            if "score" not in changes or "passed" not in changes:
                raise ValueError("an attempt is graded with its score and result")
            fields["graded_at"] = now
        elif to in (S.TERMINATED, S.EXPIRED):
            fields["ended_at"] = now
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields])
        AttemptEvent.objects.create(
            attempt=locked, from_status=source, to_status=to, reason=_stored(reason), actor=actor, at=now
        )
        audit.record(
            event_type=AuditEventType.STATUS_CHANGED, target=locked, actor=actor, old_state=source, new_state=to,
            extra={"reason": _stored(reason), **{key: value for key, value in changes.items() if key != "grading"}},
            now=now,
        )
        if announce:
            after_commit(lambda: _announce(locked, source, to, actor))
        else:
            after_commit(lambda: log.info("attempt %s: %s -> %s", locked.pk, source, to))
    return locked


def _announce(attempt: Attempt, source: str, to: str, actor: User | None) -> None:
    log.info("attempt %s: %s -> %s by user %s", attempt.pk, source, to, getattr(actor, "pk", None))
    live.to_attempt(attempt.pk, {"kind": "status", "status": to})
    live.to_sitting(attempt.sitting_id, attempt.pk)


def attempt_create(
    *, sitting: Sitting, candidate: Person, now: datetime.datetime | None = None, seed: int | None = None
) -> Attempt:
    """The candidate's attempt at a sitting they are admitted to, with their own paper drawn now."""
    now = now or timezone.now()
    if now >= sitting.ends_at:
        raise ERRORS.error("sitting_over")
    try:
        with transaction.atomic():
            # Locked against a removal of the candidate at the same instant (sitting_candidate_remove).
            if SittingCandidate.objects.select_for_update().filter(sitting=sitting, person=candidate).first() is None:
                raise ERRORS.error("not_a_candidate")
            attempt = Attempt.objects.create(sitting=sitting, candidate=candidate, created_at=now)
            AttemptEvent.objects.create(attempt=attempt, from_status="", to_status=S.CREATED, at=now, reason="")
            paper_draw(attempt=attempt, seed=seed, now=now)
    except IntegrityError:
        raise ERRORS.error("attempt_exists")
    return attempt


def attempt_verify_identity(
    *, attempt: Attempt, method: str, evidence: dict, actor: User | None = None, now: datetime.datetime | None = None
) -> Attempt:
    """Record how the candidate's identity was checked (face match, ID card seen by a proctor...)."""
    return attempt_transition(
        attempt=attempt,
        to=S.IDENTITY_VERIFIED,
        reason=_("Identity verified"),
        actor=actor,
        now=now,
        changes={"identity_method": method[:32], "identity_evidence": evidence, "identity_verified_by": actor},
    )


def _owned(attempt: Attempt, candidate: Person | None) -> None:
    if candidate is not None and attempt.candidate_id != candidate.pk:
        raise ERRORS.error("attempt_not_found")


def attempt_start(*, attempt: Attempt, candidate: Person, now: datetime.datetime | None = None) -> Attempt:
    _owned(attempt, candidate)
    return attempt_transition(attempt=attempt, to=S.IN_PROGRESS, reason=_("Started by the candidate"), actor=candidate.user, now=now)


def _grade_changes(attempt: Attempt) -> dict:
    exam = attempt.sitting.exam
    paper = attempt.paper
    versions = {
        version.pk: version
        for version in QuestionVersion.objects.filter(pk__in=paper.version_ids).select_related("question")
    }
    questions = [
        GradedQuestion(
            version_id=version.pk,
            kind=version.question.kind,
            correct=frozenset(version.correct),
            option_ids=frozenset(version.option_ids),
        )
        for version in (versions[version_id] for version_id in paper.version_ids)
    ]
    answers = dict(AttemptAnswer.objects.filter(attempt=attempt).values_list("version_id", "option_ids"))
    rules = Rules(
        points={kind: exam.points_for(kind) for kind in QuestionKind.values},
        pass_mark=exam.pass_mark,
        partial_credit_multiple=exam.partial_credit_multiple,
    )
    result = grade(questions, answers, rules)
    return {
        "score": result.total,
        "max_score": result.max_total,
        "passed": result.passed,
        "grading": [question.as_json() for question in result.questions],
    }


def attempt_submit(
    *,
    attempt: Attempt,
    candidate: Person | None,
    now: datetime.datetime | None = None,
    reason: str = "",
    actor: User | None = None,
) -> Attempt:
    """Submit and grade in one transaction (in_progress → submitted → graded). Idempotent: an
    attempt already submitted or graded is returned as it is, graded once. `candidate` None is the
    platform submitting at the deadline. A submission after the deadline grades the answers
    recorded before it (later ones were refused)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        _owned(locked, candidate)
        if locked.status == S.GRADED:
            return locked
        if locked.status not in (S.IN_PROGRESS, S.SUBMITTED):
            raise _closed()
        if actor is None and candidate is not None:
            actor = candidate.user
        if locked.status == S.IN_PROGRESS:
            # Graded in the same transaction: the pages hear of the graded attempt only.
            locked = attempt_transition(
                attempt=locked, to=S.SUBMITTED, reason=reason or _("Submitted by the candidate"), actor=actor, now=now,
                announce=False,
            )
        locked = attempt_transition(
            attempt=locked, to=S.GRADED, reason=_("Graded on submission"), now=now, changes=_grade_changes(locked)
        )
    return locked


def answer_record(
    *,
    attempt: Attempt,
    candidate: Person,
    version_id: int,
    option_ids: list[str],
    now: datetime.datetime | None = None,
) -> AttemptAnswer:
    """Record (or replace) the candidate's answer to one question of their paper. Refusals write
    nothing: attempt_not_found (404), attempt_closed (409), attempt_expired (409),
    question_not_on_paper, option_invalid, answer_invalid (400)."""
    now = now or timezone.now()
    with transaction.atomic():
        # Locked so that an answer is never written beside a submission that is grading.
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        _owned(locked, candidate)
        if locked.status != S.IN_PROGRESS:
            raise _closed()
        if locked.deadline is None or now >= locked.deadline:
            raise ERRORS.error("attempt_expired")
        if version_id not in locked.paper.version_ids:
            raise ERRORS.error("question_not_on_paper")
        version = QuestionVersion.objects.select_related("question").get(pk=version_id)
        if not isinstance(option_ids, list) or not all(isinstance(option_id, str) for option_id in option_ids):
            raise ERRORS.error("answer_invalid")
        known = version.option_ids
        if any(option_id not in known for option_id in option_ids):
            raise ERRORS.error("option_invalid")
        one = version.question.kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE)
        if not option_ids or len(set(option_ids)) != len(option_ids) or (one and len(option_ids) != 1):
            raise ERRORS.error("answer_invalid")
        chosen = [option_id for option_id in known if option_id in option_ids]
        answer, _created = AttemptAnswer.objects.update_or_create(
            attempt=locked, version=version, defaults={"option_ids": chosen, "answered_at": now}
        )
    return answer


def attempts_close_overdue(
    *, now: datetime.datetime | None = None, sitting_id: int | None = None, attempt_id: int | None = None
) -> dict[str, int]:
    """Submit and grade attempts in progress past their deadline; expire attempts that never
    started when their sitting has ended. For the periodic task, for a room whose countdown ran
    out (`attempt_id`) and for a page about to show a sitting (`sitting_id`)."""
    now = now or timezone.now()
    scope = {}
    if sitting_id is not None:
        scope["sitting_id"] = sitting_id
    if attempt_id is not None:
        scope["pk"] = attempt_id
    counts = {"submitted": 0, "expired": 0}
    for attempt in Attempt.objects.filter(status=S.IN_PROGRESS, deadline__lte=now, **scope).only("pk"):
        try:
            attempt_submit(attempt=attempt, candidate=None, now=now, reason=_("Submitted automatically at the deadline"))
        except ConflictError:  # terminated meanwhile
            continue
        counts["submitted"] += 1
    for attempt in Attempt.objects.filter(
        status__in=[S.CREATED, S.IDENTITY_VERIFIED], sitting__ends_at__lte=now, **scope
    ).only("pk"):
        try:
            attempt_transition(attempt=attempt, to=S.EXPIRED, reason=_("The sitting ended before the attempt started"), now=now)
        except ConflictError:  # moved on meanwhile
            continue
        counts["expired"] += 1
    return counts
