"""Celery edges for the learning record."""

from celery import shared_task

from . import services
from .services import certificates as certificate_services


@shared_task(acks_late=True, time_limit=600, ignore_result=True)
def lessons_credit_due() -> int:
    return services.lessons_credit_due()


@shared_task(acks_late=True, time_limit=3600, ignore_result=True)
def certificates_review() -> dict[str, int]:
    report = certificate_services.certificates_review()
    return {"expired": report.expired, "voided": report.voided, "failed": report.failed}


@shared_task(acks_late=True, time_limit=3600, ignore_result=True)
def standings_rebuild() -> int:
    """Every certificate's standing row, recomputed: the calendar moves standings too."""
    from .services.standing import standings_rebuild as rebuild

    return rebuild()
