"""Writing the capture log: appending entries, an append-only chain of SHA-256 hashes over every
snapshot, decision, consent, reference change and proctoring event, and signing checkpoints of it
(proctor.rules.capturelog says how entries are hashed and checkpoints signed;
proctor.selectors.capturelog verifies both)."""

import datetime
import json
import logging

from django.db import connection, transaction
from django.utils import timezone

from kernel.errors import DomainError

from .. import signing
from ..errors import ERRORS
from ..models import CaptureLogCheckpoint, CaptureLogEntry, CaptureLogHead
from ..rules.capturelog import (
    GENESIS,
    PROBLEMS,
    canonical,
    checkpoint_digest,
    checkpoint_message,
    entry_hash,
    entry_problem,
    key_id,
    microseconds,
)
from ..rules.messages import capturelog_problem
from ..selectors.capturelog import checkpoint_record, entries

log = logging.getLogger(__name__)


def append(
    *, kind: str, person=None, subject: str = "", payload: dict | None = None, now: datetime.datetime | None = None
) -> CaptureLogEntry:
    """Append one entry, in the caller's transaction: the entry exists exactly when the fact does."""
    payload = json.loads(json.dumps(payload or {}))  # what the JSON column will give back
    now = now or timezone.now()
    # No savepoint of its own: the entry and the caller's fact stand or fall together, and the
    # head's lock, which every append waits for, is held for three statements and the commit.
    with transaction.atomic(savepoint=False):
        # The UPDATE first: it takes the row's write lock (on SQLite, the database's) before the tip
        # is read, so concurrent appends queue up instead of forking the chain.
        tip = _head_advance()
        if tip is None:
            CaptureLogHead.objects.create(pk=1, length=1, hash=GENESIS)
            tip = GENESIS
        person_id = getattr(person, "pk", person)
        content = canonical(kind=kind, person_id=person_id, subject=subject, payload=payload, created_at=now)
        digest = entry_hash(tip, content)
        entry = CaptureLogEntry(
            kind=kind,
            person_id=person_id,
            subject=subject,
            payload=payload,
            created_at=now,
            previous_hash=tip,
            hash=digest,
        )
        entry.save()
        CaptureLogHead.objects.filter(pk=1).update(hash=digest)
    return entry


def _head_advance() -> str | None:
    """The head's length one longer, and its tip hash read, in one statement (UPDATE … RETURNING:
    PostgreSQL, SQLite 3.35+); None when the chain has no head yet."""
    quote = connection.ops.quote_name
    meta = CaptureLogHead._meta
    length, tip, pk = (quote(meta.get_field(name).column) for name in ("length", "hash", "id"))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(meta.db_table)} SET {length} = {length} + 1 WHERE {pk} = 1 RETURNING {tip}")
        row = cursor.fetchone()
    return row[0] if row else None


def refuse(*, kind: str, person, subject: str, error: DomainError, payload: dict):
    """Log a refusal in its own transaction (the caller's work is not committed) and raise it.
    Callers in other apps use it for refusals only they can judge (a closed session), with an
    error from their own catalogue."""
    with transaction.atomic():
        append(kind=kind, person=person, subject=subject, payload={"code": error.code, **payload})
    raise error


def _broken(code: str, **params) -> DomainError:
    params = {"checked": "?", "start": "?", **params}
    log.error("capture log: no checkpoint signed: %s", PROBLEMS[code].format_map(params))
    return ERRORS.error("capturelog_broken", details={"problem": code}, problem=capturelog_problem(code, params))


def checkpoint_create(*, now: datetime.datetime | None = None) -> CaptureLogCheckpoint | None:
    """Sign the chain's current length and tip hash, covering the previous checkpoint.

    Only what has been checked is signed: the entries appended since the last checkpoint must link
    to its tip and match their hashes, and end at the head. That costs one pass over the new entries,
    not the whole chain. Returns None when the chain has not grown since the last checkpoint."""
    key = signing.signing_key()  # refuses before any work when no key is configured
    signer = key_id(signing.public_raw(key))
    now = now or timezone.now()
    with transaction.atomic():
        # Locking the last checkpoint makes two signers queue (the beat task and the command);
        # the unique sequence settles a race for the first one.
        last = CaptureLogCheckpoint.objects.select_for_update().order_by("-sequence").first()
        head = CaptureLogHead.objects.filter(pk=1).first()
        if head is None:
            raise _broken("head_missing")
        since = last.length if last else 0
        tip = last.tip_hash if last else GENESIS
        if head.length < since:
            raise _broken("chain_shorter_than_checkpoint", checked=head.length, checkpoint=last.sequence, length=since)
        if head.length == since:
            if head.hash != tip:
                raise _broken("head_mismatch", length=head.length, head_hash=head.hash[:12], checked=since, tip_hash=tip[:12])
            return None
        tip_entry_id = _check_new_entries(last=last, length=head.length, head_hash=head.hash)
        sequence = last.sequence + 1 if last else 1
        previous_digest = checkpoint_digest(checkpoint_record(last).message()) if last else GENESIS
        message = checkpoint_message(
            sequence=sequence,
            length=head.length,
            tip_hash=head.hash,
            previous_digest=previous_digest,
            created_at_us=microseconds(now),
            key_id=signer,
        )
        return CaptureLogCheckpoint.objects.create(
            sequence=sequence,
            length=head.length,
            tip_hash=head.hash,
            previous_digest=previous_digest,
            created_at=now,
            key_id=signer,
            signature=key.sign(message).hex(),
            tip_entry_id=tip_entry_id,
        )


def _check_new_entries(*, last: CaptureLogCheckpoint | None, length: int, head_hash: str) -> int:
    """Walk the entries after the last checkpoint's tip up to the head's `length`; the id of the
    last one."""
    previous, after_id, position = GENESIS, 0, 0
    if last is not None:
        stored = CaptureLogEntry.objects.filter(pk=last.tip_entry_id).values_list("hash", flat=True).first()
        if stored != last.tip_hash:
            raise _broken("checkpoint_tip_mismatch", entry=last.tip_entry_id, length=last.length, checkpoint=last.sequence)
        previous, after_id, position = last.tip_hash, last.tip_entry_id, last.length
    for entry in entries(after_id=after_id):
        if position == length:
            break
        code = entry_problem(entry, previous)
        if code:
            raise _broken(code, entry=entry.id, checked=position)
        previous, after_id = entry.hash, entry.id
        position += 1
    if position < length:
        raise _broken("head_short", length=length, checked=position)
    if previous != head_hash:
        raise _broken("head_mismatch", length=length, head_hash=head_hash[:12], checked=position, tip_hash=previous[:12])
    return after_id
