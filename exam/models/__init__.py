"""Question banks, exams, sittings, attempts and what proctoring found. A paper stores its seed and
the pool it was drawn from, so it can be drawn again for an audit (exam.rules.drawing)."""

from .applications import (
    ACTIVE,
    APPLICATION_MACHINE,
    AWAITING_REVIEW,
    REVIEWED,
    WITHDRAWABLE,
    Application,
    ApplicationPath,
    ApplicationStatus,
    path_allows,
)
from .attempts import Attempt, AttemptAnswer, AttemptEvent, AttemptStatus, Paper
from .bank import OPTION_LETTERS, Question, QuestionKind, QuestionVersion
from .exams import BlueprintItem, Exam, TheoryMode
from .incidents import Incident, IncidentKind
from .results import Part, PartScore, ScoreSheet, ScoreSheetStatus
from .plans import EXAM_PLAN_MACHINE, ExamPlan, ExamPlanStatus
from .reviews import APPEALABLE, REVIEW_MACHINE, Review, ReviewKind, ReviewStatus
from .sittings import Sitting, SittingCandidate

__all__ = [
    "APPEALABLE",
    "EXAM_PLAN_MACHINE",
    "ExamPlan",
    "ExamPlanStatus",
    "WITHDRAWABLE",
    "path_allows",
    "REVIEW_MACHINE",
    "Review",
    "ReviewKind",
    "ReviewStatus",
    "ACTIVE",
    "APPLICATION_MACHINE",
    "AWAITING_REVIEW",
    "REVIEWED",
    "Application",
    "ApplicationPath",
    "ApplicationStatus",
    "OPTION_LETTERS",
    "Attempt",
    "AttemptAnswer",
    "AttemptEvent",
    "AttemptStatus",
    "BlueprintItem",
    "Exam",
    "Incident",
    "IncidentKind",
    "Paper",
    "Part",
    "PartScore",
    "ScoreSheet",
    "ScoreSheetStatus",
    "TheoryMode",
    "Question",
    "QuestionKind",
    "QuestionVersion",
    "Sitting",
    "SittingCandidate",
]
