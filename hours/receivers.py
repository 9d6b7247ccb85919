"""Receivers of the lower apps' domain events. Each one calls a service; the work is there."""

from django.dispatch import receiver

from proctor.events import snapshot_decided

from .services import credit


@receiver(snapshot_decided, dispatch_uid="hours.snapshot_decided")
def credit_after_snapshot(sender, *, context_kind: str, context_id: str, **kwargs) -> None:
    # A final snapshot decided after the lesson closed may be what settles its hours.
    if context_kind == credit.STUDY:
        credit.study_snapshot_decided(session_id=context_id)
