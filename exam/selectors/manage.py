"""Reads of the management pages: the question bank, exams and sittings, each scoped to the acting
user. Question banks and exams belong to a credential, not to a tenant: every authority reviewer
(and superuser) manages them, nobody else sees them. Sittings are seen by whoever may watch them
(`exam.policies.watched_sittings`: the authority's reviewers and proctors and those of the
authorities above it, the proctors and staff of the sitting's institution, superusers); another
tenant's sitting is a 404."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from kernel.errors import NotFoundError
from lms.models import Credential, Organisation, User

from .. import policies
from ..models import (
    Attempt,
    AttemptStatus,
    Exam,
    Question,
    QuestionKind,
    QuestionVersion,
    Sitting,
    SittingCandidate,
)
from ..models.bank import OPTION_LETTERS
from ..policies import watched_sittings

# The question bank --------------------------------------------------------------------------


def questions_for(
    actor: User, *, credential_id: int | None = None, kind: str = "", topic: str = "", search: str = ""
) -> QuerySet[Question]:
    """The questions of the bank, newest first, filtered; none for someone who does not manage it."""
    if not policies.can_manage_bank(actor):
        return Question.objects.none()
    queryset = Question.objects.select_related("credential", "current").annotate(version_count=Count("versions"))
    if credential_id:
        queryset = queryset.filter(credential_id=credential_id)
    if kind:
        queryset = queryset.filter(kind=kind)
    if topic:
        queryset = queryset.filter(topic=topic)
    if search.strip():
        queryset = queryset.filter(current__stem__icontains=search.strip())
    return queryset.order_by("-created_at", "-pk")


def bank_topics(actor: User, credential_id: int | None = None) -> list[str]:
    """The topics in use, for the bank's filter and the blueprint form."""
    if not policies.can_manage_bank(actor):
        return []
    queryset = Question.objects.exclude(topic="")
    if credential_id:
        queryset = queryset.filter(credential_id=credential_id)
    return list(queryset.order_by("topic").values_list("topic", flat=True).distinct())


def question_get(actor: User, pk) -> Question:
    try:
        return questions_for(actor).get(pk=pk)
    except (Question.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


@dataclass(frozen=True)
class OptionRow:
    letter: str
    id: str
    text: str
    correct: bool


def version_options(version: QuestionVersion) -> list[OptionRow]:
    """A version's options as the page shows them: A, B, C... (对/错 for true or false)."""
    right = set(version.correct)
    return [
        OptionRow(
            letter=OPTION_LETTERS[index] if index < len(OPTION_LETTERS) else str(index + 1),
            id=option["id"],
            text=option["text"],
            correct=option["id"] in right,
        )
        for index, option in enumerate(version.options)
    ]


def question_versions(question: Question) -> list[QuestionVersion]:
    """Every version of a question, newest first, each with `option_rows`."""
    versions = list(question.versions.select_related("created_by").order_by("-number"))
    for version in versions:
        version.option_rows = version_options(version)
    return versions


def credentials() -> QuerySet[Credential]:
    return Credential.objects.all()


# Exams --------------------------------------------------------------------------------------


def exams_for(actor: User) -> QuerySet[Exam]:
    if not policies.can_manage_exams(actor):
        return Exam.objects.none()
    return (
        Exam.objects.select_related("credential")
        .prefetch_related("blueprint")
        .annotate(sitting_count=Count("sittings", distinct=True))
        .order_by("-created_at", "-pk")
    )


def exam_get(actor: User, pk) -> Exam:
    try:
        return exams_for(actor).get(pk=pk)
    except (Exam.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


def schedulable_exams(actor: User) -> QuerySet[Exam]:
    """Exams a sitting may be scheduled for: those with a blueprint."""
    return exams_for(actor).filter(blueprint__isnull=False).distinct()


# Sittings -----------------------------------------------------------------------------------


def sittings_for(actor: User) -> QuerySet[Sitting]:
    if not policies.can_see_sittings(actor):
        return Sitting.objects.none()
    return (
        Sitting.objects.filter(watched_sittings(actor))
        .select_related("exam__credential", "authority", "institution")
        .annotate(candidate_count=Count("enrolments", distinct=True))
        .order_by("-starts_at", "-pk")
    )


def sitting_get(actor: User, pk) -> Sitting:
    try:
        return sittings_for(actor).get(pk=pk)
    except (Sitting.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


def sitting_phase(sitting: Sitting, now: datetime.datetime | None = None) -> str:
    """"upcoming", "open" or "ended"."""
    now = now or timezone.now()
    if now < sitting.starts_at:
        return "upcoming"
    return "open" if now < sitting.ends_at else "ended"


def scheduling_authorities(actor: User) -> QuerySet[Organisation]:
    """The authorities the actor schedules sittings for."""
    return policies.scheduling_authorities(actor).select_related("region")


def scheduling_institutions(actor: User) -> QuerySet[Organisation]:
    """The institutions in the regions of those authorities."""
    return policies.scheduling_institutions(actor).order_by("name", "pk")


def sitting_candidates(sitting: Sitting) -> list[SittingCandidate]:
    """The sitting's candidates by name, each with `attempt_status` (None before an attempt) and
    its `attempt_status_label`."""
    attempts = Attempt.objects.filter(sitting_id=sitting.pk, candidate_id=OuterRef("person_id"))
    rows = list(
        SittingCandidate.objects.filter(sitting=sitting)
        .select_related("person")
        .annotate(attempt_status=Subquery(attempts.values("status")[:1]))
        .order_by("person__real_name", "person_id")
    )
    for row in rows:
        row.attempt_status_label = AttemptStatus(row.attempt_status).label if row.attempt_status else ""
    return rows


def bank_counts(credential_id: int) -> list[dict]:
    """How many active questions the credential's bank holds, by type and topic, for the exam form."""
    labels = dict(QuestionKind.choices)
    rows = (
        Question.objects.filter(credential_id=credential_id, is_active=True, current__isnull=False)
        .values("kind", "topic")
        .annotate(count=Count("pk"))
        .order_by("kind", "topic")
    )
    return [{"kind": labels.get(row["kind"], row["kind"]), "topic": row["topic"], "count": row["count"]} for row in rows]


def exam_in_use(exam: Exam) -> bool:
    """Whether candidates have attempts at the exam, which fixes its rules."""
    return Attempt.objects.filter(sitting__exam=exam).exists()
