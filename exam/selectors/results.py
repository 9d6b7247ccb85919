"""Reads of a sitting's scores by part and each candidate's outcome (exam.rules.results). Call with
a sitting from a scoped selector (room.sitting_watched_get or sitting_proctored_get)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from lms.models import Person

from ..models import (
    Attempt,
    AttemptStatus,
    PartScore,
    ScoreSheet,
    ScoreSheetStatus,
    Sitting,
    SittingCandidate,
    TheoryMode,
)
from ..rules import results as rules


@dataclass
class PartResult:
    part: str
    score: Decimal | None
    maximum: Decimal
    outcome: str  # rules.PASSED, FAILED, ABSENT, MISSING
    online: bool = False


@dataclass
class CandidateResult:
    person: Person
    parts: list[PartResult] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return rules.overall([part.outcome for part in self.parts])

    def part(self, name: str) -> PartResult | None:
        return next((p for p in self.parts if p.part == name), None)

    @property
    def theory(self) -> PartResult | None:
        return self.part("theory")

    @property
    def practical(self) -> PartResult | None:
        return self.part("practical")


def score_sheet_status(sitting: Sitting) -> str:
    sheet = ScoreSheet.objects.filter(sitting=sitting).first()
    return sheet.status if sheet else ScoreSheetStatus.OPEN


def _online_theory(attempt: Attempt | None, sitting: Sitting, now) -> PartResult:
    maximum = attempt.max_score if attempt and attempt.max_score is not None else Decimal("0")
    if attempt is not None and attempt.status == AttemptStatus.GRADED:
        outcome = rules.PASSED if attempt.passed else rules.FAILED
        return PartResult("theory", attempt.score, maximum, outcome, online=True)
    if attempt is not None and attempt.status == AttemptStatus.TERMINATED:
        return PartResult("theory", attempt.score, maximum, rules.FAILED, online=True)
    ended = sitting.ends_at <= now
    if ended and (attempt is None or attempt.status == AttemptStatus.EXPIRED):
        return PartResult("theory", None, maximum, rules.ABSENT, online=True)
    return PartResult("theory", None, maximum, rules.MISSING, online=True)


def candidate_results(sitting: Sitting, *, now=None, person_id: int | None = None) -> list[CandidateResult]:
    """Every candidate of the sitting (or only `person_id`) with each part of the exam and the outcome."""
    now = now or timezone.now()
    exam = sitting.exam
    only = {"person_id": person_id} if person_id else {}
    enrolments = SittingCandidate.objects.filter(sitting=sitting, **only).select_related("person").order_by("person__real_name", "pk")
    attempts = {a.candidate_id: a for a in Attempt.objects.filter(sitting=sitting, **({"candidate_id": person_id} if person_id else {}))}
    scores = {(s.person_id, s.part): s for s in PartScore.objects.filter(sitting=sitting, **only)}
    rows = []
    for enrolment in enrolments:
        row = CandidateResult(person=enrolment.person)
        if exam.theory_mode == TheoryMode.ONLINE:
            row.parts.append(_online_theory(attempts.get(enrolment.person_id), sitting, now))
        elif exam.theory_mode == TheoryMode.VENUE:
            stored = scores.get((enrolment.person_id, "theory"))
            row.parts.append(_stored("theory", stored, exam.theory_max_score, exam.pass_mark))
        if exam.has_practical:
            stored = scores.get((enrolment.person_id, "practical"))
            row.parts.append(_stored("practical", stored, exam.practical_max_score, exam.practical_pass_mark))
        rows.append(row)
    return rows


def _stored(part: str, stored: PartScore | None, maximum: Decimal, pass_mark: Decimal) -> PartResult:
    if stored is None:
        return PartResult(part, None, maximum, rules.MISSING)
    return PartResult(part, stored.score, maximum, rules.part_outcome(score=stored.score, absent=stored.absent, pass_mark=pass_mark))


def passed_candidates(sitting: Sitting, *, now=None) -> list[CandidateResult]:
    return [row for row in candidate_results(sitting, now=now) if row.outcome == rules.PASSED]


def own_results(person: Person) -> list[tuple[Sitting, CandidateResult]]:
    """A candidate's own outcome in each of their sittings, newest first."""
    sittings = Sitting.objects.filter(enrolments__person=person).select_related("exam__credential").order_by("-starts_at")
    out = []
    for sitting in sittings:
        out += [(sitting, row) for row in candidate_results(sitting, person_id=person.pk)]
    return out


def person_results(person, *, limit: int = 20):
    """A person's exam attempts that have a result (graded, or ended without one), newest first."""
    from ..models import Attempt, AttemptStatus

    ended = (AttemptStatus.GRADED, AttemptStatus.TERMINATED, AttemptStatus.EXPIRED, AttemptStatus.VOIDED)
    return list(
        Attempt.objects.filter(candidate=person, status__in=ended).select_related("sitting__exam").order_by("-created_at")[:limit]
    )
