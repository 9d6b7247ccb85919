"""Builders of banks, exams and sittings for tests and demo data (no permission checks)."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from lms.models import Credential, Organisation, Person

from .models import (
    BlueprintItem,
    Exam,
    Question,
    QuestionKind,
    Sitting,
    SittingCandidate,
)
from .services.bank import _create, true_false_options


def make_question(
    credential: Credential,
    kind: str,
    *,
    topic: str = "",
    stem: str = "",
    options: int = 4,
    correct: Iterable[int] = (0,),
    now: datetime.datetime | None = None,
) -> Question:
    """A question whose options are "选项1".. with the options at `correct` (0-based) right; a
    true-or-false question is right when 0 is in `correct`."""
    correct = set(correct)
    if kind == QuestionKind.TRUE_FALSE:
        drafted = true_false_options(0 in correct)
    else:
        drafted = [{"text": f"选项{index + 1}", "correct": index in correct} for index in range(options)]
    return _create(
        actor=None,
        credential=credential,
        kind=kind,
        topic=topic,
        stem=stem or f"题目 {kind} {topic} {Question.objects.count() + 1}",
        options=drafted,
        explanation="解析",
        now=now or datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
    )


def make_bank(credential: Credential, *, topics: Iterable[str] = ("法规", "安全管理"), per_topic: int = 4) -> list[Question]:
    """`per_topic` questions of each type in each topic: single (one right of four), multiple
    (options 1, 2 and 4 right of five) and true or false."""
    questions = []
    for topic in topics:
        for _ in range(per_topic):
            questions.append(make_question(credential, QuestionKind.SINGLE, topic=topic))
            questions.append(make_question(credential, QuestionKind.MULTIPLE, topic=topic, options=5, correct=(0, 1, 3)))
            questions.append(make_question(credential, QuestionKind.TRUE_FALSE, topic=topic, correct=(0,)))
    return questions


def make_exam(
    credential: Credential,
    blueprint: Iterable[tuple[str, str, int]] = (("single", "", 3), ("multiple", "", 2), ("true_false", "", 2)),
    **rules,
) -> Exam:
    fields = {
        "title": "安全生产考核",
        "duration_minutes": 60,
        "pass_mark": Decimal("6"),
        "points_single": Decimal("1"),
        "points_multiple": Decimal("2"),
        "points_true_false": Decimal("1"),
        **rules,
    }
    exam = Exam.objects.create(credential=credential, **fields)
    BlueprintItem.objects.bulk_create(
        BlueprintItem(exam=exam, kind=kind, topic=topic, count=count) for kind, topic, count in blueprint
    )
    return exam


def make_sitting(
    exam: Exam, authority: Organisation, candidates: Iterable[Person], *, starts_at: datetime.datetime, hours: float = 2
) -> Sitting:
    sitting = Sitting.objects.create(
        exam=exam, authority=authority, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours)
    )
    SittingCandidate.objects.bulk_create(SittingCandidate(sitting=sitting, person=person) for person in candidates)
    return sitting
