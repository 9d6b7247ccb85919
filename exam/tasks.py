"""Celery edges for exams."""

from celery import shared_task

from .services import proctoring
from .services.attempts import attempts_close_overdue


@shared_task(acks_late=True, time_limit=120, ignore_result=True)
def attempts_close_due() -> dict[str, int]:
    """Submit and grade attempts whose time ran out while nobody was connected."""
    return attempts_close_overdue()


@shared_task(acks_late=True, time_limit=300, ignore_result=True)
def snapshots_settle_due() -> int:
    """Exam snapshots decided without their incident (a lost delivery) get it now."""
    return proctoring.exam_snapshots_settle_due()
