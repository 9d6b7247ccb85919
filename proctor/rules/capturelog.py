"""The capture log's evidence format: pure functions a verifier outside the platform can repeat.

Nothing here touches Django, the database or the settings: only the standard library and
`cryptography` (for Ed25519), so that the standalone verifier can import this module unchanged.
docs/audit.md describes every byte.

Entries. Each entry's hash covers the previous entry's hash and the entry's canonical content
(kind, person, subject, payload, time), so an entry changed, removed or inserted breaks the chain
at that point.

Checkpoints. Whoever can write the database can also recompute every hash after a change, so an
unkeyed chain proves nothing on its own. A checkpoint is the chain's length and tip hash signed
with an Ed25519 key the database does not hold; each one also covers the previous checkpoint's
digest, so the checkpoints form a chain of their own. A rewrite of anything a checkpoint covers
changes the entry at the checkpoint's length, which no longer has the signed tip hash.
"""

import base64
import binascii
import datetime
import hashlib
import json
import struct
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64

# ---------------------------------------------------------------------------------------------
# Entries


def canonical(*, kind: str, person_id: int | None, subject: str, payload: dict, created_at: datetime.datetime) -> bytes:
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


@dataclass(frozen=True)
class Entry:
    """One capture-log entry as stored (or exported): the columns its hash covers and its links."""

    id: int
    kind: str
    person_id: int | None
    subject: str
    payload: dict
    created_at: datetime.datetime
    previous_hash: str
    hash: str


def entry_problem(entry: Entry, previous: str) -> str | None:
    """What is wrong with one entry given the hash of the entry before it, as a problem code."""
    if entry.previous_hash != previous:
        return "entry_link_broken"
    content = canonical(
        kind=entry.kind, person_id=entry.person_id, subject=entry.subject, payload=entry.payload, created_at=entry.created_at
    )
    if entry_hash(previous, content) != entry.hash:
        return "entry_hash_mismatch"
    return None


# ---------------------------------------------------------------------------------------------
# Checkpoints and their signed message

# Version 1 of the signed message: 151 bytes, every integer big-endian (docs/audit.md).
CHECKPOINT_TAG = b"kaohe-capturelog-checkpoint-v1\x00"
_LAYOUT = struct.Struct(">31sQQ32s32sq32s")
CHECKPOINT_MESSAGE_SIZE = _LAYOUT.size  # 151
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def microseconds(moment: datetime.datetime) -> int:
    """Microseconds since 1970-01-01T00:00:00Z, exactly (integer arithmetic, no float)."""
    return (moment - EPOCH) // datetime.timedelta(microseconds=1)


def moment(microseconds_since_epoch: int) -> datetime.datetime:
    return EPOCH + datetime.timedelta(microseconds=microseconds_since_epoch)


def key_id(public_key: bytes) -> str:
    """A public key's id: the SHA-256 of its 32 raw bytes, in hex."""
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key has 32 raw bytes")
    return hashlib.sha256(public_key).hexdigest()


def checkpoint_message(
    *, sequence: int, length: int, tip_hash: str, previous_digest: str, created_at_us: int, key_id: str
) -> bytes:
    """The exact bytes a checkpoint's signature covers."""
    return _LAYOUT.pack(
        CHECKPOINT_TAG,
        sequence,
        length,
        bytes.fromhex(tip_hash),
        bytes.fromhex(previous_digest),
        created_at_us,
        bytes.fromhex(key_id),
    )


def checkpoint_digest(message: bytes) -> str:
    """What the next checkpoint covers: the SHA-256 of this checkpoint's signed message, in hex."""
    return hashlib.sha256(message).hexdigest()


def signature_valid(*, public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Checkpoint:
    """One signed checkpoint, as stored or as published (hex strings, the time in microseconds)."""

    sequence: int
    length: int
    tip_hash: str
    previous_digest: str
    created_at_us: int
    key_id: str
    signature: str

    def message(self) -> bytes:
        return checkpoint_message(
            sequence=self.sequence,
            length=self.length,
            tip_hash=self.tip_hash,
            previous_digest=self.previous_digest,
            created_at_us=self.created_at_us,
            key_id=self.key_id,
        )

    def digest(self) -> str:
        return checkpoint_digest(self.message())

    @classmethod
    def from_json(cls, item: Mapping) -> "Checkpoint":
        """A checkpoint as /api/capturelog/checkpoints publishes it."""
        return cls(
            sequence=int(item["sequence"]),
            length=int(item["length"]),
            tip_hash=str(item["tip_hash"]).lower(),
            previous_digest=str(item["previous_digest"]).lower(),
            created_at_us=int(item["created_at_us"]),
            key_id=str(item["key_id"]).lower(),
            signature=str(item["signature"]).lower(),
        )


def checkpoints_from_json(document) -> list[Checkpoint]:
    """Checkpoints from a published page ({"items": [...]}), a list of items or a list of pages."""
    if isinstance(document, Mapping):
        document = document.get("items", [])
    items = []
    for item in document:
        if isinstance(item, Mapping) and "items" in item:
            items.extend(item["items"])
        else:
            items.append(item)
    return [Checkpoint.from_json(item) for item in items]


def public_key_from_text(text: str | bytes) -> bytes:
    """The 32 raw bytes of an Ed25519 public key given as PEM (SubjectPublicKeyInfo), hex or base64."""
    if isinstance(text, bytes):
        text = text.decode()
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode())
        except (UnsupportedAlgorithm, TypeError) as error:
            raise ValueError(str(error)) from error
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM holds a public key, but not an Ed25519 one")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    try:
        raw = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error) as error:
        raise ValueError("not a PEM, hex or base64 Ed25519 public key") from error
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 raw bytes")
    return raw


# ---------------------------------------------------------------------------------------------
# Verification

# Every problem verify can report: a stable code, and its English wording (proctor.rules.messages
# translates the same codes for the platform's users).
PROBLEMS = {
    "entry_link_broken": "entry {entry}: previous_hash does not match the entry before it",
    "entry_hash_mismatch": "entry {entry}: its content does not match its hash",
    "head_missing": "the head row is missing; {checked} entries remain",
    "head_short": "the chain ends early: the head records {length} appended entries, {checked} remain",
    "head_mismatch": "the head (length {length}, hash {head_hash}) disagrees with the chain ({checked} entries ending in {tip_hash})",
    "public_key_missing": "checkpoint {checkpoint} cannot be checked: no public key was given or configured",
    "checkpoint_sequence_gap": "checkpoint {checkpoint} is missing: the checkpoints go from {before} to {after}",
    "checkpoint_unknown_key": "checkpoint {checkpoint} is signed with key {key_id}, which is not a trusted public key",
    "checkpoint_signature_invalid": "checkpoint {checkpoint}: the signature does not verify",
    "checkpoint_chain_broken": "checkpoint {checkpoint} does not cover checkpoint {before}: its previous digest differs",
    "checkpoint_length_decreased": "checkpoint {checkpoint} records {length} entries, fewer than checkpoint {before}'s {before_length}",
    "checkpoint_tip_mismatch": (
        "entry {entry} at position {length} does not have the tip hash signed in checkpoint {checkpoint}: "
        "the chain was rewritten between positions {start} and {length}"
    ),
    "chain_shorter_than_checkpoint": "the chain has {checked} entries, but checkpoint {checkpoint} signed {length}: entries were removed",
    "checkpoint_not_stored": "checkpoint {checkpoint} of the published copy is missing from the database",
    "checkpoint_differs": "checkpoint {checkpoint} in the database differs from the published copy",
}


@dataclass(frozen=True)
class Report:
    ok: bool
    checked: int
    broken_id: int | None = None
    problem: str = ""
    code: str = ""
    checkpoint: int | None = None
    checkpoints: int = 0
    params: dict = field(default_factory=dict)


def _broken(code: str, *, checked: int, checkpoints: int, entry: int | None = None, checkpoint: int | None = None, **params) -> Report:
    params = {"entry": entry, "checkpoint": checkpoint, "checked": checked, **params}
    return Report(
        ok=False,
        checked=checked,
        broken_id=entry,
        problem=PROBLEMS[code].format(**params),
        code=code,
        checkpoint=checkpoint,
        checkpoints=checkpoints,
        params=params,
    )


def merge_published(stored: Sequence[Checkpoint], published: Sequence[Checkpoint]) -> tuple[list[Checkpoint], Report | None]:
    """The database's checkpoints together with a copy held outside it (a regulator's archive of
    what was published). Every published checkpoint must still be in the database, unchanged: an
    attacker who deletes or replaces checkpoint rows is caught by the copy they cannot reach."""
    by_sequence = {item.sequence: item for item in stored}
    for item in sorted(published, key=lambda item: item.sequence):
        mine = by_sequence.get(item.sequence)
        if mine is None:
            return [], _broken("checkpoint_not_stored", checked=0, checkpoints=0, checkpoint=item.sequence)
        if mine != item:
            return [], _broken("checkpoint_differs", checked=0, checkpoints=0, checkpoint=item.sequence)
    return sorted(by_sequence.values(), key=lambda item: item.sequence), None


def checkpoints_problem(checkpoints: Sequence[Checkpoint], public_keys: Iterable[bytes]) -> Report | None:
    """The checkpoints on their own: numbered 1, 2, 3 ..., each signed by a trusted key, each
    covering the one before, none recording a shorter chain than the one before."""
    trusted = {key_id(key): key for key in public_keys}
    previous: Checkpoint | None = None
    for item in checkpoints:
        count = item.sequence - 1
        if not trusted:
            return _broken("public_key_missing", checked=0, checkpoints=count, checkpoint=item.sequence)
        expected = previous.sequence + 1 if previous else 1
        if item.sequence != expected:
            return _broken(
                "checkpoint_sequence_gap", checked=0, checkpoints=count, checkpoint=expected,
                before=previous.sequence if previous else 0, after=item.sequence,
            )
        key = trusted.get(item.key_id)
        if key is None:
            return _broken("checkpoint_unknown_key", checked=0, checkpoints=count, checkpoint=item.sequence, key_id=item.key_id)
        try:
            signature = bytes.fromhex(item.signature)
            message = item.message()
        except (ValueError, struct.error):
            return _broken("checkpoint_signature_invalid", checked=0, checkpoints=count, checkpoint=item.sequence)
        if not signature_valid(public_key=key, message=message, signature=signature):
            return _broken("checkpoint_signature_invalid", checked=0, checkpoints=count, checkpoint=item.sequence)
        if item.previous_digest != (previous.digest() if previous else GENESIS):
            return _broken(
                "checkpoint_chain_broken", checked=0, checkpoints=count, checkpoint=item.sequence,
                before=previous.sequence if previous else 0,
            )
        if previous and item.length < previous.length:
            return _broken(
                "checkpoint_length_decreased", checked=0, checkpoints=count, checkpoint=item.sequence,
                length=item.length, before=previous.sequence, before_length=previous.length,
            )
        previous = item
    return None


def verify_log(
    *,
    entries: Iterable[Entry],
    head: tuple[int, str] | None,
    checkpoints: Sequence[Checkpoint],
    public_keys: Iterable[bytes],
) -> Report:
    """Check the whole log and report its first problem.

    In order: (1) the checkpoints on their own (checkpoints_problem); (2) the entries from the
    first, in chain order: each links to the one before and matches its hash, and the entry at each
    checkpoint's length has that checkpoint's tip hash; (3) the chain is at least as long as the
    last checkpoint; (4) the head row exists and records the chain's length and tip hash.
    `head` is (length, hash), or None when the head row is missing."""
    checkpoints = sorted(checkpoints, key=lambda item: item.sequence)
    problem = checkpoints_problem(checkpoints, public_keys)
    if problem:
        return problem
    total = len(checkpoints)
    at_length: dict[int, list[Checkpoint]] = defaultdict(list)
    for item in checkpoints:
        at_length[item.length].append(item)
    # Where the last checkpoint that matched ends: a rewrite found at a later checkpoint lies after it.
    matched = 0
    for item in at_length.get(0, []):
        if item.tip_hash != GENESIS:
            return _broken("checkpoint_tip_mismatch", checked=0, checkpoints=total, checkpoint=item.sequence, length=0, start=0)

    previous = GENESIS
    checked = 0
    for entry in entries:
        code = entry_problem(entry, previous)
        if code:
            return _broken(code, checked=checked, checkpoints=total, entry=entry.id)
        previous = entry.hash
        checked += 1
        for item in at_length.get(checked, ()):
            if item.tip_hash != entry.hash:
                return _broken(
                    "checkpoint_tip_mismatch", checked=checked, checkpoints=total, entry=entry.id,
                    checkpoint=item.sequence, length=checked, start=matched + 1,
                )
            matched = checked

    if checkpoints and checkpoints[-1].length > checked:
        last = checkpoints[-1]
        return _broken("chain_shorter_than_checkpoint", checked=checked, checkpoints=total, checkpoint=last.sequence, length=last.length)
    if head is None:
        return _broken("head_missing", checked=checked, checkpoints=total)
    length, head_hash = head
    if length > checked:
        return _broken("head_short", checked=checked, checkpoints=total, length=length)
    if length != checked or head_hash != previous:
        return _broken(
            "head_mismatch", checked=checked, checkpoints=total, length=length, head_hash=head_hash[:12], tip_hash=previous[:12]
        )
    return Report(ok=True, checked=checked, checkpoints=total)
