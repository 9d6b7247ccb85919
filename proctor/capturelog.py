"""The capture log: an append-only chain of SHA-256 hashes over every snapshot, decision, consent,
reference change and proctoring event.

Each entry's hash covers the previous entry's hash and the entry's canonical content (kind, person,
subject, payload, time), so an entry changed, removed or inserted in the database breaks the chain at
that point, and `verify` names the first broken link.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import CaptureLogEntry, CaptureLogHead

GENESIS = "0" * 64


def _canonical(*, kind: str, person_id: int | None, subject: str, payload: dict, created_at: datetime.datetime) -> bytes:
    content = {
        "kind": kind,
        "person": person_id,
        "subject": subject,
        "payload": payload,
        "at": created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(previous_hash: str, content: bytes) -> str:
    return hashlib.sha256(previous_hash.encode() + content).hexdigest()


def append(
    *, kind: str, person=None, subject: str = "", payload: dict | None = None, now: datetime.datetime | None = None
) -> CaptureLogEntry:
    """Append one entry, in the caller's transaction: the entry exists exactly when the fact does."""
    payload = json.loads(json.dumps(payload or {}))  # what the JSON column will give back
    now = now or timezone.now()
    with transaction.atomic():
        # The UPDATE first: it takes the row's write lock (on SQLite, the database's) before the tip
        # is read, so concurrent appends queue up instead of forking the chain.
        if not CaptureLogHead.objects.filter(pk=1).update(length=F("length") + 1):
            CaptureLogHead.objects.create(pk=1, length=1, hash=GENESIS)
        head = CaptureLogHead.objects.get(pk=1)
        person_id = getattr(person, "pk", person)
        content = _canonical(kind=kind, person_id=person_id, subject=subject, payload=payload, created_at=now)
        digest = entry_hash(head.hash, content)
        entry = CaptureLogEntry(
            kind=kind,
            person_id=person_id,
            subject=subject,
            payload=payload,
            created_at=now,
            previous_hash=head.hash,
            hash=digest,
        )
        entry.save()
        CaptureLogHead.objects.filter(pk=1).update(hash=digest)
    return entry


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
            content = _canonical(
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
