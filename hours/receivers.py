"""Receivers of the lower apps' domain events. Each one calls a service; the work is there."""

from kernel.events import subscribe
from proctor.events import SNAPSHOT_DECIDED

from .services import credit


@subscribe(SNAPSHOT_DECIDED)
def credit_after_snapshot(*, context_kind: str, context_id: str, **payload) -> None:
    # A final snapshot decided after the lesson closed may be what settles its hours.
    if context_kind == credit.STUDY:
        credit.study_snapshot_decided(session_id=context_id)
