"""The capture-log export for a region and period, and the standalone verifier that checks it
offline (verifier/kaohe_verify.py, run as a separate process as a regulator would): an intact
export passes; an edited, a deleted, a reordered entry and a log re-signed with another key are
each reported at the right place."""

import base64
import datetime
import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kernel.errors import DomainError
from proctor.models import CaptureLogEntry, CaptureLogExport, ExportStatus
from proctor.services.capturelog import append, checkpoint_create
from proctor.services.exports import export_request

pytestmark = pytest.mark.django_db
Kind = CaptureLogEntry.Kind
VERIFIER = Path(__file__).resolve().parents[2] / "verifier" / "kaohe_verify.py"
T0 = datetime.datetime(2026, 11, 1, 8, 0, tzinfo=datetime.UTC)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))


def pem(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture
def signing_key(settings):
    settings.CAPTURELOG_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
    settings.CAPTURELOG_SIGNING_KEY_FILE = ""
    return KEY


@pytest.fixture
def pinned(tmp_path):
    path = tmp_path / "pinned.pem"
    path.write_bytes(pem(KEY))
    return path


def event(person, n, day):
    return append(
        kind=Kind.PROCTOR_EVENT, person=person, subject=f"attempt:{n}", payload={"n": n, "事件": "离开页面"},
        now=T0 + datetime.timedelta(days=day, minutes=n),
    )


@pytest.fixture
def history(world, signing_key):
    """Entries of both cities over three days, with a checkpoint after each day."""
    for day in range(3):
        for n in range(4):
            event(world.gz_worker if n % 2 == 0 else world.sz_worker, day * 10 + n, day)
        checkpoint_create(now=T0 + datetime.timedelta(days=day, hours=12))


_COMMIT = {}


@pytest.fixture(autouse=True)
def _inline(inline_tasks):
    """The export's task runs inline: these tests read what it writes."""


@pytest.fixture(autouse=True)
def _commit(django_capture_on_commit_callbacks):
    """The export is built by its Celery task after commit (eager here): run the callbacks."""
    _COMMIT["capture"] = django_capture_on_commit_callbacks


def build(world, region, *, day=1, actor=None) -> CaptureLogExport:
    with _COMMIT["capture"](execute=True):
        export = export_request(
            actor=actor or world.gz_reviewer, region=region,
            since=T0 + datetime.timedelta(days=day), until=T0 + datetime.timedelta(days=day + 1),
            now=T0 + datetime.timedelta(days=5),
        )
    export.refresh_from_db()
    return export


def run(path, *keys) -> dict:
    arguments = [sys.executable, str(VERIFIER), str(path), "--json"]
    for key in keys:
        arguments += ["--public-key", str(key)]
    done = subprocess.run(arguments, capture_output=True, text=True, timeout=60)
    assert done.returncode in (0, 1), done.stderr
    result = json.loads(done.stdout)
    assert (done.returncode == 0) == result["ok"]
    return result


def read(export) -> dict[str, bytes]:
    with zipfile.ZipFile(export.file.path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write(tmp_path, parts: dict[str, bytes], name="tampered.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for key, value in parts.items():
            archive.writestr(key, value)
    return path


def lines(parts) -> list[dict]:
    return [json.loads(line) for line in parts["entries.jsonl"].splitlines()]


def with_lines(parts, items) -> dict[str, bytes]:
    body = b"".join(json.dumps(item, ensure_ascii=False, sort_keys=True).encode() + b"\n" for item in items)
    return {**parts, "entries.jsonl": body}


class TestExport:
    def test_the_export_holds_the_regions_entries_of_the_period_between_two_checkpoints(self, world, history, tmp_path):
        export = build(world, world.guangzhou)
        assert export.status == ExportStatus.READY and export.percent == 100
        parts = read(export)
        manifest = json.loads(parts["manifest.json"])
        assert manifest["start"] == {"checkpoint": 1, "position": 4, "previous_hash": manifest["start"]["previous_hash"]}
        assert manifest["end"]["checkpoint"] == 2 and manifest["end"]["position"] == 8
        items = lines(parts)
        full = [item for item in items if not item.get("redacted")]
        # day 1's four entries: two of Guangzhou in full, Shenzhen's as hashes only
        assert len(items) == 4 and {item["person"] for item in full} == {world.gz_worker.pk}
        assert all(set(item) == {"id", "previous_hash", "hash", "redacted"} for item in items if item.get("redacted"))
        assert hashlib.sha256(Path(export.file.path).read_bytes()).hexdigest() == export.sha256
        assert CaptureLogEntry.objects.filter(kind=Kind.EXPORT_MADE, subject=f"export:{export.pk}").exists()

    def test_another_regions_reviewer_cannot_export_it(self, world, history):
        with pytest.raises(DomainError) as refused:
            build(world, world.guangzhou, actor=world.sz_reviewer)
        assert refused.value.code == "export_region_not_covered"
        assert not CaptureLogExport.objects.exists()

    def test_a_period_that_ends_before_it_starts_is_refused(self, world, history):
        with pytest.raises(DomainError) as refused:
            export_request(actor=world.gz_reviewer, region=world.guangzhou, since=T0, until=T0)
        assert refused.value.code == "export_period_invalid"

    def test_the_period_after_the_last_checkpoint_is_signed_first(self, world, history, signing_key):
        event(world.gz_worker, 99, 3)
        export = build(world, world.guangzhou, day=3)
        manifest = json.loads(read(export)["manifest.json"])
        assert manifest["end"]["checkpoint"] == 4 and manifest["entries_with_content"] == 1


class TestVerifier:
    def test_an_intact_export_passes(self, world, history, pinned):
        export = build(world, world.guangzhou)
        result = run(export.file.path, pinned)
        assert result["ok"] and result["entries"] == 4 and result["entries_with_content"] == 2 and result["key_pinned"]

    def test_an_export_from_the_beginning_of_the_chain_passes(self, world, history, pinned):
        assert run(build(world, world.shenzhen, day=0, actor=world.province_reviewer).file.path, pinned)["ok"]

    def test_an_edited_entry_is_reported_at_that_entry(self, world, history, pinned, tmp_path):
        parts = read(build(world, world.guangzhou))
        items = lines(parts)
        target = next(item for item in items if not item.get("redacted"))
        target["payload"]["事件"] = "正常"
        result = run(write(tmp_path, with_lines(parts, items)), pinned)
        assert result["code"] == "entry_hash_mismatch" and result["entry"] == target["id"]

    def test_a_deleted_entry_is_reported_at_the_next_one(self, world, history, pinned, tmp_path):
        parts = read(build(world, world.guangzhou))
        items = lines(parts)
        removed = items.pop(1)
        result = run(write(tmp_path, with_lines(parts, items)), pinned)
        assert result["code"] == "entry_link_broken" and result["entry"] == items[1]["id"] != removed["id"]

    def test_the_last_entry_deleted_is_reported_against_the_closing_checkpoint(self, world, history, pinned, tmp_path):
        parts = read(build(world, world.guangzhou))
        result = run(write(tmp_path, with_lines(parts, lines(parts)[:-1])), pinned)
        assert result["code"] == "chain_shorter_than_checkpoint" and result["checkpoint"] == 2

    def test_reordered_entries_are_reported_where_the_order_changed(self, world, history, pinned, tmp_path):
        parts = read(build(world, world.guangzhou))
        items = lines(parts)
        items[1], items[2] = items[2], items[1]
        result = run(write(tmp_path, with_lines(parts, items)), pinned)
        assert result["code"] == "entry_link_broken" and result["entry"] == items[1]["id"]

    def test_a_log_rewritten_and_re_signed_with_another_key_is_reported(self, world, history, pinned, tmp_path):
        """The attacker edits an entry, recomputes every hash after it, re-signs every checkpoint
        with a key of their own and puts that key in the export: the pinned key refuses the first
        checkpoint; without the pin the export is consistent with itself, and says whose key it is."""
        parts = read(build(world, world.guangzhou))
        items = lines(parts)
        checkpoints = [json.loads(line) for line in parts["checkpoints.jsonl"].splitlines()]
        manifest = json.loads(parts["manifest.json"])
        previous = manifest["start"]["previous_hash"]
        target = next(item for item in items if not item.get("redacted"))
        target["payload"]["事件"] = "正常"
        for item in items:
            item["previous_hash"] = previous
            if not item.get("redacted"):
                content = {key: item[key] for key in ("at", "kind", "payload", "person", "subject")}
                body = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
                item["hash"] = hashlib.sha256(previous.encode() + body).hexdigest()
            previous = item["hash"]
        import struct

        other_raw = OTHER_KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        other_id = hashlib.sha256(other_raw).hexdigest()
        digest = "0" * 64
        for checkpoint in checkpoints:
            if checkpoint["length"] == manifest["end"]["position"]:
                checkpoint["tip_hash"] = previous
            checkpoint["key_id"], checkpoint["previous_digest"] = other_id, digest
            message = struct.pack(
                ">31sQQ32s32sq32s", b"kaohe-capturelog-checkpoint-v1\0", checkpoint["sequence"], checkpoint["length"],
                bytes.fromhex(checkpoint["tip_hash"]), bytes.fromhex(digest), checkpoint["created_at_us"], bytes.fromhex(other_id),
            )
            checkpoint["signature"] = OTHER_KEY.sign(message).hex()
            digest = hashlib.sha256(message).hexdigest()
        forged = with_lines(parts, items)
        forged["checkpoints.jsonl"] = b"".join(json.dumps(item).encode() + b"\n" for item in checkpoints)
        forged["public_key.pem"] = pem(OTHER_KEY)
        path = write(tmp_path, forged)
        result = run(path, pinned)
        assert result["code"] == "checkpoint_unknown_key" and result["checkpoint"] == 1
        unpinned = run(path)
        assert unpinned["ok"] and not unpinned["key_pinned"] and unpinned["export_key_id"] == other_id

    def test_the_human_readable_report_names_the_entry(self, world, history, pinned, tmp_path):
        parts = read(build(world, world.guangzhou))
        items = lines(parts)
        target = next(item for item in items if not item.get("redacted"))
        target["kind"] = "consent_given"
        done = subprocess.run(
            [sys.executable, str(VERIFIER), str(write(tmp_path, with_lines(parts, items))), "--public-key", str(pinned)],
            capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 1 and done.stdout.startswith(f"FAILED at entry {target['id']}: entry_hash_mismatch")
