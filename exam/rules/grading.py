"""Grading: pure functions of the questions on a paper, the candidate's answers and the exam's rules.

- Single choice and true or false: the points of the type if the one chosen option is the right
  one, else 0.
- Multiple choice: the points of the type if exactly the right options are chosen. Any wrong
  option scores 0. Without partial credit, a subset of the right options scores 0; with partial
  credit (an exam setting), a non-empty subset scores points × chosen / right, rounded half up to
  0.01 (always below the full points, since it is a strict subset).
- An unanswered question scores 0; so does an answer naming an option the question does not have.
- The attempt passes when its total is at least the pass mark.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class GradedQuestion:
    version_id: int
    kind: str
    correct: frozenset[str]
    option_ids: frozenset[str]


@dataclass(frozen=True)
class Rules:
    points: Mapping[str, Decimal]
    pass_mark: Decimal
    partial_credit_multiple: bool = False


@dataclass(frozen=True)
class QuestionResult:
    version_id: int
    points: Decimal
    max_points: Decimal
    correct: bool

    def as_json(self) -> dict:
        return {
            "version_id": self.version_id,
            "points": str(self.points),
            "max_points": str(self.max_points),
            "correct": self.correct,
        }


@dataclass(frozen=True)
class Result:
    questions: list[QuestionResult]
    total: Decimal
    max_total: Decimal
    passed: bool


def question_points(question: GradedQuestion, chosen: Sequence[str] | None, rules: Rules) -> Decimal:
    points = Decimal(rules.points[question.kind])
    picked = frozenset(chosen or ())
    if not picked or not picked <= question.option_ids or len(picked) != len(chosen or ()):
        return Decimal("0")
    if picked == question.correct:
        return points.quantize(HUNDREDTH)
    if question.kind != "multiple" or not rules.partial_credit_multiple or not picked <= question.correct:
        return Decimal("0")
    share = points * len(picked) / len(question.correct)
    return share.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def grade(questions: Sequence[GradedQuestion], answers: Mapping[int, Sequence[str]], rules: Rules) -> Result:
    """Points per question in paper order, the total, the maximum and whether it passes."""
    results = []
    for question in questions:
        chosen = answers.get(question.version_id)
        points = question_points(question, chosen, rules)
        full = Decimal(rules.points[question.kind]).quantize(HUNDREDTH)
        right = bool(chosen) and len(set(chosen)) == len(chosen) and frozenset(chosen) == question.correct
        results.append(QuestionResult(question.version_id, points, full, right))
    total = sum((result.points for result in results), Decimal("0.00"))
    max_total = sum((result.max_points for result in results), Decimal("0.00"))
    return Result(questions=results, total=total, max_total=max_total, passed=total >= rules.pass_mark)
