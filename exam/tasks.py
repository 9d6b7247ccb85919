"""Celery edges for exams."""

from celery import shared_task

from .services.attempts import attempts_close_overdue


@shared_task(acks_late=True, time_limit=120, ignore_result=True)
def attempts_close_due() -> dict[str, int]:
    """Submit and grade attempts whose time ran out while nobody was connected."""
    return attempts_close_overdue()
