"""Attempts: the transition table, answers, submission and grading in one transaction."""

import datetime
import itertools
from decimal import Decimal

import pytest

from exam.models import (
    Attempt,
    AttemptAnswer,
    AttemptEvent,
    AttemptStatus,
    QuestionVersion,
    SittingCandidate,
)
from exam.models.attempts import ATTEMPT_MACHINE
from exam.services.attempts import (
    answer_record,
    attempt_create,
    attempt_start,
    attempt_submit,
    attempt_transition,
    attempt_verify_identity,
    attempts_close_overdue,
    attempts_transition,
)
from kernel.errors import DomainError
from lms.models import Credential
from tests.factories import PersonFactory, make_bank, make_exam, make_sitting

S = AttemptStatus
T0 = datetime.datetime(2025, 6, 1, 9, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def sitting(world):
    credential = Credential.objects.get(code="C")
    make_bank(credential, per_topic=3)
    exam = make_exam(credential, duration_minutes=60)  # 3 single × 1, 2 multiple × 2, 2 true-false × 1: 9 points
    return make_sitting(exam, world.gz_authority, [world.gz_worker, world.sz_worker], starts_at=T0, hours=2)


@pytest.fixture
def running(world, sitting):
    """The Guangzhou worker's attempt, identity verified and started at T0 + 1 minute."""
    attempt = attempt_create(sitting=sitting, candidate=world.gz_worker, now=T0)
    attempt_verify_identity(attempt=attempt, method="face", evidence={"distance": 0.31}, now=T0)
    return attempt_start(attempt=attempt, candidate=world.gz_worker, now=T0 + MINUTE)


def versions_of(attempt) -> list[QuestionVersion]:
    by_id = QuestionVersion.objects.select_related("question").in_bulk(attempt.paper.version_ids)
    return [by_id[version_id] for version_id in attempt.paper.version_ids]


def answer(attempt, who, version_id, option_ids, now=T0 + 2 * MINUTE):
    return answer_record(attempt=attempt, candidate=who, version_id=version_id, option_ids=option_ids, now=now)


def refused(code, call, *args, **kwargs):
    with pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    assert error.value.code == code, error.value.message
    return error.value


# ---------------------------------------------------------------------------------------------
# The transition table

PAIRS = list(itertools.product(S.values, S.values))


@pytest.mark.parametrize("source, target", PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_move_is_allowed_or_refused_by_the_table(world, sitting, source, target):
    # Given an attempt in `source` during the sitting
    attempt = attempt_create(sitting=sitting, candidate=world.gz_worker, now=T0)
    Attempt.objects.filter(pk=attempt.pk).update(status=source)
    events = AttemptEvent.objects.filter(attempt=attempt).count()
    changes = {"score": Decimal("5"), "max_score": Decimal("9"), "passed": False} if target == S.GRADED else None
    # When it is moved to `target`
    call = dict(attempt=attempt, to=target, reason="测试", actor=world.gz_reviewer, now=T0 + MINUTE, changes=changes)
    if target in ATTEMPT_MACHINE.moves[source]:
        moved = attempt_transition(**call)
        # Then the status changed and the move was logged with who and why
        assert Attempt.objects.get(pk=attempt.pk).status == moved.status == target
        event = AttemptEvent.objects.filter(attempt=attempt).last()
        assert (event.from_status, event.to_status, event.reason, event.actor, event.at) == (
            source, target, "测试", world.gz_reviewer, T0 + MINUTE
        )
    else:
        refused("attempt_move_illegal", attempt_transition, **call)
        # Then nothing changed
        assert Attempt.objects.get(pk=attempt.pk).status == source
        assert AttemptEvent.objects.filter(attempt=attempt).count() == events


def test_attempts_moved_together_each_move_from_where_its_row_stands(world, sitting):
    # Given three attempts the caller read in progress, of which one was terminated and one
    # submitted behind its back
    people = [world.gz_worker, world.sz_worker, PersonFactory()]
    SittingCandidate.objects.create(sitting=sitting, person=people[2])
    attempts = []
    for person in people:
        attempt = attempt_create(sitting=sitting, candidate=person, now=T0)
        Attempt.objects.filter(pk=attempt.pk).update(status=S.IN_PROGRESS)
        attempts.append(Attempt.objects.get(pk=attempt.pk))
    fresh, terminated, submitted = attempts
    Attempt.objects.filter(pk=terminated.pk).update(status=S.TERMINATED)
    Attempt.objects.filter(pk=submitted.pk).update(status=S.SUBMITTED)
    events = AttemptEvent.objects.count()
    call = dict(attempts=attempts, to=S.SUBMITTED, reason="测试", now=T0 + MINUTE)
    # When they must all move, then nothing moves and the refusal says why
    refused("attempt_move_illegal", attempts_transition, **call)
    assert Attempt.objects.get(pk=fresh.pk).status == S.IN_PROGRESS
    assert AttemptEvent.objects.count() == events
    # When the caller takes what can move, then only the one still in progress moves, once, and
    # the others are left as they stand
    attempts = [Attempt.objects.get(pk=fresh.pk), terminated, submitted]
    for attempt in attempts[1:]:
        attempt.status = S.IN_PROGRESS
    moved = attempts_transition(**{**call, "attempts": attempts}, strict=False)
    assert [attempt.pk for attempt in moved] == [fresh.pk]
    assert dict(Attempt.objects.filter(pk__in=[a.pk for a in attempts]).values_list("pk", "status")) == {
        fresh.pk: S.SUBMITTED, terminated.pk: S.TERMINATED, submitted.pk: S.SUBMITTED
    }
    assert (terminated.status, submitted.status) == (S.TERMINATED, S.SUBMITTED)
    assert list(AttemptEvent.objects.filter(pk__gt=0).values_list("attempt_id", "to_status"))[-1] == (fresh.pk, S.SUBMITTED)
    assert AttemptEvent.objects.count() == events + 1


def test_the_table_has_final_states_and_no_way_back():
    # A graded or terminated attempt only leaves its state when two reviewers void it (and an appeal
    # granted against the voiding restores it): exam.services.reviews.
    assert ATTEMPT_MACHINE.moves[S.GRADED] == ATTEMPT_MACHINE.moves[S.TERMINATED] == {S.VOIDED}
    assert not ATTEMPT_MACHINE.moves[S.EXPIRED]
    assert set(ATTEMPT_MACHINE.moves) == set(S.values)
    assert S.EXPIRED not in ATTEMPT_MACHINE.moves[S.IN_PROGRESS]  # an attempt in progress is submitted at its deadline


def test_starting_stamps_the_deadline_cut_at_the_sittings_end(world, sitting, running):
    assert running.status == S.IN_PROGRESS and running.started_at == T0 + MINUTE
    assert running.deadline == T0 + 61 * MINUTE
    assert running.identity_method == "face" and running.identity_verified_at == T0
    late = attempt_create(sitting=sitting, candidate=world.sz_worker, now=T0)
    attempt_transition(attempt=late, to=S.IDENTITY_VERIFIED, reason="t", now=T0)
    late = attempt_start(attempt=late, candidate=world.sz_worker, now=T0 + 100 * MINUTE)
    assert late.deadline == sitting.ends_at


def test_an_attempt_cannot_start_outside_the_sitting(world, sitting):
    attempt = attempt_create(sitting=sitting, candidate=world.gz_worker, now=T0 - 30 * MINUTE)
    attempt_transition(attempt=attempt, to=S.IDENTITY_VERIFIED, reason="t", now=T0 - 30 * MINUTE)
    refused("sitting_not_open", attempt_start, attempt=attempt, candidate=world.gz_worker, now=T0 - MINUTE)
    assert Attempt.objects.get(pk=attempt.pk).status == S.IDENTITY_VERIFIED


def test_only_admitted_candidates_get_one_attempt(world, sitting):
    refused("not_a_candidate", attempt_create, sitting=sitting, candidate=world.loner, now=T0)
    attempt_create(sitting=sitting, candidate=world.gz_worker, now=T0)
    refused("attempt_exists", attempt_create, sitting=sitting, candidate=world.gz_worker, now=T0)
    assert Attempt.objects.count() == 1


def test_every_move_is_logged_in_order(world, running):
    attempt_submit(attempt=running, candidate=world.gz_worker, now=T0 + 10 * MINUTE)
    moves = list(AttemptEvent.objects.filter(attempt=running).values_list("from_status", "to_status"))
    assert moves == [
        ("", S.CREATED),
        (S.CREATED, S.IDENTITY_VERIFIED),
        (S.IDENTITY_VERIFIED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.SUBMITTED),
        (S.SUBMITTED, S.GRADED),
    ]


# ---------------------------------------------------------------------------------------------
# Answers


def test_an_answer_is_recorded_and_replaced(world, running):
    single = versions_of(running)[0]
    answer(running, world.gz_worker, single.pk, ["o2"])
    answer(running, world.gz_worker, single.pk, ["o3"], now=T0 + 3 * MINUTE)
    recorded = AttemptAnswer.objects.get(attempt=running)
    assert recorded.option_ids == ["o3"] and recorded.answered_at == T0 + 3 * MINUTE


def test_multiple_choice_answers_are_kept_in_the_questions_option_order(world, running):
    multiple = next(v for v in versions_of(running) if v.question.kind == "multiple")
    answer(running, world.gz_worker, multiple.pk, ["o4", "o1"])
    assert AttemptAnswer.objects.get(attempt=running).option_ids == ["o1", "o4"]


@pytest.mark.parametrize(
    "kind, option_ids, code",
    [
        ("single", ["o1", "o2"], "answer_invalid"),
        ("single", [], "answer_invalid"),
        ("true_false", ["true", "false"], "answer_invalid"),
        ("multiple", [], "answer_invalid"),
        ("multiple", ["o1", "o1"], "answer_invalid"),
        ("multiple", ["o1", "o9"], "option_invalid"),
        ("single", ["A"], "option_invalid"),
        ("true_false", ["对"], "option_invalid"),
        ("single", "o1", "answer_invalid"),
        ("single", [1], "answer_invalid"),
    ],
)
def test_malformed_answers_are_refused_and_nothing_is_written(world, running, kind, option_ids, code):
    version = next(v for v in versions_of(running) if v.question.kind == kind)
    refused(code, answer, running, world.gz_worker, version.pk, option_ids)
    assert not AttemptAnswer.objects.exists()


def test_a_question_not_on_the_paper_is_refused(world, running):
    elsewhere = QuestionVersion.objects.exclude(pk__in=running.paper.version_ids).first()
    refused("question_not_on_paper", answer, running, world.gz_worker, elsewhere.pk, ["o1"])
    refused("question_not_on_paper", answer, running, world.gz_worker, 10**9, ["o1"])
    assert not AttemptAnswer.objects.exists()


def test_someone_elses_attempt_is_not_found(world, running):
    version = versions_of(running)[0]
    refused("attempt_not_found", answer, running, world.sz_worker, version.pk, ["o1"])
    error = refused("attempt_not_found", attempt_submit, attempt=running, candidate=world.sz_worker, now=T0)
    assert error.status == 404
    refused("attempt_not_found", attempt_start, attempt=running, candidate=world.sz_worker, now=T0 + 2 * MINUTE)
    assert not AttemptAnswer.objects.exists() and Attempt.objects.get(pk=running.pk).status == S.IN_PROGRESS


def test_answers_at_or_after_the_deadline_are_refused(world, running):
    version = versions_of(running)[0]
    answer(running, world.gz_worker, version.pk, ["o1"], now=running.deadline - datetime.timedelta(seconds=1))
    for when in (running.deadline, running.deadline + MINUTE):
        refused("attempt_expired", answer, running, world.gz_worker, version.pk, ["o2"], now=when)
    assert AttemptAnswer.objects.get(attempt=running).option_ids == ["o1"]


@pytest.mark.parametrize("status", [S.CREATED, S.IDENTITY_VERIFIED, S.SUBMITTED, S.GRADED, S.TERMINATED, S.EXPIRED])
def test_answers_outside_an_attempt_in_progress_are_refused(world, running, status):
    Attempt.objects.filter(pk=running.pk).update(status=status)
    version = versions_of(running)[0]
    refused("attempt_closed", answer, running, world.gz_worker, version.pk, ["o1"])
    assert not AttemptAnswer.objects.exists()


# ---------------------------------------------------------------------------------------------
# Submission and grading


def answer_all_right(attempt, candidate, now):
    for version in versions_of(attempt):
        answer(attempt, candidate, version.pk, version.correct, now=now)


def test_submission_grades_at_once(world, running):
    answer_all_right(running, world.gz_worker, T0 + 2 * MINUTE)
    graded = attempt_submit(attempt=running, candidate=world.gz_worker, now=T0 + 20 * MINUTE)
    assert graded.status == S.GRADED and graded.submitted_at == graded.graded_at == T0 + 20 * MINUTE
    assert graded.score == graded.max_score == Decimal("9") and graded.passed is True
    assert [q["version_id"] for q in graded.grading] == running.paper.version_ids
    assert all(q["correct"] for q in graded.grading)


def test_submitting_twice_grades_once(world, running):
    single = versions_of(running)[0]
    answer(running, world.gz_worker, single.pk, single.correct)
    first = attempt_submit(attempt=running, candidate=world.gz_worker, now=T0 + 5 * MINUTE)
    second = attempt_submit(attempt=running, candidate=world.gz_worker, now=T0 + 6 * MINUTE)
    assert first.score == second.score == Decimal("1") and second.passed is False
    assert second.graded_at == T0 + 5 * MINUTE
    assert AttemptEvent.objects.filter(attempt=running, to_status=S.GRADED).count() == 1
    assert AttemptEvent.objects.filter(attempt=running, to_status=S.SUBMITTED).count() == 1


def test_partial_credit_when_the_exam_allows_it(world, running):
    exam = running.sitting.exam
    exam.partial_credit_multiple = True
    exam.save()
    multiple = next(v for v in versions_of(running) if v.question.kind == "multiple")  # 3 right of 5, 2 points
    answer(running, world.gz_worker, multiple.pk, multiple.correct[:2])
    graded = attempt_submit(attempt=running, candidate=world.gz_worker, now=T0 + 5 * MINUTE)
    assert graded.score == Decimal("1.33")


def test_a_terminated_attempt_cannot_be_submitted(world, running):
    attempt_transition(attempt=running, to=S.TERMINATED, reason="替考", actor=world.gz_reviewer, now=T0 + 5 * MINUTE)
    refused("attempt_closed", attempt_submit, attempt=running, candidate=world.gz_worker, now=T0 + 6 * MINUTE)
    attempt = Attempt.objects.get(pk=running.pk)
    assert attempt.status == S.TERMINATED and attempt.score is None and attempt.ended_at == T0 + 5 * MINUTE


def test_overdue_attempts_are_submitted_or_expired(world, sitting, running):
    # Given the running attempt with one right answer, and a second one that never started
    single = versions_of(running)[0]
    answer(running, world.gz_worker, single.pk, single.correct)
    idle = attempt_create(sitting=sitting, candidate=world.sz_worker, now=T0)
    # When the sweep runs before the deadline nothing happens; after it, the running one is graded
    assert attempts_close_overdue(now=T0 + 30 * MINUTE) == {"submitted": 0, "expired": 0}
    assert attempts_close_overdue(now=running.deadline) == {"submitted": 1, "expired": 0}
    graded = Attempt.objects.get(pk=running.pk)
    assert graded.status == S.GRADED and graded.score == Decimal("1")
    assert AttemptEvent.objects.get(attempt=running, to_status=S.SUBMITTED).actor is None
    # And after the sitting's end the idle one expires
    assert attempts_close_overdue(now=sitting.ends_at) == {"submitted": 0, "expired": 1}
    assert Attempt.objects.get(pk=idle.pk).status == S.EXPIRED
