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
import json
import logging

from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField
from django.db.models.expressions import RawSQL
from django.db.models.sql import UpdateQuery
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
    Paper,
    QuestionKind,
    Sitting,
    SittingCandidate,
)
from ..models.attempts import ATTEMPT_MACHINE
from ..realtime import pushes as live
from ..rules.grading import Rules, grade
from ..selectors.keys import keys_of
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


class Journal:
    """The rows and effects of the moves made in one transaction, written together at its end:
    the AttemptEvents in one insert, the audit rows in one insert, the announcements after commit.
    A transition given no journal writes its own at once."""

    def __init__(self) -> None:
        self.events: list[AttemptEvent] = []
        self.audits: list = []
        self.announcements: list[tuple[int, int, str]] = []  # (attempt id, sitting id, new status)

    def write(self) -> None:
        if self.events:
            AttemptEvent.objects.bulk_create(self.events)
        audit.record_all(self.audits)
        self.events, self.audits = [], []
        announcements, self.announcements = self.announcements, []
        if announcements:
            after_commit(lambda: _announce(announcements))


def _fields(attempt: Attempt, to: str, now: datetime.datetime, changes: dict) -> dict:
    """The columns a move to `to` sets: the status, its time stamp (entering in_progress also sets
    the deadline: the exam's duration, cut at the sitting's end) and `changes`."""
    fields = {"status": to, **changes}
    if to == S.IDENTITY_VERIFIED:
        fields["identity_verified_at"] = now
    elif to == S.IN_PROGRESS:
        sitting = attempt.sitting
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
    return fields


_PK_COLUMN = Attempt._meta.pk.column


def _pk_type() -> str:
    """The ids' type on this database, for their array on PostgreSQL."""
    return Attempt._meta.pk.rel_db_type(connection)


def _per_row(field, column: dict[int, object]) -> RawSQL:
    """Each row's own value of one column, for `_move`. PostgreSQL: picked from two arrays, so the
    statement keeps two parameters whatever the number of rows (psycopg parses a long statement
    anew each time, and its cost grows with the placeholders); SQLite: `CASE id WHEN … THEN … END`.
    Written out rather than with Case(When(…)), whose expressions cost more to build than the
    statement to run."""
    if field.is_relation:
        raise ValueError("a move sets a relation to the same value for every row")
    quote = connection.ops.quote_name
    values = [field.get_db_prep_save(value, connection) for value in column.values()]
    if connection.vendor == "postgresql":
        return RawSQL(
            f"SELECT v.value FROM unnest(%s::{_pk_type()}[], %s::{field.db_type(connection)}[]) AS v(id, value) "
            f"WHERE v.id = {quote(Attempt._meta.db_table)}.{quote(_PK_COLUMN)}",
            [list(column), values],
        )
    sql = f"CASE {quote(_PK_COLUMN)}" + " WHEN %s THEN %s" * len(column) + " END"
    return RawSQL(sql, [param for pair in zip(column, values) for param in pair])


def _ids(ids: list[int]):
    """`pk__in` these ids: one array parameter on PostgreSQL (see `_per_row`), a list elsewhere."""
    if connection.vendor == "postgresql" and len(ids) > 1:
        return RawSQL(f"SELECT unnest(%s::{_pk_type()}[])", [ids])
    return ids


def _move(source: str, fields_of: dict[int, dict]) -> set[int]:
    """The conditional UPDATE that is the lock, for any number of rows in one statement: of these
    attempts, those that still have `source` move (`… WHERE id IN (…) AND status = <source>`);
    a column whose value differs between them is set row by row (`_per_row`). Returns the ids
    moved (RETURNING: PostgreSQL, SQLite 3.35+)."""
    names = next(iter(fields_of.values())).keys()
    if any(fields.keys() != names for fields in fields_of.values()):
        raise ValueError("the attempts of one move set the same columns")
    values = {}
    for name in names:
        column = {pk: fields[name] for pk, fields in fields_of.items()}
        first = next(iter(column.values()))
        same = all(value == first for value in column.values())
        values[name] = first if same else _per_row(Attempt._meta.get_field(name), column)
    query = Attempt.objects.filter(pk__in=_ids(list(fields_of)), status=source).query.chain(UpdateQuery)
    query.add_update_values(values)
    sql, params = query.get_compiler(connection.alias).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {connection.ops.quote_name(_PK_COLUMN)}", params)
        return {row[0] for row in cursor.fetchall()}


def attempts_transition(
    *,
    attempts: list[Attempt],
    to: str,
    reason: str,
    actor: User | None = None,
    now: datetime.datetime | None = None,
    changes: dict | None = None,
    changes_of: dict[int, dict] | None = None,
    announce: bool = True,
    journal: Journal | None = None,
    strict: bool = True,
) -> list[Attempt]:
    """Move attempts to `to`: the one place an attempt's status changes. Checks each move from the
    status the caller read against ATTEMPT_MACHINE (`attempt_move_illegal`, 409) and makes them all
    with one conditional UPDATE per source status (`_move`), which is the rows' lock for the rest
    of the transaction; an attempt another move came first to is read again and checked from where
    it stands now. Stamps the time, sets `changes` (all of them) and `changes_of[id]` (each its
    own), writes the AttemptEvents and the audit rows (into `journal` when given, written by the
    caller in one insert each) and announces after commit. Returns the attempts moved, updated.
    `strict`: a move refused raises; otherwise the attempt is left out, with its stored status."""
    now = now or timezone.now()
    changes = dict(changes or {})
    changes_of = changes_of or {}
    named = set(changes).union(*changes_of.values())
    if named - _CHANGEABLE:
        raise ValueError(f"attempt_transition cannot change {sorted(named - _CHANGEABLE)}")
    if journal is None:
        # On its own: the moves and their rows in one transaction (a savepoint inside another).
        with transaction.atomic():
            journal = Journal()
            moved = attempts_transition(
                attempts=attempts, to=to, reason=reason, actor=actor, now=now, changes=changes, changes_of=changes_of,
                announce=announce, journal=journal, strict=strict,
            )
            journal.write()
        return moved
    # In the caller's transaction, which writes the journal: a refusal here has written nothing.
    unread = [attempt.pk for attempt in attempts if "status" not in attempt.__dict__]
    stored = dict(Attempt.objects.filter(pk__in=unread).values_list("pk", "status")) if unread else {}
    source_of = {attempt.pk: attempt.__dict__.get("status") or stored.get(attempt.pk) for attempt in attempts}
    fresh = set(unread)  # attempts whose source is the stored status, not the caller's view

    def refresh(attempt: Attempt) -> None:
        attempt.refresh_from_db()
        source_of[attempt.pk] = attempt.status
        fresh.add(attempt.pk)

    moved: list[tuple[Attempt, str, dict]] = []
    pending = list(attempts)
    for _try in range(3):
        by_source: dict[str, dict[int, dict]] = {}
        waiting = []
        for attempt in pending:
            if attempt.pk not in fresh and not ATTEMPT_MACHINE.allows(source_of[attempt.pk], to):
                # Refused from the caller's view of the row: only the stored status may refuse.
                refresh(attempt)
            if not ATTEMPT_MACHINE.allows(source_of[attempt.pk], to):
                if strict:
                    ATTEMPT_MACHINE.check(source_of[attempt.pk], to)
                continue
            fields = _fields(attempt, to, now, {**changes, **changes_of.get(attempt.pk, {})})
            by_source.setdefault(source_of[attempt.pk], {})[attempt.pk] = fields
            waiting.append(attempt)
        done = {pk for source, fields_of in by_source.items() for pk in _move(source, fields_of)}
        pending = []
        for attempt in waiting:
            source = source_of[attempt.pk]
            if attempt.pk in done:
                moved.append((attempt, source, by_source[source][attempt.pk]))
            else:
                # Another move came first: where does the row stand now?
                refresh(attempt)
                pending.append(attempt)
        if not pending:
            break
    else:
        if strict:
            raise ERRORS.error("attempt_closed")
    actor_id = getattr(actor, "pk", None)
    stored_reason = _stored(reason)
    for attempt, source, fields in moved:
        for name, value in fields.items():
            setattr(attempt, name, value)
        journal.events.append(
            AttemptEvent(attempt_id=attempt.pk, from_status=source, to_status=to, reason=stored_reason, actor_id=actor_id, at=now)
        )
        own = {**changes, **changes_of.get(attempt.pk, {})}
        journal.audits.append(
            audit.entry(
                event_type=AuditEventType.STATUS_CHANGED, target=attempt, actor=actor_id, old_state=source, new_state=to,
                extra={"reason": stored_reason, **{key: value for key, value in own.items() if key != "grading"}},
                now=now,
            )
        )
        if announce:
            journal.announcements.append((attempt.pk, attempt.sitting_id, to))
        log.info("attempt %s: %s -> %s by user %s", attempt.pk, source, to, actor_id)
    return [attempt for attempt, _source, _fields in moved]


def attempt_transition(
    *,
    attempt: Attempt,
    to: str,
    reason: str,
    actor: User | None = None,
    now: datetime.datetime | None = None,
    changes: dict | None = None,
    announce: bool = True,
    journal: Journal | None = None,
) -> Attempt:
    """Move one attempt to `to` (`attempts_transition`, strict): raises attempt_move_illegal or
    attempt_closed when it cannot. Returns the attempt, updated."""
    attempts_transition(
        attempts=[attempt], to=to, reason=reason, actor=actor, now=now, changes=changes, announce=announce, journal=journal,
    )
    return attempt


def _announce(announcements: list[tuple[int, int, str]]) -> None:
    """The room and the watchers hear of the moves, in one hop to the channel layer: each attempt's
    connections of its own status, and each sitting's watchers once, of the one attempt that moved
    or, when several did (a sweep's batch), to read the whole table again."""
    moved_in: dict[int, list[int]] = {}
    for attempt_id, sitting_id, _to in announcements:
        moved_in.setdefault(sitting_id, []).append(attempt_id)
    live.send_many(
        [live.attempt_message(attempt_id, {"kind": "status", "status": to}) for attempt_id, _sitting_id, to in announcements]
        + [live.sitting_message(sitting_id, ids[0] if len(ids) == 1 else None) for sitting_id, ids in moved_in.items()]
    )


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


def _answers_sql(vendor: str) -> str:
    """The attempt's answers as one JSON array of [version_id, option_ids], in the paper's read."""
    if vendor == "postgresql":
        agg = "coalesce(jsonb_agg(jsonb_build_array(a.version_id, a.option_ids)), '[]'::jsonb)"
    else:
        agg = "coalesce(json_group_array(json_array(a.version_id, json(a.option_ids))), '[]')"
    return f"SELECT {agg} FROM exam_attemptanswer a WHERE a.attempt_id = exam_paper.attempt_id"


# The exam's columns that grading reads (`_grade_changes`).
_GRADING_RULES = ("points_single", "points_multiple", "points_true_false", "pass_mark", "partial_credit_multiple")


def _papers_with_answers(attempt_ids: list[int]) -> dict[int, Paper]:
    """Each attempt's paper with the attempt, its sitting and exam and its answers, in one read.
    Read after the attempt's row is locked by its move, so every answer acknowledged before is here
    and none can follow (answer_record's guard waits for the lock and then sees the attempt closed)."""
    papers = (
        Paper.objects.filter(attempt_id__in=attempt_ids)
        .select_related("attempt__sitting__exam")
        .only("attempt_id", "items", *(f"attempt__sitting__exam__{name}" for name in _GRADING_RULES))
        .annotate(answer_list=RawSQL(_answers_sql(connection.vendor), (), output_field=JSONField()))
    )
    return {paper.attempt_id: paper for paper in papers}


def _grade_changes(paper: Paper, key: dict) -> dict:
    exam = paper.attempt.sitting.exam
    version_ids = paper.version_ids
    answer_list = paper.answer_list
    if isinstance(answer_list, str | bytes):
        answer_list = json.loads(answer_list)
    answers = {int(version_id): option_ids for version_id, option_ids in answer_list}
    rules = Rules(
        points={kind: exam.points_for(kind) for kind in QuestionKind.values},
        pass_mark=exam.pass_mark,
        partial_credit_multiple=exam.partial_credit_multiple,
    )
    result = grade([key[version_id].graded for version_id in version_ids], answers, rules)
    return {
        "score": result.total,
        "max_score": result.max_total,
        "passed": result.passed,
        "grading": [question.as_json() for question in result.questions],
    }


def _submit_into(
    journal: Journal, attempts: list[Attempt], *, now: datetime.datetime, reason: str, actor: User | None,
    strict: bool = True,
) -> list[Attempt]:
    """Submit and grade these attempts inside the caller's transaction: each one's conditional
    UPDATE in_progress → submitted (its lock), one read of their papers and answers, each one's
    UPDATE submitted → graded, the events into `journal`. Attempts already graded are returned as
    they are; one closed otherwise raises attempt_closed (`strict`) or is skipped (the sweep)."""
    to_submit = [attempt for attempt in attempts if attempt.__dict__.get("status") not in (S.SUBMITTED, S.GRADED)]
    if to_submit:
        # All in one statement; the pages hear of the graded attempts only.
        attempts_transition(
            attempts=to_submit, to=S.SUBMITTED, reason=reason or _("Submitted by the candidate"), actor=actor, now=now,
            announce=False, journal=journal, strict=False,
        )
    graded = [attempt for attempt in attempts if attempt.status == S.GRADED]
    to_grade = [attempt for attempt in attempts if attempt.status == S.SUBMITTED]
    if strict and len(graded) + len(to_grade) < len(attempts):
        raise _closed()
    if to_grade:
        papers = _papers_with_answers([attempt.pk for attempt in to_grade])
        # The keys of every paper of the batch at once: one read for those the process has not cached.
        key = keys_of({version_id for paper in papers.values() for version_id in paper.version_ids})
        graded += attempts_transition(
            attempts=to_grade, to=S.GRADED, reason=_("Graded on submission"), now=now,
            changes_of={attempt.pk: _grade_changes(papers[attempt.pk], key) for attempt in to_grade}, journal=journal,
            strict=strict,
        )
    return graded


def attempt_submit(
    *,
    attempt: Attempt,
    candidate: Person | None,
    now: datetime.datetime | None = None,
    reason: str = "",
    actor: User | None = None,
) -> Attempt:
    """Submit and grade in one short transaction (in_progress → submitted → graded): the
    conditional UPDATE that locks the row, one read of the paper, exam and answers, the key from
    the per-process cache, the graded UPDATE, the events in one insert. Idempotent: an attempt
    already submitted or graded is returned as it is, graded once. `candidate` None is the platform
    submitting at the deadline. A submission after the deadline grades the answers recorded before
    it (later ones were refused)."""
    now = now or timezone.now()
    _owned(attempt, candidate)
    if actor is None and candidate is not None:
        actor = candidate.user
    with transaction.atomic():
        journal = Journal()
        (attempt,) = _submit_into(journal, [attempt], now=now, reason=reason, actor=actor)
        journal.write()
    return attempt


def answer_record(
    *,
    attempt: Attempt,
    candidate: Person,
    version_id: int,
    option_ids: list[str],
    now: datetime.datetime | None = None,
    version_ids: list[int] | None = None,
) -> AttemptAnswer:
    """Record (or replace) the candidate's answer to one question of their paper, in one
    statement: an INSERT … ON CONFLICT DO UPDATE whose row comes from a read of the attempt that
    is the candidate's, in progress and before its deadline (FOR SHARE on PostgreSQL, so a
    submission's lock excludes it and it waits for a submission that holds the row; SQLite writes
    one statement at a time). The paper's versions (`version_ids`, else read from the attempt's
    paper) and the versions' keys (a per-process cache) check the answer before anything is
    written. Refusals write nothing: attempt_not_found (404), attempt_closed (409),
    attempt_expired (409), question_not_on_paper, option_invalid, answer_invalid (400)."""
    now = now or timezone.now()
    _owned(attempt, candidate)
    if version_ids is None:
        version_ids = attempt.paper.version_ids
    if version_id not in version_ids:
        raise ERRORS.error("question_not_on_paper")
    if not isinstance(option_ids, list) or not all(isinstance(option_id, str) for option_id in option_ids):
        raise ERRORS.error("answer_invalid")
    key = keys_of([version_id])[version_id]
    if any(option_id not in key.options for option_id in option_ids):
        raise ERRORS.error("option_invalid")
    one = key.kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE)
    if not option_ids or len(set(option_ids)) != len(option_ids) or (one and len(option_ids) != 1):
        raise ERRORS.error("answer_invalid")
    chosen = [option_id for option_id in key.options if option_id in option_ids]
    vendor = connection.vendor
    lock = " FOR SHARE" if vendor == "postgresql" else ""
    cast = "::jsonb" if vendor == "postgresql" else ""
    sql = (
        "INSERT INTO exam_attemptanswer (attempt_id, version_id, option_ids, answered_at) "
        f"SELECT id, %s, %s{cast}, %s FROM exam_attempt "
        f"WHERE id = %s AND candidate_id = %s AND status = %s AND deadline > %s{lock} "
        "ON CONFLICT (attempt_id, version_id) DO UPDATE SET option_ids = excluded.option_ids, answered_at = excluded.answered_at "
        "RETURNING id"
    )
    field = AttemptAnswer._meta.get_field("answered_at")
    at = field.get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [version_id, json.dumps(chosen), at, attempt.pk, attempt.candidate_id, S.IN_PROGRESS, at])
        row = cursor.fetchone()
    if row is None:
        # Nothing written: say why, from where the attempt stands now.
        current = Attempt.objects.filter(pk=attempt.pk, candidate_id=attempt.candidate_id).values_list("status", "deadline").first()
        if current is None:
            raise ERRORS.error("attempt_not_found")
        if current[0] != S.IN_PROGRESS:
            raise _closed()
        raise ERRORS.error("attempt_expired")
    return AttemptAnswer(pk=row[0], attempt_id=attempt.pk, version_id=version_id, option_ids=chosen, answered_at=now)


SWEEP_BATCH = 200


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
    reason = _("Submitted automatically at the deadline")
    overdue = list(
        Attempt.objects.filter(status=S.IN_PROGRESS, deadline__lte=now, **scope)
        .only("pk", "status", "sitting_id", "candidate_id", "deadline")
        .order_by("pk")
    )
    for start in range(0, len(overdue), SWEEP_BATCH):
        # A batch in one transaction: its moves, one read of its papers and answers, its events in one insert.
        with transaction.atomic():
            journal = Journal()
            graded = _submit_into(journal, overdue[start : start + SWEEP_BATCH], now=now, reason=reason, actor=None, strict=False)
            journal.write()
        counts["submitted"] += sum(1 for attempt in graded if attempt.graded_at == now)
    for attempt in Attempt.objects.filter(
        status__in=[S.CREATED, S.IDENTITY_VERIFIED], sitting__ends_at__lte=now, **scope
    ).only("pk"):
        try:
            attempt_transition(attempt=attempt, to=S.EXPIRED, reason=_("The sitting ended before the attempt started"), now=now)
        except ConflictError:  # moved on meanwhile
            continue
        counts["expired"] += 1
    return counts
