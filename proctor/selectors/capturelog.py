"""Verifying the capture log: walk the chain and name the first broken link."""

from dataclasses import dataclass

from ..models import CaptureLogEntry, CaptureLogHead
from ..rules.capturelog import GENESIS, canonical, entry_hash


@dataclass(frozen=True)
class Report:
    ok: bool
    checked: int
    broken_id: int | None = None
    problem: str = ""


def verify(batch: int = 2000) -> Report:
    """Walk the chain from the start and report the first entry whose link or content is wrong."""
    previous = GENESIS
    checked = 0
    last_id = 0
    while True:
        entries = list(
            CaptureLogEntry.objects.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "kind", "person_id", "subject", "payload", "created_at", "previous_hash", "hash")[:batch]
        )
        if not entries:
            break
        for entry_id, kind, person_id, subject, payload, created_at, previous_hash, stored in entries:
            if previous_hash != previous:
                return Report(False, checked, entry_id, "previous_hash does not match the entry before it")
            content = canonical(
                kind=kind, person_id=person_id, subject=subject, payload=payload, created_at=created_at
            )
            if entry_hash(previous, content) != stored:
                return Report(False, checked, entry_id, "content does not match its hash")
            previous = stored
            checked += 1
            last_id = entry_id
    head = CaptureLogHead.objects.filter(pk=1).first()
    if head and (head.length != checked or head.hash != previous):
        return Report(False, checked, None, f"the chain ends early: {head.length} entries were appended, {checked} remain")
    return Report(True, checked)
