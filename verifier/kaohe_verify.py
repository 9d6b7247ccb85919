#!/usr/bin/env python3
"""Check a Kaohe capture-log export offline, trusting nothing of the platform but its public key.

    python3 kaohe_verify.py EXPORT.zip --public-key capturelog-public.pem

Needs Python 3.11+ and the `cryptography` package (for Ed25519), nothing else. It prints "OK" and
exits 0 when the export is intact, or names the first inconsistency (the entry id or the
checkpoint sequence, a stable code and a reason) and exits 1; 2 when the file cannot be read.
The format is described in docs/audit.md ("The export"); the rules are those of the platform's
proctor/rules/capturelog.py, written out again here so that this file stands alone.

Without --public-key the export's own public_key.pem is used, which proves only that the export is
consistent with itself: someone who rewrote the log could have re-signed it with a key of their
own. Pin the key you confirmed with the platform's operator.
"""

import argparse
import hashlib
import json
import struct
import sys
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64
FORMAT = "kaohe-capturelog-export"
CHECKPOINT_TAG = b"kaohe-capturelog-checkpoint-v1\x00"
LAYOUT = struct.Struct(">31sQQ32s32sq32s")


class Inconsistency(Exception):
    def __init__(self, code: str, reason: str, *, entry=None, checkpoint=None, line=None):
        super().__init__(reason)
        self.code, self.reason, self.entry, self.checkpoint, self.line = code, reason, entry, checkpoint, line

    def as_dict(self) -> dict:
        return {"ok": False, "code": self.code, "reason": self.reason, "entry": self.entry,
                "checkpoint": self.checkpoint, "line": self.line}


def public_key_raw(text: bytes) -> bytes:
    text = text.strip()
    if text.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(text)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw = bytes.fromhex(text.decode())
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 raw bytes")
    return raw


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def canonical(entry: dict) -> bytes:
    content = {"at": entry["at"], "kind": entry["kind"], "payload": entry["payload"],
               "person": entry["person"], "subject": entry["subject"]}
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(previous_hash: str, content: bytes) -> str:
    return hashlib.sha256(previous_hash.encode() + content).hexdigest()


def checkpoint_message(item: dict) -> bytes:
    return LAYOUT.pack(CHECKPOINT_TAG, item["sequence"], item["length"], bytes.fromhex(item["tip_hash"]),
                       bytes.fromhex(item["previous_digest"]), item["created_at_us"], bytes.fromhex(item["key_id"]))


def check_checkpoints(checkpoints: list[dict], trusted: dict[str, bytes]) -> None:
    """Numbered 1, 2, 3 ...; each signed by a trusted key; each covering the one before; none
    recording a shorter chain than the one before."""
    previous = None
    for item in checkpoints:
        sequence = item.get("sequence")
        expected = previous["sequence"] + 1 if previous else 1
        if sequence != expected:
            raise Inconsistency("checkpoint_sequence_gap", f"checkpoint {expected} is missing (found {sequence})",
                                checkpoint=expected)
        key = trusted.get(str(item["key_id"]).lower())
        if key is None:
            raise Inconsistency("checkpoint_unknown_key",
                                f"checkpoint {sequence} is signed with key {item['key_id']}, which is not the trusted key",
                                checkpoint=sequence)
        try:
            message = checkpoint_message(item)
            Ed25519PublicKey.from_public_bytes(key).verify(bytes.fromhex(item["signature"]), message)
        except (InvalidSignature, ValueError, struct.error, TypeError):
            raise Inconsistency("checkpoint_signature_invalid", f"checkpoint {sequence}: the signature does not verify",
                                checkpoint=sequence) from None
        item["digest"] = hashlib.sha256(message).hexdigest()
        if item["previous_digest"] != (previous["digest"] if previous else GENESIS):
            raise Inconsistency("checkpoint_chain_broken", f"checkpoint {sequence} does not cover the checkpoint before it",
                                checkpoint=sequence)
        if previous and item["length"] < previous["length"]:
            raise Inconsistency("checkpoint_length_decreased", f"checkpoint {sequence} records fewer entries than the one before",
                                checkpoint=sequence)
        previous = item


def verify(path: str, pinned: list[bytes] | None = None) -> dict:
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        if manifest.get("format") != FORMAT or manifest.get("version") != 1:
            raise Inconsistency("format_unknown", "this is not a version 1 Kaohe capture-log export")
        own = public_key_raw(archive.read("public_key.pem"))
        keys = pinned if pinned else [own]
        trusted = {key_id(key): key for key in keys}
        checkpoints = [json.loads(line) for line in archive.read("checkpoints.jsonl").splitlines() if line.strip()]
        check_checkpoints(checkpoints, trusted)
        by_sequence = {item["sequence"]: item for item in checkpoints}
        at_length: dict[int, list[dict]] = {}
        for item in checkpoints:
            at_length.setdefault(item["length"], []).append(item)

        # Where the export starts: the tip of a signed checkpoint (or the chain's beginning).
        start = manifest["start"]
        if start["checkpoint"]:
            anchor = by_sequence.get(start["checkpoint"])
            if anchor is None or anchor["length"] != start["position"] or anchor["tip_hash"] != start["previous_hash"]:
                raise Inconsistency("start_not_signed", "the export does not start at the tip of a signed checkpoint",
                                    checkpoint=start["checkpoint"])
        elif start["position"] != 0 or start["previous_hash"] != GENESIS:
            raise Inconsistency("start_not_signed", "the export does not start at the chain's beginning or a checkpoint")
        position, previous, previous_id = start["position"], start["previous_hash"], 0
        with_content = 0
        with archive.open("entries.jsonl") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    entry = json.loads(raw)
                    entry_id = entry["id"]
                except (ValueError, KeyError, TypeError):
                    raise Inconsistency("entry_unreadable", f"line {number} of entries.jsonl is not an entry", line=number) from None
                if entry.get("previous_hash") != previous:
                    raise Inconsistency("entry_link_broken",
                                        f"entry {entry_id}: previous_hash does not match the entry before it "
                                        "(an entry before it was removed, inserted or moved)", entry=entry_id, line=number)
                if not entry.get("redacted"):
                    try:
                        content = canonical(entry)
                    except KeyError:
                        raise Inconsistency("entry_unreadable", f"entry {entry_id} lacks a field", entry=entry_id, line=number) from None
                    if entry_hash(previous, content) != entry.get("hash"):
                        raise Inconsistency("entry_hash_mismatch", f"entry {entry_id}: its content does not match its hash",
                                            entry=entry_id, line=number)
                    with_content += 1
                if not isinstance(entry_id, int) or entry_id <= previous_id:
                    raise Inconsistency("entry_order", f"entry {entry_id} comes after entry {previous_id}", entry=entry_id, line=number)
                previous, previous_id = entry["hash"], entry_id
                position += 1
                for item in at_length.get(position, ()):
                    if item["tip_hash"] != previous:
                        raise Inconsistency("checkpoint_tip_mismatch",
                                            f"entry {entry_id} at position {position} does not have the tip hash signed in "
                                            f"checkpoint {item['sequence']}: the log was rewritten before it",
                                            entry=entry_id, checkpoint=item["sequence"], line=number)

        # Where it ends: the tip of the last signed checkpoint.
        last = checkpoints[-1] if checkpoints else None
        if last is not None and last["length"] > position:
            raise Inconsistency("chain_shorter_than_checkpoint",
                                f"the export ends at position {position}, but checkpoint {last['sequence']} signed "
                                f"{last['length']} entries: entries were removed at the end", checkpoint=last["sequence"])
        if (last["length"] if last else 0) < position:
            raise Inconsistency("end_not_signed", f"the entries after position {last['length'] if last else 0} are "
                                "covered by no checkpoint in the export")
    return {
        "ok": True, "entries": position - start["position"], "entries_with_content": with_content,
        "from_position": start["position"], "to_position": position, "checkpoints": len(checkpoints),
        "key_id": key_id(keys[0]), "key_pinned": bool(pinned), "export_key_id": key_id(own),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="the export's zip file")
    parser.add_argument("--public-key", action="append", default=[],
                        help="a trusted public key (PEM or 64 hex characters); may be repeated")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    options = parser.parse_args(argv)
    try:
        pinned = [public_key_raw(open(name, "rb").read()) for name in options.public_key]
    except (OSError, ValueError) as error:
        print(f"cannot read the public key: {error}", file=sys.stderr)
        return 2
    try:
        result = verify(options.export, pinned or None)
    except Inconsistency as problem:
        result = problem.as_dict()
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        print(f"cannot read the export: {error}", file=sys.stderr)
        return 2
    if options.json:
        print(json.dumps(result, ensure_ascii=False))
    elif result["ok"]:
        print(f"OK: {result['entries']} entries ({result['entries_with_content']} with content), positions "
              f"{result['from_position'] + 1} to {result['to_position']}, {result['checkpoints']} checkpoints, "
              f"key {result['key_id']}")
        if not result["key_pinned"]:
            print("warning: no --public-key given; the export's own key was trusted", file=sys.stderr)
    else:
        where = f"entry {result['entry']}" if result["entry"] is not None else (
            f"checkpoint {result['checkpoint']}" if result["checkpoint"] is not None else "the export")
        print(f"FAILED at {where}: {result['code']}: {result['reason']}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
