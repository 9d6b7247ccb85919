"""Reading the capture log: verifying it, and what is published for regulators.

Verification reads the rows and hands them to proctor.rules.capturelog.verify_log, the same pure
function the standalone verifier runs on an export, so both judge the log by one rule.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class ChainState:
    """What the verification page shows: the head, the checkpoints checked on their own (numbering,
    signatures, links, lengths), the stored tip of each of the latest checkpoints, and the entries
    appended since the last one checked link by link. Cheap at any size: a full pass over the
    chain is `manage.py capturelog verify` or an export checked offline."""

    head: tuple[int, str] | None
    checkpoints: int
    last: CaptureLogCheckpoint | None
    key_id: str
    problem: Report | None
    tips_checked: list[tuple[int, bool]]
    pending: int
    pending_problem: str


def chain_state(*, recent: int = 20) -> ChainState:
    from ..rules.capturelog import GENESIS, checkpoints_problem, entry_problem

    raw = signing.public_key()
    stored = checkpoints_stored()
    problem = checkpoints_problem(stored, [raw] if raw else [])
    rows = list(CaptureLogCheckpoint.objects.order_by("-sequence")[:recent])
    hashes = dict(
        CaptureLogEntry.objects.filter(pk__in=[row.tip_entry_id for row in rows if row.tip_entry_id]).values_list("id", "hash")
    )
    tips = [(row.sequence, hashes.get(row.tip_entry_id) == row.tip_hash) for row in rows]
    last = rows[0] if rows else None
    head = CaptureLogHead.objects.filter(pk=1).values_list("length", "hash").first()
    previous, pending, pending_problem = (last.tip_hash if last else GENESIS), 0, ""
    for entry in entries(after_id=last.tip_entry_id if last else 0):
        code = entry_problem(entry, previous)
        if code:
            pending_problem = f"{code}: {entry.id}"
            break
        previous = entry.hash
        pending += 1
    return ChainState(
        head=head, checkpoints=len(stored), last=last, key_id=key_id(raw) if raw else "", problem=problem,
        tips_checked=tips, pending=pending, pending_problem=pending_problem,
    )
