"""Reading the capture log: verifying it, and what is published for regulators.

Verification reads the rows and hands them to proctor.rules.capturelog.verify_log, the same pure
function the standalone verifier runs on an export, so both judge the log by one rule.
"""

from collections.abc import Iterator, Sequence

from django.db.models import QuerySet

from .. import signing
from ..models import CaptureLogCheckpoint, CaptureLogEntry, CaptureLogHead
from ..rules.capturelog import (
    Checkpoint,
    Entry,
    Report,
    key_id,
    merge_published,
    microseconds,
    verify_log,
)

_ENTRY_COLUMNS = ("id", "kind", "person_id", "subject", "payload", "created_at", "previous_hash", "hash")


def entries(*, after_id: int = 0, batch: int = 2000) -> Iterator[Entry]:
    """The entries in chain order (by id), read in batches so that memory stays flat."""
    last_id = after_id
    while True:
        rows = list(CaptureLogEntry.objects.filter(id__gt=last_id).order_by("id").values_list(*_ENTRY_COLUMNS)[:batch])
        if not rows:
            return
        for row in rows:
            yield Entry(*row)
        last_id = rows[-1][0]


def checkpoint_record(checkpoint: CaptureLogCheckpoint) -> Checkpoint:
    return Checkpoint(
        sequence=checkpoint.sequence,
        length=checkpoint.length,
        tip_hash=checkpoint.tip_hash,
        previous_digest=checkpoint.previous_digest,
        created_at_us=microseconds(checkpoint.created_at),
        key_id=checkpoint.key_id,
        signature=checkpoint.signature,
    )


def checkpoints_stored() -> list[Checkpoint]:
    return [checkpoint_record(item) for item in CaptureLogCheckpoint.objects.order_by("sequence")]


def verify(
    *, public_keys: Sequence[bytes] | None = None, published: Sequence[Checkpoint] = (), batch: int = 2000
) -> Report:
    """Check the chain from its first entry, the head, and the signed checkpoints, and report the
    first problem (proctor.rules.capturelog.verify_log says in which order).

    `public_keys`: the trusted Ed25519 public keys (32 raw bytes each); by default the configured
    signing key's. `published`: checkpoints held outside the database (a regulator's archive of
    what /api/capturelog/checkpoints published), each of which must still be stored unchanged."""
    if public_keys is None:
        configured = signing.public_key()
        public_keys = [configured] if configured else []
    checkpoints, problem = merge_published(checkpoints_stored(), list(published))
    if problem:
        return problem
    head = CaptureLogHead.objects.filter(pk=1).values_list("length", "hash").first()
    return verify_log(entries=entries(batch=batch), head=head, checkpoints=checkpoints, public_keys=public_keys)


def checkpoints_published(*, after: int = 0) -> QuerySet[CaptureLogCheckpoint]:
    """Every checkpoint, for anyone: they reveal only lengths, hashes and signatures."""
    return CaptureLogCheckpoint.objects.filter(sequence__gt=after).order_by("sequence")


def public_key_published() -> dict:
    """The public half of the signing key, for anyone, with its id; DomainError if none."""
    raw = signing.public_key(create_development_key=True)
    if raw is None:
        signing.signing_key(create_development_key=False)  # raises the "no key configured" error
    return {"algorithm": "Ed25519", "key_id": key_id(raw), "public_key_pem": signing.public_pem(raw), "public_key_hex": raw.hex()}
