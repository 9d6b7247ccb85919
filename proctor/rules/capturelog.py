"""How a capture-log entry is hashed: pure functions a verifier outside the platform can repeat.

Each entry's hash covers the previous entry's hash and the entry's canonical content (kind, person,
subject, payload, time), so an entry changed, removed or inserted breaks the chain at that point.
"""

import datetime
import hashlib
import json

GENESIS = "0" * 64


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
