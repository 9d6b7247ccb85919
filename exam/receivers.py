"""Receivers of the lower apps' domain events. Each one calls a service; the work is there."""

from django.dispatch import receiver

from proctor.events import snapshot_decided

from .services import proctoring


@receiver(snapshot_decided, dispatch_uid="exam.snapshot_decided")
def snapshot_of_an_attempt(sender, *, snapshot_id, context_kind: str, **kwargs) -> None:
    if context_kind == proctoring.EXAM:
        proctoring.exam_snapshot_decided(snapshot_id=snapshot_id)
