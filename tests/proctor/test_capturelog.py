"""The capture log as evidence: the hash chain, its head, the signed checkpoints, the database's
guards, what is published for regulators, and the nine ways of tampering with the log that an
auditor found went undetected (issue 13). Each tampering is done as an attacker with the database's
owner rights would: raw SQL past the ORM, with the guards dropped (inside the test's transaction,
so the drop is rolled back with it)."""

import base64
import datetime
import hashlib
import io
import json
import logging
import struct
import threading
from contextlib import contextmanager

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from kernel.errors import DomainError
from proctor import checks, signing
from proctor.models import CaptureLogCheckpoint, CaptureLogEntry, CaptureLogHead, guards
from proctor.rules.capturelog import (
    GENESIS,
    Checkpoint,
    canonical,
    checkpoint_message,
    checkpoints_from_json,
    entry_hash,
    key_id,
    microseconds,
    moment,
    public_key_from_text,
    verify_log,
)
from proctor.selectors.capturelog import checkpoint_record, entries, verify
from proctor.services.capturelog import append, checkpoint_create
from proctor.tasks import capturelog_checkpoint

pytestmark = pytest.mark.django_db
Kind = CaptureLogEntry.Kind
T0 = datetime.datetime(2026, 12, 1, 8, 0, 0, 123456, tzinfo=datetime.UTC)
ENTRY = CaptureLogEntry._meta.db_table
HEAD = CaptureLogHead._meta.db_table
CHECKPOINT = CaptureLogCheckpoint._meta.db_table

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))


def raw_public(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.fixture
def signing_key(settings):
    settings.CAPTURELOG_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
    settings.CAPTURELOG_SIGNING_KEY_FILE = ""
    return KEY


def fill(person, count: int, *, start: int = 0) -> None:
    for n in range(start, start + count):
        append(
            kind=Kind.PROCTOR_EVENT, person=person, subject=f"test:{n}", payload={"n": n, "名": "张"},
            now=T0 + datetime.timedelta(minutes=n),
        )


def ids() -> list[int]:
    return list(CaptureLogEntry.objects.order_by("id").values_list("id", flat=True))


@pytest.fixture
def log(world, signing_key) -> list[int]:
    """Eight entries: six, a signed checkpoint, two more. The ids, in chain order."""
    fill(world.gz_worker, 6)
    checkpoint_create(now=T0 + datetime.timedelta(hours=1))
    fill(world.gz_worker, 2, start=6)
    assert verify().ok
    return ids()


@contextmanager
def attacker():
    """A cursor of someone who owns the tables: the guards are dropped first, as they could be."""
    guards.remove(connection)
    with connection.cursor() as cursor:
        yield cursor


def recompute(cursor) -> None:
    """Rehash every entry from the first, relink them, and set the head to match: the chain is
    then consistent again, and only a signed checkpoint can tell."""
    previous = GENESIS
    count = 0
    for entry in list(entries()):
        content = canonical(
            kind=entry.kind, person_id=entry.person_id, subject=entry.subject, payload=entry.payload, created_at=entry.created_at
        )
        digest = entry_hash(previous, content)
        cursor.execute(f"UPDATE {ENTRY} SET previous_hash = %s, hash = %s WHERE id = %s", [previous, digest, entry.id])
        previous = digest
        count += 1
    cursor.execute(f"UPDATE {HEAD} SET length = %s, hash = %s WHERE id = 1", [count, previous])


def chain_alone_is_consistent() -> bool:
    """What the old verify judged: the links, the hashes and the head, without the checkpoints."""
    head = CaptureLogHead.objects.filter(pk=1).values_list("length", "hash").first()
    return verify_log(entries=entries(), head=head, checkpoints=[], public_keys=[]).ok


class TestChain:
    def test_an_untouched_chain_with_checkpoints_verifies(self, log):
        report = verify()
        assert report.ok and report.checked == 8 and report.checkpoints == 1
        out = io.StringIO()
        call_command("capturelog", "verify", stdout=out)
        assert "8" in out.getvalue()

    @pytest.mark.django_db(transaction=True)
    def test_appends_at_the_same_instant_queue_on_the_head_and_never_fork_the_chain(self, world, signing_key):
        if connection.vendor != "postgresql":
            pytest.skip("SQLite serialises every write; the row lock race needs PostgreSQL")
        fill(world.gz_worker, 1)  # the head exists: every writer below goes through its lock
        writers, each = 6, 5
        barrier, failures = threading.Barrier(writers), []

        def write(number):
            try:
                barrier.wait()
                for n in range(each):
                    # Each in a transaction of its own, with the caller's own row before the append.
                    with transaction.atomic():
                        append(kind=Kind.PROCTOR_EVENT, person=world.gz_worker, subject=f"w{number}:{n}", payload={"n": n})
            except Exception as error:  # reported below, not lost in the thread
                failures.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        report = verify()
        assert report.ok and report.checked == 1 + writers * each
        assert CaptureLogHead.objects.get(pk=1).length == 1 + writers * each

    def test_an_empty_log_verifies(self, db):
        assert verify().ok

    def test_the_application_cannot_change_or_delete_an_entry_or_checkpoint(self, log):
        entry = CaptureLogEntry.objects.first()
        entry.payload = {"n": 99}
        with pytest.raises(PermissionError):
            entry.save()
        with pytest.raises(PermissionError):
            entry.delete()
        with pytest.raises(PermissionError):
            CaptureLogEntry.objects.filter(pk=entry.pk).update(payload={})
        with pytest.raises(PermissionError):
            CaptureLogEntry.objects.all().delete()
        checkpoint = CaptureLogCheckpoint.objects.get()
        with pytest.raises(PermissionError):
            checkpoint.save()
        with pytest.raises(PermissionError):
            CaptureLogCheckpoint.objects.all().delete()

    def test_the_database_refuses_to_change_or_remove_log_rows(self, log):
        statements = [
            f"UPDATE {ENTRY} SET payload = '{{}}' WHERE id = {log[2]}",
            f"DELETE FROM {ENTRY} WHERE id = {log[-1]}",
            f"DELETE FROM {ENTRY}",
            f"UPDATE {CHECKPOINT} SET length = 0",
            f"DELETE FROM {CHECKPOINT}",
            f"DELETE FROM {HEAD}",
            f"UPDATE {HEAD} SET length = length - 1, hash = '{GENESIS}'",
        ]
        if connection.vendor == "postgresql":
            # The test's inserts left deferred foreign-key checks pending, and PostgreSQL truncates
            # no table with pending trigger events: run them first, then the guard is what refuses.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            statements += [f"TRUNCATE {ENTRY}", f"TRUNCATE {CHECKPOINT}", f"TRUNCATE {HEAD}"]
        for statement in statements:
            with pytest.raises(IntegrityError, match="refused"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
        assert guards.missing(connection) == []
        # Appends still move the head forward.
        append(kind=Kind.PROCTOR_EVENT, subject="after", now=T0 + datetime.timedelta(days=1))
        assert verify().ok and verify().checked == 9

    def test_missing_guards_are_reported_by_the_database_check(self, db):
        assert checks.capturelog_guards(None, databases=["default"]) == []
        guards.remove(connection)
        assert [item.id for item in checks.capturelog_guards(None, databases=["default"])] == ["proctor.W002"]
        guards.install(connection)
        assert checks.capturelog_guards(None, databases=["default"]) == []


class TestTampering:
    """The nine tamperings of issue 13, each detected."""

    def test_1_edit(self, log):
        with attacker() as cursor:
            cursor.execute(f"UPDATE {ENTRY} SET payload = %s WHERE id = %s", ['{"n": 1000}', log[2]])
        report = verify()
        assert not report.ok and report.code == "entry_hash_mismatch"
        assert report.broken_id == log[2] and report.checked == 2

    def test_2_delete_from_the_middle(self, log):
        with attacker() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY} WHERE id = %s", [log[2]])
        report = verify()
        assert not report.ok and report.code == "entry_link_broken" and report.broken_id == log[3]

    def test_3_delete_the_tail(self, log):
        with attacker() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY} WHERE id >= %s", [log[6]])
        report = verify()
        assert not report.ok and report.code == "head_short" and report.checked == 6

    def test_4_delete_the_tail_and_the_head(self, log):
        with attacker() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY} WHERE id >= %s", [log[6]])
            cursor.execute(f"DELETE FROM {HEAD}")
        report = verify()
        assert not report.ok and report.code == "head_missing"

    def test_4b_delete_the_tail_and_rewind_the_head_past_a_checkpoint(self, log):
        with attacker() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY} WHERE id >= %s", [log[5]])
            recompute(cursor)  # the head now agrees with the five entries left
        assert chain_alone_is_consistent()
        report = verify()
        assert not report.ok and report.code == "chain_shorter_than_checkpoint"
        assert report.checkpoint == 1 and report.checked == 5

    def test_5_delete_everything(self, log):
        with attacker() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY}")
            cursor.execute(f"UPDATE {HEAD} SET length = 0, hash = %s", [GENESIS])
        assert chain_alone_is_consistent()
        report = verify()
        assert not report.ok and report.code == "chain_shorter_than_checkpoint" and report.checked == 0

    def test_6_reorder(self, log):
        with attacker() as cursor:
            cursor.execute(f"UPDATE {ENTRY} SET id = %s WHERE id = %s", [-1, log[2]])
            cursor.execute(f"UPDATE {ENTRY} SET id = %s WHERE id = %s", [log[2], log[3]])
            cursor.execute(f"UPDATE {ENTRY} SET id = %s WHERE id = %s", [log[3], -1])
        report = verify()
        assert not report.ok and report.code == "entry_link_broken" and report.broken_id == log[2]

    def test_7_insert(self, log):
        shift = 1_000_000
        third = CaptureLogEntry.objects.get(pk=log[2])
        forged = entry_hash(
            third.hash,
            canonical(kind=third.kind, person_id=third.person_id, subject="forged", payload=third.payload, created_at=third.created_at),
        )
        with attacker() as cursor:
            cursor.execute(f"UPDATE {ENTRY} SET id = id + %s WHERE id > %s", [shift, log[2]])
            cursor.execute(
                f"INSERT INTO {ENTRY} (id, kind, person_id, subject, payload, created_at, previous_hash, hash) "
                f"SELECT %s, kind, person_id, 'forged', payload, created_at, hash, %s FROM {ENTRY} WHERE id = %s",
                [log[2] + 1, forged, log[2]],
            )
        assert CaptureLogEntry.objects.filter(subject="forged").count() == 1
        report = verify()
        assert not report.ok and report.code == "entry_link_broken" and report.broken_id == log[3] + shift

    def test_8_recompute_after_an_edit(self, log):
        with attacker() as cursor:
            cursor.execute(f"UPDATE {ENTRY} SET payload = %s WHERE id = %s", ['{"n": 1000}', log[2]])
            recompute(cursor)
        assert chain_alone_is_consistent()  # what passed before the checkpoints
        report = verify()
        assert not report.ok and report.code == "checkpoint_tip_mismatch"
        assert report.checkpoint == 1 and report.broken_id == log[5] and report.params["start"] == 1

    def test_9_recompute_after_a_delete(self, log):
        with attacker() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY} WHERE id = %s", [log[2]])
            recompute(cursor)
        assert chain_alone_is_consistent()
        report = verify()
        assert not report.ok and report.code == "checkpoint_tip_mismatch"
        assert report.checkpoint == 1 and report.broken_id == log[6]

    def test_the_command_prints_the_problem_and_fails(self, log):
        with attacker() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY} WHERE id = %s", [log[2]])
            recompute(cursor)
        with pytest.raises(CommandError, match="checkpoint_tip_mismatch"):
            call_command("capturelog", "verify", stdout=io.StringIO())


class TestCheckpoints:
    def test_each_checkpoint_signs_the_tip_and_covers_the_one_before(self, log):
        second = checkpoint_create(now=T0 + datetime.timedelta(hours=2))
        first = CaptureLogCheckpoint.objects.get(sequence=1)
        assert (first.length, second.sequence, second.length) == (6, 2, 8)
        assert first.tip_hash == CaptureLogEntry.objects.get(pk=log[5]).hash
        assert second.tip_hash == CaptureLogHead.objects.get().hash
        assert first.previous_digest == GENESIS
        assert second.previous_digest == hashlib.sha256(checkpoint_record(first).message()).hexdigest()
        assert second.key_id == key_id(raw_public(KEY))
        KEY.public_key().verify(bytes.fromhex(second.signature), checkpoint_record(second).message())
        assert second.created_at == T0 + datetime.timedelta(hours=2)  # the signed microseconds survive the database

    def test_nothing_is_signed_when_the_chain_has_not_grown(self, log):
        assert checkpoint_create(now=T0 + datetime.timedelta(hours=2)) is not None
        assert checkpoint_create(now=T0 + datetime.timedelta(hours=3)) is None
        assert CaptureLogCheckpoint.objects.count() == 2

    def test_new_entries_that_do_not_verify_are_not_signed(self, log):
        with attacker() as cursor:
            cursor.execute(f"UPDATE {ENTRY} SET payload = %s WHERE id = %s", ['{"n": 1000}', log[7]])
        guards.install(connection)
        with pytest.raises(DomainError) as refused:
            checkpoint_create(now=T0 + datetime.timedelta(hours=2))
        assert refused.value.code == "capturelog_broken" and refused.value.details["problem"] == "entry_hash_mismatch"
        assert CaptureLogCheckpoint.objects.count() == 1

    def test_a_head_out_of_step_with_the_entries_is_not_signed(self, log):
        with attacker() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY} WHERE id = %s", [log[7]])
        with pytest.raises(DomainError) as refused:
            checkpoint_create(now=T0 + datetime.timedelta(hours=2))
        assert refused.value.details["problem"] == "head_short"

    def test_a_checkpoint_signed_with_another_key_is_reported(self, log, settings):
        settings.CAPTURELOG_SIGNING_KEY = base64.b64encode(bytes(range(32, 64))).decode()
        checkpoint_create(now=T0 + datetime.timedelta(hours=2))
        settings.CAPTURELOG_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
        report = verify()
        assert not report.ok and report.code == "checkpoint_unknown_key" and report.checkpoint == 2
        assert report.params["key_id"] == key_id(raw_public(OTHER_KEY))
        # A regulator who trusts both keys (one retired) accepts both checkpoints.
        assert verify(public_keys=[raw_public(KEY), raw_public(OTHER_KEY)]).ok

    def test_a_checkpoint_forged_under_the_trusted_key_id_is_reported(self, log):
        # The attacker recomputes the chain after an edit and signs a new checkpoint 1 for it with
        # a key of their own, under the id of the platform's key.
        with attacker() as cursor:
            cursor.execute(f"UPDATE {ENTRY} SET payload = %s WHERE id = %s", ['{"n": 1000}', log[2]])
            recompute(cursor)
            head = CaptureLogHead.objects.get()
            trusted_id = key_id(raw_public(KEY))
            at = microseconds(CaptureLogCheckpoint.objects.get().created_at)
            message = checkpoint_message(
                sequence=1, length=head.length, tip_hash=head.hash, previous_digest=GENESIS, created_at_us=at, key_id=trusted_id
            )
            cursor.execute(
                f"UPDATE {CHECKPOINT} SET length = %s, tip_hash = %s, signature = %s WHERE sequence = 1",
                [head.length, head.hash, OTHER_KEY.sign(message).hex()],
            )
        report = verify()
        assert not report.ok and report.code == "checkpoint_signature_invalid" and report.checkpoint == 1

    def test_a_removed_checkpoint_breaks_the_checkpoint_sequence(self, log):
        checkpoint_create(now=T0 + datetime.timedelta(hours=2))
        fill(CaptureLogEntry.objects.first().person, 1, start=8)
        checkpoint_create(now=T0 + datetime.timedelta(hours=3))
        with attacker() as cursor:
            cursor.execute(f"DELETE FROM {CHECKPOINT} WHERE sequence = 2")
        report = verify()
        assert not report.ok and report.code == "checkpoint_sequence_gap" and report.checkpoint == 2

    def test_a_checkpoint_that_does_not_cover_the_one_before_is_reported(self, log):
        second = checkpoint_record(checkpoint_create(now=T0 + datetime.timedelta(hours=2)))
        first = checkpoint_record(CaptureLogCheckpoint.objects.get(sequence=1))
        unlinked = Checkpoint(**{**second.__dict__, "previous_digest": "ab" * 32, "signature": ""})
        message = unlinked.message()
        unlinked = Checkpoint(**{**unlinked.__dict__, "signature": KEY.sign(message).hex()})
        head = CaptureLogHead.objects.values_list("length", "hash").get()
        report = verify_log(entries=entries(), head=head, checkpoints=[first, unlinked], public_keys=[raw_public(KEY)])
        assert not report.ok and report.code == "checkpoint_chain_broken" and report.checkpoint == 2

    def test_checkpoints_without_any_public_key_do_not_pass(self, log, settings):
        settings.CAPTURELOG_SIGNING_KEY = ""
        report = verify()
        assert not report.ok and report.code == "public_key_missing"

    def test_everything_deleted_is_caught_by_the_regulators_copy(self, log, client):
        published = checkpoints_from_json(client.get("/api/capturelog/checkpoints").json())
        with attacker() as cursor:
            cursor.execute(f"DELETE FROM {ENTRY}")
            cursor.execute(f"DELETE FROM {CHECKPOINT}")
            cursor.execute(f"UPDATE {HEAD} SET length = 0, hash = %s", [GENESIS])
        # The database alone now holds an empty, consistent log: the limit docs/security.md states.
        assert verify().ok
        report = verify(published=published)
        assert not report.ok and report.code == "checkpoint_not_stored" and report.checkpoint == 1

    def test_a_replaced_checkpoint_is_caught_by_the_regulators_copy(self, log, client, tmp_path):
        page = client.get("/api/capturelog/checkpoints").json()
        with attacker() as cursor:
            cursor.execute(f"UPDATE {CHECKPOINT} SET signature = %s WHERE sequence = 1", ["00" * 64])
        report = verify(published=checkpoints_from_json(page))
        assert not report.ok and report.code == "checkpoint_differs"
        archive = tmp_path / "checkpoints.json"
        archive.write_text(json.dumps([page]))
        with pytest.raises(CommandError, match="checkpoint_differs"):
            call_command("capturelog", "verify", "--checkpoints", str(archive), stdout=io.StringIO())


class TestPublished:
    def test_the_key_and_the_checkpoints_are_public_and_verify_with_any_ed25519_library(self, log, client):
        checkpoint_create(now=T0 + datetime.timedelta(hours=2))
        key = client.get("/api/capturelog/public-key")
        assert key.status_code == 200
        key = key.json()
        published_key = serialization.load_pem_public_key(key["public_key_pem"].encode())
        raw = bytes.fromhex(key["public_key_hex"])
        assert key["algorithm"] == "Ed25519" and key["key_id"] == hashlib.sha256(raw).hexdigest()
        assert raw == raw_public(KEY)

        page = client.get("/api/capturelog/checkpoints").json()
        assert page["count"] == 2 and [item["sequence"] for item in page["items"]] == [1, 2]
        previous = bytes(32)
        for item in page["items"]:
            # Rebuilt from the published fields as docs/audit.md describes, with struct alone.
            message = struct.pack(
                ">31sQQ32s32sq32s",
                b"kaohe-capturelog-checkpoint-v1\x00",
                item["sequence"],
                item["length"],
                bytes.fromhex(item["tip_hash"]),
                previous,
                item["created_at_us"],
                bytes.fromhex(item["key_id"]),
            )
            assert bytes.fromhex(item["previous_digest"]) == previous
            assert datetime.datetime.fromisoformat(item["created_at"]) == moment(item["created_at_us"])
            published_key.verify(bytes.fromhex(item["signature"]), message)  # raises if it does not
            assert hashlib.sha256(message).hexdigest() == item["digest"]
            previous = hashlib.sha256(message).digest()
        report = verify(public_keys=[public_key_from_text(key["public_key_pem"])], published=checkpoints_from_json(page))
        assert report.ok and report.checkpoints == 2

    def test_the_checkpoints_are_paginated(self, log, client):
        for hour in (2, 3):
            fill(CaptureLogEntry.objects.first().person, 1, start=10 + hour)
            checkpoint_create(now=T0 + datetime.timedelta(hours=hour))
        page = client.get("/api/capturelog/checkpoints?limit=2").json()
        assert page["count"] == 3 and [item["sequence"] for item in page["items"]] == [1, 2]
        assert [item["sequence"] for item in client.get("/api/capturelog/checkpoints?after=2").json()["items"]] == [3]

    def test_without_a_key_the_public_key_is_refused_with_a_code(self, db, client, settings):
        settings.CAPTURELOG_SIGNING_KEY = ""
        settings.CAPTURELOG_SIGNING_KEY_FILE = ""
        response = client.get("/api/capturelog/public-key")
        assert response.status_code == 503 and response.json()["code"] == "capturelog_signing_key_missing"

    def test_the_verify_command_takes_the_regulators_key(self, log, tmp_path):
        mine, other = tmp_path / "mine.pem", tmp_path / "other.pem"
        for path, key in ((mine, KEY), (other, OTHER_KEY)):
            path.write_bytes(
                key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            )
        call_command("capturelog", "verify", "--public-key", str(mine), stdout=io.StringIO())
        with pytest.raises(CommandError, match="checkpoint_unknown_key"):
            call_command("capturelog", "verify", "--public-key", str(other), stdout=io.StringIO())


class TestSigningKey:
    def test_without_a_key_and_debug_off_checkpoints_are_refused_and_a_check_warns(self, world, settings):
        settings.DEBUG = False
        settings.CAPTURELOG_SIGNING_KEY = ""
        settings.CAPTURELOG_SIGNING_KEY_FILE = ""
        fill(world.gz_worker, 1)
        with pytest.raises(DomainError) as refused:
            checkpoint_create(now=T0)
        assert refused.value.code == "capturelog_signing_key_missing"
        assert [item.id for item in checks.capturelog_signing_key(None)] == ["proctor.W001"]
        with pytest.raises(CommandError, match="capturelog_signing_key_missing"):
            call_command("capturelog", "checkpoint", stdout=io.StringIO())

    def test_with_debug_on_a_development_key_is_made_once_and_said_so(self, world, settings, tmp_path, caplog):
        settings.DEBUG = True
        settings.CAPTURELOG_SIGNING_KEY = ""
        settings.CAPTURELOG_SIGNING_KEY_FILE = ""
        settings.CAPTURELOG_DEVELOPMENT_KEY_FILE = tmp_path / "var" / "dev.pem"
        fill(world.gz_worker, 1)
        with caplog.at_level(logging.WARNING, logger="proctor.signing"):
            first = checkpoint_create(now=T0)
        assert "development capture-log signing key" in caplog.text
        assert settings.CAPTURELOG_DEVELOPMENT_KEY_FILE.stat().st_mode & 0o777 == 0o600
        assert checks.capturelog_signing_key(None) == []
        fill(world.gz_worker, 1, start=1)
        assert checkpoint_create(now=T0 + datetime.timedelta(hours=1)).key_id == first.key_id
        assert verify().ok

    def test_a_key_file_in_pem_is_used_and_a_broken_one_is_an_error(self, world, settings, tmp_path):
        path = tmp_path / "signing.pem"
        path.write_bytes(signing.private_key_pem(OTHER_KEY))
        settings.CAPTURELOG_SIGNING_KEY = ""
        settings.CAPTURELOG_SIGNING_KEY_FILE = str(path)
        fill(world.gz_worker, 1)
        assert checkpoint_create(now=T0).key_id == key_id(raw_public(OTHER_KEY))
        assert checks.capturelog_signing_key(None) == []
        path.write_text("not a key")
        assert [item.id for item in checks.capturelog_signing_key(None)] == ["proctor.E001"]
        settings.CAPTURELOG_SIGNING_KEY = signing.private_key_pem(KEY).decode()  # the environment's, first
        assert checks.capturelog_signing_key(None) == []

    def test_the_beat_task_and_the_command_sign_checkpoints(self, world, signing_key, settings):
        assert settings.CELERY_BEAT_SCHEDULE["capturelog-checkpoint"]["task"] == "proctor.tasks.capturelog_checkpoint"
        fill(world.gz_worker, 2)
        assert capturelog_checkpoint.apply().get() == 1
        fill(world.gz_worker, 1, start=2)
        out = io.StringIO()
        call_command("capturelog", "checkpoint", stdout=out)
        assert CaptureLogCheckpoint.objects.count() == 2 and "2" in out.getvalue()
        call_command("capturelog", "checkpoint", stdout=out)
        assert CaptureLogCheckpoint.objects.count() == 2


@pytest.mark.django_db(transaction=True)
class TestFlush:
    """Transactional tests end with a flush, which the guards would refuse (tests/conftest.py)."""

    def test_a_transactional_test_writes_the_log(self, world, signing_key):
        fill(world.gz_worker, 3)
        checkpoint_create(now=T0)
        assert verify().ok

    def test_the_next_one_starts_empty_and_guarded(self, db):
        assert not CaptureLogEntry.objects.exists() and not CaptureLogCheckpoint.objects.exists()
        assert CaptureLogHead.objects.get().length == 0
        assert guards.missing(connection) == []
        assert verify().ok
