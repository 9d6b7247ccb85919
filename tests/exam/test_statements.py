"""The statements of the hot paths, counted, so that a regression shows (issue 18, docs/performance.md):
one answer is one statement; one submission is five (the conditional UPDATE that locks, one read of
the paper, exam and answers, the graded UPDATE, the attempt's events and the audit rows in one
insert each); the deadline sweep grades a batch with one read and one insert per table."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exam.models import (
    Attempt,
    AttemptAnswer,
    AttemptEvent,
    AttemptStatus,
    QuestionVersion,
    SittingCandidate,
)
from exam.services.attempts import (
    answer_record,
    attempt_create,
    attempt_start,
    attempt_submit,
    attempt_verify_identity,
    attempts_close_overdue,
)
from exam.testing import make_bank, make_exam, make_sitting
from kernel.models import AuditEvent
from lms.models import Credential
from tests.factories import PersonFactory

S = AttemptStatus
T0 = datetime.datetime(2025, 6, 1, 9, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


def statements(context) -> list[str]:
    """The statements sent, without the savepoints of the test's own transaction."""
    return [
        query["sql"] for query in context.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]


@pytest.fixture
def sitting(world):
    credential = Credential.objects.get(code="C")
    make_bank(credential, per_topic=3)
    exam = make_exam(credential, duration_minutes=60)
    return make_sitting(exam, world.gz_authority, [world.gz_worker, world.sz_worker], starts_at=T0, hours=2)


def started(sitting, person):
    attempt = attempt_create(sitting=sitting, candidate=person, now=T0)
    attempt_verify_identity(attempt=attempt, method="face", evidence={}, now=T0)
    return attempt_start(attempt=attempt, candidate=person, now=T0 + MINUTE)


def right_answers(attempt) -> dict[int, list[str]]:
    versions = QuestionVersion.objects.in_bulk(attempt.paper.version_ids)
    return {version_id: list(versions[version_id].correct) for version_id in attempt.paper.version_ids}


def test_one_answer_is_one_statement(world, sitting):
    attempt = started(sitting, world.gz_worker)
    version_ids = attempt.paper.version_ids
    right = right_answers(attempt)
    first, second = version_ids[0], version_ids[1]
    # The first answer of a process reads the version's key once; from then on it is cached.
    answer_record(attempt=attempt, candidate=world.gz_worker, version_id=first, option_ids=right[first], now=T0 + 2 * MINUTE, version_ids=version_ids)
    with CaptureQueriesContext(connection) as context:
        answer_record(attempt=attempt, candidate=world.gz_worker, version_id=first, option_ids=right[first], now=T0 + 3 * MINUTE, version_ids=version_ids)
    assert len(statements(context)) == 1, statements(context)
    assert statements(context)[0].startswith("INSERT INTO exam_attemptanswer")
    # A replaced answer is still one row.
    assert AttemptAnswer.objects.filter(attempt=attempt, version_id=first).count() == 1
    # A refusal by the database (the deadline passed) costs one statement and the read that says why.
    answer_record(attempt=attempt, candidate=world.gz_worker, version_id=second, option_ids=right[second], now=T0 + 4 * MINUTE, version_ids=version_ids)
    with CaptureQueriesContext(connection) as context, pytest.raises(Exception) as refusal:
        answer_record(attempt=attempt, candidate=world.gz_worker, version_id=second, option_ids=right[second], now=T0 + 62 * MINUTE, version_ids=version_ids)
    assert refusal.value.code == "attempt_expired"
    assert len(statements(context)) == 2


def test_one_submission_is_five_statements_and_keeps_every_row(world, sitting):
    attempt = started(sitting, world.gz_worker)
    for version_id, options in right_answers(attempt).items():
        answer_record(attempt=attempt, candidate=world.gz_worker, version_id=version_id, option_ids=options, now=T0 + 2 * MINUTE)
    audits = AuditEvent.objects.count()
    attempt = Attempt.objects.get(pk=attempt.pk)
    with CaptureQueriesContext(connection) as context:
        graded = attempt_submit(attempt=attempt, candidate=world.gz_worker, now=T0 + 10 * MINUTE)
    sent = statements(context)
    assert len(sent) == 5, sent
    assert [sql.split()[0] for sql in sent] == ["UPDATE", "SELECT", "UPDATE", "INSERT", "INSERT"]
    # And every row the two moves owe is there: the status, the result, the events, the audit trail.
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.status == graded.status == S.GRADED and stored.passed and str(stored.score) == "9.00"
    assert list(AttemptEvent.objects.filter(attempt=attempt).values_list("to_status", flat=True))[-2:] == [S.SUBMITTED, S.GRADED]
    assert AuditEvent.objects.count() == audits + 2
    # Submitting again grades nothing more, and reads nothing when the caller already knows.
    with CaptureQueriesContext(connection) as context:
        attempt_submit(attempt=stored, candidate=world.gz_worker, now=T0 + 11 * MINUTE)
    assert statements(context) == []


def test_the_sweep_grades_a_batch_with_one_read_and_one_insert_per_table(world, sitting):
    people = [world.gz_worker, world.sz_worker]
    for number in range(4):
        person = PersonFactory()
        SittingCandidate.objects.create(sitting=sitting, person=person)
        people.append(person)
    attempts = [started(sitting, person) for person in people]
    # Each candidate answers a different number of questions right, so each row's score differs.
    for number, attempt in enumerate(attempts):
        answered = list(right_answers(attempt).items())[: number + 1]
        for version_id, options in answered:
            answer_record(attempt=attempt, candidate=attempt.candidate, version_id=version_id, option_ids=options, now=T0 + 2 * MINUTE)
    # One of them was terminated: the sweep leaves it.
    stale = Attempt.objects.get(pk=attempts[-1].pk)
    Attempt.objects.filter(pk=stale.pk).update(status=S.TERMINATED)
    with CaptureQueriesContext(connection) as context:
        counts = attempts_close_overdue(now=T0 + 61 * MINUTE)
    assert counts["submitted"] == len(attempts) - 1
    sent = statements(context)
    # The keys of the versions this process has not seen yet: one read for the batch.
    assert sum('FROM "exam_questionversion"' in sql for sql in sent) <= 1
    kinds = [sql.split()[0] for sql in sent if 'FROM "exam_questionversion"' not in sql]
    # The list of attempts due, one UPDATE for the batch to submit it, one read of the papers and
    # answers, one UPDATE for the batch to grade it (each row its own score), one insert per
    # table, the expiry query.
    assert kinds.count("INSERT") == 2
    assert kinds.count("SELECT") == 3
    assert kinds.count("UPDATE") == 2
    stored = {attempt.pk: attempt for attempt in Attempt.objects.filter(pk__in=[a.pk for a in attempts])}
    assert stored[stale.pk].status == S.TERMINATED and stored[stale.pk].score is None
    # Every right answer adds points: the scores rise with the candidates, row by row.
    scores = [stored[attempt.pk].score for attempt in attempts[:-1]]
    assert scores == sorted(set(scores)) and scores[0] > 0
    for attempt in attempts[:-1]:
        row = stored[attempt.pk]
        assert row.status == S.GRADED and row.submitted_at == row.graded_at == T0 + 61 * MINUTE
        assert len(row.grading) == len(attempt.paper.version_ids)
        assert list(AttemptEvent.objects.filter(attempt=row).values_list("to_status", flat=True))[-2:] == [S.SUBMITTED, S.GRADED]
        assert AuditEvent.objects.filter(object_type="exam.attempt", object_id=str(row.pk), new_state=S.GRADED).get().extra["score"] == str(row.score)
