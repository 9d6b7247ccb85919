"""Exams: their rules and blueprint, checked against the question bank when they are saved.

An exam's blueprint is only useful if the bank can fill it: saving checks, with the same
`draw_paper` that draws candidates' papers, that the credential's active questions cover every
row, and reports each row the bank cannot fill. Once candidates have attempts at an exam its
rules (duration, marks, points, blueprint, credential) no longer change, so every candidate of a
sitting is graded by the same rules; the title and whether review is allowed still may.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from lms.models import Credential, User

from .. import policies
from ..errors import ERRORS
from ..models import Attempt, BlueprintItem, Exam, QuestionKind
from ..rules.drawing import BankTooSmall, Requirement, draw_paper
from .papers import bank_pool

log = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_TOPIC = 100
MAX_DURATION_MINUTES = 600
MAX_COUNT = 500
# Changing any of these would grade later candidates by other rules than earlier ones.
RULE_FIELDS = (
    "credential_id",
    "duration_minutes",
    "pass_mark",
    "theory_mode",
    "has_practical",
    "practical_pass_mark",
    "points_single",
    "points_multiple",
    "points_true_false",
    "partial_credit_multiple",
)


def _require_exam_manager(actor: User) -> None:
    if not policies.can_manage_exams(actor):
        raise ERRORS.error("not_exam_manager")


@dataclass(frozen=True)
class Shortfall:
    row: int  # 1-based position in the blueprint
    requirement: Requirement
    available: int

    @property
    def message(self) -> str:
        return _(
            "Blueprint row %(row)d (%(kind)s%(topic)s × %(count)d): the bank has only %(available)d active questions left for it."
        ) % {
            "row": self.row,
            "kind": QuestionKind(self.requirement.kind).label,
            "topic": f"（{self.requirement.topic}）" if self.requirement.topic else "",
            "count": self.requirement.count,
            "available": self.available,
        }

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "kind": self.requirement.kind,
            "topic": self.requirement.topic,
            "count": self.requirement.count,
            "available": self.available,
            "message": self.message,
        }


def bank_shortfalls(credential_id: int, requirements: Sequence[Requirement]) -> list[Shortfall]:
    """Every blueprint row the credential's bank cannot fill, in blueprint order. Draws with the
    papers' own function: how many questions each row finds does not depend on the seed, so one
    draw per failing row tells the whole story (a failing row is dropped and the rest drawn again)."""
    pool = bank_pool(credential_id)
    remaining = list(enumerate(requirements, 1))
    found: list[Shortfall] = []
    while remaining:
        try:
            draw_paper(pool, [requirement for _row, requirement in remaining], seed=0)
            break
        except BankTooSmall as short:
            index = next(i for i, (_row, requirement) in enumerate(remaining) if requirement is short.requirement)
            row, requirement = remaining.pop(index)
            found.append(Shortfall(row=row, requirement=requirement, available=short.available))
    return sorted(found, key=lambda shortfall: shortfall.row)


def raise_if_bank_too_small(credential_id: int, requirements: Sequence[Requirement]) -> None:
    shortfalls = bank_shortfalls(credential_id, requirements)
    if shortfalls:
        raise ERRORS.error(
            "bank_too_small",
            message=" ".join(shortfall.message for shortfall in shortfalls),
            details={"shortfalls": [shortfall.as_json() for shortfall in shortfalls]},
        )


def _requirements(blueprint: Sequence) -> list[Requirement]:
    rows = []
    for row in blueprint:
        if isinstance(row, Requirement):
            rows.append(Requirement(kind=row.kind, topic=(row.topic or "").strip(), count=row.count))
        else:
            kind, topic, count = row
            rows.append(Requirement(kind=kind, topic=(topic or "").strip(), count=count))
    return rows


def _check(*, title: str, duration_minutes: int, pass_mark: Decimal, points: dict[str, Decimal], rows: list[Requirement]) -> None:
    if not title.strip():
        raise ERRORS.error("title_missing")
    if len(title) > MAX_TITLE:
        raise ERRORS.error("title_too_long", count=MAX_TITLE)
    if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise ERRORS.error("duration_invalid", max=MAX_DURATION_MINUTES)
    if any(value < 0 for value in points.values()):
        raise ERRORS.error("points_invalid")
    if pass_mark < 0:
        raise ERRORS.error("pass_mark_invalid")
    if not rows:
        raise ERRORS.error("blueprint_empty")
    for row in rows:
        if row.kind not in QuestionKind.values:
            raise ERRORS.error("type_invalid")
        if not 1 <= row.count <= MAX_COUNT:
            raise ERRORS.error("count_invalid", max=MAX_COUNT)
        if len(row.topic) > MAX_TOPIC:
            raise ERRORS.error("topic_too_long", count=MAX_TOPIC)
    max_score = sum((points[row.kind] * row.count for row in rows), Decimal("0"))
    if pass_mark > max_score:
        raise ERRORS.error(
            "pass_mark_too_high",
            details={"max_score": str(max_score)},
            pass_mark=pass_mark.normalize(),
            max_score=max_score.normalize(),
        )


def exam_save(
    *,
    actor: User,
    exam: Exam | None = None,
    title: str,
    credential: Credential,
    duration_minutes: int,
    pass_mark: Decimal,
    points_single: Decimal,
    points_multiple: Decimal,
    points_true_false: Decimal,
    blueprint: Sequence,
    partial_credit_multiple: bool = False,
    review_allowed: bool = False,
    theory_mode: str = "online",
    theory_max_score: Decimal = Decimal("100"),
    has_practical: bool = False,
    practical_max_score: Decimal = Decimal("100"),
    practical_pass_mark: Decimal = Decimal("60"),
) -> Exam:
    """Create an exam (`exam` None) or change one, with its blueprint: rows of (type, topic or "",
    count) or `Requirement`s, which replace the old ones. Refusals write nothing: not_exam_manager
    (403), title_missing, duration_invalid, points_invalid, pass_mark_invalid, pass_mark_too_high,
    blueprint_empty, type_invalid, count_invalid, topic_too_long (400), bank_too_small with every
    short row in `details["shortfalls"]` and exam_in_use (409)."""
    _require_exam_manager(actor)
    rows = _requirements(blueprint)
    points = {
        QuestionKind.SINGLE: Decimal(points_single),
        QuestionKind.MULTIPLE: Decimal(points_multiple),
        QuestionKind.TRUE_FALSE: Decimal(points_true_false),
    }
    pass_mark = Decimal(pass_mark)
    _check(title=title, duration_minutes=duration_minutes, pass_mark=pass_mark, points=points, rows=rows)
    raise_if_bank_too_small(credential.pk, rows)
    fields = {
        "title": title.strip(),
        "credential_id": credential.pk,
        "duration_minutes": duration_minutes,
        "pass_mark": pass_mark,
        "points_single": points[QuestionKind.SINGLE],
        "points_multiple": points[QuestionKind.MULTIPLE],
        "points_true_false": points[QuestionKind.TRUE_FALSE],
        "partial_credit_multiple": partial_credit_multiple,
        "review_allowed": review_allowed,
        "theory_mode": theory_mode,
        "theory_max_score": Decimal(theory_max_score),
        "has_practical": has_practical,
        "practical_max_score": Decimal(practical_max_score),
        "practical_pass_mark": Decimal(practical_pass_mark),
    }
    with transaction.atomic():
        if exam is None:
            exam = Exam.objects.create(**fields)
            created = True
        else:
            exam = Exam.objects.select_for_update().get(pk=exam.pk)
            created = False
            old_rows = [(item.kind, item.topic, item.count) for item in exam.blueprint.order_by("id")]
            rules_change = any(getattr(exam, name) != fields[name] for name in RULE_FIELDS) or old_rows != [
                (row.kind, row.topic, row.count) for row in rows
            ]
            if rules_change and Attempt.objects.filter(sitting__exam=exam).exists():
                raise ERRORS.error("exam_in_use")
            for name, value in fields.items():
                setattr(exam, name, value)
            exam.save(update_fields=[*fields])
            exam.blueprint.all().delete()
        BlueprintItem.objects.bulk_create(BlueprintItem(exam=exam, kind=row.kind, topic=row.topic, count=row.count) for row in rows)
    log.info("exam %s %s by user %s: %d blueprint rows", exam.pk, "created" if created else "changed", actor.pk, len(rows))
    return exam
