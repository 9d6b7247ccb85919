"""Receivers of the lower apps' domain events. Each one calls a service; the work is there."""

from kernel.events import subscribe
from proctor.events import SNAPSHOT_DECIDED

from .services import proctoring


@subscribe(SNAPSHOT_DECIDED)
def snapshot_of_an_attempt(*, snapshot_id: str, context_kind: str, **payload) -> None:
    if context_kind == proctoring.EXAM:
        proctoring.exam_snapshot_decided(snapshot_id=snapshot_id)
