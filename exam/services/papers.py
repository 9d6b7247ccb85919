"""Papers: drawing a candidate's paper from the bank, and drawing it again for an audit.

The paper keeps its seed, the blueprint it was drawn to and the pool it was drawn from (every
version that was current and active in the credential's bank at that moment, as [version_id, kind,
topic], sorted). `paper_rebuild` feeds those to the same pure `draw_paper` and checks that the
items come out the same.
"""

import datetime
import logging
import secrets

from django.db import transaction
from django.utils import timezone

from ..errors import ERRORS
from ..models import Attempt, Exam, Paper, Question, QuestionKind, QuestionVersion
from ..rules.drawing import BankTooSmall, PoolEntry, Requirement, draw_paper

log = logging.getLogger(__name__)


def exam_requirements(exam: Exam) -> list[Requirement]:
    return [Requirement(kind=item.kind, topic=item.topic, count=item.count) for item in exam.blueprint.order_by("id")]


def bank_pool(credential_id: int) -> list[PoolEntry]:
    """The versions new papers of this credential draw from: the current version of each active question."""
    rows = Question.objects.filter(credential_id=credential_id, is_active=True, current__isnull=False).values_list(
        "current_id", "kind", "topic", "current__options"
    )
    return sorted(
        (PoolEntry(version_id, kind, topic, tuple(option["id"] for option in options)) for version_id, kind, topic, options in rows),
        key=lambda entry: entry.version_id,
    )


def _draw(pool: list[PoolEntry], requirements: list[Requirement], seed: int) -> list[dict]:
    try:
        return draw_paper(pool, requirements, seed)
    except BankTooSmall as short:
        raise ERRORS.error(
            "bank_too_small",
            available=short.available,
            kind=QuestionKind(short.requirement.kind).label,
            topic=f"（{short.requirement.topic}）" if short.requirement.topic else "",
            count=short.requirement.count,
            details={"kind": short.requirement.kind, "topic": short.requirement.topic},
        )


def paper_draw(*, attempt: Attempt, seed: int | None = None, now: datetime.datetime | None = None) -> Paper:
    """Draw and store the attempt's paper, and mark its versions used (so editing them makes new
    versions). Call inside the transaction that creates the attempt."""
    now = now or timezone.now()
    exam = attempt.sitting.exam
    requirements = exam_requirements(exam)
    if not requirements:
        raise ERRORS.error("blueprint_empty")
    seed = secrets.randbits(62) if seed is None else seed
    pool = bank_pool(exam.credential_id)
    items = _draw(pool, requirements, seed)
    with transaction.atomic():
        paper = Paper.objects.create(
            attempt=attempt,
            seed=seed,
            blueprint=[[r.kind, r.topic, r.count] for r in requirements],
            pool=[[entry.version_id, entry.kind, entry.topic] for entry in pool],
            items=items,
            drawn_at=now,
        )
        QuestionVersion.objects.filter(pk__in=paper.version_ids, used_at__isnull=True).update(used_at=now)
    log.info("paper %s drawn for attempt %s: %d questions from a pool of %d", paper.pk, attempt.pk, len(items), len(pool))
    return paper


def paper_rebuild(paper: Paper) -> list[dict]:
    """Draw the paper again from its stored seed, blueprint and pool; return the items, or raise
    `paper_mismatch` (409) when they differ from the stored ones."""
    options = dict(QuestionVersion.objects.filter(pk__in=[row[0] for row in paper.pool]).values_list("pk", "options"))
    pool = [
        PoolEntry(version_id, kind, topic, tuple(option["id"] for option in options.get(version_id, [])))
        for version_id, kind, topic in paper.pool
    ]
    requirements = [Requirement(kind=kind, topic=topic, count=count) for kind, topic, count in paper.blueprint]
    items = _draw(pool, requirements, paper.seed)
    if items != paper.items:
        raise ERRORS.error("paper_mismatch")
    return items
