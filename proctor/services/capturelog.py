"""Appending to the capture log: an append-only chain of SHA-256 hashes over every snapshot,
decision, consent, reference change and proctoring event (proctor.rules.capturelog says how an
entry is hashed; proctor.selectors.capturelog verifies the chain)."""

import datetime
import json

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kernel.errors import DomainError

from ..models import CaptureLogEntry, CaptureLogHead
from ..rules.capturelog import GENESIS, canonical, entry_hash


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
        content = canonical(kind=kind, person_id=person_id, subject=subject, payload=payload, created_at=now)
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


def refuse(*, kind: str, person, subject: str, code: str, message: str, payload: dict, status: int = 400):
    """Log a refusal in its own transaction (the caller's work is not committed) and raise it.
    Callers in other apps use it for refusals only they can judge (a closed session)."""
    with transaction.atomic():
        append(kind=kind, person=person, subject=subject, payload={"code": code, **payload})
    raise DomainError(code=code, message=message, status=status)
