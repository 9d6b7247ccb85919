"""Celery edges of the kernel."""

from celery import shared_task

from . import events


@shared_task(acks_late=True, time_limit=300, ignore_result=True)
def outbox_deliver_due() -> int:
    """Deliver the domain events whose receivers failed before (kernel.events)."""
    return events.deliver_due()
