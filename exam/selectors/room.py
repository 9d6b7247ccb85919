"""Reads of the exam room, the candidate's pages, the proctor dashboard and the results pages.
Each takes the acting user (or the candidate) and returns only what they may see; another
tenant's ids are a 404."""

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kernel.errors import NotFoundError
from lms.models import Person, User
from proctor.models import Decision, Snapshot, SnapshotStatus, VideoStream

from ..models import (
    Attempt,
    AttemptAnswer,
    AttemptEvent,
    AttemptStatus,
    Incident,
    QuestionVersion,
    Sitting,
    SittingCandidate,
)
from ..policies import proctored_sittings, watched_sittings

S = AttemptStatus
OPEN = (S.CREATED, S.IDENTITY_VERIFIED, S.IN_PROGRESS)
FINAL = (S.GRADED, S.TERMINATED, S.EXPIRED, S.VOIDED)


# The candidate ---------------------------------------------------------------------------------


@dataclass
class CandidateSitting:
    sitting: Sitting
    attempt: Attempt | None

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.sitting.starts_at <= now < self.sitting.ends_at


def candidate_sittings(person: Person) -> list[CandidateSitting]:
    """The sittings the person is a candidate of, each with their attempt if they began one."""
    enrolments = (
        SittingCandidate.objects.filter(person=person)
        .select_related("sitting__exam__credential", "sitting__authority")
        .order_by("-sitting__starts_at")
    )
    attempts = {attempt.sitting_id: attempt for attempt in Attempt.objects.filter(candidate=person)}
    return [CandidateSitting(enrolment.sitting, attempts.get(enrolment.sitting_id)) for enrolment in enrolments]


def candidate_sitting_get(person: Person, sitting_id: int) -> CandidateSitting:
    enrolment = (
        SittingCandidate.objects.filter(person=person, sitting_id=sitting_id)
        .select_related("sitting__exam__credential", "sitting__authority")
        .first()
    )
    if enrolment is None:
        raise NotFoundError.default()
    return CandidateSitting(enrolment.sitting, Attempt.objects.filter(candidate=person, sitting_id=sitting_id).first())


def own_attempt_get(person: Person | None, attempt_id) -> Attempt:
    """The candidate's own attempt; anyone else's, or none, is a 404."""
    try:
        attempt_id = int(attempt_id)
    except (TypeError, ValueError):
        raise NotFoundError.default()
    attempt = (
        Attempt.objects.filter(pk=attempt_id, candidate=person)
        .select_related("sitting__exam", "paper")
        # The paper's pool (every version the bank offered) and blueprint are for redrawing it
        # (paper_rebuild); the room reads this on every connect, join and start.
        .defer("paper__pool", "paper__blueprint")
        .first()
        if person is not None
        else None
    )
    if attempt is None:
        raise NotFoundError.default()
    return attempt


def remaining_seconds(attempt: Attempt, now: datetime.datetime | None = None) -> float | None:
    if attempt.deadline is None:
        return None
    now = now or timezone.now()
    return max(0.0, (attempt.deadline - now).total_seconds())


def paper_questions(attempt: Attempt) -> list[dict]:
    """The candidate's paper as they see it: questions in drawn order, options in drawn order,
    the points of each. Never the answer key or the explanation."""
    exam = attempt.sitting.exam
    items = attempt.paper.items
    versions = QuestionVersion.objects.select_related("question").in_bulk([item["version_id"] for item in items])
    questions = []
    for number, item in enumerate(items, start=1):
        version = versions[item["version_id"]]
        texts = {option["id"]: option["text"] for option in version.options}
        questions.append(
            {
                "id": version.pk,
                "number": number,
                "kind": version.question.kind,
                "stem": version.stem,
                "points": str(exam.points_for(version.question.kind)),
                "options": [{"id": option_id, "text": texts[option_id]} for option_id in item["option_order"]],
            }
        )
    return questions


def answers_of(attempt: Attempt) -> dict[str, list[str]]:
    return {str(version_id): option_ids for version_id, option_ids in AttemptAnswer.objects.filter(attempt=attempt).values_list("version_id", "option_ids")}


def result_of(attempt: Attempt) -> dict:
    exam = attempt.sitting.exam
    return {
        "status": attempt.status,
        "score": None if attempt.score is None else str(attempt.score),
        "max_score": None if attempt.max_score is None else str(attempt.max_score),
        "pass_mark": str(exam.pass_mark),
        "passed": attempt.passed,
        # The review link shows once graded; the review itself opens when the sitting ends.
        "review": exam.review_allowed and attempt.status == S.GRADED,
    }


def review_opens_at(attempt: Attempt):
    """When the candidate may see the right answers and explanations: once the sitting has ended
    for everyone, so that no one who finished early can pass the bank's answers to those still
    sitting. None when the exam does not allow review or the attempt is not graded."""
    if not (attempt.sitting.exam.review_allowed and attempt.status == S.GRADED):
        return None
    return attempt.sitting.ends_at


def termination_reason(attempt: Attempt) -> str:
    event = AttemptEvent.objects.filter(attempt=attempt, to_status=S.TERMINATED).first()
    return event.reason if event else ""


def review_of(attempt: Attempt) -> list[dict] | None:
    """Each question with the candidate's answer, the right options and the explanation, as the
    candidate saw it (the version on their paper); None unless the exam allows review, the
    attempt is graded and the sitting has ended (review_opens_at)."""
    opens_at = review_opens_at(attempt)
    if opens_at is None or timezone.now() < opens_at:
        return None
    grading = {row["version_id"]: row for row in attempt.grading}
    answers = answers_of(attempt)
    versions = QuestionVersion.objects.in_bulk(attempt.paper.version_ids)
    review = []
    for question in paper_questions(attempt):
        version = versions[question["id"]]
        chosen = set(answers.get(str(version.pk), []))
        review.append(
            {
                **question,
                "options": [
                    {**option, "chosen": option["id"] in chosen, "correct": option["id"] in version.correct}
                    for option in question["options"]
                ],
                "answered": bool(chosen),
                "explanation": version.explanation,
                "earned": grading.get(version.pk, {}).get("points", "0"),
                "right": grading.get(version.pk, {}).get("correct", False),
            }
        )
    return review


# Proctors and results --------------------------------------------------------------------------


def sittings_proctored(actor: User):
    return Sitting.objects.filter(proctored_sittings(actor)).select_related("exam", "authority", "institution")


def sittings_watched(actor: User):
    return Sitting.objects.filter(watched_sittings(actor)).select_related("exam", "authority", "institution")


def sitting_proctored_get(actor: User, sitting_id) -> Sitting:
    sitting = sittings_proctored(actor).filter(pk=sitting_id).first()
    if sitting is None:
        raise NotFoundError.default()
    return sitting


def sitting_watched_get(actor: User, sitting_id) -> Sitting:
    sitting = sittings_watched(actor).filter(pk=sitting_id).first()
    if sitting is None:
        raise NotFoundError.default()
    return sitting


def attempt_proctored_get(actor: User, attempt_id) -> Attempt:
    attempt = (
        Attempt.objects.filter(pk=attempt_id, sitting__in=sittings_proctored(actor)).select_related("sitting").first()
    )
    if attempt is None:
        raise NotFoundError.default()
    return attempt


LATEST_INCIDENTS = 5


def board_rows(sitting: Sitting, *, attempt_id: int | None = None, now: datetime.datetime | None = None) -> list[dict]:
    """The proctor dashboard: every candidate of the sitting with their attempt's state, time
    left, answers given, last snapshot decision and latest events. Call only with a sitting from
    `sitting_proctored_get`. A fixed number of queries, whatever the number of candidates."""
    now = now or timezone.now()
    enrolments = SittingCandidate.objects.filter(sitting=sitting).select_related("person").order_by("person__real_name", "pk")
    attempts = Attempt.objects.filter(sitting=sitting).select_related("paper").annotate(answered=Count("answers"))
    if attempt_id is not None:
        attempts = attempts.filter(pk=attempt_id)
        enrolments = enrolments.filter(person__exam_attempts__pk=attempt_id)
    by_person = {attempt.candidate_id: attempt for attempt in attempts}
    attempt_ids = [attempt.pk for attempt in by_person.values()]
    latest: dict[int, list[Incident]] = {}
    for incident in Incident.objects.filter(attempt_id__in=attempt_ids).order_by("-at", "-pk")[: 50 * max(1, len(attempt_ids))]:
        rows = latest.setdefault(incident.attempt_id, [])
        if len(rows) < LATEST_INCIDENTS:
            rows.append(incident)
    last_snapshot = {}
    for snapshot in Snapshot.objects.filter(
        context_kind__in=["exam", "exam_identity"], context_id__in=[str(pk) for pk in attempt_ids]
    ).order_by("received_at"):
        last_snapshot[int(snapshot.context_id)] = snapshot
    # The video links (one query): their state and when the board's thumbnail last changed.
    videos = {
        int(context_id): {"status": status, "state": state, "at": at.isoformat() if at else None}
        for context_id, status, state, at in VideoStream.objects.filter(
            context_kind="exam", context_id__in=[str(pk) for pk in attempt_ids]
        ).values_list("context_id", "status", "state", "thumbnail_at")
    }
    rows = []
    for enrolment in enrolments:
        person = enrolment.person
        attempt = by_person.get(person.pk)
        snapshot = last_snapshot.get(attempt.pk) if attempt else None
        incidents = latest.get(attempt.pk, []) if attempt else []
        remaining = remaining_seconds(attempt, now) if attempt and attempt.status == S.IN_PROGRESS else None
        rows.append(
            {
                "person_id": person.pk,
                "name": person.real_name,
                "id_number": person.masked_id_number,
                "attempt_id": attempt.pk if attempt else None,
                "status": attempt.status if attempt else "",
                # An attempt whose time ran out is submitted by the room's timer or the beat task
                # within seconds; reading the board changes nothing.
                "status_label": (_("Time is up: being submitted") if remaining == 0 else str(S(attempt.status).label))
                if attempt
                else "",
                "remaining_seconds": remaining,
                "answered": attempt.answered if attempt else 0,
                "questions": len(attempt.paper.items) if attempt else 0,
                "identity_failures": attempt.identity_failures if attempt else 0,
                "referred": bool(attempt and attempt.identity_referred_at and attempt.status == S.CREATED),
                "snapshot": snapshot.decision or snapshot.status if snapshot else "",
                # What a proctor reads: the decision's words, never its code.
                "snapshot_label": _snapshot_label(snapshot),
                "snapshot_at": snapshot.received_at.isoformat() if snapshot else None,
                "incidents": [
                    {"kind": incident.kind, "label": str(incident.get_kind_display()), "at": incident.at.isoformat(), "detail": incident.detail}
                    for incident in incidents
                ],
                "score": str(attempt.score) if attempt and attempt.score is not None else None,
                "passed": attempt.passed if attempt else None,
                "video": videos.get(attempt.pk) if attempt else None,
            }
        )
    return rows


def result_rows(sitting: Sitting, *, attempt_id: int | None = None) -> list[dict]:
    """The results page of a sitting (authority, proctor or its institution's staff): candidates
    with their status and score. Call only with a sitting from `sitting_watched_get`."""
    enrolments = SittingCandidate.objects.filter(sitting=sitting).select_related("person").order_by("person__real_name", "pk")
    attempts = {attempt.candidate_id: attempt for attempt in Attempt.objects.filter(sitting=sitting)}
    if attempt_id is not None:
        attempts = {person: attempt for person, attempt in attempts.items() if attempt.pk == attempt_id}
        enrolments = enrolments.filter(person_id__in=list(attempts))
    rows = []
    for enrolment in enrolments:
        attempt = attempts.get(enrolment.person_id)
        rows.append(
            {
                "person_id": enrolment.person_id,
                "name": enrolment.person.real_name,
                "id_number": enrolment.person.masked_id_number,
                "attempt_id": attempt.pk if attempt else None,
                "status": attempt.status if attempt else "",
                "status_label": str(S(attempt.status).label) if attempt else "",
                "score": str(attempt.score) if attempt and attempt.score is not None else None,
                "passed": attempt.passed if attempt else None,
                "graded_at": attempt.graded_at.isoformat() if attempt and attempt.graded_at else None,
                # The same instant in the user's time zone (Asia/Shanghai by default), as people read it.
                "graded_at_local": _local(attempt.graded_at) if attempt and attempt.graded_at else "",
            }
        )
    return rows


def results_summary(sitting: Sitting) -> dict:
    attempts = Attempt.objects.filter(sitting=sitting)
    graded = attempts.filter(status=S.GRADED)
    return {
        "candidates": SittingCandidate.objects.filter(sitting=sitting).count(),
        "graded": graded.count(),
        "passed": graded.filter(passed=True).count(),
        "in_progress": attempts.filter(status=S.IN_PROGRESS).count(),
    }


def passers(sitting: Sitting) -> list[Person]:
    """Who passed this sitting: the list certificates are issued from."""
    return list(
        Person.objects.filter(exam_attempts__sitting=sitting, exam_attempts__status=S.GRADED, exam_attempts__passed=True).order_by("real_name")
    )


def _local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i:s")


def _snapshot_label(snapshot) -> str:
    if snapshot is None:
        return ""
    if snapshot.decision:
        return str(Decision(snapshot.decision).label) if snapshot.decision in Decision.values else snapshot.decision
    return str(SnapshotStatus(snapshot.status).label) if snapshot.status in SnapshotStatus.values else snapshot.status


def sitting_max_score(sitting: Sitting):
    """The paper's maximum score, as the graded attempts of the sitting record it (None before any)."""
    return (
        Attempt.objects.filter(sitting=sitting, max_score__isnull=False).order_by().values_list("max_score", flat=True).first()
    )
